import { normalizeLine } from "./fingerprint.ts";
import type { LogLine } from "./read-log.ts";
import { redact } from "./redact.ts";

/** Bounds of an excerpt. */
export type ExcerptLimits = { maxLines: number; maxBytes: number; maxLineLength: number };

/** Sized for a human reading a comment and for an LLM prompt alike. */
export const EXCERPT_LIMITS: ExcerptLimits = {
  maxLines: 60,
  maxBytes: 8 * 1024,
  maxLineLength: 400,
};

const GAP = "…";

const clip = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

// Picks lines group by group until `budget` lines are taken, skipping blank and repeated
// lines; returns them in log order with `…` where lines were skipped.
function assemble(groups: readonly (readonly LogLine[])[], budget: number, limits: ExcerptLimits) {
  const chosen = new Map<number, string>();
  const seen = new Set<string>();
  outer: for (const group of groups) {
    for (const line of group) {
      if (chosen.size >= budget) break outer;
      if (chosen.has(line.n) || line.text.trim() === "") continue;
      const key = normalizeLine(line.text);
      if (seen.has(key)) continue;
      seen.add(key);
      chosen.set(line.n, clip(redact(line.text), limits.maxLineLength));
    }
  }
  const out: string[] = [];
  let previous: number | null = null;
  for (const n of [...chosen.keys()].sort((a, b) => a - b)) {
    if (previous !== null && n > previous + 1) out.push(GAP);
    out.push(chosen.get(n) as string);
    previous = n;
  }
  return out;
}

/**
 * Builds the excerpt shown to people and sent to an LLM: the given groups of lines, most
 * important first, merged in log order; blank and repeated lines (equal once normalised)
 * dropped; gaps marked by `…`; secrets redacted; bounded in lines and bytes (markers
 * included) by taking fewer lines from the least important groups.
 */
export function buildExcerpt(
  groups: readonly (readonly LogLine[])[],
  limits: ExcerptLimits = EXCERPT_LIMITS,
): string {
  let budget = limits.maxLines;
  for (;;) {
    const out = assemble(groups, budget, limits);
    const text = out.join("\n");
    const overLines = out.length - limits.maxLines;
    const overBytes = Buffer.byteLength(text) > limits.maxBytes;
    if ((overLines <= 0 && !overBytes) || budget <= 1) return text;
    budget -= Math.max(1, overLines, overBytes ? Math.ceil(budget / 8) : 0);
  }
}
