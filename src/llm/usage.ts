import { eq, sql } from "drizzle-orm";
import type { Db } from "../store/database.ts";
import { type LlmUsage, llmUsage } from "../store/schema.ts";
import type { LlmSettings } from "./types.ts";

/** The estimated cost of some tokens at the configured prices per 1,000. */
export function estimateCost(
  tokens: { inputTokens: number; outputTokens: number },
  pricePer1k: LlmSettings["pricePer1k"],
): number {
  return (
    (tokens.inputTokens / 1000) * pricePer1k.input +
    (tokens.outputTokens / 1000) * pricePer1k.output
  );
}

/** Records one completion the LLM stage used, a cache hit included (with no tokens). */
export async function recordLlmUsage(
  db: Db,
  usage: Omit<LlmUsage, "id" | "at"> & { at?: Date },
): Promise<void> {
  await db.insert(llmUsage).values(usage);
}

/** What the LLM cost for one incident: completions, cache hits, tokens and estimated cost. */
export type UsageTotals = {
  completions: number;
  cacheHits: number;
  inputTokens: number;
  outputTokens: number;
  cost: number;
};

export async function llmUsageOf(db: Db, incidentId: string): Promise<UsageTotals> {
  const [totals] = await db
    .select({
      completions: sql<number>`count(*)::int`,
      cacheHits: sql<number>`(count(*) filter (where ${llmUsage.cached}))::int`,
      inputTokens: sql<number>`coalesce(sum(${llmUsage.inputTokens}), 0)::int`,
      outputTokens: sql<number>`coalesce(sum(${llmUsage.outputTokens}), 0)::int`,
      cost: sql<number>`coalesce(sum(${llmUsage.cost}), 0)::float8`,
    })
    .from(llmUsage)
    .where(eq(llmUsage.incidentId, incidentId));
  // Drivers differ in how they hand back aggregates (postgres.js: strings for some types).
  return {
    completions: Number(totals?.completions ?? 0),
    cacheHits: Number(totals?.cacheHits ?? 0),
    inputTokens: Number(totals?.inputTokens ?? 0),
    outputTokens: Number(totals?.outputTokens ?? 0),
    cost: Number(totals?.cost ?? 0),
  };
}
