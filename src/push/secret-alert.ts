import { auditEntry, type EffectDeps, fullName, type Target } from "../actions/effect.ts";
import {
  describeSteps,
  type FollowUp,
  followUp,
  fresh,
  retryIfWorthIt,
} from "../actions/fix-follow-up.ts";
import { viewIncident } from "../actions/incident-view.ts";
import { issueKey, reportIssue } from "../actions/issue.ts";
import { type Notifier, notify, notifyKey } from "../actions/notify.ts";
import { type AuditOutcome, recordSkipped } from "../store/audit.ts";
import { openIncident } from "../store/incidents.ts";
import { writePushCheck } from "./push-check.ts";
import type { Push } from "./read-push.ts";
import { buildSecretCheck, secretCheckKey } from "./secret-check-output.ts";
import { secretIncident } from "./secret-incident.ts";
import type { SecretFinding } from "./secret-lines.ts";

/** What alerting needs: an effect's deps, and the notifier when one is configured. */
export type AlertDeps = EffectDeps & { notifier: Notifier | null };

/** Which reports the repository's configuration allows, and whether only as a dry run. */
export type AlertSettings = { checkRun: boolean; issue: boolean; notify: boolean; dryRun: boolean };

/**
 * Why no issue is filed, or null. A public repository gets none: anyone may read its issues, and
 * one saying "a secret is in commit X" points everyone to it for as long as it stays open; the
 * check run (on that commit only) and the notification tell the team.
 */
function noIssue(push: Push, settings: AlertSettings): string | null {
  if (!settings.issue) return "Issues are turned off in this repository (`actions.issue: false`).";
  if (push.public)
    return "The repository is public: an issue would point everyone to the secret. The check run and the notification say it.";
  return null;
}

/**
 * A push that adds secret-looking strings, as a security-tier alert; never a code change:
 * 1. one incident per repository and commit (`secretIncident`), holding the masked lines only;
 * 2. the failing `CodeHealer: secret` check run on the commit, annotated at each line;
 * 3. the issue of its security fingerprint (none on a public repository), through `reportIssue`;
 * 4. a notification.
 * Each step is once per incident or commit, and is recorded as skipped when the configuration
 * turns it off. A step that failed in a way a retry may cure is thrown after the others ran.
 */
export async function alertSecrets(
  deps: AlertDeps,
  push: Push,
  findings: readonly SecretFinding[],
  settings: AlertSettings,
): Promise<FollowUp> {
  const { incident } = await openIncident(deps.db, secretIncident(push, findings, deps.now()));
  const target: Target = { owner: push.owner, repo: push.repo, incidentId: incident.id };
  const repository = fullName(push);
  const skip = (kind: "check_run" | "issue" | "notify", key: string, reason: string) =>
    recordSkipped(deps.db, auditEntry(target, kind, key), reason, {}, deps.now());
  const view = viewIncident(incident);
  const fingerprint = incident.fingerprint ?? "";
  const { dryRun } = settings;

  const checkKey = secretCheckKey(repository, push.after);
  const check = settings.checkRun
    ? await writePushCheck(
        deps,
        target,
        checkKey,
        buildSecretCheck(push.after, findings, push.public, deps.now()),
        { dryRun },
      )
    : await skip(
        "check_run",
        checkKey,
        "Check runs are turned off in this repository (`actions.check_run: false`).",
      );
  const why = noIssue(push, settings);
  const issue: AuditOutcome =
    why === null
      ? await reportIssue(deps, target, { fingerprint, view }, { dryRun })
      : await skip("issue", issueKey(repository, fingerprint, incident.id), why);
  const told = settings.notify
    ? await notify(deps, target, { view, step: { kind: "notify", approval: false } }, { dryRun })
    : await skip(
        "notify",
        notifyKey(repository, incident.id),
        "Notifications are turned off in this repository (`actions.notify: false`).",
      );
  for (const outcome of [check, issue, told]) retryIfWorthIt(outcome);
  const steps = describeSteps({ "check run": check, issue, notification: told });
  return followUp(
    fresh(check) || fresh(issue) || fresh(told),
    `${findings.length} secret${findings.length === 1 ? "" : "s"} in ${incident.id}: ${steps}`,
  );
}
