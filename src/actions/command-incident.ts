import { and, desc, eq, type SQL } from "drizzle-orm";
import type { ProbotOctokit } from "probot";
import { incidentsOnPullRequest } from "../store/audit.ts";
import type { Db } from "../store/database.ts";
import { type Incident, incidents } from "../store/schema.ts";
import { explained } from "./github-error.ts";
import { issueIncident } from "./issue-incident.ts";

/** The issue or pull request a command was given on, as the comment's webhook carries it. */
export type CommentedIssue = {
  number: number;
  pullRequest: boolean;
  /** Who opened it: `Bot` for CodeHealer's own fingerprint issues. */
  authorType: string | null;
  body: string | null;
};

// The marker buildIssue writes; only the hex-ish fingerprints CodeHealer makes.
const FINGERPRINT_MARKER = /<!-- codehealer:fingerprint:([A-Za-z0-9_-]{1,128}) -->/;

/**
 * The fingerprint of one of CodeHealer's own issues, or null: the hidden marker, in an issue a
 * bot opened (a person pasting the marker into an issue does not make it CodeHealer's).
 */
export function issueFingerprint(issue: CommentedIssue): string | null {
  if (issue.pullRequest || issue.authorType !== "Bot") return null;
  return FINGERPRINT_MARKER.exec(issue.body ?? "")?.[1] ?? null;
}

async function latest(db: Db, repository: string, where: SQL) {
  const [row] = await db
    .select()
    .from(incidents)
    .where(and(eq(incidents.repository, repository), where))
    .orderBy(desc(incidents.createdAt))
    .limit(1);
  return row ?? null;
}

/**
 * The head commit of an open or closed pull request, or null when GitHub no longer has it.
 * The comment's webhook does not carry it.
 */
export async function pullRequestHead(
  octokit: ProbotOctokit,
  repository: { owner: string; repo: string },
  pullNumber: number,
): Promise<string | null> {
  const what = `Reading pull request #${pullNumber} of ${repository.owner}/${repository.repo}`;
  return explained(what, "pull_requests: read", async () => {
    try {
      const { data } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
        ...repository,
        pull_number: pullNumber,
      });
      return data.head.sha;
    } catch (error) {
      if ((error as { status?: unknown }).status === 404) return null;
      throw error;
    }
  });
}

/**
 * The incident a command on an issue or pull request is about, or null:
 * - a pull request: the latest incident on its latest commit, else the latest on its sticky
 *   comment (an earlier commit's failure is still what the board shows);
 * - one of CodeHealer's fingerprint issues: the latest occurrence of that fingerprint here;
 * - an issue a person labelled `codehealer`: the incident it became.
 */
export async function commandIncident(
  db: Db,
  repository: string,
  issue: CommentedIssue,
  headSha: string | null,
): Promise<Incident | null> {
  if (issue.pullRequest) {
    const onHead = headSha ? await latest(db, repository, eq(incidents.headSha, headSha)) : null;
    if (onHead) return onHead;
    const onBoard = await incidentsOnPullRequest(db, repository, issue.number);
    return onBoard.at(-1) ?? null;
  }
  const fingerprint = issueFingerprint(issue);
  if (fingerprint !== null) return latest(db, repository, eq(incidents.fingerprint, fingerprint));
  return (await issueIncident(db, repository, issue.number)) ?? null;
}
