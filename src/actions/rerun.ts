import { type AuditOutcome, once, recordDryRun } from "../store/audit.ts";
import { auditEntry, type EffectDeps, fullName, type Target } from "./effect.ts";
import { explained } from "./github-error.ts";

/** One rerun per attempt: attempt 2 failing again may be rerun again, attempt 1 never twice. */
export const rerunKey = (repository: string, runId: number, attempt: number): string =>
  `rerun:${repository}:${runId}:${attempt}`;

export type RerunInput = {
  runId: number;
  /** The attempt that failed; the rerun becomes attempt + 1. */
  attempt: number;
  /** The run's page, linked from the audit trail. */
  htmlUrl?: string | null;
  /**
   * Overrides {@link rerunKey}: a person's Retry button is a decision of its own, keyed by its
   * delivery, and is not a second automatic rerun of the attempt.
   */
  key?: string;
  /** The person who asked (a Retry button): their rerun is not automatic, the blast radius skips it. */
  requestedBy?: string;
};

/**
 * Reruns the failed jobs of a workflow run attempt — never the whole run: the jobs that passed
 * stay passed (GitHub reruns the failed jobs and those that depend on them).
 */
export async function rerunFailedJobs(
  deps: EffectDeps,
  target: Target,
  { runId, attempt, htmlUrl, key, requestedBy }: RerunInput,
  { dryRun }: { dryRun: boolean },
): Promise<AuditOutcome> {
  const repository = fullName(target);
  const entry = auditEntry(target, "rerun", key ?? rerunKey(repository, runId, attempt));
  const detail = requestedBy ? { runId, attempt, requestedBy } : { runId, attempt };
  if (dryRun)
    return recordDryRun(
      deps.db,
      entry,
      `[dry-run] Would rerun the failed jobs of run ${runId} (attempt ${attempt}) in ${repository}`,
      detail,
      deps.now(),
    );
  const what = `Rerunning the failed jobs of run ${runId} (attempt ${attempt}) in ${repository}`;
  return once(
    deps.db,
    entry,
    () =>
      explained(what, "actions: write", async () => {
        await deps.octokit.request(
          "POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs",
          { owner: target.owner, repo: target.repo, run_id: runId },
        );
        return { targetUrl: htmlUrl ?? null, detail };
      }),
    { now: deps.now() },
  );
}
