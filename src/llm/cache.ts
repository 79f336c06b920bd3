import { createHash } from "node:crypto";
import { inArray } from "drizzle-orm";
import type { Db } from "../store/database.ts";
import { type LlmResponse, llmResponses } from "../store/schema.ts";
import type { LlmMessage } from "./types.ts";

/** What makes two requests the same question: the answer to one serves the other. */
export type CacheQuestion = {
  model: string;
  messages: readonly LlmMessage[];
  maxTokens: number;
  json: boolean;
};

/**
 * The cache key of a question: sha256 over the model, the messages, the output limit and JSON
 * mode. Only role and content of each message count, so extra fields never split the cache.
 */
export function responseKey(question: CacheQuestion): string {
  const { model, messages, maxTokens, json } = question;
  const canonical = JSON.stringify([
    "v1",
    model,
    maxTokens,
    json,
    messages.map(({ role, content }) => [role, content]),
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/** The cached answer to the first of `keys` that has one (keys in order of preference). */
export async function cachedResponse(db: Db, keys: readonly string[]): Promise<LlmResponse | null> {
  if (keys.length === 0) return null;
  const found = await db
    .select()
    .from(llmResponses)
    .where(inArray(llmResponses.key, [...keys]));
  for (const key of keys) {
    const row = found.find((candidate) => candidate.key === key);
    if (row) return row;
  }
  return null;
}

/** Keeps an answer; a concurrent worker that asked the same question first keeps its own. */
export async function saveResponse(
  db: Db,
  response: Omit<LlmResponse, "createdAt"> & { createdAt?: Date },
): Promise<void> {
  await db.insert(llmResponses).values(response).onConflictDoNothing();
}

/** Drops cached answers, e.g. one that failed validation, so the question is asked again. */
export async function forgetResponses(db: Db, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  const gone = await db
    .delete(llmResponses)
    .where(inArray(llmResponses.key, [...keys]))
    .returning({ key: llmResponses.key });
  return gone.length;
}
