import type { LogLine } from "./read-log.ts";

/** The last lines seen, kept in a fixed-size circle of numbers and texts. */
export type LineRing = {
  push: (n: number, text: string) => void;
  /** The last `count` lines, oldest first, copied and cut to `maxLength`. */
  recent: (count: number, maxLength?: number) => LogLine[];
};

// A slice of a big chunk keeps the whole chunk alive; concatenating and slicing again makes
// V8 copy just the characters, so a kept line costs its own length only.
export const detach = (text: string): string => (text.length < 13 ? text : ` ${text}`.slice(1));

/** A copy of a line fit to be kept: detached from its chunk and at most `maxLength` long. */
export const keepLine = (
  n: number,
  text: string,
  maxLength = Number.POSITIVE_INFINITY,
): LogLine => ({
  n,
  text: detach(text.length > maxLength ? text.slice(0, maxLength) : text),
});

/**
 * A ring of the last `size` lines. It stores the line strings as read (slices of the current
 * chunk) and copies only what is asked for, so pushing a line allocates nothing.
 */
export function createLineRing(size: number): LineRing {
  const numbers = new Float64Array(size);
  const texts: string[] = new Array(size).fill("");
  let count = 0;
  return {
    push(n, text) {
      const at = count % size;
      numbers[at] = n;
      texts[at] = text;
      count++;
    },
    recent(wanted, maxLength) {
      const take = Math.min(wanted, count, size);
      const out: LogLine[] = [];
      for (let i = count - take; i < count; i++) {
        const at = i % size;
        out.push(keepLine(numbers[at] as number, texts[at] as string, maxLength));
      }
      return out;
    },
  };
}
