import { redact } from "../logs/redact.ts";
import type { Db } from "../store/database.ts";
import type { Incident, Solution } from "../store/schema.ts";
import { saveSolution } from "../store/solutions.ts";
import type { Diagnosis } from "./diagnose.ts";
import { type Embedding, embedFailure, organizationOf } from "./memory-text.ts";

/** What a person says fixed a failure. */
export type ToRemember = {
  /** What fixed it, in a sentence or a paragraph; secrets are redacted before it is stored. */
  fix: string;
  /** The change that fixed it (a unified diff), when there was one. */
  patch?: string | null | undefined;
  /** `owner/name` where it happened; without it the solution belongs to no repository. */
  repository?: string | null | undefined;
  /** The failure's vector when the caller already has it; made locally otherwise. */
  embedding?: Embedding | undefined;
};

/** Why a diagnosed log cannot be remembered, or null when it can. */
export function rememberProblem(diagnosis: Diagnosis): string | null {
  if (diagnosis.errorLine.trim() === "" && diagnosis.excerpt.trim() === "")
    return "the log shows no failure: it is empty or has no line to recognise it by";
  if (diagnosis.category === "unknown" && diagnosis.errorLine.trim() === "")
    return "nothing in the log was recognised and it has no error line, so the same failure could not be found again";
  return null;
}

/**
 * Remembers what a person says fixed a diagnosed failure (`codehealer remember`). The source
 * ref is `manual:<fingerprint>`, so telling it again about the same failure updates the one
 * solution. It starts with one success: someone saw the fix work. Nothing is written when
 * the failure cannot be recognised again or the fix is empty.
 */
export async function rememberDiagnosis(
  db: Db,
  diagnosis: Diagnosis,
  told: ToRemember,
): Promise<Solution> {
  const problem = rememberProblem(diagnosis);
  if (problem) throw new Error(`not remembered: ${problem}`);
  const embedding = told.embedding ?? (await embedFailure(diagnosis));
  return saveSolution(db, {
    fingerprint: diagnosis.fingerprint,
    fingerprintVersion: diagnosis.fingerprintVersion,
    embedding: embedding.vector,
    embeddingModel: embedding.model,
    category: diagnosis.category,
    repository: told.repository ?? null,
    organization: organizationOf(told.repository),
    fix: redact(told.fix.trim()),
    patch: told.patch ? redact(told.patch) : null,
    source: "manual",
    sourceRef: `manual:${diagnosis.fingerprint}`,
    errorLine: diagnosis.errorLine,
    excerpt: diagnosis.excerpt,
    successes: 1,
  });
}

/**
 * Remembers how a diagnosed incident was resolved, once its outcome is known (a merged fix, a
 * rerun that passed). The incident's own fingerprint and vector are reused, so it is found
 * exactly as it was stored; its outcome is the solution's first success or failure.
 */
export async function rememberIncident(
  db: Db,
  incident: Incident,
  resolved: { fix: string; patch?: string | null | undefined; succeeded: boolean },
): Promise<Solution> {
  const { fingerprint, fingerprintVersion, embedding, embeddingModel } = incident;
  if (!fingerprint || fingerprintVersion === null || !embedding || !embeddingModel)
    throw new Error(`not remembered: incident ${incident.id} has not been diagnosed`);
  return saveSolution(db, {
    fingerprint,
    fingerprintVersion,
    embedding,
    embeddingModel,
    category: incident.category ?? "unknown",
    repository: incident.repository,
    organization: organizationOf(incident.repository),
    fix: redact(resolved.fix.trim()),
    patch: resolved.patch ? redact(resolved.patch) : null,
    source: "incident",
    sourceRef: incident.id,
    errorLine: incident.errorLine,
    excerpt: incident.excerpt,
    successes: resolved.succeeded ? 1 : 0,
    failures: resolved.succeeded ? 0 : 1,
  });
}
