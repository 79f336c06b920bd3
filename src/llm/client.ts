import type { ChatCompletion } from "openai/resources/chat/completions";
import type { Logger } from "pino";
import type { Db } from "../store/database.ts";
import type { Metrics } from "../web/metrics.ts";
import { type BreakerOptions, DEFAULT_BREAKER } from "./breaker.ts";
import { cachedResponse, forgetResponses, responseKey, saveResponse } from "./cache.ts";
import { type OpenEndpoint, openEndpoint } from "./endpoint.ts";
import { describeFailure, type EndpointFailure, LlmUnavailableError, redactor } from "./failure.ts";
import type { Completion, LlmSettings, Prompt } from "./types.ts";
import { estimateCost, recordLlmUsage } from "./usage.ts";

export { LlmUnavailableError };

export type CompleteOptions = {
  /** The incident the tokens are spent on; null outside one (`codehealer diagnose`). */
  incidentId?: string | null;
  /** Ask for a JSON object (`response_format: json_object`) where the endpoint supports it. */
  json?: boolean;
};

export type LlmClient = {
  /**
   * Answers a prompt: from the cache when the same question was answered before (no tokens
   * spent), else from the first endpoint that answers. Throws {@link LlmUnavailableError}
   * when none does, saying which failed and why.
   */
  complete(prompt: Prompt, options?: CompleteOptions): Promise<Completion>;
  /** Drops the cached answers to a prompt, e.g. one that failed validation. */
  forget(prompt: Prompt, options?: Pick<CompleteOptions, "json">): Promise<void>;
};

export type LlmMetrics = Pick<Metrics, "llmRequest" | "llmSpent" | "llmCacheHit">;

export type LlmClientDeps = {
  db: Db;
  log: Logger;
  metrics?: LlmMetrics | undefined;
  now?: () => Date;
  /** The fetch the SDK uses; the global one by default. */
  fetch?: typeof fetch;
  breaker?: BreakerOptions;
};

/**
 * The LLM client. Make one per process: breakers and what endpoints refused outlive a call.
 *
 * 1. The cache: the same question (model, messages, output limit, JSON mode) to any of the
 *    endpoints' models is answered from the database, spending no tokens.
 * 2. Each endpoint in order, skipping one whose breaker is open; the SDK retries within one.
 * 3. The first answer is cached (unless cut off) and its tokens and cost recorded.
 * 4. No answer: {@link LlmUnavailableError}, naming each endpoint and why.
 */
export function createLlmClient(settings: LlmSettings, deps: LlmClientDeps): LlmClient {
  const { db, log, metrics, now = () => new Date() } = deps;
  const redact = redactor(settings.endpoints);
  const endpoints = settings.endpoints.map((endpoint) =>
    openEndpoint(endpoint, settings, {
      log,
      redact,
      breaker: deps.breaker ?? DEFAULT_BREAKER,
      fetch: deps.fetch,
    }),
  );
  const keysOf = (prompt: Prompt, json: boolean) =>
    settings.endpoints.map(({ model }) =>
      responseKey({ model, messages: prompt.messages, maxTokens: settings.maxOutputTokens, json }),
    );

  async function fromCache(keys: string[], incidentId: string | null): Promise<Completion | null> {
    const hit = await cachedResponse(db, keys);
    if (!hit) return null;
    const { endpoint, model } = hit;
    const usage = { inputTokens: 0, outputTokens: 0 };
    await recordLlmUsage(db, {
      incidentId,
      endpoint,
      model,
      ...usage,
      cost: 0,
      cached: true,
      at: now(),
    });
    metrics?.llmCacheHit();
    log.debug({ endpoint, model, incidentId }, "LLM answer from the cache");
    return { text: hit.text, endpoint, model, usage, cached: true, cost: 0 };
  }

  /** One endpoint's answer with its text, or why there is none (the breaker told either way). */
  async function ask(
    open: OpenEndpoint,
    prompt: Prompt,
    json: boolean,
  ): Promise<{ answer: ChatCompletion; text: string } | { failure: string }> {
    const { endpoint, breaker } = open;
    const verdict = breaker.request(now());
    if (!verdict.allowed) {
      const failure = `breaker ${verdict.reason} for ${endpoint.name} until ${verdict.until.toISOString()}`;
      metrics?.llmRequest(endpoint.name, "breaker_open");
      log.info({ endpoint: endpoint.name }, `LLM endpoint skipped: ${failure}`);
      return { failure };
    }
    try {
      const answer = await open.ask(prompt.messages, json);
      const text = answer.choices[0]?.message.content ?? "";
      if (!text.trim()) throw new Error("the endpoint answered with no content");
      breaker.succeeded();
      return { answer, text };
    } catch (error) {
      const { reason, endpointAtFault } = describeFailure(error, settings.timeoutMs, redact);
      // A request refused as malformed proves the endpoint alive: only failures of the endpoint
      // itself (unreachable, slow, overloaded, a wrong key or URL) count towards opening.
      if (endpointAtFault) breaker.failed(now());
      else breaker.succeeded();
      metrics?.llmRequest(endpoint.name, "failed");
      const state = breaker.state(now());
      log.warn(
        { endpoint: endpoint.name, model: endpoint.model, breaker: state },
        `LLM endpoint failed: ${reason}`,
      );
      return { failure: reason };
    }
  }

  return {
    async complete(prompt, { incidentId = null, json = false } = {}) {
      const keys = keysOf(prompt, json);
      const cached = await fromCache(keys, incidentId);
      if (cached) return cached;

      const failures: EndpointFailure[] = [];
      for (const [index, open] of endpoints.entries()) {
        const started = performance.now();
        const result = await ask(open, prompt, json);
        const { name, model } = open.endpoint;
        if ("failure" in result) {
          failures.push({ endpoint: name, reason: result.failure });
          continue;
        }
        const { answer, text } = result;
        // Some local servers leave usage out: count the prompt's estimate and ~4 characters a token.
        const usage = {
          inputTokens: answer.usage?.prompt_tokens ?? prompt.tokens,
          outputTokens: answer.usage?.completion_tokens ?? Math.ceil(text.length / 4),
        };
        const cost = estimateCost(usage, settings.pricePer1k);
        const truncated = answer.choices[0]?.finish_reason === "length";
        // A cut-off answer is not kept: the same question would get the same half answer forever.
        if (!truncated) {
          const key = keys[index] as string;
          await saveResponse(db, { key, model, endpoint: name, text, ...usage, createdAt: now() });
        }
        await recordLlmUsage(db, {
          incidentId,
          endpoint: name,
          model,
          ...usage,
          cost,
          cached: false,
          at: now(),
        });
        metrics?.llmRequest(name, "answered");
        metrics?.llmSpent(name, { ...usage, cost });
        const ms = Math.round(performance.now() - started);
        log.info(
          { endpoint: name, model, incidentId, ...usage, cost, truncated, ms },
          "LLM answered",
        );
        return { text, endpoint: name, model, usage, cached: false, cost, truncated };
      }
      throw new LlmUnavailableError(failures);
    },

    async forget(prompt, { json = false } = {}) {
      await forgetResponses(db, keysOf(prompt, json));
    },
  };
}
