import { and, asc, eq, getTableColumns, gt, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "./database.ts";
import { EMBEDDING_DIMENSIONS, type NewSolution, type Solution, solutions } from "./schema.ts";

export type SolutionInput = Omit<
  NewSolution,
  "id" | "createdAt" | "updatedAt" | "successes" | "failures"
> & {
  successes?: number;
  failures?: number;
};

/**
 * Remembers a solution, or updates the one from the same source (the same Slack thread or
 * incident), keeping its success record. Refuses, before writing anything, an embedding of
 * the wrong width, with non-finite values or all zeros, and an empty fix.
 */
export async function saveSolution(db: Db, solution: SolutionInput): Promise<Solution> {
  const problem = solutionProblem(solution);
  if (problem) throw new Error(`not remembered: ${problem}`);
  const { successes, failures, ...fields } = solution;
  const [saved] = await db
    .insert(solutions)
    .values({ ...fields, successes: successes ?? 0, failures: failures ?? 0 })
    .onConflictDoUpdate({
      target: [solutions.source, solutions.sourceRef],
      set: { ...fields, updatedAt: new Date() },
    })
    .returning();
  if (!saved) throw new Error(`solution ${solution.source}:${solution.sourceRef} was not saved`);
  return saved;
}

/** Why a solution cannot be stored, or null when it can. */
export function solutionProblem(solution: SolutionInput): string | null {
  const { embedding } = solution;
  if (!Array.isArray(embedding) || embedding.length !== EMBEDDING_DIMENSIONS) {
    return `the embedding must have ${EMBEDDING_DIMENSIONS} dimensions, not ${Array.isArray(embedding) ? embedding.length : typeof embedding}`;
  }
  if (!embedding.every((value) => Number.isFinite(value)))
    return "the embedding has a value that is not a finite number";
  // A zero vector has no direction: its cosine distance to anything is NaN.
  if (embedding.every((value) => value === 0)) return "the embedding is all zeros";
  if (!solution.embeddingModel.trim()) return "the embedding model is not named";
  if (!solution.fix.trim()) return "the fix is empty";
  return null;
}

/** Counts an outcome of applying a solution: its success record is what retrieval trusts. */
export async function recordSolutionOutcome(db: Db, id: string, succeeded: boolean): Promise<void> {
  await db
    .update(solutions)
    .set(
      succeeded
        ? { successes: sql`${solutions.successes} + 1`, updatedAt: new Date() }
        : { failures: sql`${solutions.failures} + 1`, updatedAt: new Date() },
    )
    .where(eq(solutions.id, id));
}

/**
 * A remembered solution as a search returns it: with its cosine distance, without its vector
 * and excerpt (kilobytes per row that no caller of a search reads).
 */
export type SolutionMatch = Omit<Solution, "embedding" | "excerpt"> & { distance: number };

/** What every search filters on; the embedding model is not optional. */
export type SolutionSearch = {
  vector: readonly number[];
  embeddingModel: string;
  category?: string | undefined;
  /** Least posterior mean success rate, (successes + 1) / (successes + failures + 2). */
  minSuccessRate?: number | undefined;
  /** A further condition on `solutions`, e.g. the repository or organisation. */
  where?: SQL | undefined;
  limit: number;
};

const { embedding: _embedding, excerpt: _excerpt, ...listed } = getTableColumns(solutions);

function conditions(search: SolutionSearch): SQL | undefined {
  return and(
    eq(solutions.embeddingModel, search.embeddingModel),
    search.category === undefined ? undefined : eq(solutions.category, search.category),
    search.minSuccessRate
      ? sql`(${solutions.successes} + 1)::float8 / (${solutions.successes} + ${solutions.failures} + 2) >= ${search.minSuccessRate}`
      : undefined,
    search.where,
  );
}

// An explicit cast: postgres.js sends the literal as text, and `vector <=> text` has no operator.
const distanceTo = (vector: readonly number[]) =>
  sql<number>`${solutions.embedding} <=> ${JSON.stringify(vector)}::vector`.mapWith(Number);

/**
 * The solutions nearest to a vector in cosine distance, nearest first. Ordered by the distance
 * alone so that Postgres walks the HNSW index (`vector_cosine_ops`); run it inside
 * {@link withVectorSearch} for its recall settings. Returns the query, to await or to EXPLAIN.
 */
export function nearestSolutions(db: Db, search: SolutionSearch) {
  const distance = distanceTo(search.vector);
  return db
    .select({ ...listed, distance })
    .from(solutions)
    .where(conditions(search))
    .orderBy(distance)
    .limit(search.limit);
}

/** The solutions remembered under exactly this fingerprint and fingerprint version. */
export async function solutionsWithFingerprint(
  db: Db,
  search: SolutionSearch & { fingerprint: string; fingerprintVersion: number },
): Promise<SolutionMatch[]> {
  const distance = distanceTo(search.vector);
  return db
    .select({ ...listed, distance })
    .from(solutions)
    .where(
      and(
        eq(solutions.fingerprint, search.fingerprint),
        eq(solutions.fingerprintVersion, search.fingerprintVersion),
        conditions(search),
      ),
    )
    .orderBy(distance)
    .limit(search.limit);
}

/**
 * Runs vector searches in one transaction with their index settings, local to it so that a
 * pooled connection goes back unchanged. `hnsw.ef_search` is the candidate list the index walk
 * keeps (recall against speed); `hnsw.iterative_scan = relaxed_order` (pgvector 0.8) lets a
 * filtered search keep walking until it has its rows instead of returning fewer. Results may
 * then come slightly out of order: callers sort them by distance.
 */
export async function withVectorSearch<T>(
  db: Db,
  efSearch: number,
  search: (tx: Db) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    // set_config rather than SET: SET takes no bind parameters.
    await tx.execute(
      sql`select set_config('hnsw.ef_search', ${String(efSearch)}, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)`,
    );
    return search(tx);
  });
}

