import { readFileSync } from "node:fs";
import nock from "nock";
import pino from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLlmClient, LlmUnavailableError } from "../../src/llm/client.ts";
import type { LlmSettings, Prompt } from "../../src/llm/types.ts";
import type { Db } from "../../src/store/database.ts";
import { openIncident } from "../../src/store/incidents.ts";
import { llmResponses, llmUsage } from "../../src/store/schema.ts";
import { createMetrics } from "../../src/web/metrics.ts";
import { driver, migratedDatabase } from "../support/database.ts";
import { closeTheNetwork } from "../support/nock-github.ts";

const PRIMARY = "https://llm.primary.test";
const FALLBACK = "http://llm.fallback.test";
const PRIMARY_KEY = "sk-proj-primary0123456789abcdefXYZ";
const FALLBACK_KEY = "gsk_fallback0123456789abcdef";
const CHAT = "/v1/chat/completions";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(
    readFileSync(new URL(`../../fixtures/llm/responses/${name}.json`, import.meta.url), "utf8"),
  );

const settings = (overrides: Partial<LlmSettings> = {}): LlmSettings => ({
  endpoints: [
    { name: "primary", baseURL: `${PRIMARY}/v1`, apiKey: PRIMARY_KEY, model: "gpt-4o-mini" },
    { name: "fallback", baseURL: `${FALLBACK}/v1`, apiKey: null, model: "llama3.1:8b" },
  ],
  timeoutMs: 2_000,
  maxRetries: 0,
  inputTokenBudget: 6_000,
  maxOutputTokens: 1_500,
  pricePer1k: { input: 0.15, output: 0.6 },
  ...overrides,
});

const prompt = (failure = "error TS2345: Argument of type 'string'"): Prompt => ({
  messages: [
    { role: "system", content: "You diagnose failed CI runs. Answer with one JSON object." },
    { role: "user", content: `The failing step printed:\n${failure}` },
  ],
  tokens: 1_800,
  sections: [],
  logLines: [failure],
  files: [],
});

let env: Awaited<ReturnType<typeof migratedDatabase>>;
let db: Db;
let incidentId: string;
let logLines: string[];
let unmatched: string[];
const onNoMatch = (request: Request) => unmatched.push(`${request.method} ${request.url}`);

beforeAll(async () => {
  closeTheNetwork();
  nock.emitter.on("no match", onNoMatch);
  env = await migratedDatabase();
  db = env.database.db;
  const { incident } = await openIncident(db, {
    repository: "acme/api",
    provider: "actions",
    sourceEvent: "workflow_run",
    headSha: "a".repeat(40),
    runId: 7,
    conclusion: "failure",
  });
  incidentId = incident.id;
});
afterAll(async () => {
  nock.emitter.off("no match", onNoMatch);
  nock.enableNetConnect();
  await env?.dispose();
});
beforeEach(async () => {
  logLines = [];
  unmatched = [];
  await db.delete(llmResponses);
  await db.delete(llmUsage);
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
  expect(unmatched).toEqual([]);
});

/** A client over the test database whose logs (debug and up) are kept in `logLines`. */
function client(overrides: Partial<LlmSettings> = {}, now?: () => Date) {
  const log = pino({ level: "debug" }, { write: (line: string) => logLines.push(line) });
  const metrics = createMetrics({ db, jobCounts: async () => [] });
  const llm = createLlmClient(settings(overrides), { db, log, metrics, ...(now ? { now } : {}) });
  return { llm, metrics };
}

const usageRows = () => db.select().from(llmUsage).orderBy(llmUsage.id);

