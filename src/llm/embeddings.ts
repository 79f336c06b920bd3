import type { Logger } from "pino";
import { EMBEDDING_DIMENSIONS } from "../diagnosis/embedding.ts";
import { type Embedder, localEmbedder } from "../diagnosis/memory-text.ts";
import { sdkClient } from "./endpoint.ts";
import { describeFailure, redactor } from "./failure.ts";
import type { LlmEndpoint, LlmSettings } from "./types.ts";

/**
 * The embedder memory uses: the configured OpenAI-compatible embedding model, else the local
 * one. There is no fallback between them: vectors of different models are never compared, so
 * an embedding endpoint that is down fails the job (to be retried) rather than mixing models.
 */
export function embedderFor(
  settings: LlmSettings | null,
  deps: { log: Logger; fetch?: typeof fetch },
): Embedder {
  const first = settings?.endpoints[0];
  if (!settings?.embeddingModel || !first) return localEmbedder;
  return remoteEmbedder({ ...first, model: settings.embeddingModel }, settings, deps);
}

/**
 * Embeds through an OpenAI-compatible `/embeddings` API, asking for the store's 384
 * dimensions. Models that can shorten their vectors (OpenAI's text-embedding-3-*, Matryoshka
 * models on vLLM) give them; a model that cannot is refused with the reason, since cutting a
 * vector short of a model not trained for it would make its distances meaningless.
 */
export function remoteEmbedder(
  endpoint: LlmEndpoint,
  settings: Pick<LlmSettings, "timeoutMs" | "maxRetries">,
  deps: { log: Logger; fetch?: typeof fetch | undefined },
): Embedder {
  const redact = redactor([endpoint]);
  const log = deps.log.child({ endpoint: endpoint.name, embeddings: endpoint.model });
  const sdk = sdkClient(endpoint, settings, { log, redact, fetch: deps.fetch });
  const where = `${endpoint.model} at ${new URL(endpoint.baseURL).host}`;
  return {
    // Named apart from every local model, and by width: a different width is another model.
    model: `openai:${endpoint.model}/${EMBEDDING_DIMENSIONS}`,
    async embed(text) {
      let vector: number[] | undefined;
      try {
        const response = await sdk.embeddings.create({
          model: endpoint.model,
          input: text,
          dimensions: EMBEDDING_DIMENSIONS,
          // Some compatible servers cannot send base64, the SDK's default.
          encoding_format: "float",
        });
        vector = response.data[0]?.embedding;
      } catch (error) {
        // No cause attached: the SDK error holds the response body, which may quote the key.
        const { reason } = describeFailure(error, settings.timeoutMs, redact);
        throw new Error(`Embedding with ${where} failed: ${reason}`);
      }
      if (!Array.isArray(vector) || vector.length !== EMBEDDING_DIMENSIONS) {
        const width = Array.isArray(vector) ? `${vector.length} dimensions` : "no vector";
        throw new Error(
          `Embedding with ${where} gave ${width}, not the ${EMBEDDING_DIMENSIONS} the store keeps: ` +
            "use a model that can shorten its vectors (such as text-embedding-3-small), or unset CODEHEALER_LLM_EMBEDDING_MODEL",
        );
      }
      if (!vector.every((value) => Number.isFinite(value)))
        throw new Error(`Embedding with ${where} gave a value that is not a finite number`);
      return vector;
    },
  };
}
