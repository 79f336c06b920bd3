import { type AuditOutcome, once, recordDryRun } from "../store/audit.ts";
import { auditEntry, type EffectDeps, fullName, type Target } from "./effect.ts";
import { ActionError, explained } from "./github-error.ts";
import type { IncidentView } from "./incident-view.ts";
import {
  buildIssue,
  buildOccurrence,
  fingerprintMarker,
  ISSUE_LABEL,
  occurrenceMarker,
} from "./issue-body.ts";

/** One occurrence per incident: a retried job never comments twice. */
export const issueKey = (repository: string, fingerprint: string, incidentId: string): string =>
  `issue:${repository}:${fingerprint}:${incidentId}`;

type FoundIssue = {
  number: number;
  html_url: string;
  state: string;
  state_reason?: string | null;
  body?: string | null;
  user: { type: string } | null;
  pull_request?: unknown;
};

// Ours: the marker, in an issue (not a pull request) a bot opened; a person pasting the marker
// into an issue of their own does not make it CodeHealer's.
const isOurs = (issue: FoundIssue, marker: string) =>
  !issue.pull_request && issue.user?.type === "Bot" && (issue.body ?? "").includes(marker);

/**
 * The issue for a fingerprint, open or closed, or null:
 * 1. the search API, by the hidden marker (one request);
 * 2. the `codehealer`-labelled issues, because search indexes new issues with a delay (and has
 *    a rate limit of its own): an issue opened a minute ago is found here.
 */
export async function findFingerprintIssue(
  deps: Pick<EffectDeps, "octokit">,
  target: Target,
  fingerprint: string,
): Promise<FoundIssue | null> {
  // It goes into a search query and an HTML comment: only the hex CodeHealer makes is safe there.
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(fingerprint))
    throw new ActionError(`"${fingerprint.slice(0, 80)}" is not a CodeHealer fingerprint.`);
  const marker = fingerprintMarker(fingerprint);
  const repo = { owner: target.owner, repo: target.repo };
  try {
    const { data } = await deps.octokit.request("GET /search/issues", {
      q: `repo:${fullName(target)} is:issue in:body "codehealer:fingerprint:${fingerprint}"`,
      per_page: 20,
    });
    const hits = (data.items as FoundIssue[]).filter((issue) => isOurs(issue, marker));
    const hit = hits.find((issue) => issue.state === "open") ?? hits[0];
    if (hit) return hit;
  } catch {
    // Degrade on purpose: the search API refuses (rate limit, indexing) more often than the
    // issues list, which finds the same issue.
  }
  const listed: FoundIssue[] = await deps.octokit.paginate(
    "GET /repos/{owner}/{repo}/issues",
    { ...repo, labels: ISSUE_LABEL, state: "all", per_page: 100 },
    (response, done) => {
      const hit = (response.data as FoundIssue[]).find((issue) => isOurs(issue, marker));
      if (hit) done();
      return hit ? [hit] : [];
    },
  );
  return listed[0] ?? null;
}

export type ReportIssueInput = { fingerprint: string; view: IncidentView };

/**
 * Files the failure as the one issue of its fingerprint: a new issue the first time; after
 * that, a comment on the same issue for each occurrence — reopened if a fix had closed it,
 * left closed if a person closed it as not planned. Never a second issue.
 */
