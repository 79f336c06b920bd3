import { and, asc, eq, gt, isNotNull, or, sql } from "drizzle-orm";
import { FINGERPRINT_VERSION } from "../logs/fingerprint.ts";
import type { Db } from "../store/database.ts";
import { incidents } from "../store/schema.ts";
import {
  type SolutionToReindex,
  solutionExists,
  solutionsToReindex,
  updateSolutionIndex,
} from "../store/solutions.ts";
import { diagnoseText } from "./diagnose.ts";
import { type Embedder, embedFailure, localEmbedder } from "./memory-text.ts";

export type ReindexOptions = {
  /** Rows per transaction; a stopped reindex loses at most one batch. */
  batch?: number;
  embedder?: Embedder;
  /** Called after each committed batch, for progress output. */
  onBatch?: (progress: { table: "solutions" | "incidents"; done: number }) => void;
};

/** How many rows of each table were brought to the current fingerprint and embedding model. */
export type ReindexReport = { solutions: number; incidents: number };

type Stored = { errorLine: string | null; excerpt: string | null };

// The current fingerprint algorithm applied to the stored evidence: the excerpt holds the
// telling line with its context, so diagnosing it again finds the same line in nearly every
// case (72 of 75 corpus and fixture logs keep their fingerprint).
function refingerprint(row: Stored): string {
  return diagnoseText(row.excerpt || row.errorLine || "").fingerprint;
}

async function reembed(row: Stored, embedder: Embedder): Promise<number[]> {
  return (
    await embedFailure({ errorLine: row.errorLine ?? "", excerpt: row.excerpt ?? "" }, embedder)
  ).vector;
}

/**
 * Recomputes fingerprints and embeddings after the fingerprint algorithm or the embedding model
 * changed: the rows whose fingerprint version or embedding model is not the current one, in
 * id order, one transaction per batch. Reindexed rows no longer qualify, so running it again
 * after a stop carries on where it stopped. A fingerprint is recomputed only when its version
 * is old, an embedding only when its model is.
 * 1. solutions: a manual solution's `manual:<fingerprint>` ref follows its new fingerprint, so
 *    remembering the same failure again still updates it;
 * 2. incidents that have an excerpt (the diagnosed ones).
 */
export async function reindex(db: Db, options: ReindexOptions = {}): Promise<ReindexReport> {
  const batch = options.batch ?? 500;
  if (!Number.isInteger(batch) || batch < 1)
    throw new Error(`--batch must be a positive whole number, not ${batch}`);
  const embedder = options.embedder ?? localEmbedder;
  const current = { fingerprintVersion: FINGERPRINT_VERSION, embeddingModel: embedder.model };
  const report: ReindexReport = { solutions: 0, incidents: 0 };

  for (let after: string | null = null; ; ) {
    const rows = await solutionsToReindex(db, current, after, batch);
    if (rows.length === 0) break;
    await db.transaction(async (tx) => {
      for (const row of rows) await reindexSolution(tx, row, current, embedder);
    });
    after = rows.at(-1)?.id ?? null;
    report.solutions += rows.length;
    options.onBatch?.({ table: "solutions", done: report.solutions });
  }

  for (let after: string | null = null; ; ) {
    const rows = await incidentsToReindex(db, current, after, batch);
    if (rows.length === 0) break;
    await db.transaction(async (tx) => {
      for (const row of rows) {
        const fresh = row.fingerprintVersion === current.fingerprintVersion && row.fingerprint;
        await tx
          .update(incidents)
          .set({
            fingerprint: fresh ? row.fingerprint : refingerprint(row),
            fingerprintVersion: current.fingerprintVersion,
            ...(row.embeddingModel === current.embeddingModel
              ? {}
              : {
                  embedding: await reembed(row, embedder),
                  embeddingModel: current.embeddingModel,
                }),
          })
          .where(eq(incidents.id, row.id));
      }
    });
    after = rows.at(-1)?.id ?? null;
    report.incidents += rows.length;
    options.onBatch?.({ table: "incidents", done: report.incidents });
  }
  return report;
}

async function reindexSolution(
  db: Db,
  row: SolutionToReindex,
  current: { fingerprintVersion: number; embeddingModel: string },
  embedder: Embedder,
): Promise<void> {
  const fingerprint =
    row.fingerprintVersion === current.fingerprintVersion ? row.fingerprint : refingerprint(row);
  let sourceRef = row.sourceRef;
  const followsFingerprint =
    row.source === "manual" && row.sourceRef === `manual:${row.fingerprint}`;
  if (followsFingerprint && fingerprint !== row.fingerprint) {
    // Two remembered failures can collapse onto one new fingerprint; the first keeps the ref.
    const next = `manual:${fingerprint}`;
    if (!(await solutionExists(db, "manual", next))) sourceRef = next;
  }
  await updateSolutionIndex(db, row.id, {
    fingerprint,
    fingerprintVersion: current.fingerprintVersion,
    embedding:
      row.embeddingModel === current.embeddingModel ? undefined : await reembed(row, embedder),
    embeddingModel: current.embeddingModel,
    sourceRef,
  });
}

function incidentsToReindex(
  db: Db,
  current: { fingerprintVersion: number; embeddingModel: string },
  after: string | null,
  limit: number,
) {
  return db
    .select({
      id: incidents.id,
      fingerprint: incidents.fingerprint,
      fingerprintVersion: incidents.fingerprintVersion,
      embeddingModel: incidents.embeddingModel,
      errorLine: incidents.errorLine,
      excerpt: incidents.excerpt,
    })
    .from(incidents)
    .where(
      and(
        isNotNull(incidents.excerpt),
        or(
          sql`${incidents.fingerprintVersion} is distinct from ${current.fingerprintVersion}`,
          sql`${incidents.embeddingModel} is distinct from ${current.embeddingModel}`,
        ),
        after === null ? undefined : gt(incidents.id, after),
      ),
    )
    .orderBy(asc(incidents.id))
    .limit(limit);
}
