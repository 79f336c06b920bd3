import { readFileSync } from "node:fs";
import nock from "nock";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EMBEDDING_MODEL } from "../../src/diagnosis/embedding.ts";
import { embedderFor } from "../../src/llm/embeddings.ts";
import type { LlmSettings } from "../../src/llm/types.ts";

const API = "https://api.openai.com";
const KEY = "sk-proj-embeddings0123456789abcdef";
const log = pino({ level: "silent" });

const settings = (embeddingModel?: string): LlmSettings => ({
  endpoints: [
    { name: "primary", baseURL: `${API}/v1`, apiKey: KEY, model: "gpt-4o-mini" },
    {
      name: "fallback",
      baseURL: "http://llm.fallback.test/v1",
      apiKey: null,
      model: "llama3.1:8b",
    },
  ],
  timeoutMs: 2_000,
  maxRetries: 0,
  inputTokenBudget: 6_000,
  maxOutputTokens: 1_500,
  pricePer1k: { input: 0, output: 0 },
  embeddingModel,
});

const recorded = JSON.parse(
  readFileSync(
    new URL("../../fixtures/llm/responses/embeddings-openai-384.json", import.meta.url),
    "utf8",
  ),
) as { data: { embedding: number[] }[] };

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

describe("embedderFor", () => {
  it("keeps the local embeddings without an embedding model, or without an LLM", () => {
    expect(embedderFor(null, { log }).model).toBe(EMBEDDING_MODEL);
    expect(embedderFor(settings(), { log }).model).toBe(EMBEDDING_MODEL);
  });

  describe("with an embedding model on the first endpoint", () => {
    it("asks for the store's 384 dimensions as floats, under a model name of its own", async () => {
      let sent: Record<string, unknown> = {};
      nock(API, { reqheaders: { authorization: `Bearer ${KEY}` } })
        .post("/v1/embeddings", (body) => {
          sent = body;
          return true;
        })
        .reply(200, recorded);
      const embedder = embedderFor(settings("text-embedding-3-small"), { log });

      const vector = await embedder.embed(
        "npm ERR! 404 Not Found - GET https://registry.npmjs.org/left-pad",
      );

      expect(embedder.model).toBe("openai:text-embedding-3-small/384");
      expect(sent).toEqual({
        model: "text-embedding-3-small",
        input: "npm ERR! 404 Not Found - GET https://registry.npmjs.org/left-pad",
        dimensions: 384,
        encoding_format: "float",
      });
      expect(Array.from(vector)).toEqual(recorded.data[0]?.embedding);
    });

    it("refuses a model that gives another width, saying what to do", async () => {
      const wide = {
        ...recorded,
        data: [{ ...recorded.data[0], embedding: Array(768).fill(0.1) }],
      };
      nock(API).post("/v1/embeddings").reply(200, wide);
      await expect(
        embedderFor(settings("nomic-embed-text"), { log }).embed("text"),
      ).rejects.toThrow(
        /nomic-embed-text at api.openai.com gave 768 dimensions, not the 384 the store keeps: use a model that can shorten/,
      );
    });

    it("says why the endpoint failed, without the key", async () => {
      nock(API)
        .post("/v1/embeddings")
        .reply(401, {
          error: { message: `Incorrect API key provided: ${KEY}`, code: "invalid_api_key" },
        });
      const embedder = embedderFor(settings("text-embedding-3-small"), { log });
      const error = await Promise.resolve()
        .then(() => embedder.embed("text"))
        .catch((caught: Error) => caught);
      expect((error as Error).message).toMatch(
        /^Embedding with text-embedding-3-small at api.openai.com failed: HTTP 401/,
      );
      expect((error as Error).message).not.toContain(KEY);
    });
  });
});
