import { unsafePath } from "./safe-path.ts";
import type { Attempt, FileMode } from "./types.ts";

/** One line of a hunk. `eol` is the line's ending; "" when `\ No newline at end of file` follows. */
export type PatchLine = { op: " " | "-" | "+"; text: string; eol: "\n" | "\r\n" | "" };

/** A hunk: where it says it applies (1-based, as in `@@ -l,n +l,n @@`) and its lines. */
export type Hunk = {
  /** 1-based, in the order of the file's hunks: how log lines and refusals name it. */
  number: number;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: PatchLine[];
};

/** The change a patch makes to one file. */
export type FilePatch = {
  path: string;
  /** The file is new (`--- /dev/null`): it must not exist yet. */
  create: boolean;
  /** The mode the patch gives the file (`new file mode`, `new mode`), when it says. */
  mode: FileMode | null;
  hunks: Hunk[];
};

/** How much patch text is read at all. */
export type DiffLimits = { maxBytes: number; maxFiles: number };

export const DIFF_LIMITS: DiffLimits = { maxBytes: 1_000_000, maxFiles: 20 };

const HUNK_HEADER = /^@@ -(\d{1,7})(?:,(\d{1,7}))? \+(\d{1,7})(?:,(\d{1,7}))? @@(?: .*)?$/;
const GIT_HEADER = /^diff --git (.+)$/;
// Git's extended header lines that say what kind of change follows.
const REFUSED_HEADERS: readonly [RegExp, string][] = [
  [/^deleted file mode /, "deletes a file"],
  [/^(?:rename|copy) (?:from|to) |^(?:dis)?similarity index /, "renames or copies a file"],
  [/^Binary files .* differ$|^GIT binary patch$/, "changes a binary file"],
];
const MODE_HEADER = /^(new file mode|new mode|old mode) (\d{6})$/;

type Pending = { gitPaths: string | null; create: boolean; mode: FileMode | null };

const refuse = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

function fileMode(raw: string): FileMode | null {
  return raw === "100644" || raw === "100755" ? raw : null;
}

// `--- a/x\t2024-01-01 …` (diff -u writes a timestamp after a tab); git quotes odd names.
function headerPath(line: string): string | null {
  const value = line.slice(4).split("\t")[0] ?? "";
  return value.startsWith('"') ? null : value.replace(/ +$/, "");
}

// `diff --git a/P b/P` names the path twice; only an unambiguous same-path header is read.
function gitHeaderPath(rest: string): string | null {
  const half = (rest.length - 1) / 2;
  if (!Number.isInteger(half)) return null;
  const [a, b] = [rest.slice(0, half), rest.slice(half + 1)];
  if (!a.startsWith("a/") || !b.startsWith("b/") || a.slice(2) !== b.slice(2)) return null;
  return a.slice(2);
}

function stripPrefixes(oldPath: string, newPath: string): { old: string; new: string } {
  const oldPrefixed = oldPath === "/dev/null" || oldPath.startsWith("a/");
  if (oldPrefixed && newPath.startsWith("b/"))
    return { old: oldPath === "/dev/null" ? oldPath : oldPath.slice(2), new: newPath.slice(2) };
  return { old: oldPath, new: newPath };
}

function withoutCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/**
 * Reads one hunk's body from `lines[start]`, exactly as many lines as its header counts, and a
 * `\ No newline at end of file` marker after the last. Returns the lines and where it stopped.
 */
function readHunk(
  lines: readonly string[],
  start: number,
  hunk: Hunk,
  path: string,
): Attempt<number> {
  let oldLeft = hunk.oldLines;
  let newLeft = hunk.newLines;
  let i = start;
  const where = `hunk ${hunk.number} of ${path}`;
  while (oldLeft > 0 || newLeft > 0) {
    const raw = lines[i];
    if (raw === undefined) return refuse(`${where} ends before the lines its header counts`);
    i++;
    if (raw.startsWith("\\")) {
      const last = hunk.lines.at(-1);
      if (!last) return refuse(`${where} starts with a "\\" line`);
      last.eol = "";
      continue;
    }
    // GNU diff writes an empty context line as an empty line, without the leading space.
    const op = raw === "" ? " " : raw[0];
    if (op !== " " && op !== "-" && op !== "+")
      return refuse(`${where} has a line that is not context, removal or addition`);
    const body = raw.slice(1);
    const crlf = body.endsWith("\r");
    if (op !== "+") oldLeft--;
    if (op !== "-") newLeft--;
    if (oldLeft < 0 || newLeft < 0) return refuse(`${where} has more lines than its header says`);
    hunk.lines.push({ op, text: crlf ? body.slice(0, -1) : body, eol: crlf ? "\r\n" : "\n" });
  }
  if (lines[i]?.startsWith("\\")) {
    const last = hunk.lines.at(-1);
    if (last) last.eol = "";
    i++;
  }
  // A line without a newline can only be the last of its side of the hunk.
  for (const side of [" -", " +"]) {
    const sideLines = hunk.lines.filter((l) => side.includes(l.op));
    if (sideLines.slice(0, -1).some((l) => l.eol === ""))
      return refuse(`${where} marks a line other than the last as having no newline`);
  }
  return { ok: true, value: i };
}

// Outside a hunk, a line that looks like hunk content means the header undercounted it.
const looksLikeHunkLine = (line: string) =>
  (line.startsWith("+") && !line.startsWith("+++ ")) ||
  (line.startsWith("-") && !line.startsWith("--- ") && line !== "-- " && line !== "--") ||
  line.startsWith(" ") ||
  line.startsWith("\\");

