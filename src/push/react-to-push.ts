import { type FollowUp, followUp } from "../actions/fix-follow-up.ts";
import { ActionError } from "../actions/github-error.ts";
import { loadRepositoryConfig } from "../policy/load-config.ts";
import { checkPushedConfig, configCheckDone, noConfigCheck } from "./config-change.ts";
import { settleLandedFix } from "./fix-landing.ts";
import { fixCommits } from "./fix-trailers.ts";
import { LISTED_COMMITS, type Push } from "./read-push.ts";
import { scanPush } from "./scan-push.ts";
import type { AlertDeps } from "./secret-alert.ts";

/** What reacting to a push needs. */
export type PushDeps = AlertDeps & {
  /** `CODEHEALER_DRY_RUN`: every step only logged as `[dry-run] Would …`. */
  dryRun: boolean;
};

// A part that failed for good is said on the delivery (an effect has recorded it in the audit
// trail too); one a later attempt may get past is thrown, for the queue to retry.
async function settled(part: () => Promise<FollowUp[]>): Promise<FollowUp[]> {
  try {
    return await part();
  } catch (error) {
    if (error instanceof ActionError && !error.retryable)
      return [followUp(true, `failed: ${error.message}`)];
    throw error;
  }
}

/** The fix commits of a push to the default branch, each settled (`settleLandedFix`). */
async function settleLandings(
  deps: PushDeps,
  push: Push,
  settings: { closeIssue: boolean; dryRun: boolean },
): Promise<FollowUp[]> {
  if (push.branch !== push.defaultBranch) return [];
  const landed = fixCommits(push.commits);
  // GitHub lists a push's first 2048 commits only; a fix merged by its pull request is settled
  // by `pull_request.closed` all the same.
  const cut =
    push.commits.length >= LISTED_COMMITS
      ? ` among the ${push.commits.length} commits GitHub listed (a longer push has more)`
      : "";
  if (landed.length === 0) return [followUp(false, `no CodeHealer fix commit${cut}`)];
  const done: FollowUp[] = [];
  for (const commit of landed) done.push(await settleLandedFix(deps, push, commit, settings));
  return done;
}

/**
 * What a push tells, in order:
 * 1. the configuration in force (the kill switch stops everything; dry run records only);
 * 2. a changed `.github/codehealer.yml` → its check run on the pushed commit;
 * 3. on the default branch, CodeHealer fix commits (`CodeHealer-Incident` trailer) → the
 *    incident resolved and its issue closed, unless its pull request settles it;
 * 4. the lines it adds → a secret alert, a repeated-mistake warning (`scanPush`).
 * Returns what happened for the delivery, `acted` when anything new did; a GitHub failure a
 * later attempt may cure is thrown, and the finished steps are found finished then.
 */
export async function reactToPush(deps: PushDeps, push: Push): Promise<FollowUp> {
  const noCheck = await noConfigCheck(deps, push);
  const { config } = await loadRepositoryConfig(deps.octokit, {
    owner: push.owner,
    repo: push.repo,
  });
  if (!config.enabled) return followUp(false, "CodeHealer is turned off here (`enabled: false`)");
  const dryRun = config.dry_run || deps.dryRun;
  const parts: FollowUp[] = [
    noCheck === null
      ? configCheckDone(await checkPushedConfig(deps, push, { dryRun }), push.after)
      : followUp(false, noCheck),
    ...(await settled(() =>
      settleLandings(deps, push, { closeIssue: config.actions.issue, dryRun }),
    )),
    ...(await settled(() => scanPush(deps, push, config, dryRun))),
  ];
  const acted = parts.filter((part) => part.acted);
  return followUp(
    acted.length > 0,
    (acted.length > 0 ? acted : parts).map((part) => part.reason).join("; "),
  );
}
