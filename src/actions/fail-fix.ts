import { fullName } from "./effect.ts";
import { buildFixCiComment, commentOnFixCi, fixCiCommentKey } from "./fix-comment.ts";
import {
  describeSteps,
  type Fixing,
  type FollowUp,
  followUp,
  fresh,
  isDone,
  recordVerdict,
  retryIfWorthIt,
  settingsAndPull,
} from "./fix-follow-up.ts";
import { shortSha } from "./markdown.ts";
import { reviewStateKey, setFixReviewState } from "./review-state.ts";

/**
 * CI failed on the fix: never validated, never promoted.
 * 1. the verdict onto the incident: `fix_failed`, `proposed.validated = false`;
 * 2. a ready pull request becomes a draft again;
 * 3. one comment per commit says so, with a link to the run.
 * A second failing workflow on the same commit, or a redelivery, adds nothing.
 */
export async function failFix(fixing: Fixing): Promise<FollowUp> {
  const { deps, target, fix, signal } = fixing;
  const full = fullName(target);
  const short = shortSha(fix.commitSha);
  const verdict = await recordVerdict(fixing, "failed");
  const commentKey = fixCiCommentKey(full, fix.pullRequest, fix.commitSha, "failed");
  if (!fresh(verdict) && (await isDone(deps.db, commentKey)))
    return followUp(false, `the failure of fix ${short} was already followed up`);
  const found = await settingsAndPull(fixing, "failed");
  if ("blocked" in found)
    return followUp(fresh(verdict), `fix ${short} failed its CI; ${found.blocked}`);
  const { pull, dryRun } = found;
  const draft = pull.draft
    ? null
    : retryIfWorthIt(
        await setFixReviewState(
          deps,
          target,
          { pull, sha: fix.commitSha, to: "draft" },
          { dryRun },
        ),
      );
  // Already a draft may mean an interrupted attempt turned it: the comment says what happened.
  const draftKey = reviewStateKey(full, fix.pullRequest, fix.commitSha, "draft");
  const turned = draft ? draft.status === "done" : await isDone(deps.db, draftKey);
  const conclusion = signal.conclusion ?? "failure";
  const body = buildFixCiComment(fix.commitSha, fix.head, {
    verdict: "failed",
    check: { name: signal.name, conclusion, htmlUrl: signal.htmlUrl },
    draft: turned ? "converted" : pull.draft ? "was" : "unchanged",
  });
  const input = {
    pullRequest: fix.pullRequest,
    sha: fix.commitSha,
    body,
    verdict: "failed",
  } as const;
  const comment = retryIfWorthIt(await commentOnFixCi(deps, target, input, { dryRun }));
  return followUp(
    true,
    `fix ${short} failed its CI: ${describeSteps({ verdict, draft, comment })}`,
  );
}
