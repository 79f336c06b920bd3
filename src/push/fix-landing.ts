import { auditEntry, type EffectDeps, fullName } from "../actions/effect.ts";
import {
  describeSteps,
  type FollowUp,
  followUp,
  fresh,
  retryIfWorthIt,
} from "../actions/fix-follow-up.ts";
import { FOLLOW_UP_KIND, recordFixOutcome } from "../actions/fix-record.ts";
import { closeIssueForFingerprint, closeIssueKey } from "../actions/issue.ts";
import { shortSha } from "../actions/markdown.ts";
import { type AuditOutcome, auditedAction, once, recordSkipped } from "../store/audit.ts";
import { getIncident } from "../store/incidents.ts";
import { fixPullOf, pullMerged } from "./fix-pull-merged.ts";
import type { FixCommit } from "./fix-trailers.ts";
import type { Push } from "./read-push.ts";

/** One landing per incident, whichever push (or branch) brings its fix to the default branch. */
export const fixLandedKey = (repository: string, incidentId: string): string =>
  `fix_outcome:${repository}:${incidentId}:landed`;

/** What a landed fix may do, from the repository's configuration. */
export type LandingSettings = { closeIssue: boolean; dryRun: boolean };

const landedSha = (outcome: AuditOutcome, fallback: string): string => {
  const sha = outcome.status === "done" ? outcome.detail?.commitSha : undefined;
  return typeof sha === "string" ? sha : fallback;
};

/**
 * Whether the push path settles the incident, or why it leaves it: not this repository's, not a
 * CodeHealer fix, or a fix pull request that was merged (`pull_request.closed` settles those, and
 * has or will).
 */
async function whyNotSettle(
  deps: EffectDeps,
  push: Push,
  commit: FixCommit,
): Promise<string | null> {
  const repository = fullName(push);
  const named = `${shortSha(commit.sha)} names incident ${commit.incidentId}`;
  const incident = await getIncident(deps.db, commit.incidentId);
  // A trailer is text anyone can write: only an incident of this repository with a fix counts.
  if (incident?.repository !== repository) return `${named}, which is not one of ${repository}'s`;
  if (incident.fix === null) return `${named}, for which CodeHealer proposed no fix`;
  if ((await auditedAction(deps.db, fixLandedKey(repository, incident.id)))?.status === "done")
    return null;
  if (incident.outcome === "fix_merged")
    return `incident ${incident.id} was already settled by its fix pull request`;
  const pull = await fixPullOf(deps.db, repository, incident.id);
  if (
    pull !== null &&
    (await pullMerged(deps.octokit, { owner: push.owner, repo: push.repo }, pull))
  )
    return `fix #${pull} of incident ${incident.id} was merged: its pull request settles it`;
  return null;
}

/**
 * A CodeHealer fix commit on the default branch that its pull request did not bring (a squash
 * or rebase done by hand, a cherry-pick, a person pushing the commit):
 * 1. the incident must be this repository's and have a fix; one its merged pull request settles
 *    is left to `pull_request.closed`;
 * 2. the incident is resolved with outcome `fix_merged`, once per incident (outcomes only move
 *    forward: `recordFixOutcome`);
 * 3. its fingerprint's issue is closed, naming the commit that landed first.
 * A GitHub error a later attempt may cure is thrown.
 */
export async function settleLandedFix(
  deps: EffectDeps,
  push: Push,
  commit: FixCommit,
  settings: LandingSettings,
): Promise<FollowUp> {
  const why = await whyNotSettle(deps, push, commit);
  if (why !== null) return followUp(false, why);
  const repository = fullName(push);
  const target = { owner: push.owner, repo: push.repo, incidentId: commit.incidentId };
  const outcome = await once(
    deps.db,
    auditEntry(target, FOLLOW_UP_KIND.outcome, fixLandedKey(repository, commit.incidentId)),
    async () => {
      const changed = await recordFixOutcome(deps.db, commit.incidentId, "fix_merged", {
        resolved: true,
      });
      const detail = { commitSha: commit.sha, branch: push.branch, outcome: "fix_merged", changed };
      return { detail };
    },
    { now: deps.now(), onFailure: "throw" },
  );
  const incident = await getIncident(deps.db, commit.incidentId);
  const sha = landedSha(outcome, commit.sha);
  const said = `fix of incident ${commit.incidentId} landed in ${shortSha(sha)}`;
  if (!incident?.fingerprint)
    return followUp(fresh(outcome), `${said}: ${describeSteps({ outcome })}`);
  const close = { fingerprint: incident.fingerprint, cause: sha };
  const issue = settings.closeIssue
    ? await closeIssueForFingerprint(
        deps,
        target,
        {
          ...close,
          reason: `Fixed by ${sha}, CodeHealer's fix for this failure, now on \`${push.branch}\`. If the failure comes back, CodeHealer reopens this issue.`,
        },
        { dryRun: settings.dryRun },
      )
    : await recordSkipped(
        deps.db,
        auditEntry(target, "close_issue", closeIssueKey(repository, close.fingerprint, sha)),
        "Issues are turned off in this repository (`actions.issue: false`): the issue is left open.",
        {},
        deps.now(),
      );
  retryIfWorthIt(issue);
  return followUp(fresh(outcome) || fresh(issue), `${said}: ${describeSteps({ outcome, issue })}`);
}
