import { posix } from "node:path";
import { parseUnifiedDiff } from "../fixes/unified-diff.ts";
import { redact } from "../logs/redact.ts";
import type { SolutionPatch } from "../store/solution-patches.ts";
import type { DiffFile } from "./diff-files.ts";

/** A line a remembered fix removed, as it is compared. */
type RemovedLine = { key: string; path: string; solution: SolutionPatch };

/** A line the push adds that a remembered fix had removed. */
export type RepeatedMistake = {
  path: string;
  line: number;
  /** The added line, masked and shortened. */
  shown: string;
  solution: SolutionPatch;
  /** The file the fix removed it from. */
  fixedPath: string;
};

/** Compared lines: trimmed, runs of whitespace made one space. Pure. */
export const normalise = (text: string): string => text.trim().replace(/\s+/g, " ");

/**
 * A line worth recognising: at least 12 characters besides spaces, four of them letters.
 * `}`, `end`, `return null;` or `],` come back all the time without anyone repeating a mistake.
 */
export const meaningful = (key: string): boolean =>
  key.replace(/ /g, "").length >= 12 && (key.match(/[A-Za-z]/g)?.length ?? 0) >= 4;

const SHOWN = 200;

/**
 * The lines a solution's patch removed, each once: meaningful ones the fix did not add back
 * (a whitespace-only change is no mistake), and none masked when it was remembered. A patch
 * that is not a unified diff gives none. Pure.
 */
export function removedLines(solution: SolutionPatch): RemovedLine[] {
  const parsed = parseUnifiedDiff(solution.patch);
  if (!parsed.ok) return [];
  return parsed.value.flatMap((file) => {
    const lines = file.hunks.flatMap((h) => h.lines);
    const added = new Set(lines.filter((l) => l.op === "+").map((l) => normalise(l.text)));
    const removed = new Set(
      lines
        .filter((l) => l.op === "-" && !l.text.includes("[REDACTED"))
        .map((l) => normalise(l.text))
        .filter((key) => meaningful(key) && !added.has(key)),
    );
    return [...removed].map((key) => ({ key, path: file.path, solution }));
  });
}

/**
 * The lines a push adds that a remembered fix removed, at most `limit`, in file and line order.
 * Solutions come newest first; the first whose line matches wins, one of the same file first.
 * A solution of this repository matches in any file (files move); one of another repository of
 * the organisation only in a file of the same name (`package.json`, `Dockerfile`). A line the
 * push also removes from the same file was moved, not brought back. Pure.
 */
export function repeatedMistakes(
  files: readonly DiffFile[],
  solutions: readonly SolutionPatch[],
  repository: string,
  limit = 50,
): RepeatedMistake[] {
  const known = new Map<string, RemovedLine[]>();
  for (const solution of solutions)
    for (const removed of removedLines(solution)) {
      const list = known.get(removed.key) ?? [];
      list.push(removed);
      known.set(removed.key, list);
    }
  const found: RepeatedMistake[] = [];
  if (known.size === 0) return found;
  for (const file of files) {
    const moved = new Set(file.removed.map(normalise));
    for (const { line, text } of file.added) {
      if (found.length >= limit) return found;
      const key = normalise(text);
      if (moved.has(key)) continue;
      const candidates = (known.get(key) ?? []).filter(
        (c) =>
          c.solution.repository === repository ||
          posix.basename(c.path) === posix.basename(file.path),
      );
      const match = candidates.find((c) => c.path === file.path) ?? candidates[0];
      if (!match) continue;
      const masked = normalise(redact(text));
      found.push({
        path: file.path,
        line,
        shown: masked.length > SHOWN ? `${masked.slice(0, SHOWN - 1)}…` : masked,
        solution: match.solution,
        fixedPath: match.path,
      });
    }
  }
  return found;
}
