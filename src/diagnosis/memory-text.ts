import { EMBEDDING_MODEL, embed, failureText } from "./embedding.ts";

/**
 * Turns a failure text into a vector. `model` is stored beside every vector it makes: vectors
 * of different models are never compared.
 */
export type Embedder = {
  model: string;
  embed(text: string): ArrayLike<number> | Promise<ArrayLike<number>>;
};

/** The local, deterministic embedder: no model download, no network. */
export const localEmbedder: Embedder = { model: EMBEDDING_MODEL, embed };

/** A vector together with the model that made it. */
export type Embedding = { vector: number[]; model: string };

/**
 * Embeds a failure's {@link failureText}. The incident stage, `codehealer remember`, Slack
 * ingestion and reindexing all embed through here, so their vectors stay comparable.
 */
export async function embedFailure(
  failure: { errorLine: string; excerpt: string },
  embedder: Embedder = localEmbedder,
): Promise<Embedding> {
  return {
    vector: Array.from(await embedder.embed(failureText(failure))),
    model: embedder.model,
  };
}

/** The organisation (owner) of an `owner/name` repository. */
export function organizationOf(repository: string | null | undefined): string | null {
  const owner = repository?.split("/")[0]?.trim();
  return owner ? owner : null;
}
