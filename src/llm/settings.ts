import { z } from "zod";
import type { LlmEndpoint, LlmSettings } from "./types.ts";

const OPENAI_API = "https://api.openai.com/v1";
/** The model used on api.openai.com when none is named: cheap, fast, JSON mode. */
export const DEFAULT_OPENAI_MODEL = "gpt-4o-mini";

const baseUrl = z
  .url({
    protocol: /^https?$/,
    message:
      "must be an http(s) URL, such as https://api.openai.com/v1 or http://localhost:11434/v1",
  })
  // A key in the URL would end up in logs and error messages, which name the endpoint.
  .refine((url) => !URL.parse(url)?.username && !URL.parse(url)?.password, {
    message: "must not contain credentials: put the key in the API key variable",
  })
  .transform((url) => url.replace(/\/+$/, ""));

// The key goes into an Authorization header: a line break in it would forge headers.
const apiKey = z.string().regex(/^[\x21-\x7e]+$/, "must be one line of printable characters");

const model = z.string().regex(/^[\x21-\x7e]{1,200}$/, "must be a model name, without spaces");

const whole = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .default(String(fallback))
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const price = z
  .string()
  .regex(/^\d+(\.\d+)?$/, "must be a price such as 0.00015 (per 1,000 tokens)")
  .default("0")
  .transform(Number)
  .pipe(z.number().max(1000, "must be at most 1000 per 1,000 tokens"));

/** The environment variables of the LLM stage. */
const llmEnvSchema = z.object({
  /**
   * The OpenAI-compatible API: OpenAI, NVIDIA NIM, Groq, vLLM, Ollama, LM Studio… The SDK's own
   * variable. Without it, and without OPENAI_API_KEY, there is no LLM: rules and memory answer.
   */
  OPENAI_BASE_URL: baseUrl.optional(),
  /** The first endpoint's key; local servers may need none. The SDK's own variable. */
  OPENAI_API_KEY: apiKey.optional(),
  /** The model the first endpoint serves; defaults to gpt-4o-mini on api.openai.com only. */
  CODEHEALER_LLM_MODEL: model.optional(),
  /** An endpoint tried when the first fails (after its retries) or its breaker is open. */
  CODEHEALER_LLM_FALLBACK_BASE_URL: baseUrl.optional(),
  /** The fallback's key; never the first endpoint's, which is not sent to another host. */
  CODEHEALER_LLM_FALLBACK_API_KEY: apiKey.optional(),
  /** The model the fallback serves; defaults to gpt-4o-mini on api.openai.com only. */
  CODEHEALER_LLM_FALLBACK_MODEL: model.optional(),
  /**
   * An embedding model the first endpoint serves (e.g. text-embedding-3-small), to make
   * memory's vectors instead of the local embeddings. It must return 384 dimensions when asked
   * for them; switching models needs a reindex, as vectors of different models never meet.
   */
  CODEHEALER_LLM_EMBEDDING_MODEL: model.optional(),
  /** How long one request may take, in milliseconds; each retry gets as long again. */
  CODEHEALER_LLM_TIMEOUT_MS: whole(1_000, 600_000, 30_000),
  /** Retries per endpoint on timeouts, 429 and 5xx, waiting as Retry-After asks (up to 60 s). */
  CODEHEALER_LLM_MAX_RETRIES: whole(0, 10, 2),
  /** Input tokens a prompt may use; sections are cut or left out to fit. */
  // The instructions alone take about 1,100: less would leave no room for the evidence.
  CODEHEALER_LLM_INPUT_TOKENS: whole(2_000, 1_000_000, 6_000),
  /** Output tokens asked for (`max_tokens`). */
  CODEHEALER_LLM_OUTPUT_TOKENS: whole(64, 100_000, 1_500),
  /** Price of 1,000 input tokens, for the cost estimate in metrics and per incident. */
  CODEHEALER_LLM_PRICE_INPUT_PER_1K: price,
  /** Price of 1,000 output tokens. */
  CODEHEALER_LLM_PRICE_OUTPUT_PER_1K: price,
});

type LlmEnv = z.infer<typeof llmEnvSchema>;