export async function reportIssue(
  deps: EffectDeps,
  target: Target,
  { fingerprint, view }: ReportIssueInput,
  { dryRun }: { dryRun: boolean },
): Promise<AuditOutcome> {
  const repository = fullName(target);
  const entry = auditEntry(target, "issue", issueKey(repository, fingerprint, view.id));
  const issue = buildIssue(view, fingerprint);
  if (dryRun)
    return recordDryRun(
      deps.db,
      entry,
      `[dry-run] Would open the issue for fingerprint ${fingerprint} in ${repository}, or add this occurrence to it: "${issue.title}"`,
      { fingerprint, issue, occurrence: buildOccurrence(view) },
      deps.now(),
    );
  const what = `Filing the issue for fingerprint ${fingerprint} in ${repository}`;
  const repo = { owner: target.owner, repo: target.repo };
  return once(
    deps.db,
    entry,
    ({ retry }) =>
      explained(what, "issues: write", async () => {
        const found = await findFingerprintIssue(deps, target, fingerprint);
        if (found === null) {
          const { data } = await deps.octokit.request("POST /repos/{owner}/{repo}/issues", {
            ...repo,
            ...issue,
          });
          return {
            targetUrl: data.html_url,
            detail: { issueNumber: data.number, change: "created" },
          };
        }
        const reported = { targetUrl: found.html_url, issueNumber: found.number };
        if (retry && (await alreadyReported(deps, target, found, view.id)))
          return { targetUrl: reported.targetUrl, detail: { ...reported, change: "unchanged" } };
        const reopen = found.state === "closed" && found.state_reason !== "not_planned";
        if (reopen)
          await deps.octokit.request("PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
            ...repo,
            issue_number: found.number,
            state: "open",
          });
        const { data } = await deps.octokit.request(
          "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
          { ...repo, issue_number: found.number, body: buildOccurrence(view) },
        );
        return {
          targetUrl: data.html_url,
          detail: {
            issueNumber: found.number,
            commentId: data.id,
            change: reopen ? "reopened" : "occurrence",
          },
        };
      }),
    { now: deps.now() },
  );
}

// After an interrupted attempt: did it get as far as writing this incident's occurrence?
async function alreadyReported(
  deps: EffectDeps,
  target: Target,
  issue: FoundIssue,
  incidentId: string,
): Promise<boolean> {
  const marker = occurrenceMarker(incidentId);
  if ((issue.body ?? "").includes(marker)) return true;
  const comments = await deps.octokit.paginate(
    "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
    { owner: target.owner, repo: target.repo, issue_number: issue.number, per_page: 100 },
  );
  return comments.some((comment) => (comment.body ?? "").includes(marker));
}

export type CloseIssueInput = {
  fingerprint: string;
  /** Why, in Markdown ("Fixed by #42."), posted before closing. */
  reason: string;
  /** What closes it (a pull request, a commit): one close per fingerprint and cause. */
  cause: string;
};

/** One close per fingerprint and cause. */
export const closeIssueKey = (repository: string, fingerprint: string, cause: string): string =>
  `close_issue:${repository}:${fingerprint}:${cause}`;

/** Closes the open issue of a fingerprint when its fix lands, saying why. */
export async function closeIssueForFingerprint(
  deps: EffectDeps,
  target: Target,
  { fingerprint, reason, cause }: CloseIssueInput,
  { dryRun }: { dryRun: boolean },
): Promise<AuditOutcome> {
  const repository = fullName(target);
  const entry = auditEntry(target, "close_issue", closeIssueKey(repository, fingerprint, cause));
  if (dryRun)
    return recordDryRun(
      deps.db,
      entry,
      `[dry-run] Would close the issue for fingerprint ${fingerprint} in ${repository}: ${reason}`,
      { fingerprint, reason },
      deps.now(),
    );
  const what = `Closing the issue for fingerprint ${fingerprint} in ${repository}`;
  const repo = { owner: target.owner, repo: target.repo };
  return once(
    deps.db,
    entry,
    () =>
      explained(what, "issues: write", async () => {
        const found = await findFingerprintIssue(deps, target, fingerprint);
        if (found === null || found.state !== "open")
          return { targetUrl: found?.html_url ?? null, detail: { change: "none-open" } };
        await deps.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
          ...repo,
          issue_number: found.number,
          body: reason,
        });
        await deps.octokit.request("PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
          ...repo,
          issue_number: found.number,
          state: "closed",
          state_reason: "completed",
        });
        return {
          targetUrl: found.html_url,
          detail: { issueNumber: found.number, change: "closed" },
        };
      }),
    { now: deps.now() },
  );
}
