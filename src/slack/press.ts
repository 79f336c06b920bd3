import type { ProbotOctokit } from "probot";
import { auditEntry, fullName, type Target } from "../actions/effect.ts";
import { ActionError, explained } from "../actions/github-error.ts";
import { learnFromFeedback } from "../learning/feedback-outcome.ts";
import { loadRepositoryConfig } from "../policy/load-config.ts";
import { once, recordDryRun, recordSkipped } from "../store/audit.ts";
import { recordFeedback } from "../store/feedback.ts";
import { getIncident } from "../store/incidents.ts";
import type { Incident, SlackMessage } from "../store/schema.ts";
import { claimDecision, settleDecision, slackMessageOf } from "../store/slack-messages.ts";
import { approveStep, type StepResult } from "./approve.ts";
import { checkApprover } from "./approvers.ts";
import type { Approvable } from "./buttons.ts";
import {
  readNotification,
  type SlackMessageDeps,
  updateIncidentMessage,
} from "./incident-message.ts";
import type { SlackPress } from "./interaction-payload.ts";
import { escapeMrkdwn } from "./mrkdwn-out.ts";
import type { Respond } from "./respond.ts";
import type { SlackApprovers } from "./settings.ts";

export type PressDeps = SlackMessageDeps & {
  /** An Octokit authenticated as the incident's installation. */
  octokitFor: (installationId: number | null) => Promise<ProbotOctokit>;
  approvers: SlackApprovers;
  /** `CODEHEALER_DRY_RUN`, on top of the repository's `dry_run`. */
  dryRun: boolean;
  respond: Respond;
};

/** A press that passed the checks on the message and the person. */
type Pressed = {
  deps: PressDeps;
  press: SlackPress;
  incident: Incident;
  target: Target;
  approve: readonly Approvable[];
  /** `slack:<user id>`, as the audit trail's `requestedBy` has it. */
  by: string;
};

const mention = (press: SlackPress) => `<@${press.user}>`;

/** Records a refused press once per person, action and reason, and tells the person why. */
async function refuse(run: Pressed, rule: string, reason: string): Promise<string> {
  const { deps, press, target, by } = run;
  const key = `slack:${press.action}:${fullName(target)}:${run.incident.id}:${by}:${rule}`;
  await recordSkipped(
    deps.db,
    auditEntry(target, "notify", key),
    reason,
    { requestedBy: by, rule },
    deps.now(),
  );
  await deps.respond(press.responseUrl, reason);
  return `${by}'s ${press.action} refused (${rule}): ${reason}`;
}

async function alreadyAnswered(run: Pressed, row: SlackMessage | undefined): Promise<string> {
  const whom = row?.decidedBy ? `<@${row.decidedBy.replace(/^slack:/, "")}>` : "someone";
  const said =
    row?.decision === "approving"
      ? `${whom} is approving it right now.`
      : `It was ${row?.decision ?? "answered"} by ${whom} already.`;
  await run.deps.respond(run.press.responseUrl, said);
  return `${run.by}'s ${run.press.action} not needed: ${said}`;
}

async function reject(run: Pressed): Promise<string> {
  const { deps, press, incident, target, by } = run;
  const now = deps.now();
  const claim = await claimDecision(deps.db, incident.id, "rejected", by, now);
  if (!claim.claimed) return alreadyAnswered(run, claim.row);
  const recorded = await recordFeedback(
    deps.db,
    {
      incidentId: incident.id,
      source: "slack",
      actor: press.user,
      verdict: "bad",
      note: "Rejected in Slack",
    },
    now,
  );
  if (recorded.created) await learnFromFeedback(deps.db, incident, "bad", now);
  const entry = auditEntry(target, "feedback", `slack:reject:${fullName(target)}:${incident.id}`);
  await once(deps.db, entry, async () => ({ detail: { rejectedBy: by, approve: run.approve } }), {
    now,
  });
  await updateIncidentMessage(deps, incident.id, {
    line: `Rejected by ${mention(press)}: CodeHealer does nothing more about it, and learns from the verdict.`,
  });
  return `rejected by ${by}`;
}

/**
 * An approval: within the repository's configuration (the kill switch refuses it, a dry run
 * only records it), claimed once (two people pressing at once cannot both act), each waiting
 * step carried out (`approveStep`), recorded with who approved, and the message updated —
 * buttons gone, unless a step failed in a way another press may cure, or it was a dry run.
 */
