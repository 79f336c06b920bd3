import type { ReadFile } from "../fixes/repository-files.ts";
import type { Attempt, StoredFix } from "../fixes/types.ts";
import { parseUnifiedDiff } from "../fixes/unified-diff.ts";
import { fileDiff } from "./write-diff.ts";

/**
 * A stored fix as a unified diff against the commit it was made on (`read` reads that commit):
 * what memory keeps so that the same failure can be fixed again by applying it. The fix holds
 * whole new contents; the old ones are read. Refused, with the reason, when a file cannot be
 * read as text, when the fix changes nothing, or when the diff would not be read back (too
 * large, too many files): memory then keeps the fix's words alone.
 */
export async function fixPatch(read: ReadFile, fix: StoredFix): Promise<Attempt<string>> {
  let patch = "";
  for (const file of fix.fix.files) {
    const before = await read(file.path);
    if (!before.ok) return before;
    const old = before.value && { content: before.value.content, mode: before.value.mode };
    // The mode fix-pr.ts commits the file with.
    patch += fileDiff(file.path, old, { content: file.content, mode: file.mode ?? "100644" });
  }
  if (patch === "")
    return { ok: false, reason: "the fix changes nothing in the commit it was made on" };
  const parsed = parseUnifiedDiff(patch);
  if (!parsed.ok)
    return { ok: false, reason: `its diff would not be applied again: ${parsed.reason}` };
  return { ok: true, value: patch };
}
