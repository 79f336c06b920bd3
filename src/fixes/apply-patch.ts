import type { Attempt } from "./types.ts";
import type { FilePatch, Hunk, PatchLine } from "./unified-diff.ts";

type Line = { text: string; eol: "\n" | "\r\n" | "" };

/** Where each hunk applied: 0 at the line its header names, else how many lines away. */
export type Applied = { content: string; offsets: number[] };

/** A file's lines with their endings, so that applying a patch keeps CRLF and a missing newline. */
export function splitLines(content: string): Line[] {
  const pieces = content.split("\n");
  const last = pieces.pop() ?? "";
  const lines: Line[] = pieces.map((piece) =>
    piece.endsWith("\r") ? { text: piece.slice(0, -1), eol: "\r\n" } : { text: piece, eol: "\n" },
  );
  if (last !== "") lines.push({ text: last, eol: "" });
  return lines;
}

const joinLines = (lines: readonly Line[]) => lines.map((l) => l.text + l.eol).join("");

/**
 * How a patch's line endings are read against the file's. A patch written with CRLF, or a file
 * that is not CRLF throughout, is compared byte for byte. A patch without any CR on a file that
 * is CRLF throughout (a patch that lost its CRs on the way, as pasted text does) reads `\n` as
 * `\r\n`, and its added lines get `\r\n`: the file keeps its line endings.
 */
type Endings = "exact" | "crlf";

function endingsOf(file: readonly Line[], patch: FilePatch): Endings {
  const patchHasCr = patch.hunks.some((h) => h.lines.some((l) => l.eol === "\r\n"));
  if (patchHasCr) return "exact";
  const ended = file.filter((l) => l.eol !== "");
  return ended.length > 0 && ended.every((l) => l.eol === "\r\n") ? "crlf" : "exact";
}

const sameEol = (patch: PatchLine["eol"], file: Line["eol"], endings: Endings) =>
  patch === file || (endings === "crlf" && patch === "\n" && file === "\r\n");

function matchesAt(
  file: readonly Line[],
  old: readonly PatchLine[],
  at: number,
  endings: Endings,
): boolean {
  if (at < 0 || at + old.length > file.length) return false;
  return old.every((line, k) => {
    const actual = file[at + k];
    return (
      actual !== undefined && actual.text === line.text && sameEol(line.eol, actual.eol, endings)
    );
  });
}

// The hunk's place: the line its header names, or the one other place its old lines match
// exactly. Two or more such places, or none, and the hunk does not apply.
function placeHunk(
  file: readonly Line[],
  hunk: Hunk,
  from: number,
  endings: Endings,
  path: string,
): Attempt<number> {
  const old = hunk.lines.filter((l) => l.op !== "+");
  if (old.length === 0) {
    // Nothing to compare: only a new or empty file may take lines added without context.
    if (file.length === 0 && hunk.oldStart === 0) return { ok: true, value: 0 };
    return {
      ok: false,
      reason: `remembered patch cannot be checked against ${path}: hunk ${hunk.number} adds lines without any context`,
    };
  }
  const stated = hunk.oldStart - 1;
  if (stated >= from && matchesAt(file, old, stated, endings)) return { ok: true, value: stated };
  const places: number[] = [];
  for (let at = from; at + old.length <= file.length && places.length < 2; at++)
    if (matchesAt(file, old, at, endings)) places.push(at);
  if (places.length === 1) return { ok: true, value: places[0] ?? 0 };
  const why = places.length === 0 ? "" : " (its lines match in more than one place)";
  return {
    ok: false,
    reason: `remembered patch no longer applies to ${path}: hunk ${hunk.number}${why}`,
  };
}

/**
 * Applies one file's hunks to its current content (null: the file does not exist). Every hunk
 * must match exactly, context and removed lines alike, at the line its header names or at one
 * unique other place: no fuzz, no whitespace-insensitive matching. Pure; a hunk that does not
 * apply refuses the whole file, with the hunk's number.
 */
export function applyFilePatch(content: string | null, patch: FilePatch): Attempt<Applied> {
  if (patch.create && content !== null)
    return { ok: false, reason: `remembered patch creates ${patch.path}, which already exists` };
  if (!patch.create && content === null)
    return { ok: false, reason: `remembered patch changes ${patch.path}, which does not exist` };
  if (patch.create && patch.hunks.length > 1)
    return { ok: false, reason: `remembered patch creates ${patch.path} in more than one hunk` };
  const file = splitLines(content ?? "");
  const endings = endingsOf(file, patch);
  const out: Line[] = [];
  const offsets: number[] = [];
  let cursor = 0;
  for (const hunk of patch.hunks) {
    const placed = placeHunk(file, hunk, cursor, endings, patch.path);
    if (!placed.ok) return placed;
    const at = placed.value;
    offsets.push(hunk.oldLines === 0 ? 0 : at - (hunk.oldStart - 1));
    out.push(...file.slice(cursor, at));
    let k = at;
    for (const line of hunk.lines) {
      if (line.op === "+") {
        const eol = endings === "crlf" && line.eol === "\n" ? "\r\n" : line.eol;
        out.push({ text: line.text, eol });
        continue;
      }
      // Context keeps the file's own line; a removed line is skipped.
      const kept = file[k];
      if (line.op === " " && kept) out.push(kept);
      k++;
    }
    cursor = k;
  }
  out.push(...file.slice(cursor));
  if (out.slice(0, -1).some((l) => l.eol === ""))
    return {
      ok: false,
      reason: `remembered patch would leave a line without a newline in the middle of ${patch.path}`,
    };
  return { ok: true, value: { content: joinLines(out), offsets } };
}
