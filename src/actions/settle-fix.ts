import { recordFixEnding } from "../learning/fix-outcome.ts";
import { loadRepositoryConfig } from "../policy/load-config.ts";
import { auditedAction, once, recordSkipped } from "../store/audit.ts";
import { getIncident } from "../store/incidents.ts";
import { auditEntry, fullName } from "./effect.ts";
import type { FixDeps } from "./fix-follow-up.ts";
import { describeSteps, type FollowUp, followUp, fresh } from "./fix-follow-up.ts";
import { fixPrKey } from "./fix-pr.ts";
import { FOLLOW_UP_KIND } from "./fix-record.ts";
import { ActionError, explained } from "./github-error.ts";
import { closeIssueForFingerprint, closeIssueKey } from "./issue.ts";

/** A closed pull request from a `codehealer/…` branch of the repository itself. */
export type ClosedFixPull = {
  number: number;
  merged: boolean;
  body: string | null;
  /** The head branch. */
  head: string;
};

// The marker `fixMarker(incidentId)` puts first in every fix pull request's body.
const MARKER = /<!-- codehealer:fix:([0-9a-f-]{36}) -->/;

/** The incident a fix pull request's body names, or null. Pure. */
export const fixIncidentIn = (body: string | null): string | null =>
  MARKER.exec(body ?? "")?.[1] ?? null;

/** One outcome per pull request and ending. */
export const fixOutcomeKey = (repository: string, pullRequest: number, merged: boolean): string =>
  `fix_outcome:${repository}#${pullRequest}:${merged ? "merged" : "closed"}`;

/**
 * A fix pull request closed:
 * 1. it is CodeHealer's only if its marker names an incident whose `fix_pr` audit row opened
 *    this very pull request from this branch (a person copying the marker proves nothing);
 * 2. merged → the incident is resolved (`fix_merged`); closed unmerged → `fix_rejected`, which
 *    learning reads as a fix that was wrong; memory learns from either (`recordFixEnding`);
 * 3. merged → the fingerprint's issue is closed, saying which pull request fixed it.
 * A redelivery changes nothing; a GitHub error a retry may cure is thrown.
 */
export async function settleClosedFix(
  deps: FixDeps,
  repository: { owner: string; repo: string },
  pull: ClosedFixPull,
): Promise<FollowUp> {
  const full = fullName(repository);
  const incidentId = fixIncidentIn(pull.body);
  if (incidentId === null) return followUp(false, `#${pull.number} has no CodeHealer fix marker`);
  const opened = await auditedAction(deps.db, fixPrKey(full, pull.head, incidentId));
  const openedPull = (opened?.detail as { pullRequest?: unknown } | null)?.pullRequest;
  if (opened?.status !== "done" || openedPull !== pull.number)
    return followUp(false, `CodeHealer did not open #${pull.number} for incident ${incidentId}`);
  const incident = await getIncident(deps.db, incidentId);
  if (!incident) return followUp(false, `incident ${incidentId} of #${pull.number} is gone`);
  const target = { ...repository, incidentId };
  const outcome = await once(
    deps.db,
    auditEntry(target, FOLLOW_UP_KIND.outcome, fixOutcomeKey(full, pull.number, pull.merged)),
    async () => {
      const ending = pull.merged ? "fix_merged" : "fix_rejected";
      // The outcome, and what memory learns from it (src/learning/fix-outcome.ts).
      const { changed, learned } = await recordFixEnding(deps, repository, incident, {
        merged: pull.merged,
        via: `#${pull.number}`,
      });
      return { detail: { fixPullRequest: pull.number, outcome: ending, changed, learned } };
    },
    { now: deps.now(), onFailure: "throw" },
  );
  const ending = pull.merged ? "merged" : "closed unmerged";
  if (!pull.merged || incident.fingerprint === null)
    return followUp(fresh(outcome), `fix #${pull.number} ${ending}: ${describeSteps({ outcome })}`);
  try {
    const { config } = await explained(`Reading the settings of ${full}`, "contents: read", () =>
      loadRepositoryConfig(deps.octokit, repository),
    );
    const close = { fingerprint: incident.fingerprint, cause: `${full}#${pull.number}` };
    const issue = config.enabled
      ? await closeIssueForFingerprint(
          deps,
          target,
          {
            ...close,
            reason: `Fixed by #${pull.number}, CodeHealer's fix for this failure, now merged. If the failure comes back, CodeHealer reopens this issue.`,
          },
          { dryRun: config.dry_run || deps.dryRun === true },
        )
      : await recordSkipped(
          deps.db,
          auditEntry(target, "close_issue", closeIssueKey(full, close.fingerprint, close.cause)),
          "CodeHealer is turned off in this repository (`enabled: false`): the issue is left open.",
          {},
          deps.now(),
        );
    if (issue.status === "failed" && issue.cause instanceof ActionError && issue.cause.retryable)
      throw issue.cause;
    const acted = fresh(outcome) || fresh(issue);
    return followUp(acted, `fix #${pull.number} ${ending}: ${describeSteps({ outcome, issue })}`);
  } catch (error) {
    // Said on the delivery, and in the audit trail when an effect failed: never a crash.
    if (error instanceof ActionError && !error.retryable)
      return followUp(true, `failed: ${error.message}`);
    throw error;
  }
}
