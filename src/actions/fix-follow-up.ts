import type { Logger } from "pino";
import type { Config } from "../policy/config.ts";
import { loadRepositoryConfig } from "../policy/load-config.ts";
import { type AuditOutcome, auditedAction, once, recordSkipped } from "../store/audit.ts";
import type { Db } from "../store/database.ts";
import type { Incident } from "../store/schema.ts";
import { auditEntry, type EffectDeps, fullName, type Target } from "./effect.ts";
import { currentPullRequest, type FixPull, pullRequestBlocked } from "./fix-pull.ts";
import { FOLLOW_UP_KIND, type OpenedFix, recordFixOutcome } from "./fix-record.ts";
import { ActionError, explained } from "./github-error.ts";

/** What following up a fix is given: an effect's deps, and who CodeHealer is. */
export type FixDeps = EffectDeps & {
  log: Logger;
  appId: number | null;
  /** Every effect only logged as `[dry-run] Would …`, whatever the repository says. */
  dryRun?: boolean;
};

/** What following up a fix did: `acted` when anything new happened, and a reason for the delivery. */
export type FollowUp = { acted: boolean; reason: string };

export const followUp = (acted: boolean, reason: string): FollowUp => ({ acted, reason });

/** One CI result on a fix branch: a workflow run, a check suite or a check run completed. */
export type FixCiSignal = {
  branch: string;
  sha: string;
  conclusion: string | null;
  /** The run or check as people know it ("CI", "Travis CI"). */
  name: string;
  htmlUrl: string | null;
};

/** A CI result on the commit of a fix CodeHealer opened, and all that is known around it. */
export type Fixing = {
  deps: FixDeps;
  target: Target;
  repository: { owner: string; repo: string };
  fix: OpenedFix;
  incident: Incident;
  signal: FixCiSignal;
};

/** A step that did something this time (a replayed or skipped one did not). */
export const fresh = (outcome: AuditOutcome): boolean =>
  outcome.status === "done" ? !outcome.replayed : outcome.status !== "skipped";

/** The steps' outcomes in a few words ("draft done, comment already done"), for the delivery. */
export function describeSteps(steps: Record<string, AuditOutcome | null>): string {
  const words = Object.entries(steps).flatMap(([name, outcome]) => {
    if (outcome === null) return [];
    if (outcome.status === "failed") return [`${name} failed (${outcome.error})`];
    if (outcome.status === "done") return [`${name} ${outcome.replayed ? "already done" : "done"}`];
    return [`${name} ${outcome.status}`];
  });
  return words.join(", ");
}

/** A step that failed in a way a later attempt may cure is thrown, so that the queue retries. */
export function retryIfWorthIt(outcome: AuditOutcome): AuditOutcome {
  if (
    outcome.status === "failed" &&
    outcome.cause instanceof ActionError &&
    outcome.cause.retryable
  )
    throw outcome.cause;
  return outcome;
}

export const isDone = async (db: Db, key: string): Promise<boolean> =>
  (await auditedAction(db, key))?.status === "done";

/** One verdict of each kind per commit; a failure recorded once is never outweighed. */
export const validationKey = (repository: string, sha: string, verdict: string): string =>
  `fix_validation:${repository}:${sha}:${verdict}`;

/** The verdict onto the incident, once per commit: its outcome, and whether its fix is validated. */
export function recordVerdict(
  { deps, target, fix, incident, signal }: Fixing,
  verdict: "failed" | "passed",
): Promise<AuditOutcome> {
  const key = validationKey(fullName(target), fix.commitSha, verdict);
  const outcome = verdict === "failed" ? "fix_failed" : "fix_validated";
  return once(
    deps.db,
    auditEntry(target, FOLLOW_UP_KIND.validation, key),
    async () => {
      const validated = verdict === "passed";
      const changed = await recordFixOutcome(deps.db, incident.id, outcome, { validated });
      const { name, conclusion } = signal;
      const detail = { commitSha: fix.commitSha, check: name, conclusion, outcome, changed };
      return { targetUrl: signal.htmlUrl, detail };
    },
    { now: deps.now(), onFailure: "throw" },
  );
}

/**
 * The repository's settings and the fix pull request as it is now; or why CodeHealer leaves
 * the pull request alone (`pullRequestBlocked`), which is recorded.
 */
export async function settingsAndPull(
  { deps, target, repository, fix }: Fixing,
  verdict: "failed" | "passed",
): Promise<{ pull: FixPull; config: Config; dryRun: boolean } | { blocked: string }> {
  const full = fullName(repository);
  const { config } = await explained(`Reading the settings of ${full}`, "contents: read", () =>
    loadRepositoryConfig(deps.octokit, repository),
  );
  const pull = config.enabled
    ? await currentPullRequest(deps.octokit, repository, fix.pullRequest)
    : null;
  const blocked = pullRequestBlocked(pull, fix.commitSha, config);
  if (blocked === null && pull !== null)
    return { pull, config, dryRun: config.dry_run || deps.dryRun === true };
  const reason = blocked ?? "its pull request is gone";
  const key = `fix_ci_left_alone:${full}#${fix.pullRequest}:${fix.commitSha}:${verdict}`;
  const entry = auditEntry(target, FOLLOW_UP_KIND.validation, key);
  await recordSkipped(deps.db, entry, reason, {}, deps.now());
  return { blocked: reason };
}
