import { createHash } from "node:crypto";

/**
 * Version of the normalisation and hashing below. It is part of every hash, so changing the
 * algorithm means bumping it: fingerprints of different versions are never compared.
 */
export const FINGERPRINT_VERSION = 1;

// What differs between two runs of the same failure, masked in this order (each step sees
// the output of the previous one). Workspace paths go first so the repository name inside
// them does not survive as text.
const MASKS: readonly [RegExp, string][] = [
  // Windows paths read like the others: the same failure on another OS is the same failure.
  [/\\/g, "/"],
  [/\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?/g, "<time>"],
  [/\b\d\d:\d\d:\d\d(?:[.,]\d+)?\b/g, "<time>"],
  [
    /(?:\/home\/runner\/work|\/Users\/runner\/work|\/__w|[A-Za-z]:\/a|[A-Za-z]:\/actions-runner\/_work|\/home\/travis\/build|\/builds|\/var\/lib\/jenkins\/workspace|\/github\/workspace)(?:\/[^/\s:'"()[\]]+){0,2}/gi,
    "<workspace>",
  ],
  [
    /(?:\/tmp|\/var\/folders|\/private\/var\/folders|[A-Za-z]:\/Users\/[^/\s]+\/AppData\/Local\/Temp|<workspace>\/_temp|\/runner\/_work\/_temp)[^\s:'"()[\],]*/gi,
    "<tmp>",
  ],
  [/\/(?:home|Users)\/[^/\s]+\//g, "~/"],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>"],
  [/\b0x[0-9a-f]+\b/gi, "<addr>"],
  [/\b(?:\d{1,3}\.){3}\d{1,3}\b/g, "<ip>"],
  [/\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b/gi, "<ip>"],
  [/\b(?:fv-az\d+-\d+|ip-\d+-\d+-\d+-\d+|GitHub Actions \d+|i-[0-9a-f]{8,17})\b/gi, "<host>"],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b/gi, "<hex>"],
  [/\b\d+(?:\.\d+)?\s?(?:ms|s|secs?|seconds?|m|mins?|minutes?|h|hours?)\b/g, "<duration>"],
  [/(?<![A-Za-z0-9_])\d+(?:\.\d+)*/g, "<n>"],
  [/\s+/g, " "],
];

/**
 * Masks what varies between runs of the same failure (times, durations, numbers, hex ids,
 * UUIDs, addresses, temporary and workspace paths, IPs, ports, runner names) and lowercases
 * the rest, so that the same failure reads the same every time.
 */
export function normalizeLine(text: string): string {
  let out = text;
  for (const [pattern, mask] of MASKS) out = out.replace(pattern, mask);
  return out.trim().toLowerCase();
}

/**
 * A stable fingerprint of a failure: the first 32 hex digits of the SHA-256 of the
 * algorithm version, the given keys (category, rule) and the normalised telling lines.
 * Two runs of the same failure share it; different failures do not.
 */
export function fingerprint(lines: readonly string[], keys: readonly string[] = []): string {
  const hash = createHash("sha256");
  hash.update(`codehealer-fingerprint-v${FINGERPRINT_VERSION}\n`);
  for (const key of keys) hash.update(`${key}\n`);
  for (const line of lines) hash.update(`${normalizeLine(line)}\n`);
  return hash.digest("hex").slice(0, 32);
}
