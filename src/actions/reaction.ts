import { type AuditOutcome, once, recordDryRun } from "../store/audit.ts";
import { auditEntry, type EffectDeps, fullName, type Target } from "./effect.ts";
import { explained } from "./github-error.ts";

/**
 * How CodeHealer answers a command on the comment itself: `+1` done, `-1` not allowed (no
 * write access), `confused` refused or not understood, `eyes` still under way elsewhere.
 */
export type Reaction = "+1" | "-1" | "confused" | "eyes";

/** One reaction of each kind per comment: a redelivery or a retried job does not react again. */
export const reactionKey = (repository: string, commentId: number, content: Reaction): string =>
  `reaction:${repository}:${commentId}:${content}`;

/** Reacts to a comment on an issue or pull request. GitHub answers 200 for a reaction already there. */
export async function reactToComment(
  deps: EffectDeps,
  target: Target,
  { commentId, content }: { commentId: number; content: Reaction },
  { dryRun }: { dryRun: boolean },
): Promise<AuditOutcome> {
  const repository = fullName(target);
  const entry = auditEntry(target, "comment", reactionKey(repository, commentId, content));
  const detail = { commentId, reaction: content };
  if (dryRun)
    return recordDryRun(
      deps.db,
      entry,
      `[dry-run] Would react ${content} to comment ${commentId} in ${repository}`,
      detail,
      deps.now(),
    );
  const what = `Reacting ${content} to comment ${commentId} in ${repository}`;
  return once(
    deps.db,
    entry,
    () =>
      explained(what, "issues: write or pull_requests: write", async () => {
        await deps.octokit.request(
          "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
          { owner: target.owner, repo: target.repo, comment_id: commentId, content },
        );
        return { detail };
      }),
    { now: deps.now() },
  );
}
