import type { NotifyStep } from "../policy/steps.ts";
import { type AuditOutcome, once, recordDryRun, recordSkipped } from "../store/audit.ts";
import { auditEntry, type EffectDeps, fullName, type Target } from "./effect.ts";
import { type IncidentView, whereItFailed } from "./incident-view.ts";
import { percent } from "./markdown.ts";

/** What a notification says, whatever carries it (Slack, in a later issue). */
export type Notification = {
  repository: string;
  incidentId: string;
  text: string;
  /** The actions a person is asked to approve; empty for a plain report. */
  approve: readonly ("rerun" | "fix_pr")[];
  url: string | null;
};

/** Sends notifications: Slack's implementation comes with the Slack issue. */
export type Notifier = {
  send(notification: Notification): Promise<{ targetUrl: string | null }>;
};

/** One notification per incident. */
export const notifyKey = (repository: string, incidentId: string): string =>
  `notify:${repository}:${incidentId}`;

/** The notification for an incident. Pure. */
export function buildNotification(view: IncidentView, step: NotifyStep): Notification {
  const approve = step.approval ? step.approve : [];
  const ask =
    approve.length > 0
      ? ` Approve to ${approve.map((a) => (a === "rerun" ? "rerun the failed jobs" : "open the fix pull request")).join(" and ")}?`
      : "";
  return {
    repository: view.repository,
    incidentId: view.id,
    text: `${view.label} in ${view.repository} (${whereItFailed(view)}), ${percent(view.confidence)} sure: ${view.summary.replace(/\.$/, "")}.${ask}`,
    approve,
    url: view.htmlUrl,
  };
}

/**
 * Tells the team. Without a notifier (Slack is not configured, or not built yet) the intent is
 * recorded in the audit trail as skipped, so nothing is lost and the dashboard can show it.
 */
export async function notify(
  deps: Pick<EffectDeps, "db" | "now"> & { notifier?: Notifier | null },
  target: Target,
  { view, step }: { view: IncidentView; step: NotifyStep },
  { dryRun }: { dryRun: boolean },
): Promise<AuditOutcome> {
  const repository = fullName(target);
  const entry = auditEntry(target, "notify", notifyKey(repository, view.id));
  const notification = buildNotification(view, step);
  if (dryRun)
    return recordDryRun(
      deps.db,
      entry,
      `[dry-run] Would notify the team about ${repository}${notification.approve.length > 0 ? " and ask for approval" : ""}: ${notification.text}`,
      { notification },
      deps.now(),
    );
  const { notifier } = deps;
  if (!notifier)
    return recordSkipped(
      deps.db,
      entry,
      "No notifier is configured (Slack): the notification is recorded here, not sent.",
      { notification },
      deps.now(),
    );
  return once(
    deps.db,
    entry,
    async () => {
      const sent = await notifier.send(notification);
      return { targetUrl: sent.targetUrl, detail: { notification } };
    },
    { now: deps.now() },
  );
}