type ParseState = {
  files: FilePatch[];
  /** A `diff --git` header waiting for its `---`/`+++` lines, or for the next file. */
  pending: Pending | null;
  /** The file the next hunk belongs to. */
  current: FilePatch | null;
  limits: DiffLimits;
};

function addFile(state: ParseState, file: FilePatch): Attempt<null> {
  const problem = unsafePath(file.path);
  if (problem !== null) return refuse(`the patch names ${problem}`);
  if (state.files.some((f) => f.path === file.path))
    return refuse(`the patch changes ${file.path} twice`);
  if (state.files.length >= state.limits.maxFiles)
    return refuse(`the patch changes more than ${state.limits.maxFiles} files`);
  state.files.push(file);
  state.current = file;
  return { ok: true, value: null };
}

// A `diff --git` header with a mode change or an empty new file has no `---` lines.
function flushPending(state: ParseState): Attempt<null> {
  const pending = state.pending;
  if (pending === null) return { ok: true, value: null };
  state.pending = null;
  if (pending.gitPaths === null) return refuse("a diff --git header names two different paths");
  if (!pending.create && pending.mode === null) return { ok: true, value: null };
  return addFile(state, {
    path: pending.gitPaths,
    create: pending.create,
    mode: pending.mode,
    hunks: [],
  });
}

/**
 * Parses a unified diff (git's or `diff -u`'s) into the changes it makes, file by file. Pure,
 * and never throws on bad text: a patch that deletes, renames or copies a file, changes a
 * binary, names a path outside the repository, has a malformed or miscounted hunk, or exceeds
 * `limits` is refused with the reason. Text before the first file (a commit message, an email
 * header) and after a `-- ` signature is ignored, as `git apply` does.
 */
export function parseUnifiedDiff(
  text: string,
  limits: DiffLimits = DIFF_LIMITS,
): Attempt<FilePatch[]> {
  if (Buffer.byteLength(text) > limits.maxBytes)
    return refuse(`the patch is larger than ${limits.maxBytes} bytes`);
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const state: ParseState = { files: [], pending: null, current: null, limits };
  for (let i = 0; i < lines.length; ) {
    const line = withoutCr(lines[i] ?? "");
    if (line === "-- " || line === "--") break;
    for (const [pattern, what] of REFUSED_HEADERS)
      if (pattern.test(line)) return refuse(`the patch ${what}`);
    const git = GIT_HEADER.exec(line);
    if (git) {
      const flushed = flushPending(state);
      if (!flushed.ok) return flushed;
      state.pending = { gitPaths: gitHeaderPath(git[1] ?? ""), create: false, mode: null };
      state.current = null;
      i++;
      continue;
    }
    const mode = MODE_HEADER.exec(line);
    const pending = state.pending;
    if (mode && pending !== null) {
      const [, kind = "", raw = ""] = mode;
      if (kind !== "old mode") {
        const value = fileMode(raw);
        if (value === null) return refuse(`the patch gives a file the mode ${raw}`);
        pending.mode = value;
        pending.create ||= kind === "new file mode";
      }
      i++;
      continue;
    }
    if (line.startsWith("--- ") && withoutCr(lines[i + 1] ?? "").startsWith("+++ ")) {
      const oldRaw = headerPath(line);
      const newRaw = headerPath(withoutCr(lines[i + 1] ?? ""));
      if (oldRaw === null || newRaw === null) return refuse("the patch names a quoted path");
      const paths = stripPrefixes(oldRaw, newRaw);
      if (paths.new === "/dev/null") return refuse("the patch deletes a file");
      const create = paths.old === "/dev/null";
      if (!create && paths.old !== paths.new)
        return refuse(`the patch renames ${paths.old} to ${paths.new}`);
      const header = state.pending;
      state.pending = null;
      const added = addFile(state, {
        path: paths.new,
        create: create || (header?.create ?? false),
        mode: header?.mode ?? null,
        hunks: [],
      });
      if (!added.ok) return added;
      i += 2;
      continue;
    }
    if (line.startsWith("@@")) {
      const file = state.current;
      if (file === null) return refuse("the patch has a hunk before any file header");
      const match = HUNK_HEADER.exec(line);
      const number = file.hunks.length + 1;
      if (!match) return refuse(`hunk ${number} of ${file.path} has a malformed header`);
      const [, oldStart = "", oldLines = "1", newStart = "", newLines = "1"] = match;
      const hunk: Hunk = {
        number,
        oldStart: Number(oldStart),
        oldLines: Number(oldLines),
        newStart: Number(newStart),
        newLines: Number(newLines),
        lines: [],
      };
      const read = readHunk(lines, i + 1, hunk, file.path);
      if (!read.ok) return read;
      file.hunks.push(hunk);
      i = read.value;
      continue;
    }
    if (state.current !== null && looksLikeHunkLine(lines[i] ?? ""))
      return refuse(`${state.current.path} has lines after its hunks that no hunk header counts`);
    i++;
  }
  const flushed = flushPending(state);
  if (!flushed.ok) return flushed;
  const { files } = state;
  if (files.length === 0) return refuse("the patch changes no file");
  const empty = files.find((f) => f.hunks.length === 0 && !f.create && f.mode === null);
  if (empty) return refuse(`the patch names ${empty.path} but changes nothing in it`);
  return { ok: true, value: files };
}
