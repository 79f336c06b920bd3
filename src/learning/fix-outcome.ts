import type { Logger } from "pino";
import type { ProbotOctokit } from "probot";
import { recordFixOutcome } from "../actions/fix-record.ts";
import { repositoryReader } from "../fixes/repository-files.ts";
import type { StoredFix } from "../fixes/types.ts";
import type { Db } from "../store/database.ts";
import type { Incident } from "../store/schema.ts";
import { fixPatch } from "./fix-patch.ts";
import { applyLesson, type Lesson, lessonOf } from "./memory-lesson.ts";

/** What recording a fix's ending needs: the store, and GitHub to read the files a fix changed. */
export type FixLearningDeps = { db: Db; octokit: ProbotOctokit; log: Logger };

/**
 * A fix CodeHealer proposed, merged (by its pull request, or a commit a person pushed to the
 * default branch) or closed unmerged.
 */
export type FixEnding = {
  merged: boolean;
  /** Where: `#64`, or the commit that landed it (`a1b2c3d`); memory's words say so. */
  via: string;
};

/** What recording it did. */
export type RecordedEnding = {
  /** The incident's outcome changed (it did not have this one or a later one already). */
  changed: boolean;
  /** What memory learned, in a few words; null when the outcome had been recorded before. */
  learned: string | null;
};

/**
 * A fix's ending, onto its incident and into memory (`pull_request.closed` on a fix pull request;
 * a fix commit landing on the default branch by another way is the same merge):
 * 1. decide what memory learns (`lessonOf`): a remembered patch worked or failed once more, or a
 *    new fix that was merged is remembered;
 * 2. a new fix is remembered with its patch, a diff of the fix's files against the commit it was
 *    made on, read from GitHub; when they cannot be read, memory keeps the words alone;
 * 3. in one transaction: the outcome (`fix_merged`, `fix_rejected`; merged also resolves the
 *    incident) and, only if it changed, the lesson — an ending recorded twice teaches once.
 */
export async function recordFixEnding(
  deps: FixLearningDeps,
  repository: { owner: string; repo: string },
  incident: Incident,
  ending: FixEnding,
): Promise<RecordedEnding> {
  const aftermath = { kind: "fix", ...ending, patch: null } as const;
  let lesson: Lesson = lessonOf(incident, aftermath);
  if (lesson.kind === "remember") {
    const patch = await patchOf(deps, repository, incident);
    lesson = lessonOf(incident, { ...aftermath, patch });
  }
  const outcome = ending.merged ? "fix_merged" : "fix_rejected";
  return deps.db.transaction(async (tx) => {
    const changed = await recordFixOutcome(tx, incident.id, outcome, { resolved: ending.merged });
    return { changed, learned: changed ? await applyLesson(tx, incident, lesson) : null };
  });
}

// The stored fix as a diff against its base, or null (said in the log) when it cannot be made.
async function patchOf(
  deps: FixLearningDeps,
  repository: { owner: string; repo: string },
  incident: Incident,
): Promise<string | null> {
  const fix = incident.fix as StoredFix;
  const base = fix.fix.baseSha ?? incident.headSha;
  const log = deps.log.child({ incidentId: incident.id });
  try {
    const patch = await fixPatch(repositoryReader(deps.octokit, repository, base), fix);
    if (patch.ok) return patch.value;
    log.info({ reason: patch.reason }, "the merged fix is remembered without its patch");
  } catch (error) {
    // On purpose: the outcome is recorded and the words remembered; only the patch is lost.
    log.warn(
      { err: error },
      "the merged fix's files could not be read: remembered without its patch",
    );
  }
  return null;
}
