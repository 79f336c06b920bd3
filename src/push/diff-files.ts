import { parseUnifiedDiff } from "../fixes/unified-diff.ts";

/** A file of the compare API's answer: its path, what happened to it, and its hunks. */
export type CompareFile = { filename: string; status: string; patch?: string | undefined };

/** A line the push adds, at its line number in the pushed commit. */
export type AddedLine = { line: number; text: string };

/** What the push changes in one file: the lines it adds, and the text of those it removes. */
export type DiffFile = { path: string; added: AddedLine[]; removed: string[] };

/** Most bytes of one file's patch that are read: a larger one is generated, not written. */
export const MAX_FILE_PATCH_BYTES = 1_000_000;

/**
 * The push's changes, file by file, from the compare API's `files` (each `patch` holds only the
 * hunks; the file headers are put back for `parseUnifiedDiff`). A file without a patch (binary,
 * or too large for GitHub to show) or whose patch cannot be read is listed in `unread`. Pure.
 */
export function diffFiles(files: readonly CompareFile[]): { files: DiffFile[]; unread: string[] } {
  const read: DiffFile[] = [];
  const unread: string[] = [];
  for (const file of files) {
    if (file.status === "removed") continue;
    if (!file.patch) {
      if (file.status !== "renamed") unread.push(file.filename);
      continue;
    }
    // Renamed files are read under their new name only: what matters is what the push adds.
    const from = file.status === "added" ? "/dev/null" : `a/${file.filename}`;
    const parsed = parseUnifiedDiff(`--- ${from}\n+++ b/${file.filename}\n${file.patch}\n`, {
      maxBytes: MAX_FILE_PATCH_BYTES,
      maxFiles: 1,
    });
    const hunks = parsed.ok ? (parsed.value[0]?.hunks ?? []) : null;
    if (hunks === null) {
      unread.push(file.filename);
      continue;
    }
    const added: AddedLine[] = [];
    const removed: string[] = [];
    for (const hunk of hunks) {
      let line = hunk.newStart;
      for (const { op, text } of hunk.lines) {
        if (op === "-") removed.push(text);
        else {
          if (op === "+") added.push({ line, text });
          line++;
        }
      }
    }
    read.push({ path: file.filename, added, removed });
  }
  return { files: read, unread };
}
