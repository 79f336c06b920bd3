import OpenAI from "openai";
import type { ChatCompletion } from "openai/resources/chat/completions";
import type { Logger } from "pino";
import { type Breaker, type BreakerOptions, createBreaker } from "./breaker.ts";
import { chatBody, type Quirk, quirkOf } from "./chat-request.ts";
import type { LlmEndpoint, LlmMessage, LlmSettings } from "./types.ts";

// Local servers often need no key, but the SDK insists on one. Never undefined: the SDK would
// then read OPENAI_API_KEY and send the first endpoint's key to the fallback's host.
const NO_KEY = "no-key";

/** One endpoint as the client uses it: its SDK client, its breaker, what it refused. */
export type OpenEndpoint = {
  endpoint: LlmEndpoint;
  breaker: Breaker;
  /** One chat completion, asked again without a parameter the endpoint refuses. */
  ask(messages: readonly LlmMessage[], json: boolean): Promise<ChatCompletion>;
};

/**
 * Sets up an endpoint. The SDK times a request out after `timeoutMs` and retries timeouts,
 * 429 and 5xx up to `maxRetries` times, waiting as `retry-after-ms` or `Retry-After` says; it
 * ignores a wait over 60 s for its own backoff (at most 8 s), so a hostile header cannot
 * stall the worker.
 */
export function openEndpoint(
  endpoint: LlmEndpoint,
  settings: LlmSettings,
  deps: {
    log: Logger;
    redact: (text: string) => string;
    breaker: BreakerOptions;
    fetch?: typeof fetch | undefined;
  },
): OpenEndpoint {
  const log = deps.log.child({ endpoint: endpoint.name });
  const sdk = sdkClient(endpoint, settings, { ...deps, log });
  const quirks = new Set<Quirk>();
  return {
    endpoint,
    breaker: createBreaker(deps.breaker),
    async ask(messages, json) {
      const question = {
        model: endpoint.model,
        messages,
        maxTokens: settings.maxOutputTokens,
        json,
      };
      for (;;) {
        const body = chatBody(question, quirks);
        try {
          return await sdk.chat.completions.create(body);
        } catch (error) {
          const quirk = quirkOf(error, body);
          // Each quirk is learnt once, so this loop ends.
          if (!quirk || quirks.has(quirk)) throw error;
          quirks.add(quirk);
          log.info({ quirk }, "LLM endpoint refused a parameter; asking without it from now on");
        }
      }
    },
  };
}

/**
 * The SDK's client for an endpoint, told everything explicitly: left undefined, an option is
 * read from the environment (OPENAI_API_KEY, OPENAI_ORG_ID…) and would reach every endpoint.
 */
export function sdkClient(
  endpoint: LlmEndpoint,
  settings: Pick<LlmSettings, "timeoutMs" | "maxRetries">,
  deps: { log: Logger; redact: (text: string) => string; fetch?: typeof fetch | undefined },
): OpenAI {
  return new OpenAI({
    baseURL: endpoint.baseURL,
    apiKey: endpoint.apiKey ?? NO_KEY,
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    timeout: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    logger: sdkLogger(deps.log, deps.redact),
    logLevel: "warn",
  });
}

/** The SDK's own log lines, into ours, redacted. */
function sdkLogger(log: Logger, redact: (text: string) => string) {
  const line = (level: "error" | "warn" | "info" | "debug") => (message: string) =>
    log[level](redact(String(message)));
  return { error: line("error"), warn: line("warn"), info: line("info"), debug: line("debug") };
}
