import { and, eq, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../store/database.ts";
import { EMBEDDING_DIMENSIONS, solutions } from "../store/schema.ts";
import {
  nearestSolutions,
  type SolutionMatch,
  solutionsWithFingerprint,
  withVectorSearch,
} from "../store/solutions.ts";
import { CATEGORIES } from "./categories.ts";
import { fixProbability, MATCH_THRESHOLD } from "./memory-probability.ts";

/**
 * HNSW candidate list per search (`hnsw.ef_search`; pgvector's default is 40). On 100,000
 * solutions (`npm run bench:memory`) recall@5 against an exact scan is 0.94 at 40, 0.96 at 64
 * and 0.97–0.98 at 100, while the index walk grows with it: 64 is the least above 0.95.
 */
export const DEFAULT_EF_SEARCH = 64;

/** Where a remembered solution comes from, relative to the failure in hand. */
export type MemoryScope = "repository" | "organization" | "global";

const SCOPES: readonly MemoryScope[] = ["repository", "organization", "global"];

const vectorSchema = z
  .preprocess(
    (value) => (ArrayBuffer.isView(value) ? Array.from(value as Float32Array) : value),
    z.array(z.number({ error: "must be a finite number" })),
  )
  .check((ctx) => {
    if (ctx.value.length !== EMBEDDING_DIMENSIONS)
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        message: `must have ${EMBEDDING_DIMENSIONS} dimensions, not ${ctx.value.length}`,
      });
    else if (ctx.value.every((v) => v === 0))
      ctx.issues.push({ code: "custom", input: ctx.value, message: "is all zeros" });
  });

/** A memory search, validated on the way in: a bad vector is an error, never an empty answer. */
const memoryQuerySchema = z.object({
  /** The failure's vector, of {@link EMBEDDING_DIMENSIONS} finite values. */
  embedding: vectorSchema,
  /** The model that made `embedding`: only vectors of the same model are compared. */
  embeddingModel: z.string().trim().min(1, "must name the model"),
  /** With `fingerprintVersion`: solutions remembered under exactly this fingerprint come first. */
  fingerprint: z.string().min(1).optional(),
  fingerprintVersion: z.number().int().optional(),
  /** `owner/name`: solutions from this repository rank first. */
  repository: z.string().min(1).nullish(),
  /** The owner: solutions from the same organisation rank next. */
  organization: z.string().min(1).nullish(),
  /** Only solutions of this category. */
  category: z.enum(CATEGORIES).optional(),
  /** Least posterior mean success rate, (successes + 1) / (successes + failures + 2). */
  minSuccessRate: z.number().min(0).max(1).optional(),
  /** How many candidates to return. */
  limit: z.number().int().min(1).max(100).default(5),
  /** Least cosine similarity of a match; exact fingerprint matches need none. */
  threshold: z.number().min(0).max(1).default(MATCH_THRESHOLD),
  efSearch: z.number().int().min(1).max(1000).default(DEFAULT_EF_SEARCH),
});

/** A memory search; see the schema for each field. */
export type MemoryQuery = z.input<typeof memoryQuerySchema>;

/** A remembered solution that may apply to the failure in hand. */
export type MemoryCandidate = {
  solution: Omit<SolutionMatch, "distance">;
  /** 1 − cosine distance between the two failures' vectors. */
  similarity: number;
  /** Probability that the remembered fix applies: same failure × the fix works. */
  probability: number;
  /** Remembered under the same fingerprint and fingerprint version. */
  exact: boolean;
  scope: MemoryScope;
};

function parseQuery(query: MemoryQuery) {
  const parsed = memoryQuerySchema.safeParse(query);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "query"} ${issue.message}`);
  throw new Error(`invalid memory query: ${problems.join("; ")}`);
}

type Query = ReturnType<typeof parseQuery>;

// Each scope excludes the narrower ones so that a wider search brings new solutions only.
function scopeFilter(scope: MemoryScope, query: Query): SQL | undefined | null {
  const repository = query.repository ?? null;
  const organization = query.organization ?? null;
  const notRepository = sql`${solutions.repository} is distinct from ${repository}`;
  const notOrganization = sql`${solutions.organization} is distinct from ${organization}`;
  if (scope === "repository") return repository ? eq(solutions.repository, repository) : null;
  if (scope === "organization")
    return organization ? and(eq(solutions.organization, organization), notRepository) : null;
  if (organization) return and(notOrganization, notRepository);
  return repository ? notRepository : undefined;
}

function scopeOf(solution: SolutionMatch, query: Query): MemoryScope {
  if (query.repository && solution.repository === query.repository) return "repository";
  if (query.organization && solution.organization === query.organization) return "organization";
  return "global";
}

function candidate(match: SolutionMatch, query: Query, exact: boolean): MemoryCandidate {
  const { distance, ...solution } = match;
  // Rounding can put an identical vector a hair below 0 distance.
  const similarity = Math.min(1, Math.max(-1, 1 - distance));
  return {
    solution,
    similarity,
    probability: fixProbability({ similarity, exact, ...solution }),
    exact,
    scope: scopeOf(match, query),
  };
}

const byRank = (a: MemoryCandidate, b: MemoryCandidate) =>
  Number(b.exact) - Number(a.exact) ||
  SCOPES.indexOf(a.scope) - SCOPES.indexOf(b.scope) ||
  b.similarity - a.similarity;

/**
 * Searches the memory for solutions to a failure, best first:
 * 1. solutions remembered under the same fingerprint and fingerprint version;
 * 2. the nearest by cosine similarity (HNSW) in the same repository, then in the same
 *    organisation, then anywhere — each wider search only while fewer than `limit` were found;
 * all with the same embedding model, and the category and success-rate filters when given.
 * Matches under the similarity threshold are dropped, except exact fingerprint matches.
 */
export async function findSolutions(db: Db, memoryQuery: MemoryQuery): Promise<MemoryCandidate[]> {
  const query = parseQuery(memoryQuery);
  const search = {
    vector: query.embedding,
    embeddingModel: query.embeddingModel,
    category: query.category,
    minSuccessRate: query.minSuccessRate,
    limit: query.limit,
  };
  return withVectorSearch(db, query.efSearch, async (tx) => {
    const found: MemoryCandidate[] = [];
    const seen = new Set<string>();
    const keep = (matches: SolutionMatch[], exact: boolean) => {
      for (const match of matches) {
        if (seen.has(match.id)) continue;
        const next = candidate(match, query, exact);
        if (!exact && next.similarity < query.threshold) continue;
        seen.add(match.id);
        found.push(next);
      }
    };
    if (query.fingerprint !== undefined && query.fingerprintVersion !== undefined) {
      const { fingerprint, fingerprintVersion } = query;
      keep(
        await solutionsWithFingerprint(tx, { ...search, fingerprint, fingerprintVersion }),
        true,
      );
    }
    for (const scope of SCOPES) {
      if (found.length >= query.limit) break;
      const where = scopeFilter(scope, query);
      if (where === null) continue;
      keep(await nearestSolutions(tx, { ...search, where }), false);
    }
    return found.sort(byRank).slice(0, query.limit);
  });
}