/**
 * Reads the LLM settings from the environment: null when no endpoint is configured (no
 * OPENAI_API_KEY and no OPENAI_BASE_URL), and then nothing else changes. A wrong value throws
 * an error naming every variable to fix; a key's value never appears in it.
 */
export function readLlmSettings(env: NodeJS.ProcessEnv = process.env): LlmSettings | null {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const parsed = llmEnvSchema.safeParse(blankless);
  if (!parsed.success) {
    throw invalid(parsed.error.issues.map((issue) => [issue.path.join("."), issue.message]));
  }
  const vars = parsed.data;
  const problems: [string, string][] = [];
  const primary = endpoint("primary", vars, problems);
  const fallback = endpoint("fallback", vars, problems);
  if (vars.CODEHEALER_LLM_EMBEDDING_MODEL && !primary && problems.length === 0) {
    problems.push([
      "CODEHEALER_LLM_EMBEDDING_MODEL",
      `is set, but there is no endpoint to serve it: set ${names.primary.url}`,
    ]);
  }
  if (fallback && !primary && problems.length === 0) {
    problems.push([
      names.fallback.url,
      `is set, but there is no first endpoint: set ${names.primary.url}`,
    ]);
  }
  if (problems.length > 0) throw invalid(problems);
  if (!primary) return null;
  return {
    endpoints: fallback ? [primary, fallback] : [primary],
    timeoutMs: vars.CODEHEALER_LLM_TIMEOUT_MS,
    maxRetries: vars.CODEHEALER_LLM_MAX_RETRIES,
    inputTokenBudget: vars.CODEHEALER_LLM_INPUT_TOKENS,
    maxOutputTokens: vars.CODEHEALER_LLM_OUTPUT_TOKENS,
    pricePer1k: {
      input: vars.CODEHEALER_LLM_PRICE_INPUT_PER_1K,
      output: vars.CODEHEALER_LLM_PRICE_OUTPUT_PER_1K,
    },
    ...(vars.CODEHEALER_LLM_EMBEDDING_MODEL
      ? { embeddingModel: vars.CODEHEALER_LLM_EMBEDDING_MODEL }
      : {}),
  };
}

const names = {
  primary: {
    url: "OPENAI_BASE_URL",
    key: "OPENAI_API_KEY",
    model: "CODEHEALER_LLM_MODEL",
  },
  fallback: {
    url: "CODEHEALER_LLM_FALLBACK_BASE_URL",
    key: "CODEHEALER_LLM_FALLBACK_API_KEY",
    model: "CODEHEALER_LLM_FALLBACK_MODEL",
  },
} as const;

/** One endpoint from its three variables, or null when none is set; problems are pushed. */
function endpoint(
  name: keyof typeof names,
  vars: LlmEnv,
  problems: [string, string][],
): LlmEndpoint | null {
  const n = names[name];
  // The SDK's convention: a key alone means OpenAI itself. The fallback has no such default.
  const url = vars[n.url] ?? (name === "primary" && vars[n.key] ? OPENAI_API : undefined);
  const key = vars[n.key] ?? null;
  const named = vars[n.model];
  if (!url) {
    if (named) problems.push([n.model, `is set, but there is no endpoint: set ${n.url}`]);
    if (key) problems.push([n.key, `is set, but there is no endpoint: set ${n.url}`]);
    return null;
  }
  const isOpenAi = new URL(url).host === "api.openai.com";
  if (isOpenAi && !key) problems.push([n.key, `is required for ${OPENAI_API}`]);
  const modelName = named ?? (isOpenAi ? DEFAULT_OPENAI_MODEL : undefined);
  if (!modelName) {
    problems.push([
      n.model,
      `is required for ${url}: the name of a model it serves, such as llama3.1:8b`,
    ]);
    return null;
  }
  return { name, baseURL: url, apiKey: key, model: modelName };
}

function invalid(problems: [string, string][]): Error {
  const lines = problems.map(([variable, message]) => `  ${variable}: ${message}`);
  return new Error(`Invalid LLM settings:\n${lines.join("\n")}`);
}
