import type { Attempt } from "./types.ts";
import { quoted } from "./words.ts";

/** The fixer hooks CodeHealer repeats, by hook id. */
export const FIXERS = {
  "trailing-whitespace": "trims trailing whitespace",
  "end-of-file-fixer": "makes each file end with exactly one newline",
} as const;
export type FixerId = keyof typeof FIXERS;

/** One fixer's block in pre-commit's output: the files it says it fixed, and its lines. */
export type HookRun = { id: FixerId; files: string[]; lines: string[] };

const GAP = "…";
const STATUS = /^\S.*?\.{3,}(?:\([^)]*\))?(Passed|Failed|Skipped)$/;
const HOOK_ID = /^- hook id: (\S+)$/;
const FIXING = /^Fixing (\S.*)$/;
const HOOK_DETAIL = /^- (?:exit code: -?\d+|files were modified by this hook|duration: [\d.]+s)$/;
// What pre-commit prints after its hooks, or the runner after the step: the last block ended.
const AFTER_HOOKS =
  /^(?:pre-commit hook\(s\) made changes\.|All changes made by hooks:|If you are seeing this message in CI|##\[error\]|Error: Process completed with exit code)/;

const isFixer = (id: string): id is FixerId => Object.hasOwn(FIXERS, id);
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what is removed
const plainLine = (line: string) => line.replace(/\u001b\[[0-9;]*m/g, "").trim();
const refuse = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/**
 * Reads one fixer's block from the hook id line `start`: details, then the contiguous
 * `Fixing <path>` lines, then the next hook's status line or pre-commit's closing words. A gap
 * (`…`, where the excerpt left lines out) is allowed only where pre-commit prints a blank line
 * or a detail the excerpt dropped as a repeat: before the first `Fixing` line and after the
 * last. A gap between `Fixing` lines, or an unknown line, and the list may be incomplete, so the
 * block is refused. (A first `Fixing` line dropped as a repeat of an earlier one cannot be told
 * from a blank line; the fix's own CI run shows it, and the fix stays a draft until it passes.)
 */
function readBlock(lines: readonly string[], start: number, id: FixerId): Attempt<HookRun> {
  const run: HookRun = { id, files: [], lines: [lines[start] ?? ""] };
  let i = start + 1;
  while (lines[i] === GAP || HOOK_DETAIL.test(lines[i] ?? "")) i++;
  for (let m = FIXING.exec(lines[i] ?? ""); m; m = FIXING.exec(lines[++i] ?? "")) {
    run.files.push(m[1] ?? "");
    run.lines.push(lines[i] ?? "");
  }
  if (run.files.length === 0) return refuse(`the excerpt does not show which files ${id} fixed`);
  if (lines[i] === GAP) i++;
  const next = lines[i];
  if (next === undefined || (!STATUS.test(next) && !AFTER_HOOKS.test(next)))
    return refuse(`the excerpt may not show every file ${id} fixed`);
  return { ok: true, value: run };
}

/**
 * The fixer hooks that failed in pre-commit's output, as the excerpt shows it, in the order they
 * ran. Pure. Null when the excerpt shows no failed pre-commit hook. Refused when a hook that
 * CodeHealer cannot repeat failed too (the run would fail anyway), when a failed hook's id is
 * not shown, or when a fixer's list of files may be incomplete.
 */
export function failedFixers(excerpt: string): Attempt<HookRun[]> | null {
  // A blank line, in pre-commit's own output, stands where an excerpt shows a gap.
  const lines = excerpt.split("\n").map((line) => plainLine(line) || GAP);
  const failed = lines.flatMap((line, n) => (STATUS.exec(line)?.[1] === "Failed" ? [n] : []));
  if (failed.length === 0 || !lines.some((l) => HOOK_ID.test(l))) return null;
  const runs: HookRun[] = [];
  for (const n of failed) {
    const id = HOOK_ID.exec(lines[n + 1] ?? "")?.[1];
    if (id === undefined)
      return refuse(
        `the excerpt does not say which hook failed at "${quoted(lines[n] ?? "", 120)}"`,
      );
    if (!isFixer(id)) return refuse(`the hook ${id} failed too, and CodeHealer cannot repeat it`);
    const block = readBlock(lines, n + 1, id);
    if (!block.ok) return block;
    if (runs.some((r) => r.id === id)) return refuse(`the hook ${id} ran twice`);
    runs.push(block.value);
  }
  return { ok: true, value: runs };
}
