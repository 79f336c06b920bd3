import { splitLines } from "../fixes/apply-patch.ts";
import type { FileMode } from "../fixes/types.ts";

type Line = ReturnType<typeof splitLines>[number];
type Op = { op: " " | "-" | "+"; line: Line };

/** A file as a fix found or left it. */
export type FileState = { content: string; mode: FileMode };

/** Lines of unchanged context around each change, as git writes by default. */
const CONTEXT = 3;
/**
 * The most cells the line-matching table may have; a bigger changed region is written as one
 * removal and one addition (a fix is small: this is reached only by rewritten files).
 */
const MAX_TABLE = 4_000_000;

const same = (a: Line, b: Line) => a.text === b.text && a.eol === b.eol;

// The longest common subsequence of two short regions, as the ops that turn one into the other.
function matchLines(before: readonly Line[], after: readonly Line[]): Op[] {
  const n = before.length;
  const m = after.length;
  if (n * m > MAX_TABLE)
    return [
      ...before.map((line) => ({ op: "-" as const, line })),
      ...after.map((line) => ({ op: "+" as const, line })),
    ];
  // table[i][j]: the longest common subsequence of before[i..] and after[j..].
  const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      table[i]![j] = same(before[i]!, after[j]!)
        ? table[i + 1]![j + 1]! + 1
        : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && same(before[i]!, after[j]!)) {
      ops.push({ op: " ", line: before[i++]! });
      j++;
    } else if (i < n && (j === m || table[i + 1]![j]! >= table[i]![j + 1]!)) {
      // A removal first when either way keeps as much: diff tools write removals first.
      ops.push({ op: "-", line: before[i++]! });
    } else {
      ops.push({ op: "+", line: after[j++]! });
    }
  }
  return ops;
}

/** Every line of both versions, in order, each kept, removed or added. */
export function lineOps(before: readonly Line[], after: readonly Line[]): Op[] {
  let head = 0;
  while (head < before.length && head < after.length && same(before[head]!, after[head]!)) head++;
  let tail = 0;
  while (
    tail < before.length - head &&
    tail < after.length - head &&
    same(before[before.length - 1 - tail]!, after[after.length - 1 - tail]!)
  )
    tail++;
  const middle = matchLines(
    before.slice(head, before.length - tail),
    after.slice(head, after.length - tail),
  );
  return [
    ...before.slice(0, head).map((line) => ({ op: " " as const, line })),
    ...middle,
    ...before.slice(before.length - tail).map((line) => ({ op: " " as const, line })),
  ];
}

const written = ({ op, line }: Op) =>
  line.eol === ""
    ? `${op}${line.text}\n\\ No newline at end of file\n`
    : `${op}${line.text}${line.eol}`;

// `-start,count`: an empty side names the line before it, as diff does.
const range = (start: number, count: number) => `${count === 0 ? start - 1 : start},${count}`;

/** The hunks of a file's change, `CONTEXT` lines around each, close changes in one hunk. */
function hunks(ops: readonly Op[]): string {
  const changed = ops.flatMap((op, index) => (op.op === " " ? [] : [index]));
  let text = "";
  let k = 0;
  while (k < changed.length) {
    const first = changed[k]!;
    let last = first;
    while (k + 1 < changed.length && changed[k + 1]! - last <= 2 * CONTEXT) last = changed[++k]!;
    k++;
    const from = Math.max(0, first - CONTEXT);
    const to = Math.min(ops.length, last + CONTEXT + 1);
    // Line numbers where the hunk starts: the lines each side had before it.
    const before = ops.slice(0, from);
    const oldStart = before.filter((o) => o.op !== "+").length + 1;
    const newStart = before.filter((o) => o.op !== "-").length + 1;
    const body = ops.slice(from, to);
    const oldCount = body.filter((o) => o.op !== "+").length;
    const newCount = body.filter((o) => o.op !== "-").length;
    text += `@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@\n`;
    text += body.map(written).join("");
  }
  return text;
}

/**
 * One file's change as git writes it (`diff --git a/P b/P`, mode lines, `---`/`+++`, hunks with
 * three lines of context, `\ No newline at end of file`), or "" when nothing changed. `before`
 * null: the fix creates the file. Pure; what it writes, `parseUnifiedDiff` reads and
 * `applyFilePatch` applies to `before` to give `after` exactly.
 */
export function fileDiff(path: string, before: FileState | null, after: FileState): string {
  const header = [`diff --git a/${path} b/${path}`];
  if (before === null) header.push(`new file mode ${after.mode}`);
  else if (before.mode !== after.mode)
    header.push(`old mode ${before.mode}`, `new mode ${after.mode}`);
  const ops = lineOps(splitLines(before?.content ?? ""), splitLines(after.content));
  const body = hunks(ops);
  if (body === "" && header.length === 1) return "";
  if (body === "") return `${header.join("\n")}\n`;
  const old = before === null ? "/dev/null" : `a/${path}`;
  return `${[...header, `--- ${old}`, `+++ b/${path}`].join("\n")}\n${body}`;
}