async function approve(run: Pressed): Promise<string> {
  const { deps, press, incident, target, by } = run;
  const octokit = await deps.octokitFor(incident.installationId);
  const config = await explained(
    `Reading the settings of ${fullName(target)}`,
    "contents: read",
    () => loadRepositoryConfig(octokit, { owner: target.owner, repo: target.repo }),
  );
  if (!config.config.enabled)
    return refuse(
      run,
      "kill_switch",
      `CodeHealer is turned off for ${fullName(target)} (enabled: false in .github/codehealer.yml): the approval changes nothing.`,
    );
  const dryRun = config.config.dry_run || deps.dryRun;
  const now = deps.now();
  const claim = await claimDecision(deps.db, incident.id, "approving", by, now);
  if (!claim.claimed) return alreadyAnswered(run, claim.row);

  const results: StepResult[] = [];
  try {
    const approval = {
      deps: { octokit, db: deps.db, now: deps.now },
      incident,
      target,
      config,
      by,
      dryRun,
    };
    for (const step of run.approve) results.push(await approveStep(approval, step));
  } catch (error) {
    await settleDecision(deps.db, incident.id, null, deps.now());
    throw error;
  }
  const said = results.map((result) => result.said.replace(/[.\s]+$/, "")).join("; ");
  const steps = results.map(({ step, status }) => ({ step, status }));
  const entry = auditEntry(target, "notify", `slack:approve:${fullName(target)}:${incident.id}`);
  const retry = results.some((result) => result.retry);
  let line: string;
  if (dryRun) {
    await recordDryRun(
      deps.db,
      entry,
      `[dry-run] Would carry out ${by}'s approval`,
      { approvedBy: by, steps },
      now,
    );
    line = `Approved by ${mention(press)} in a dry run: ${said}.`;
  } else if (retry) {
    await once(
      deps.db,
      entry,
      async () => {
        throw new ActionError(`${by}'s approval is not carried out yet: ${said}`, {
          retryable: true,
        });
      },
      { now },
    );
    line = `${mention(press)}'s approval is not carried out yet: ${said}. Press Approve again to retry.`;
  } else {
    await once(deps.db, entry, async () => ({ detail: { approvedBy: by, steps } }), { now });
    line = `Approved by ${mention(press)}: ${said}.`;
  }
  await settleDecision(deps.db, incident.id, dryRun || retry ? null : "approved", deps.now());
  await updateIncidentMessage(deps, incident.id, { line });
  return `approved by ${by}: ${steps.map((s) => `${s.step} ${s.status}`).join(", ")}`;
}

/**
 * Answers a press of Approve or Reject on an incident's message:
 * 1. the press must be on the message CodeHealer posted for that incident, and something must
 *    wait for approval;
 * 2. the person must be an approver (SLACK_APPROVERS, directly or through a user group);
 *    a refusal is audited and told to them alone;
 * 3. Reject records their verdict as feedback; Approve carries out the waiting steps.
 * Returns what happened, in a sentence for the log. A failure (GitHub unreachable) is told to
 * the person, who may press again: every step is idempotent.
 */
export async function answerPress(deps: PressDeps, press: SlackPress): Promise<string> {
  const message = await slackMessageOf(deps.db, press.incidentId);
  if (!message?.ts || message.channel !== press.channel || message.ts !== press.messageTs)
    return `ignored: the button names incident ${press.incidentId}, whose message is not the one pressed`;
  const incident = await getIncident(deps.db, press.incidentId);
  if (!incident) return `ignored: incident ${press.incidentId} is gone`;
  const waiting = readNotification(message.notification).approve;
  if (waiting.length === 0)
    return `ignored: nothing about incident ${incident.id} waits for approval`;
  const [owner = "", repo = ""] = incident.repository.split("/");
  const target: Target = { owner, repo, incidentId: incident.id };
  const run: Pressed = {
    deps,
    press,
    incident,
    target,
    approve: waiting,
    by: `slack:${press.user}`,
  };

  const approver = await checkApprover(deps, deps.approvers, press.user);
  if (!approver.allowed) return refuse(run, "not_approver", approver.reason);
  // Answered already: said without asking GitHub anything (the claim below settles a race).
  if (message.decision === "approved" || message.decision === "rejected")
    return alreadyAnswered(run, message);
  try {
    return press.action === "reject" ? await reject(run) : await approve(run);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    await deps.respond(
      press.responseUrl,
      `CodeHealer could not carry out your ${press.action}: ${escapeMrkdwn(why.replace(/[.\s]+$/, ""))}. Press it again to retry.`,
    );
    throw error;
  }
}
