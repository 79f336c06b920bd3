import { normalizeLine } from "../logs/fingerprint.ts";

/** Length of every local embedding; matches the store's vector column. */
export const EMBEDDING_DIMENSIONS = 384;

/**
 * Identifies how local vectors are made. Stored beside each vector: vectors of different
 * models (or of a later version of this one) are never compared.
 */
export const EMBEDDING_MODEL = "local-hash-v1";

// Share of each feature family in the final vector: whole words say most, character
// n-grams catch inflections and identifiers split differently.
const WEIGHTS = { words: 0.5, bigrams: 0.3, chars: 0.2 } as const;

// MurmurHash3's 32-bit finaliser over FNV-1a: cheap, deterministic, well spread.
function hash32(text: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// Signed feature hashing: collisions cancel out on average instead of piling up.
function addFeature(vector: Float64Array, feature: string, weight: number, seed: number) {
  const h = hash32(feature, seed);
  const i = h % EMBEDDING_DIMENSIONS;
  vector[i] = (vector[i] as number) + (h & 0x80000000 ? -weight : weight);
}

function normalise(vector: Float64Array): Float64Array {
  let norm = 0;
  for (const v of vector) norm += v * v;
  if (norm === 0) return vector;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) * scale;
  return vector;
}

// Term counts grow slower than linearly, so a word repeated ten times does not drown others.
function counted(items: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  for (const [item, count] of counts) counts.set(item, 1 + Math.log(count));
  return counts;
}

/**
 * A deterministic {@link EMBEDDING_DIMENSIONS}-dimensional, L2-normalised vector of a failure
 * text: hashed word unigrams and bigrams and character 3- to 5-grams of the normalised text.
 * No model and no network; texts about the same failure land close in cosine distance.
 */
export function embed(text: string): Float32Array {
  const tokens = normalizeLine(text).match(/[a-z0-9_]+/g) ?? [];
  const bigrams = tokens.slice(1).map((t, i) => `${tokens[i]} ${t}`);
  const grams: string[] = [];
  for (const token of tokens) {
    const padded = `<${token}>`;
    for (let n = 3; n <= 5; n++) {
      for (let i = 0; i + n <= padded.length; i++) grams.push(padded.slice(i, i + n));
    }
  }
  const out = new Float64Array(EMBEDDING_DIMENSIONS);
  const families: [Map<string, number>, number, number][] = [
    [counted(tokens), WEIGHTS.words, 1],
    [counted(bigrams), WEIGHTS.bigrams, 2],
    [counted(grams), WEIGHTS.chars, 3],
  ];
  for (const [features, weight, seed] of families) {
    const part = new Float64Array(EMBEDDING_DIMENSIONS);
    for (const [feature, count] of features) addFeature(part, feature, count, seed);
    normalise(part);
    for (let i = 0; i < EMBEDDING_DIMENSIONS; i++)
      out[i] = (out[i] as number) + weight * (part[i] as number);
  }
  return Float32Array.from(normalise(out));
}

/** The text embedded for a diagnosis: its telling line first, then its excerpt. */
export function failureText(failure: { errorLine: string; excerpt: string }): string {
  return `${failure.errorLine}\n${failure.errorLine}\n${failure.excerpt}`;
}

/** Cosine similarity of two vectors of the same model. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
