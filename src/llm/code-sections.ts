import { unsafePath } from "../fixes/safe-path.ts";
import type { Draft } from "./prompt-sections.ts";
import type { PromptCommits, PromptFile } from "./types.ts";
import { showLine, showLines } from "./untrusted.ts";

/** Lines around an implicated line a file's view shows, each side. */
const WINDOW = 12;
/** A file this short is shown whole. */
const SMALL_FILE_LINES = 80;
/** Lines of a file with no implicated line that are shown: its start. */
const HEAD_LINES = 60;
const GAP = "…";

const asIs = (row: string) => row;
const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * An implicated file's section: its path, then its lines numbered, whole when short, else
 * windows around the lines the evidence points at. Refused for a path outside the repository
 * and for a file that is not text.
 */
export function fileSection(file: PromptFile, index: number, of: number): Draft {
  const name = `file ${file.path}`;
  const label = `implicated file ${index}`;
  const heading = [`## Implicated file ${index} of ${of}`];
  const refusal = unsafePath(file.path);
  if (refusal !== null)
    return { name, label, heading, block: null, logRows: false, refused: `refused: ${refusal}` };
  if (file.content.includes("\u0000"))
    return {
      name,
      label,
      heading,
      block: null,
      logRows: false,
      refused: "not shown: it is not text",
    };
  const shown = showLines(file.content);
  if (shown.at(-1) === "") shown.pop();
  const lines = [...new Set(file.lines)]
    .filter((n) => n >= 1 && n <= shown.length)
    .sort((a, b) => a - b);
  const { rows, focus } = fileRows(shown, lines);
  const pointed =
    lines.length === 0
      ? ""
      : `; the evidence points at line${lines.length === 1 ? "" : "s"} ${lines.join(", ")}`;
  heading.push(
    `Its content at the failing commit, lines numbered (${count(shown.length, "line")} in all${pointed}).`,
  );
  return {
    name,
    label,
    heading,
    block: {
      kind: "file",
      pinned: [`path: ${showLine(file.path)}`],
      rows,
      show: asIs,
      focus,
      minRows: Math.min(5, rows.length),
    },
    logRows: false,
    file,
  };
}

// A view of a file: whole when short, else windows around the implicated lines (or its start),
// each row numbered, `…` between windows.
function fileRows(lines: string[], implicated: number[]): { rows: string[]; focus: number } {
  const width = String(lines.length).length;
  const row = (n: number) => `${String(n).padStart(width)}| ${lines[n - 1]}`;
  const first = implicated[0];
  if (lines.length <= SMALL_FILE_LINES || first === undefined) {
    const end = lines.length <= SMALL_FILE_LINES ? lines.length : HEAD_LINES;
    const rows = Array.from({ length: end }, (_, i) => row(i + 1));
    if (end < lines.length) rows.push(GAP);
    return { rows, focus: first === undefined ? 0 : first - 1 };
  }
  const rows: string[] = [];
  let focus = 0;
  let last = 0;
  for (const n of implicated) {
    const from = Math.max(1, n - WINDOW, last + 1);
    const to = Math.min(lines.length, n + WINDOW);
    if (from > to) continue;
    if (from > last + 1) rows.push(GAP);
    for (let i = from; i <= to; i++) {
      if (i === first) focus = rows.length;
      rows.push(row(i));
    }
    last = to;
  }
  if (last < lines.length) rows.push(GAP);
  return { rows, focus };
}

/**
 * The commits since the last green run: each commit's message, then each changed file's diff;
 * or, when the green run was on this very commit, what that says.
 */
export function commitsSection(commits: PromptCommits | null, headSha: string): Draft {
  const name = "commits";
  const label = "the commits since the last successful run";
  const heading = ["## Commits since the last successful run of this workflow"];
  if (commits === null)
    return {
      name,
      label,
      heading: [...heading, "Not known: see what could not be gathered."],
      block: null,
      logRows: false,
      note: "not gathered",
    };
  const where = commits.baseBranch
    ? ` on ${/^[\w./-]{1,100}$/.test(commits.baseBranch) ? commits.baseBranch : "another branch"}`
    : "";
  if (commits.base === headSha)
    return {
      name,
      label,
      heading: [
        ...heading,
        `Run ${commits.runId}${where} passed on this very commit: the code did not change between a pass and this failure, which points at something outside the code (a flaky test, the runner, the network, a dependency released since).`,
      ],
      block: null,
      logRows: false,
    };
  heading.push(
    `Run ${commits.runId}${where} passed at ${commits.base.slice(0, 12)}; since then ${count(commits.total, "commit")} changed ${count(commits.totalFiles, "file")}. Commits oldest first, then each file's diff.`,
  );
  const rows: string[] = [];
  for (const c of commits.commits) {
    const [subject = "", ...body] = showLines(c.message.trimEnd());
    rows.push(`commit ${c.sha.slice(0, 12)} ${subject}`, ...body.map((line) => `    ${line}`));
  }
  if (commits.total > commits.commits.length)
    rows.push(`(${commits.total - commits.commits.length} more commits not listed)`);
  for (const f of commits.files) {
    rows.push(
      `file ${showLine(f.path)} (${f.status}, +${f.additions} -${f.deletions})${f.patch === null ? ": no diff shown (binary or too large)" : ""}`,
    );
    if (f.patch !== null) rows.push(...showLines(f.patch));
  }
  if (commits.totalFiles > commits.files.length)
    rows.push(`(${commits.totalFiles - commits.files.length} more files changed)`);
  return {
    name,
    label,
    heading,
    block: { kind: "commits", pinned: [], rows, show: asIs, focus: 0, minRows: 3 },
    logRows: false,
  };
}
