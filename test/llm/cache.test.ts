import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cachedResponse, forgetResponses, responseKey, saveResponse } from "../../src/llm/cache.ts";
import type { LlmMessage } from "../../src/llm/types.ts";
import { estimateCost, llmUsageOf, recordLlmUsage } from "../../src/llm/usage.ts";
import type { Db } from "../../src/store/database.ts";
import { openIncident } from "../../src/store/incidents.ts";
import { llmResponses, llmUsage } from "../../src/store/schema.ts";
import { driver, migratedDatabase } from "../support/database.ts";

let env: Awaited<ReturnType<typeof migratedDatabase>>;
let db: Db;
beforeAll(async () => {
  env = await migratedDatabase();
  db = env.database.db;
});
afterAll(async () => {
  await env?.dispose();
});
beforeEach(async () => {
  await db.delete(llmResponses);
  await db.delete(llmUsage);
});

const messages: LlmMessage[] = [
  { role: "system", content: "You diagnose failed CI runs. Answer in JSON." },
  { role: "user", content: "error TS2345: Argument of type 'string' is not assignable" },
];
const question = { model: "gpt-4o-mini", messages, maxTokens: 1500, json: true };

const answer = (key: string, endpoint = "primary") => ({
  key,
  model: "gpt-4o-mini",
  endpoint,
  text: '{"category":"type_error"}',
  inputTokens: 1843,
  outputTokens: 117,
});

describe("responseKey", () => {
  it("is the same for the same question, whatever else a message carries", () => {
    const decorated = messages.map((message) => ({ ...message, name: "ignored" }));
    expect(responseKey({ ...question, messages: decorated })).toBe(responseKey(question));
    expect(responseKey(question)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ["model", { model: "llama3.1:8b" }],
    ["output limit", { maxTokens: 800 }],
    ["JSON mode", { json: false }],
    ["content", { messages: [messages[0]!, { role: "user" as const, content: "other" }] }],
    ["role", { messages: messages.map((m) => ({ ...m, role: "user" as const })) }],
    [
      "message boundary",
      {
        messages: [
          { role: "system" as const, content: "a" },
          { role: "system" as const, content: "b" },
        ],
      },
    ],
  ])("differs when the %s differs", (_, change) => {
    expect(responseKey({ ...question, ...change })).not.toBe(responseKey(question));
  });
});

describe(`the response cache on ${driver}`, () => {
  it("answers with the first key that has an answer, in the order given", async () => {
    await saveResponse(db, answer("b", "fallback"));
    await saveResponse(db, answer("c"));
    expect(await cachedResponse(db, ["a", "b", "c"])).toMatchObject({
      key: "b",
      endpoint: "fallback",
    });
    expect(await cachedResponse(db, ["a"])).toBeNull();
    expect(await cachedResponse(db, [])).toBeNull();
  });

  it("keeps the first answer when two workers save the same question", async () => {
    await saveResponse(db, answer("k"));
    await saveResponse(db, { ...answer("k"), text: "second" });
    expect((await cachedResponse(db, ["k"]))?.text).toBe('{"category":"type_error"}');
  });

  it("forgets answers by key", async () => {
    await saveResponse(db, answer("k"));
    expect(await forgetResponses(db, ["k", "missing"])).toBe(1);
    expect(await cachedResponse(db, ["k"])).toBeNull();
  });
});

describe(`the usage ledger on ${driver}`, () => {
  it("prices tokens per 1,000", () => {
    expect(
      estimateCost({ inputTokens: 2000, outputTokens: 500 }, { input: 0.15, output: 0.6 }),
    ).toBeCloseTo(0.6);
    expect(estimateCost({ inputTokens: 2000, outputTokens: 500 }, { input: 0, output: 0 })).toBe(0);
  });

  it("totals an incident's completions, cache hits spending nothing", async () => {
    const { incident } = await openIncident(db, {
      repository: "acme/api",
      provider: "actions",
      sourceEvent: "workflow_run",
      headSha: "a".repeat(40),
      runId: 4242,
      conclusion: "failure",
    });
    const spent = { endpoint: "primary", model: "gpt-4o-mini", incidentId: incident.id };
    await recordLlmUsage(db, {
      ...spent,
      inputTokens: 1843,
      outputTokens: 117,
      cost: 0.5,
      cached: false,
    });
    await recordLlmUsage(db, { ...spent, inputTokens: 0, outputTokens: 0, cost: 0, cached: true });
    await recordLlmUsage(db, {
      ...spent,
      incidentId: null,
      inputTokens: 9,
      outputTokens: 9,
      cost: 9,
      cached: false,
    });
    expect(await llmUsageOf(db, incident.id)).toEqual({
      completions: 2,
      cacheHits: 1,
      inputTokens: 1843,
      outputTokens: 117,
      cost: 0.5,
    });
  });
});
