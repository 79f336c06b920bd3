import type { FixInput } from "../actions/fix-pr-body.ts";
import { inlineCode, percent, plain, shortSha } from "../actions/markdown.ts";
import type { MemoryDiagnosis } from "../diagnosis/memory-recall.ts";
import { type Applied, applyFilePatch } from "./apply-patch.ts";
import { fetchAndExecuteLine } from "./fetch-and-execute.ts";
import type { ReadFile } from "./repository-files.ts";
import type { Attempt, FileMode, FixRequest, StoredFix } from "./types.ts";
import { type FilePatch, parseUnifiedDiff } from "./unified-diff.ts";
import { logBlock, quoted, someFiles } from "./words.ts";

/** The most a fix from memory may write, all files together. */
export const MAX_FIX_BYTES = 2_000_000;

type Changed = {
  patch: FilePatch;
  content: string;
  mode: FileMode;
  previousMode: FileMode | null;
  applied: Applied;
};

const SCOPE_WORDS = {
  repository: "in this repository",
  organization: "in another repository of this organisation",
  global: "in another organisation's repository",
} as const;

// A patch is stored redacted (memory-remember.ts): a marker on an added line means the line no
// longer says what to write.
const REDACTED = "[REDACTED";

function refusedLines(patch: FilePatch): string | null {
  const added = patch.hunks.flatMap((h) => h.lines.filter((l) => l.op === "+").map((l) => l.text));
  if (added.some((line) => line.includes(REDACTED)))
    return `remembered patch adds a redacted line to ${patch.path}: what to write was not kept`;
  const risky = fetchAndExecuteLine(added);
  if (risky !== undefined)
    return `remembered patch adds a line to ${patch.path} that downloads and runs code: ${quoted(risky, 120)}`;
  return null;
}

async function applyOne(read: ReadFile, patch: FilePatch): Promise<Attempt<Changed | null>> {
  const refused = refusedLines(patch);
  if (refused !== null) return { ok: false, reason: refused };
  const current = await read(patch.path);
  if (!current.ok) return current;
  const applied = applyFilePatch(current.value?.content ?? null, patch);
  if (!applied.ok) return applied;
  const mode = patch.mode ?? current.value?.mode ?? "100644";
  if (current.value?.content === applied.value.content && current.value.mode === mode)
    return { ok: true, value: null };
  return {
    ok: true,
    value: {
      patch,
      content: applied.value.content,
      mode,
      previousMode: current.value?.mode ?? null,
      applied: applied.value,
    },
  };
}

function whereApplied({ patch, applied, mode, previousMode }: Changed): string {
  const parts: string[] = [];
  if (patch.create) parts.push("a new file");
  else if (patch.hunks.length > 0) {
    const hunks = `${patch.hunks.length} hunk${patch.hunks.length === 1 ? "" : "s"}`;
    const moved = applied.offsets.filter((o) => o !== 0);
    const shifts = moved.map(
      (o) => `${Math.abs(o)} line${Math.abs(o) === 1 ? "" : "s"} ${o > 0 ? "lower" : "higher"}`,
    );
    parts.push(
      moved.length === 0
        ? `${hunks}, each at the line it names`
        : `${hunks}, ${moved.length} of them ${[...new Set(shifts)].join(" or ")} than named`,
    );
  }
  if (mode !== (previousMode ?? "100644") || (patch.create && mode === "100755"))
    parts.push(mode === "100755" ? "made executable" : "no longer executable");
  return parts.join("; ");
}

function describe(
  diagnosis: MemoryDiagnosis,
  headSha: string,
  changed: readonly Changed[],
): FixInput {
  const remembered = diagnosis.remembered;
  const paths = changed.map((c) => c.patch.path);
  const sentence = quoted(remembered?.fix ?? "");
  const similar = diagnosis.similar.find((s) => s.solutionId === remembered?.solutionId);
  const where = similar ? ` ${SCOPE_WORDS[similar.scope]}` : "";
  const title = `fix: reapply the remembered fix to ${someFiles(paths)}`;
  const body = [
    `CodeHealer has seen this failure before${where}, and remembers what fixed it (solution ${inlineCode(remembered?.solutionId ?? "")}, ${percent(remembered?.probability ?? null)} likely to fix it again):`,
    `> ${plain(sentence) || "(no description was remembered)"}`,
    `The patch remembered with that fix applies cleanly to ${inlineCode(shortSha(headSha))}, every hunk matching the file exactly, and this pull request applies it unchanged:`,
    changed.map((c) => `- ${inlineCode(c.patch.path)}: ${whereApplied(c)}`).join("\n"),
    ...(diagnosis.errorLine.trim() ? ["The failing line:", logBlock([diagnosis.errorLine])] : []),
  ].join("\n\n");
  const message = [
    title,
    "",
    `This failure was seen before; the change remembered with its fix (solution ${remembered?.solutionId ?? "?"}) applies cleanly to ${shortSha(headSha)} and is reapplied unchanged.`,
    ...(sentence ? ["", `What fixed it then: ${sentence}`] : []),
  ].join("\n");
  return {
    files: changed.map((c) => ({ path: c.patch.path, content: c.content, mode: c.mode })),
    message,
    title,
    body,
    baseSha: headSha,
  };
}

/**
 * The fix memory remembered for this failure, applied to the failing commit: its unified diff,
 * parsed, then applied file by file only where every hunk matches exactly (see
 * `applyFilePatch`). Null, with the reason logged, when there is no patch, when it cannot be
 * read or does not apply, when it would add a redacted or download-and-run line, or when it
 * would change nothing. Throws only when GitHub fails (other than a 404), so the caller retries.
 */
export async function rememberedPatchFix(
  log: (reason: string) => void,
  read: ReadFile,
  { diagnosis, headSha }: Pick<FixRequest, "diagnosis" | "headSha">,
): Promise<StoredFix | null> {
  const text = diagnosis.remembered?.patch;
  if (!text?.trim()) return null;
  const parsed = parseUnifiedDiff(text);
  if (!parsed.ok) {
    log(`remembered patch refused: ${parsed.reason}`);
    return null;
  }
  const changed: Changed[] = [];
  for (const patch of parsed.value) {
    const one = await applyOne(read, patch);
    if (!one.ok) {
      log(one.reason);
      return null;
    }
    if (one.value) changed.push(one.value);
  }
  if (changed.length === 0) {
    log("remembered patch would change nothing: the commit already has it");
    return null;
  }
  const bytes = changed.reduce((sum, c) => sum + Buffer.byteLength(c.content), 0);
  if (bytes > MAX_FIX_BYTES) {
    log(`remembered patch refused: the files it writes exceed ${MAX_FIX_BYTES} bytes`);
    return null;
  }
  return {
    fix: describe(diagnosis, headSha, changed),
    proposed: {
      kind: "patch",
      files: changed.map((c) => c.patch.path),
      validated: false,
      source: "memory",
    },
  };
}