async function metric(metrics: ReturnType<typeof createMetrics>, name: string) {
  return (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
}

describe(`the LLM client on ${driver}`, () => {
  describe("when the first endpoint answers", () => {
    it("returns its answer, asks deterministically in JSON mode, and records tokens and cost", async () => {
      let sent: Record<string, unknown> = {};
      nock(PRIMARY, { reqheaders: { authorization: `Bearer ${PRIMARY_KEY}` } })
        .post(CHAT, (body) => {
          sent = body;
          return true;
        })
        .reply(200, fixture("openai-gpt-4o-mini"));
      const { llm, metrics } = client();

      const completion = await llm.complete(prompt(), { incidentId, json: true });

      expect(sent).toEqual({
        model: "gpt-4o-mini",
        messages: prompt().messages,
        max_tokens: 1_500,
        temperature: 0,
        response_format: { type: "json_object" },
      });
      const cost = (1843 / 1000) * 0.15 + (117 / 1000) * 0.6;
      expect(completion).toEqual({
        text: expect.stringContaining('"category": "type_error"'),
        endpoint: "primary",
        model: "gpt-4o-mini",
        usage: { inputTokens: 1843, outputTokens: 117 },
        cached: false,
        cost: expect.closeTo(cost, 10),
        truncated: false,
      });
      expect(await usageRows()).toMatchObject([
        { incidentId, endpoint: "primary", inputTokens: 1843, outputTokens: 117, cached: false },
      ]);
      expect((await usageRows())[0]?.cost).toBeCloseTo(cost, 10);
      expect(await metric(metrics, "codehealer_llm_tokens_total")).toEqual([
        { labels: { endpoint: "primary", direction: "input" }, value: 1843 },
        { labels: { endpoint: "primary", direction: "output" }, value: 117 },
      ]);
      expect((await metric(metrics, "codehealer_llm_cost_total"))[0]?.value).toBeCloseTo(cost, 10);
      expect(await metric(metrics, "codehealer_llm_requests_total")).toEqual([
        { labels: { endpoint: "primary", outcome: "answered" }, value: 1 },
      ]);
    });

    it("answers the same question again from the cache: no request, no tokens", async () => {
      nock(PRIMARY).post(CHAT).reply(200, fixture("openai-gpt-4o-mini"));
      const { llm, metrics } = client();
      const first = await llm.complete(prompt(), { incidentId, json: true });

      const again = await llm.complete(prompt(), { incidentId, json: true });

      expect(again).toEqual({
        text: first.text,
        endpoint: "primary",
        model: "gpt-4o-mini",
        usage: { inputTokens: 0, outputTokens: 0 },
        cached: true,
        cost: 0,
      });
      expect((await usageRows())[1]).toMatchObject({
        cached: true,
        inputTokens: 0,
        outputTokens: 0,
        cost: 0,
      });
      expect((await metric(metrics, "codehealer_llm_cache_hits_total"))[0]?.value).toBe(1);
      expect((await metric(metrics, "codehealer_llm_tokens_total"))[0]?.value).toBe(1843);
    });

    it("asks again once the cached answer is forgotten", async () => {
      nock(PRIMARY).post(CHAT).times(2).reply(200, fixture("openai-gpt-4o-mini"));
      const { llm } = client();
      await llm.complete(prompt(), { json: true });
      await llm.forget(prompt(), { json: true });
      expect((await llm.complete(prompt(), { json: true })).cached).toBe(false);
    });

    it("does not cache an answer cut off at the output limit", async () => {
      nock(PRIMARY).post(CHAT).times(2).reply(200, fixture("vllm-truncated"));
      const { llm } = client();
      expect(await llm.complete(prompt())).toMatchObject({ truncated: true, cached: false });
      expect(await llm.complete(prompt())).toMatchObject({ truncated: true, cached: false });
    });

    it("estimates the tokens when the server reports no usage", async () => {
      const body = fixture("lmstudio-no-usage") as { choices: { message: { content: string } }[] };
      nock(PRIMARY).post(CHAT).reply(200, body);
      const completion = await client().llm.complete(prompt());
      expect(completion.usage).toEqual({
        inputTokens: 1_800,
        outputTokens: Math.ceil((body.choices[0]?.message.content.length ?? 0) / 4),
      });
    });
  });

  describe("when the endpoint refuses a parameter", () => {
    it("asks once more without JSON mode, and leaves it out from then on", async () => {
      const bodies: Record<string, unknown>[] = [];
      const record = (body: Record<string, unknown>) => bodies.push(body) > 0;
      nock(PRIMARY)
        .post(CHAT, record)
        .reply(400, fixture("error-response-format-unsupported"))
        .post(CHAT, record)
        .times(2)
        .reply(200, fixture("lmstudio-no-usage"));
      const { llm } = client();

      await llm.complete(prompt(), { json: true });
      await llm.complete(prompt("another failure"), { json: true });

      expect(bodies.map((body) => "response_format" in body)).toEqual([true, false, false]);
    });

    it("switches to max_completion_tokens for a model that wants it", async () => {
      const bodies: Record<string, unknown>[] = [];
      const record = (body: Record<string, unknown>) => bodies.push(body) > 0;
      nock(PRIMARY)
        .post(CHAT, record)
        .reply(400, fixture("error-max-tokens-unsupported"))
        .post(CHAT, record)
        .reply(200, fixture("openai-gpt-4o-mini"));
      await client().llm.complete(prompt());
      expect(bodies[1]).toMatchObject({ max_completion_tokens: 1_500 });
      expect(bodies[1]).not.toHaveProperty("max_tokens");
    });
  });

  describe("when rate-limited", () => {
    it("waits as Retry-After says, then returns the answer", async () => {
      nock(PRIMARY)
        .post(CHAT)
        .reply(429, fixture("error-openai-rate-limit"), { "retry-after": "1" })
        .post(CHAT)
        .reply(200, fixture("openai-gpt-4o-mini"));
      const { llm } = client({ maxRetries: 2 });
      const started = Date.now();

      const completion = await llm.complete(prompt());

      expect(completion.endpoint).toBe("primary");
      // The SDK's own first backoff is at most 0.5 s: a second's wait is the header's.
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    });

    it("does not wait as long as a hostile Retry-After asks", async () => {
      nock(PRIMARY)
        .post(CHAT)
        .reply(429, fixture("error-openai-rate-limit"), { "retry-after": "86400" })
        .post(CHAT)
        .reply(200, fixture("openai-gpt-4o-mini"));
      // Honoured, this would outlast the test's timeout by a day.
      expect((await client({ maxRetries: 1 }).llm.complete(prompt())).endpoint).toBe("primary");
    });
  });

  describe("when the first endpoint fails", () => {
    it("falls back after its retries of a 500, sending the fallback no key of the first", async () => {
      nock(PRIMARY).post(CHAT).times(3).reply(500, fixture("error-openai-server"));
      nock(FALLBACK, { reqheaders: { authorization: "Bearer no-key" } })
        .post(CHAT)
        .reply(200, fixture("ollama-llama3.1-8b"));
      const { llm, metrics } = client({ maxRetries: 2 });

      const completion = await llm.complete(prompt(), { incidentId });

      expect(completion).toMatchObject({ endpoint: "fallback", model: "llama3.1:8b" });
      expect(await usageRows()).toMatchObject([
        { endpoint: "fallback", model: "llama3.1:8b", inputTokens: 1911, outputTokens: 96 },
      ]);
      expect(await metric(metrics, "codehealer_llm_requests_total")).toEqual([
        { labels: { endpoint: "primary", outcome: "failed" }, value: 1 },
        { labels: { endpoint: "fallback", outcome: "answered" }, value: 1 },
      ]);
      expect(logLines.join("")).toContain("LLM endpoint failed: HTTP 500: The server had an error");
    });

    it("falls back when the first times out", async () => {
      // A server that never answers. (nock's .delay() is not used: once the SDK aborts the
      // request, the late reply trips an assertion inside undici.)
      nock(PRIMARY)
        .post(CHAT)
        .reply(() => new Promise(() => {}));
      nock(FALLBACK).post(CHAT).reply(200, fixture("ollama-llama3.1-8b"));

      const completion = await client({ timeoutMs: 300 }).llm.complete(prompt());

      expect(completion.endpoint).toBe("fallback");
      expect(logLines.join("")).toContain("LLM endpoint failed: timed out after 300 ms");
    });

    it("sends a fallback with a key of its own that key", async () => {
      nock(PRIMARY).post(CHAT).replyWithError("connect ECONNREFUSED");
      nock(FALLBACK, { reqheaders: { authorization: `Bearer ${FALLBACK_KEY}` } })
        .post(CHAT)
        .reply(200, fixture("ollama-llama3.1-8b"));
      const endpoints = settings().endpoints.map((endpoint) =>
        endpoint.name === "fallback" ? { ...endpoint, apiKey: FALLBACK_KEY } : endpoint,
      );
      expect((await client({ endpoints }).llm.complete(prompt())).endpoint).toBe("fallback");
    });
  });

  describe("the circuit breaker", () => {
    /** Fails the primary three times (each answered by the fallback): its breaker opens. */
    async function openPrimary(llm: ReturnType<typeof client>["llm"], status = 503) {
      nock(PRIMARY).post(CHAT).times(3).reply(status, fixture("error-openai-server"));
      nock(FALLBACK).post(CHAT).times(3).reply(200, fixture("ollama-llama3.1-8b"));
      for (const n of [1, 2, 3]) await llm.complete(prompt(`failure ${n}`));
    }

    it("opens after three failures, and the next call skips the endpoint without a request", async () => {
      let clock = new Date("2025-06-01T12:00:00Z");
      const { llm, metrics } = client({}, () => clock);
      await openPrimary(llm);
      clock = new Date("2025-06-01T12:00:30Z");
      nock(FALLBACK).post(CHAT).reply(200, fixture("ollama-llama3.1-8b"));

      expect((await llm.complete(prompt("failure 4"))).endpoint).toBe("fallback");

      expect(unmatched).toEqual([]);
      expect(logLines.join("")).toContain(
        "breaker open for primary until 2025-06-01T12:01:00.000Z",
      );
      expect(await metric(metrics, "codehealer_llm_requests_total")).toContainEqual({
        labels: { endpoint: "primary", outcome: "breaker_open" },
        value: 1,
      });
    });

    it("lets one trial request through after the cool-down, and closes on its success", async () => {
      let clock = new Date("2025-06-01T12:00:00Z");
      const { llm } = client({}, () => clock);
      await openPrimary(llm);
      clock = new Date("2025-06-01T12:00:59Z");
      nock(FALLBACK).post(CHAT).reply(200, fixture("ollama-llama3.1-8b"));
      expect((await llm.complete(prompt("still cooling down"))).endpoint).toBe("fallback");
      clock = new Date("2025-06-01T12:01:01Z");
      nock(PRIMARY).post(CHAT).times(2).reply(200, fixture("openai-gpt-4o-mini"));

      expect((await llm.complete(prompt("trial"))).endpoint).toBe("primary");
      expect((await llm.complete(prompt("closed again"))).endpoint).toBe("primary");
    });

    it("sends a recovering endpoint one request at a time while the trial is in flight", async () => {
      let clock = new Date("2025-06-01T12:00:00Z");
      const { llm } = client({}, () => clock);
      await openPrimary(llm);
      clock = new Date("2025-06-01T12:01:01Z");
      const answer = fixture("openai-gpt-4o-mini");
      nock(PRIMARY)
        .post(CHAT)
        .reply(() => new Promise((resolve) => setTimeout(() => resolve([200, answer]), 200)));
      nock(FALLBACK).post(CHAT).reply(200, fixture("ollama-llama3.1-8b"));

      const [trial, meanwhile] = await Promise.all([
        llm.complete(prompt("trial")),
        llm.complete(prompt("meanwhile")),
      ]);

      // Which of the two is the trial depends on which reads the cache first.
      expect([trial.endpoint, meanwhile.endpoint].sort()).toEqual(["fallback", "primary"]);
      expect(logLines.join("")).toContain("breaker half-open (a trial request is in flight)");
    });

    it("reopens at once when the trial fails", async () => {
      let clock = new Date("2025-06-01T12:00:00Z");
      const { llm } = client({}, () => clock);
      await openPrimary(llm);
      clock = new Date("2025-06-01T12:01:01Z");
      nock(PRIMARY).post(CHAT).reply(503, fixture("error-openai-server"));
      nock(FALLBACK).post(CHAT).times(2).reply(200, fixture("ollama-llama3.1-8b"));

      await llm.complete(prompt("trial"));
      await llm.complete(prompt("still open"));

      expect(logLines.join("")).toContain(
        "breaker open for primary until 2025-06-01T12:02:01.000Z",
      );
    });

    it("opens on a wrong key (401): every request would fail alike", async () => {
      const { llm } = client();
      await openPrimary(llm, 401);
      nock(FALLBACK).post(CHAT).reply(200, fixture("ollama-llama3.1-8b"));
      await llm.complete(prompt("skipped"));
      expect(logLines.join("")).toContain("breaker open for primary");
    });

    it("stays closed on requests refused as malformed (400): the endpoint is alive", async () => {
      const { llm } = client();
      await openPrimary(llm, 400);
      nock(PRIMARY).post(CHAT).reply(200, fixture("openai-gpt-4o-mini"));
      expect((await llm.complete(prompt("asked"))).endpoint).toBe("primary");
    });
  });

  describe("when every endpoint fails", () => {
    it("says which failed and why, and never quotes a key, in the error or the logs", async () => {
      // A hostile or careless server echoing the whole key back.
      nock(PRIMARY)
        .post(CHAT)
        .reply(401, {
          error: { message: `Incorrect API key provided: ${PRIMARY_KEY}`, code: "invalid_api_key" },
        });
      nock(FALLBACK).post(CHAT).replyWithError(`connect ECONNREFUSED (key ${FALLBACK_KEY})`);
      const endpoints = settings().endpoints.map((endpoint) =>
        endpoint.name === "fallback" ? { ...endpoint, apiKey: FALLBACK_KEY } : endpoint,
      );

      const error = await client({ endpoints })
        .llm.complete(prompt(), { incidentId })
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(LlmUnavailableError);
      const { message, failures } = error as LlmUnavailableError;
      expect(message).toMatch(
        /^No LLM endpoint answered:\n {2}primary: HTTP 401: Incorrect API key provided: \[redacted\]\n {2}fallback: connection failed/,
      );
      expect(failures.map((failure) => failure.endpoint)).toEqual(["primary", "fallback"]);
      for (const text of [message, logLines.join("")]) {
        expect(text).not.toContain(PRIMARY_KEY);
        expect(text).not.toContain(FALLBACK_KEY);
      }
      expect(await usageRows()).toEqual([]);
    });

    it("says so when both breakers are open, without a request", async () => {
      const clock = new Date("2025-06-01T12:00:00Z");
      const { llm } = client({}, () => clock);
      nock(PRIMARY).post(CHAT).times(3).reply(503, fixture("error-openai-server"));
      nock(FALLBACK).post(CHAT).times(3).reply(503, fixture("error-openai-server"));
      for (const n of [1, 2, 3]) await expect(llm.complete(prompt(`${n}`))).rejects.toThrow();

      await expect(llm.complete(prompt("skipped"))).rejects.toThrow(
        "  primary: breaker open for primary until 2025-06-01T12:01:00.000Z\n" +
          "  fallback: breaker open for fallback until 2025-06-01T12:01:00.000Z",
      );
    });
  });
});
