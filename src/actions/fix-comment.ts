import { type AuditOutcome, once, recordDryRun } from "../store/audit.ts";
import { auditEntry, type EffectDeps, fullName, type Target } from "./effect.ts";
import { FOLLOW_UP_KIND } from "./fix-record.ts";
import { explained } from "./github-error.ts";
import { inlineCode, link, shortSha } from "./markdown.ts";

/** What a fix's CI said, as the comment on its pull request tells it. */
export type FixCiNews =
  | {
      verdict: "failed";
      /** The run or check that failed, and where people open it. */
      check: { name: string; conclusion: string; htmlUrl: string | null };
      /** CodeHealer turned the pull request back into a draft, it was one, or it is still ready. */
      draft: "converted" | "was" | "unchanged";
    }
  | {
      verdict: "passed";
      /** Why it stays a draft: a sentence from `promotionRefusal`. */
      waitsBecause: string;
    };

/** The hidden line that marks the comment of one verdict on one commit. */
export const fixCiMarker = (sha: string, verdict: FixCiNews["verdict"]): string =>
  `<!-- codehealer:fix-ci:${sha}:${verdict} -->`;

/** One comment per verdict and commit: a redelivered or second failing run says nothing new. */
export const fixCiCommentKey = (
  repository: string,
  pullRequest: number,
  sha: string,
  verdict: FixCiNews["verdict"],
): string => `fix_ci_comment:${repository}#${pullRequest}:${sha}:${verdict}`;

const DRAFT_WORDS = {
  converted:
    "CodeHealer turned this pull request back into a draft: it never offers for review a fix its own CI rejects.",
  was: "This pull request stays a draft: CodeHealer never offers for review a fix its own CI rejects.",
  unchanged:
    "Do not merge it as it stands: CodeHealer could not turn this pull request back into a draft.",
} as const;

/** The comment on a fix pull request about its CI on `sha`. Pure. */
export function buildFixCiComment(sha: string, head: string, news: FixCiNews): string {
  const commit = `\`${shortSha(sha)}\``;
  if (news.verdict === "failed") {
    const { check } = news;
    return [
      fixCiMarker(sha, "failed"),
      "### ❌ CI failed on this fix",
      `${link(check.name || "CI", check.htmlUrl)} ended in ${inlineCode(check.conclusion)} on ${commit}, the commit CodeHealer proposed. ${DRAFT_WORDS[news.draft]}`,
      `Push a correction to ${inlineCode(head)}, or close this pull request if the fix is wrong: that teaches CodeHealer too.`,
    ].join("\n\n");
  }
  return [
    fixCiMarker(sha, "passed"),
    "### ✅ CI passed on this fix",
    `Every check on ${commit} completed without a failure. This pull request stays a draft for a person to review and mark ready: ${news.waitsBecause}`,
  ].join("\n\n");
}

export type FixCiCommentInput = {
  pullRequest: number;
  sha: string;
  body: string;
  verdict: FixCiNews["verdict"];
};

/** Comments once on a fix pull request about its CI; a retry after a crash finds its marker first. */
export async function commentOnFixCi(
  deps: EffectDeps,
  target: Target,
  { pullRequest, sha, body, verdict }: FixCiCommentInput,
  { dryRun }: { dryRun: boolean },
): Promise<AuditOutcome> {
  const repository = fullName(target);
  const entry = auditEntry(
    target,
    FOLLOW_UP_KIND.comment,
    fixCiCommentKey(repository, pullRequest, sha, verdict),
  );
  // `fixPullRequest`, not `pullRequest`: rows with the latter are read as the sticky comment's.
  const detail = { fixPullRequest: pullRequest, commitSha: sha, verdict };
  if (dryRun)
    return recordDryRun(
      deps.db,
      entry,
      `[dry-run] Would comment on #${pullRequest} in ${repository} that CI ${verdict} on ${shortSha(sha)}`,
      { ...detail, body },
      deps.now(),
    );
  const repo = { owner: target.owner, repo: target.repo, issue_number: pullRequest };
  const what = `Commenting on the fix pull request #${pullRequest} in ${repository}`;
  return once(
    deps.db,
    entry,
    ({ retry }) =>
      explained(what, "pull_requests: write", async () => {
        if (retry) {
          const marker = fixCiMarker(sha, verdict);
          const comments = await deps.octokit.paginate(
            "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
            { ...repo, per_page: 100 },
          );
          // Ours: the marker in a bot's comment; a person quoting it does not count.
          const posted = comments.find(
            (comment) => comment.user?.type === "Bot" && (comment.body ?? "").includes(marker),
          );
          if (posted)
            return { targetUrl: posted.html_url, detail: { ...detail, commentId: posted.id } };
        }
        const { data } = await deps.octokit.request(
          "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
          { ...repo, body },
        );
        return { targetUrl: data.html_url, detail: { ...detail, commentId: data.id } };
      }),
    { now: deps.now() },
  );
}
