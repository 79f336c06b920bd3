import { describe, expect, it } from "vitest";
import { readLlmSettings } from "../../src/llm/settings.ts";

const KEY = "sk-proj-test0123456789abcdef";

describe("readLlmSettings", () => {
  describe("when no endpoint is configured", () => {
    it("returns null, so nothing changes", () => {
      expect(readLlmSettings({})).toBeNull();
      expect(readLlmSettings({ OPENAI_API_KEY: "", OPENAI_BASE_URL: "" })).toBeNull();
    });

    it("refuses a model or fallback set without a first endpoint", () => {
      expect(() => readLlmSettings({ CODEHEALER_LLM_MODEL: "llama3.1:8b" })).toThrow(
        /CODEHEALER_LLM_MODEL: is set, but there is no endpoint: set OPENAI_BASE_URL/,
      );
      expect(() =>
        readLlmSettings({
          CODEHEALER_LLM_FALLBACK_BASE_URL: "http://localhost:11434/v1",
          CODEHEALER_LLM_FALLBACK_MODEL: "llama3.1:8b",
        }),
      ).toThrow(/CODEHEALER_LLM_FALLBACK_BASE_URL: is set, but there is no first endpoint/);
    });
  });

  describe("when only OPENAI_API_KEY is set", () => {
    it("uses OpenAI with gpt-4o-mini and the documented defaults", () => {
      expect(readLlmSettings({ OPENAI_API_KEY: KEY })).toEqual({
        endpoints: [
          {
            name: "primary",
            baseURL: "https://api.openai.com/v1",
            apiKey: KEY,
            model: "gpt-4o-mini",
          },
        ],
        timeoutMs: 30_000,
        maxRetries: 2,
        inputTokenBudget: 6_000,
        maxOutputTokens: 1_500,
        pricePer1k: { input: 0, output: 0 },
      });
    });
  });

  describe("when a local server is the endpoint", () => {
    it("needs no key but needs the model's name", () => {
      expect(() => readLlmSettings({ OPENAI_BASE_URL: "http://localhost:11434/v1" })).toThrow(
        /CODEHEALER_LLM_MODEL: is required for http:\/\/localhost:11434\/v1/,
      );
      const settings = readLlmSettings({
        OPENAI_BASE_URL: "http://localhost:11434/v1/",
        CODEHEALER_LLM_MODEL: "llama3.1:8b",
      });
      expect(settings?.endpoints).toEqual([
        {
          name: "primary",
          baseURL: "http://localhost:11434/v1",
          apiKey: null,
          model: "llama3.1:8b",
        },
      ]);
    });

    it("requires a key for api.openai.com", () => {
      expect(() => readLlmSettings({ OPENAI_BASE_URL: "https://api.openai.com/v1" })).toThrow(
        /OPENAI_API_KEY: is required for https:\/\/api.openai.com\/v1/,
      );
    });
  });

  describe("with a fallback endpoint", () => {
    it("reads it second, with its own key and never the first one's", () => {
      const settings = readLlmSettings({
        OPENAI_BASE_URL: "https://integrate.api.nvidia.com/v1",
        OPENAI_API_KEY: "nvapi-primary-key-000000",
        CODEHEALER_LLM_MODEL: "meta/llama-3.1-70b-instruct",
        CODEHEALER_LLM_FALLBACK_BASE_URL: "http://vllm.internal:8000/v1",
        CODEHEALER_LLM_FALLBACK_MODEL: "Qwen/Qwen2.5-Coder-7B-Instruct",
        CODEHEALER_LLM_TIMEOUT_MS: "20000",
        CODEHEALER_LLM_MAX_RETRIES: "0",
        CODEHEALER_LLM_INPUT_TOKENS: "12000",
        CODEHEALER_LLM_OUTPUT_TOKENS: "800",
        CODEHEALER_LLM_PRICE_INPUT_PER_1K: "0.00015",
        CODEHEALER_LLM_PRICE_OUTPUT_PER_1K: "0.0006",
      });
      expect(settings).toMatchObject({
        endpoints: [
          { name: "primary", model: "meta/llama-3.1-70b-instruct" },
          {
            name: "fallback",
            baseURL: "http://vllm.internal:8000/v1",
            apiKey: null,
            model: "Qwen/Qwen2.5-Coder-7B-Instruct",
          },
        ],
        timeoutMs: 20_000,
        maxRetries: 0,
        inputTokenBudget: 12_000,
        maxOutputTokens: 800,
        pricePer1k: { input: 0.00015, output: 0.0006 },
      });
    });

    it("defaults the fallback's model on api.openai.com only", () => {
      const settings = readLlmSettings({
        OPENAI_BASE_URL: "http://localhost:11434/v1",
        CODEHEALER_LLM_MODEL: "llama3.1:8b",
        CODEHEALER_LLM_FALLBACK_BASE_URL: "https://api.openai.com/v1",
        CODEHEALER_LLM_FALLBACK_API_KEY: KEY,
      });
      expect(settings?.endpoints[1]).toMatchObject({ model: "gpt-4o-mini", apiKey: KEY });
    });

    it("refuses a fallback key or model without its URL", () => {
      expect(() =>
        readLlmSettings({ OPENAI_API_KEY: KEY, CODEHEALER_LLM_FALLBACK_API_KEY: "gsk_abcdefghij" }),
      ).toThrow(/CODEHEALER_LLM_FALLBACK_API_KEY: is set, but there is no endpoint/);
    });
  });

  describe("with an embedding model", () => {
    it("serves it from the first endpoint", () => {
      const settings = readLlmSettings({
        OPENAI_API_KEY: KEY,
        CODEHEALER_LLM_EMBEDDING_MODEL: "text-embedding-3-small",
      });
      expect(settings?.embeddingModel).toBe("text-embedding-3-small");
    });

    it("refuses it without an endpoint", () => {
      expect(() =>
        readLlmSettings({ CODEHEALER_LLM_EMBEDDING_MODEL: "text-embedding-3-small" }),
      ).toThrow(/CODEHEALER_LLM_EMBEDDING_MODEL: is set, but there is no endpoint to serve it/);
    });
  });

  describe("with hostile or wrong values", () => {
    it.each([
      ["OPENAI_BASE_URL", "javascript:alert(1)", /must be an http\(s\) URL/],
      ["OPENAI_BASE_URL", "file:///etc/passwd", /must be an http\(s\) URL/],
      ["OPENAI_BASE_URL", "not a url", /must be an http\(s\) URL/],
      ["OPENAI_BASE_URL", `https://user:${KEY}@llm.example.com/v1`, /must not contain credentials/],
      ["OPENAI_API_KEY", `${KEY}\r\nX-Injected: 1`, /one line of printable characters/],
      ["OPENAI_API_KEY", `${KEY} `, /one line of printable characters/],
      ["CODEHEALER_LLM_MODEL", "gpt-4o\nmini", /a model name, without spaces/],
      ["CODEHEALER_LLM_MODEL", "m".repeat(201), /a model name/],
      ["CODEHEALER_LLM_TIMEOUT_MS", "soon", /must be a whole number/],
      ["CODEHEALER_LLM_TIMEOUT_MS", "-5", /must be a whole number/],
      ["CODEHEALER_LLM_TIMEOUT_MS", "1e3", /must be a whole number/],
      ["CODEHEALER_LLM_TIMEOUT_MS", "10", /must be at least 1000/],
      ["CODEHEALER_LLM_TIMEOUT_MS", "99999999999999999999999", /must be at most 600000/],
      ["CODEHEALER_LLM_MAX_RETRIES", "1000", /must be at most 10/],
      ["CODEHEALER_LLM_MAX_RETRIES", "2.5", /must be a whole number/],
      ["CODEHEALER_LLM_INPUT_TOKENS", "Infinity", /must be a whole number/],
      ["CODEHEALER_LLM_OUTPUT_TOKENS", "0", /must be at least 64/],
      ["CODEHEALER_LLM_PRICE_INPUT_PER_1K", "NaN", /must be a price/],
      ["CODEHEALER_LLM_PRICE_OUTPUT_PER_1K", "-0.01", /must be a price/],
      ["CODEHEALER_LLM_PRICE_OUTPUT_PER_1K", "1e400", /must be a price/],
    ])("names %s when it is %j", (variable, value, message) => {
      const env = { OPENAI_API_KEY: KEY, [variable]: value };
      const error = catchError(() => readLlmSettings(env));
      expect(error.message).toMatch(new RegExp(`^  ${variable}: `, "m"));
      expect(error.message).toMatch(message);
    });

    it("names every wrong variable at once and never quotes a key", () => {
      const error = catchError(() =>
        readLlmSettings({
          OPENAI_API_KEY: `${KEY}\nsecret`,
          CODEHEALER_LLM_FALLBACK_API_KEY: `${KEY}-fallback secret`,
          CODEHEALER_LLM_MAX_RETRIES: "many",
        }),
      );
      expect(error.message).toContain("OPENAI_API_KEY");
      expect(error.message).toContain("CODEHEALER_LLM_FALLBACK_API_KEY");
      expect(error.message).toContain("CODEHEALER_LLM_MAX_RETRIES");
      expect(error.message).not.toContain(KEY);
      expect(error.message).not.toContain("secret");
    });
  });
});

function catchError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}
