import { and, eq } from "drizzle-orm";
import type { ProbotOctokit } from "probot";
import type { ExternalEvidence } from "../diagnosis/incident.ts";
import { redact } from "../logs/redact.ts";
import type { Db } from "../store/database.ts";
import { openIncident } from "../store/incidents.ts";
import type { Queue } from "../store/queue.ts";
import { type Incident, incidents } from "../store/schema.ts";
import { explained } from "./github-error.ts";

/** The event an issue's incident is opened from; its run id is the issue's number. */
export const ISSUE_SOURCE_EVENT = "issues";

/** The most of an issue's title and body kept as its evidence: an issue may be a whole log. */
const TEXT_LIMIT = 64 * 1024;

/** The incident a person opened by labelling an issue `codehealer`, if any. */
export async function issueIncident(
  db: Db,
  repository: string,
  issueNumber: number,
): Promise<Incident | undefined> {
  const [row] = await db
    .select()
    .from(incidents)
    .where(
      and(
        eq(incidents.repository, repository),
        eq(incidents.provider, "external"),
        eq(incidents.sourceEvent, ISSUE_SOURCE_EVENT),
        eq(incidents.runId, issueNumber),
        eq(incidents.runAttempt, 1),
      ),
    );
  return row;
}

/** An issue a person labelled `codehealer`, as its webhook carried it. */
export type LabelledIssue = {
  repository: { owner: string; repo: string };
  installationId: number | null;
  /** The delivery that labelled it: the incident's origin. */
  deliveryId: string;
  defaultBranch: string;
  issue: { number: number; title: string; body: string | null; htmlUrl: string };
};

/**
 * What an issue becomes as evidence: its title and body, cut to a size a log excerpt would be
 * and redacted before it is stored (an issue is where people paste a log with a token in it).
 */
export function issueEvidence({ issue }: Pick<LabelledIssue, "issue">): ExternalEvidence {
  const text = `${issue.title}\n\n${issue.body ?? ""}`.trim();
  // The tail of a long issue is cut: a pasted log's first screen usually names the failure.
  return {
    source: `issue #${issue.number}`,
    text: redact(text.slice(0, TEXT_LIMIT)),
    url: issue.htmlUrl,
  };
}

/**
 * The commit at the head of a branch, or null when the branch has none (an empty repository:
 * GitHub answers 404 or 409). Other failures are thrown, explained.
 */
export async function branchHead(
  octokit: ProbotOctokit,
  repository: { owner: string; repo: string },
  branch: string,
): Promise<string | null> {
  const what = `Reading the head of ${branch} in ${repository.owner}/${repository.repo}`;
  return explained(what, "contents: read", async () => {
    try {
      const { data } = await octokit.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
        ...repository,
        ref: `heads/${branch}`,
      });
      return data.object.sha;
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (status === 404 || status === 409) return null;
      throw error;
    }
  });
}

export type IssueIncidentResult =
  | { kind: "opened" | "existing"; incident: Incident }
  | { kind: "no_commit"; reason: string };

/**
 * The manual trigger: an issue becomes an incident (provider `external`), diagnosed from its
 * text like a Sentry error, and queued.
 * 1. an incident for the issue already (a second labelling, a redelivery): queued again, in
 *    case the attempt that opened it died before it was queued;
 * 2. the incident is pinned to the default branch's head, where the code it describes lives;
 * 3. opened under (repository, external, issue number, 1) — unique, so two deliveries racing
 *    open one — and queued for diagnosis.
 */
export async function openIssueIncident(
  deps: { db: Db; octokit: ProbotOctokit; queue: Pick<Queue, "enqueue"> },
  input: LabelledIssue,
): Promise<IssueIncidentResult> {
  const { repository, issue } = input;
  const full = `${repository.owner}/${repository.repo}`;
  const known = await issueIncident(deps.db, full, issue.number);
  if (known) {
    await deps.queue.enqueue("incident", known.id);
    return { kind: "existing", incident: known };
  }
  const headSha = await branchHead(deps.octokit, repository, input.defaultBranch);
  if (headSha === null)
    return {
      kind: "no_commit",
      reason: `${full} has no commit on ${input.defaultBranch} to pin issue #${issue.number}'s incident to`,
    };
  const { incident, created } = await openIncident(deps.db, {
    repository: full,
    installationId: input.installationId,
    provider: "external",
    sourceEvent: ISSUE_SOURCE_EVENT,
    deliveryId: input.deliveryId,
    headSha,
    branch: input.defaultBranch,
    runId: issue.number,
    runAttempt: 1,
    conclusion: "failure",
    htmlUrl: issue.htmlUrl,
    evidence: { external: issueEvidence(input) },
  });
  await deps.queue.enqueue("incident", incident.id);
  return { kind: created ? "opened" : "existing", incident };
}
