import { type AuditOutcome, once, recordDryRun } from "../store/audit.ts";
import { auditEntry, type EffectDeps, fullName, type Target } from "./effect.ts";
import type { FixPull } from "./fix-pull.ts";
import { FOLLOW_UP_KIND } from "./fix-record.ts";
import { ActionError, explainGitHubError } from "./github-error.ts";
import { shortSha } from "./markdown.ts";

// GitHub has no REST endpoint for either change: both are GraphQL mutations on the node id.
const MUTATIONS = {
  ready: `mutation MarkReady($id: ID!) {
  markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft } }
}`,
  draft: `mutation ConvertToDraft($id: ID!) {
  convertPullRequestToDraft(input: { pullRequestId: $id }) { pullRequest { isDraft } }
}`,
} as const;

/** One change of review state per pull request and commit. */
export const reviewStateKey = (
  repository: string,
  pullRequest: number,
  sha: string,
  to: "ready" | "draft",
): string => `fix_${to}:${repository}#${pullRequest}:${sha}`;

type GraphqlError = Error & { errors?: { type?: string; message?: string }[] };

// GraphQL answers 200 with `errors` (FORBIDDEN, NOT_FOUND, UNPROCESSABLE…); Octokit throws
// them as a GraphqlResponseError, which has no HTTP status to explain. Only a rate limit is
// worth another try.
function explainGraphql(what: string, error: unknown): ActionError {
  const graphql = error as GraphqlError;
  if (!(error instanceof Error) || graphql.name !== "GraphqlResponseError")
    return explainGitHubError(what, "pull_requests: write", error);
  const errors = graphql.errors ?? [];
  const said = errors.map((e) => [e.type, e.message].filter(Boolean).join(": ")).join("; ");
  const retryable = errors.some((e) => e.type === "RATE_LIMITED");
  return new ActionError(`${what} failed: GitHub's GraphQL API answered ${said || "an error"}.`, {
    retryable,
    cause: error,
  });
}

export type ReviewStateInput = {
  pull: Pick<FixPull, "number" | "nodeId" | "htmlUrl">;
  /** The commit whose CI decided it. */
  sha: string;
  to: "ready" | "draft";
};

/**
 * Marks a fix pull request ready for review (its CI passed and CodeHealer is sure enough), or
 * turns it back into a draft (its CI failed). Audited once per pull request, commit and state.
 */
export async function setFixReviewState(
  deps: EffectDeps,
  target: Target,
  { pull, sha, to }: ReviewStateInput,
  { dryRun }: { dryRun: boolean },
): Promise<AuditOutcome> {
  const repository = fullName(target);
  const pullRequest = pull.number;
  const entry = auditEntry(
    target,
    FOLLOW_UP_KIND.reviewState,
    reviewStateKey(repository, pullRequest, sha, to),
  );
  const change = to === "ready" ? "mark ready for review" : "turn back into a draft";
  const detail = { fixPullRequest: pullRequest, commitSha: sha, to };
  if (dryRun)
    return recordDryRun(
      deps.db,
      entry,
      `[dry-run] Would ${change} the fix pull request #${pullRequest} in ${repository} (CI on ${shortSha(sha)})`,
      detail,
      deps.now(),
    );
  const what = `Trying to ${change} the fix pull request #${pullRequest} in ${repository}`;
  return once(
    deps.db,
    entry,
    async () => {
      try {
        await deps.octokit.graphql(MUTATIONS[to], { id: pull.nodeId });
      } catch (error) {
        throw explainGraphql(what, error);
      }
      return { targetUrl: pull.htmlUrl, detail };
    },
    { now: deps.now() },
  );
}
