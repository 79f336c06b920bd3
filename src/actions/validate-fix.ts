import { isFailedConclusion } from "../github/conclusions.ts";
import { recordSkipped } from "../store/audit.ts";
import { getIncident } from "../store/incidents.ts";
import { auditEntry, fullName } from "./effect.ts";
import { failFix } from "./fail-fix.ts";
import { ciVerdict, commitCheckSuites } from "./fix-ci-verdict.ts";
import { fixCiCommentKey } from "./fix-comment.ts";
import {
  type FixCiSignal,
  type FixDeps,
  type Fixing,
  type FollowUp,
  followUp,
  isDone,
  validationKey,
} from "./fix-follow-up.ts";
import { FOLLOW_UP_KIND, fixesOnBranch, type OpenedFix } from "./fix-record.ts";
import { ActionError, explained } from "./github-error.ts";
import { shortSha } from "./markdown.ts";
import { promoteFix } from "./promote-fix.ts";
import { reviewStateKey } from "./review-state.ts";

export type { FixCiSignal, FixDeps, FollowUp } from "./fix-follow-up.ts";

/**
 * What a CI result on a `codehealer/…` branch means for the fix it carries:
 * 1. find the fix whose commit it ran on (its `fix_pr` audit row); a commit someone else
 *    pushed to the branch is recorded and left to them: it neither validates nor fails ours;
 * 2. a failed result fails the fix (`failFix`);
 * 3. any other result asks for the verdict of every check suite on the commit (several
 *    workflows, other CI each report on their own): all passed → `promoteFix`; some still
 *    running → the last to finish decides; one failed → its own event fails the fix.
 * A redelivered result changes nothing. A GitHub error a retry may cure is thrown (the queue
 * retries); any other ends as a failed outcome with its reason.
 */
export async function followFixCi(
  deps: FixDeps,
  repository: { owner: string; repo: string },
  signal: FixCiSignal,
): Promise<FollowUp> {
  const full = fullName(repository);
  const { opened, opening } = await fixesOnBranch(deps.db, full, signal.branch);
  const fix = opened.find((candidate) => candidate.commitSha === signal.sha);
  if (!fix) return notOurCommit(deps, repository, signal, { opened, opening });
  const incident = await getIncident(deps.db, fix.incidentId);
  if (!incident) return followUp(false, `the incident of fix ${shortSha(fix.commitSha)} is gone`);
  const target = { ...repository, incidentId: incident.id };
  const fixing: Fixing = { deps, target, repository, fix, incident, signal };
  const short = shortSha(signal.sha);
  try {
    // The conclusions that fail a fix are those that open an incident on any other branch.
    if (isFailedConclusion(signal.conclusion)) return await failFix(fixing);
    const settled = await settledBefore(fixing);
    if (settled !== null) return followUp(false, settled);
    const suites = await explained(
      `Reading the checks on ${short} in ${full}`,
      "checks: read",
      () => commitCheckSuites(deps.octokit, repository, signal.sha),
    );
    const verdict = ciVerdict(suites, deps.appId);
    switch (verdict.state) {
      case "pending":
        return followUp(false, `waiting for ${verdict.waiting.join(", ") || "checks"} on ${short}`);
      case "failed":
        return followUp(
          false,
          `${verdict.suites.join(", ")} failed on ${short}: its own event says so`,
        );
      case "inconclusive":
        return followUp(
          false,
          `${verdict.suites.join(", ")} neither passed nor failed on ${short}`,
        );
      case "passed":
        return await promoteFix(fixing);
    }
  } catch (error) {
    // Said on the delivery, and in the audit trail when an effect failed: never a crash.
    if (error instanceof ActionError && !error.retryable)
      return followUp(true, `failed: ${error.message}`);
    throw error;
  }
}

async function notOurCommit(
  deps: FixDeps,
  repository: { owner: string; repo: string },
  signal: FixCiSignal,
  { opened, opening }: { opened: OpenedFix[]; opening: boolean },
): Promise<FollowUp> {
  const full = fullName(repository);
  // The commit reaches the branch before the fix_pr row is written: wait for the row.
  if (opening)
    throw new Error(
      `A fix pull request from ${signal.branch} in ${full} is still being opened; ${shortSha(signal.sha)} is known once it is.`,
    );
  const latest = opened[0];
  if (!latest)
    return followUp(false, `no fix pull request of CodeHealer's comes from ${signal.branch}`);
  const reason = `${shortSha(signal.sha)} on ${signal.branch} is not the commit CodeHealer proposed: its CI is the business of whoever pushed it, and neither validates nor fails the fix`;
  const entry = auditEntry(
    { ...repository, incidentId: latest.incidentId },
    FOLLOW_UP_KIND.validation,
    validationKey(full, signal.sha, "foreign"),
  );
  const detail = { commitSha: signal.sha, check: signal.name, conclusion: signal.conclusion };
  await recordSkipped(deps.db, entry, reason, detail, deps.now());
  return followUp(false, reason);
}

// Why a result that did not fail can change nothing any more, known before GitHub is asked.
async function settledBefore({ deps, target, fix }: Fixing): Promise<string | null> {
  const full = fullName(target);
  const short = shortSha(fix.commitSha);
  // A rerun that passes after a failure is a flaky fix at best: a person decides.
  if (await isDone(deps.db, validationKey(full, fix.commitSha, "failed")))
    return `CI failed on fix ${short} before: a fix whose CI failed is never promoted`;
  if (!(await isDone(deps.db, validationKey(full, fix.commitSha, "passed")))) return null;
  const readyKey = reviewStateKey(full, fix.pullRequest, fix.commitSha, "ready");
  const commentKey = fixCiCommentKey(full, fix.pullRequest, fix.commitSha, "passed");
  if ((await isDone(deps.db, readyKey)) || (await isDone(deps.db, commentKey)))
    return `the validation of fix ${short} was already followed up`;
  return null;
}
