import { type AuditOutcome, once, recordDryRun } from "../store/audit.ts";
import { auditEntry, type EffectDeps, fullName, type Target } from "./effect.ts";
import { explained } from "./github-error.ts";
import { type IncidentView, whereItFailed } from "./incident-view.ts";
import { BODY_LIMIT, bound, inlineCode, link, percent, plain, shortSha } from "./markdown.ts";

/** The hidden line that makes a comment CodeHealer's one comment on a pull request. */
export const STICKY_MARKER = "<!-- codehealer:sticky -->";

/** One write of the comment per incident: a second failure on the pull request writes it again. */
export const stickyCommentKey = (
  repository: string,
  pullRequest: number,
  incidentId: string,
): string => `comment:${repository}#${pullRequest}:${incidentId}`;

const CURRENT_ROWS = 20;
const EARLIER_ROWS = 10;

const TIER_WORDS = {
  auto: "acting on it",
  review: "waiting for a person to approve",
  report: "reported",
  security: "security: a person decides",
} as const;

const failing = (view: IncidentView) => view.status !== "resolved";

function row(view: IncidentView, withCommit: boolean): string {
  const icon = failing(view) ? "❌" : "✅";
  const attempt = view.runAttempt > 1 ? ` (attempt ${view.runAttempt})` : "";
  // A pipe ends a table cell even inside a code span, unless escaped.
  const line = view.errorLine
    ? `: ${inlineCode(view.errorLine.slice(0, 160)).replace(/\|/g, "\\|")}`
    : "";
  const next = failing(view) ? (view.tier ? TIER_WORDS[view.tier] : "diagnosing") : "fixed";
  const commit = withCommit ? ` \`${shortSha(view.headSha)}\` |` : "";
  return `| ${icon} | ${link(whereItFailed(view), view.htmlUrl)}${plain(attempt)} |${commit} **${plain(view.label)}**${line} | ${percent(view.confidence)} | ${next} |`;
}

// The latest attempt of each run: a rerun that failed again replaces its first attempt.
function latestAttempts(views: readonly IncidentView[]): IncidentView[] {
  const byRun = new Map<string, IncidentView>();
  for (const view of views) {
    const key = `${view.runId}`;
    const seen = byRun.get(key);
    if (!seen || view.runAttempt > seen.runAttempt) byRun.set(key, view);
  }
  return [...byRun.values()].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/**
 * The sticky comment's body: a status board of the pull request's incidents — those on its
 * latest commit in a table, those on earlier commits folded away. Pure.
 */
export function buildStickyComment(
  incidents: readonly IncidentView[],
  { headSha }: { headSha: string },
): string {
  const unique = [...new Map(incidents.map((view) => [view.id, view])).values()];
  const current = latestAttempts(unique.filter((view) => view.headSha === headSha));
  const earlier = latestAttempts(unique.filter((view) => view.headSha !== headSha));
  const open = current.filter(failing).length;
  const lines = [STICKY_MARKER, "### CodeHealer", ""];
  lines.push(
    open === 0
      ? `✅ No failing CI on \`${shortSha(headSha)}\`, the latest commit.`
      : `**${open} failing ${open === 1 ? "job" : "jobs"}** on \`${shortSha(headSha)}\`, the latest commit:`,
  );
  if (current.length > 0)
    lines.push(
      "",
      "| | Where | Diagnosis | Sure | CodeHealer |",
      "|---|---|---|---|---|",
      ...current.slice(0, CURRENT_ROWS).map((view) => row(view, false)),
    );
  if (earlier.length > 0)
    lines.push(
      "",
      `<details><summary>Earlier commits (${earlier.length})</summary>`,
      "",
      "| | Where | Commit | Diagnosis | Sure | CodeHealer |",
      "|---|---|---|---|---|---|",
      ...earlier.slice(0, EARLIER_ROWS).map((view) => row(view, true)),
      "",
      "</details>",
    );
  lines.push(
    "",
    "<sub>CodeHealer keeps this one comment up to date as failures come and go; the CodeHealer check run on each commit has the details.</sub>",
  );
  return bound(lines.join("\n"), BODY_LIMIT);
}

export type StickyCommentInput = {
  pullRequest: number;
  /** From {@link buildStickyComment}. */
  body: string;
  incidentId: string;
  /** This App's id: only a comment the App wrote is ever edited. */
  appId?: number | null;
};

type IssueComment = {
  id: number;
  html_url: string;
  body?: string;
  user: { type: string } | null;
  performed_via_github_app?: { id: number } | null;
};

// Ours: carries the marker and was written by a bot — by this App when GitHub says which. Anyone
// can paste the marker into a comment, and the App could otherwise overwrite a person's words.
function isOurs(comment: IssueComment, appId: number | null | undefined): boolean {
  if (!comment.body?.includes(STICKY_MARKER) || comment.user?.type !== "Bot") return false;
  const app = comment.performed_via_github_app;
  return appId == null || app == null || app.id === appId;
}

/**
 * Creates or updates the one CodeHealer comment on a pull request: finds it by its marker
 * (every page of comments), edits it in place, or creates it when there is none.
 */
export async function upsertStickyComment(
  deps: EffectDeps,
  target: Target,
  input: StickyCommentInput,
  { dryRun }: { dryRun: boolean },
): Promise<AuditOutcome> {
  const repository = fullName(target);
  const { pullRequest, body } = input;
  const entry = auditEntry(
    target,
    "comment",
    stickyCommentKey(repository, pullRequest, input.incidentId),
  );
  if (dryRun)
    return recordDryRun(
      deps.db,
      entry,
      `[dry-run] Would create or update the CodeHealer comment on ${repository}#${pullRequest}`,
      { pullRequest, body },
      deps.now(),
    );
  const what = `Updating the CodeHealer comment on ${repository}#${pullRequest}`;
  const repo = { owner: target.owner, repo: target.repo };
  return once(
    deps.db,
    entry,
    () =>
      explained(what, "pull_requests: write", async () => {
        const comments: IssueComment[] = await deps.octokit.paginate(
          "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
          { ...repo, issue_number: pullRequest, per_page: 100 },
        );
        const ours = comments.find((comment) => isOurs(comment, input.appId));
        if (ours?.body === body)
          return {
            targetUrl: ours.html_url,
            detail: { pullRequest, commentId: ours.id, change: "unchanged" },
          };
        const { data } = ours
          ? await deps.octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
              ...repo,
              comment_id: ours.id,
              body,
            })
          : await deps.octokit.request(
              "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
              {
                ...repo,
                issue_number: pullRequest,
                body,
              },
            );
        return {
          targetUrl: data.html_url,
          detail: { pullRequest, commentId: data.id, change: ours ? "updated" : "created" },
        };
      }),
    { now: deps.now() },
  );
}