/** What reindexing reads of a solution. */
export type SolutionToReindex = Pick<
  Solution,
  | "id"
  | "fingerprint"
  | "fingerprintVersion"
  | "embeddingModel"
  | "errorLine"
  | "excerpt"
  | "source"
  | "sourceRef"
>;

/**
 * The next solutions, by id after `after`, whose fingerprint version or embedding model is not
 * the current one. Reindexed rows drop out of this set, so a stopped reindex resumes.
 */
export async function solutionsToReindex(
  db: Db,
  current: { fingerprintVersion: number; embeddingModel: string },
  after: string | null,
  limit: number,
): Promise<SolutionToReindex[]> {
  return db
    .select({
      id: solutions.id,
      fingerprint: solutions.fingerprint,
      fingerprintVersion: solutions.fingerprintVersion,
      embeddingModel: solutions.embeddingModel,
      errorLine: solutions.errorLine,
      excerpt: solutions.excerpt,
      source: solutions.source,
      sourceRef: solutions.sourceRef,
    })
    .from(solutions)
    .where(
      and(
        or(
          sql`${solutions.fingerprintVersion} <> ${current.fingerprintVersion}`,
          sql`${solutions.embeddingModel} <> ${current.embeddingModel}`,
        ),
        after === null ? undefined : gt(solutions.id, after),
      ),
    )
    .orderBy(asc(solutions.id))
    .limit(limit);
}

/** Writes a solution's recomputed fingerprint and embedding (and its manual source ref). */
export async function updateSolutionIndex(
  db: Db,
  id: string,
  changes: Pick<
    NewSolution,
    "fingerprint" | "fingerprintVersion" | "embeddingModel" | "sourceRef"
  > & {
    /** Left as it is when undefined (the model did not change). */
    embedding?: number[] | undefined;
  },
): Promise<void> {
  await db
    .update(solutions)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(solutions.id, id));
}

/** Whether a solution from this source is already remembered. */
export async function solutionExists(
  db: Db,
  source: Solution["source"],
  sourceRef: string,
): Promise<boolean> {
  const found = await db
    .select({ id: solutions.id })
    .from(solutions)
    .where(and(eq(solutions.source, source), eq(solutions.sourceRef, sourceRef)))
    .limit(1);
  return found.length > 0;
}
