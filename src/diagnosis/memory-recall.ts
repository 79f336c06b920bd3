import type { Db } from "../store/database.ts";
import { CATEGORIES, CATEGORY_LABELS, type Category } from "./categories.ts";
import type { Diagnosis } from "./diagnose.ts";
import { findSolutions, type MemoryCandidate, type MemoryScope } from "./memory.ts";
import { SETTLE_PROBABILITY } from "./memory-probability.ts";
import { type Embedding, embedFailure, organizationOf } from "./memory-text.ts";

/** A remembered failure like this one, and what fixed it. */
export type SimilarFailure = {
  solutionId: string;
  /** Where the solution came from: an incident id, a Slack permalink, `manual:<fingerprint>`. */
  ref: string;
  source: "incident" | "slack" | "manual";
  category: string;
  fix: string;
  similarity: number;
  probability: number;
  exact: boolean;
  scope: MemoryScope;
};

/** The remembered fix that settled the diagnosis. */
export type RememberedFix = {
  solutionId: string;
  fix: string;
  patch: string | null;
  probability: number;
};

/**
 * A diagnosis after memory was consulted. `source` says where the answer came from: the rules
 * alone, memory alone (the rules did not recognise the failure), or both agreeing.
 */
export type MemoryDiagnosis = Omit<Diagnosis, "source"> & {
  source: "rules" | "memory" | "rules+memory";
  similar: SimilarFailure[];
  remembered?: RememberedFix;
};

export type RecallOptions = {
  /** `owner/name` of the failing repository: its own solutions rank first. */
  repository?: string | null | undefined;
  /** Defaults to the owner part of `repository`. */
  organization?: string | null | undefined;
  /** The failure's vector when the caller already has it; made locally otherwise. */
  embedding?: Embedding | undefined;
  limit?: number | undefined;
};

const isCategory = (value: string): value is Category =>
  (CATEGORIES as readonly string[]).includes(value);

/**
 * Consults the memory about a rules diagnosis: the second step of diagnosis, after the rules.
 * A failure with no telling line and no excerpt is not looked up: it would only match other
 * empty failures.
 */
export async function recall(
  db: Db,
  diagnosis: Diagnosis,
  options: RecallOptions = {},
): Promise<MemoryDiagnosis> {
  if (diagnosis.errorLine.trim() === "" && diagnosis.excerpt.trim() === "")
    return withMemory(diagnosis, []);
  const embedding = options.embedding ?? (await embedFailure(diagnosis));
  const candidates = await findSolutions(db, {
    embedding: embedding.vector,
    embeddingModel: embedding.model,
    fingerprint: diagnosis.fingerprint,
    fingerprintVersion: diagnosis.fingerprintVersion,
    repository: options.repository,
    organization: options.organization ?? organizationOf(options.repository),
    limit: options.limit,
  });
  return withMemory(diagnosis, candidates);
}

/**
 * Combines a rules diagnosis with what memory found. Pure. The first candidate (exact
 * fingerprint first, then same repository, organisation, anywhere) whose fix probability
 * reaches {@link SETTLE_PROBABILITY} and whose category agrees with the rules (or the rules
 * said `unknown`) settles it:
 * - the rules said `unknown`: memory's category, confidence = max(rules, probability);
 * - the rules agree: confidence = 1 − (1 − rules)(1 − probability), two independent signs.
 * Other candidates are only listed in `similar`; the rules keep priority when they disagree.
 */
export function withMemory(
  diagnosis: Diagnosis,
  candidates: readonly MemoryCandidate[],
): MemoryDiagnosis {
  const similar = candidates.map(similarFailure);
  const settling = candidates.find(
    (c) =>
      c.probability >= SETTLE_PROBABILITY &&
      (diagnosis.category === "unknown" || c.solution.category === diagnosis.category),
  );
  if (!settling) return { ...diagnosis, source: "rules", similar };
  const { solution, probability } = settling;
  const remembered = {
    solutionId: solution.id,
    fix: solution.fix,
    patch: solution.patch,
    probability,
  };
  if (diagnosis.category !== "unknown") {
    const confidence = 1 - (1 - diagnosis.confidence) * (1 - probability);
    return { ...diagnosis, source: "rules+memory", confidence, similar, remembered };
  }
  const category = isCategory(solution.category) ? solution.category : "unknown";
  return {
    ...diagnosis,
    source: "memory",
    category,
    confidence: Math.max(diagnosis.confidence, probability),
    summary: relabel(diagnosis.summary, category),
    similar,
    remembered,
  };
}

function similarFailure({ solution, ...match }: MemoryCandidate): SimilarFailure {
  return {
    solutionId: solution.id,
    ref: solution.sourceRef,
    source: solution.source,
    category: solution.category,
    fix: solution.fix,
    similarity: match.similarity,
    probability: match.probability,
    exact: match.exact,
    scope: match.scope,
  };
}

// The rules' summary starts with the category's label; swap it for the remembered category's.
function relabel(summary: string, category: Category): string {
  const unknown = CATEGORY_LABELS.unknown;
  return summary.startsWith(unknown)
    ? `${CATEGORY_LABELS[category]}${summary.slice(unknown.length)}`
    : summary;
}
