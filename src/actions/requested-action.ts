import type { Logger } from "pino";
import { learnFromFeedback } from "../learning/feedback-outcome.ts";
import { loadRepositoryConfig } from "../policy/load-config.ts";
import {
  type ActionKind,
  type AuditOutcome,
  auditedAction,
  recordSkipped,
} from "../store/audit.ts";
import { recordFeedback } from "../store/feedback.ts";
import type { Incident } from "../store/schema.ts";
import { type ButtonDecision, type ButtonRefusal, decideButton } from "./button-decision.ts";
import { type CheckRunOutput, noteOnCheckRun } from "./check-run-note.ts";
import { CHECK_RUN_BUTTONS, type CheckRunButton } from "./check-run-output.ts";
import { collaboratorPermission, type Permission } from "./collaborator-permission.ts";
import { auditEntry, type EffectDeps, fullName, type Target } from "./effect.ts";
import { fixBaseOnBranch } from "./fix-on-branch.ts";
import { openFixPullRequest } from "./fix-pr.ts";
import { ActionError } from "./github-error.ts";
import { viewIncident } from "./incident-view.ts";
import { plain } from "./markdown.ts";
import { rerunFailedJobs, rerunKey } from "./rerun.ts";
import { readStoredFix } from "./stored-fix.ts";

export type ButtonDeps = EffectDeps & {
  log: Logger;
  /** The app-wide dry run (`CODEHEALER_DRY_RUN`), on top of the repository's `dry_run`. */
  dryRun?: boolean;
};

/** A person's press of one of the buttons on CodeHealer's check run, verified as ours. */
export type ButtonPress = {
  button: CheckRunButton;
  incident: Incident;
  /** Who pressed it: the webhook's `sender.login`. */
  actor: string;
  repository: { owner: string; repo: string };
  /** The check run the button is on; its output as the webhook carried it, when it did. */
  checkRun: { id: number; output: CheckRunOutput | null };
};

/** The audit kind of each button's action. */
const KIND: Record<CheckRunButton, ActionKind> = {
  retry: "rerun",
  open_fix_pr: "fix_pr",
  not_helpful: "feedback",
};

/**
 * A person's Retry: a decision of its own, not a second automatic rerun of the attempt
 * ({@link rerunKey}), and made once per attempt however often it is pressed.
 */
export const requestedRerunKey = (repository: string, runId: number, attempt: number): string =>
  `${rerunKey(repository, runId, attempt)}:requested`;

type Press = { deps: ButtonDeps; press: ButtonPress; target: Target; label: string };
/** Whether everything is only recorded as `[dry-run] Would …`; whether the check run gets notes. */
type Mode = { dryRun: boolean; notes: boolean };

const noteKey = ({ target, press }: Press, ...parts: string[]) =>
  [`check_run:${fullName(target)}:${press.incident.id}:note`, press.button, ...parts].join(":");

/**
 * Adds a line about the press to the check run; a failure to do so is logged, not thrown: what
 * the button did is done and audited either way.
 */
async function note(run: Press, line: string, key: string, mode: Mode): Promise<void> {
  const { deps, press, target } = run;
  if (!mode.notes || press.checkRun.output === null) return;
  const input = { checkRunId: press.checkRun.id, output: press.checkRun.output, note: line, key };
  const outcome = await noteOnCheckRun(deps, target, input, { dryRun: mode.dryRun });
  if (outcome.status === "failed") deps.log.warn({ key }, `check run note: ${outcome.error}`);
}

/** Records a refused press in the audit trail, once per person, button and reason. */
async function refuse(run: Press, refusal: ButtonRefusal): Promise<string> {
  const { deps, press, target } = run;
  const key = `requested:${fullName(target)}:${press.incident.id}:${press.button}:${press.actor}:${refusal.rule}`;
  await recordSkipped(
    deps.db,
    auditEntry(target, KIND[press.button], key),
    refusal.reason,
    { requestedBy: press.actor, button: press.button, rule: refusal.rule },
    deps.now(),
  );
  deps.log.info({ rule: refusal.rule }, `${run.label} refused: ${refusal.reason}`);
  return `${run.label} refused: ${refusal.reason}`;
}

// Only GitHub's answer is expected here; a retryable one is thrown so the queue tries again.
async function permissionOf(run: Press): Promise<Permission | ButtonRefusal> {
  const { deps, press } = run;
  try {
    return await collaboratorPermission(deps.octokit, press.repository, press.actor);
  } catch (error) {
    if (!(error instanceof ActionError) || error.retryable) throw error;
    return { kind: "refused", rule: "no_write_access", reason: error.message };
  }
}

/**
 * What an audited outcome means to the person, in a sentence for the delivery's status, and
 * the note the check run gets. An outcome a later attempt may cure is thrown instead.
 */
function settle(
  run: Press,
  outcome: AuditOutcome,
  said: { done: (url: string | null) => string; note: (url: string | null) => string },
): { message: string; note: string | null } {
  switch (outcome.status) {
    case "done":
      return outcome.replayed
        ? { message: `${run.label}: already done (${outcome.targetUrl ?? "no link"})`, note: null }
        : {
            message: `${run.label}: ${said.done(outcome.targetUrl)}`,
            note: said.note(outcome.targetUrl),
          };
    case "dry-run":
      return { message: outcome.message, note: null };
    case "skipped":
      return { message: `${run.label}: ${outcome.reason}`, note: null };
    case "failed":
      if (outcome.cause instanceof ActionError && outcome.cause.retryable) throw outcome.cause;
      return {
        message: `${run.label} failed: ${outcome.error}`,
        note: `${run.label} failed: ${plain(outcome.error)}`,
      };
  }
}

async function act(run: Press, decision: ButtonDecision, mode: Mode): Promise<string> {
  const { deps, press, target } = run;
  const { actor, incident } = press;
  const options = { dryRun: mode.dryRun };
  switch (decision.kind) {
    case "refused": {
      const message = await refuse(run, decision);
      if (decision.rule !== "kill_switch")
        await note(
          run,
          `@${actor} pressed ${CHECK_RUN_BUTTONS[press.button].label}: ${plain(decision.reason)}`,
          noteKey(run, actor, decision.rule),
          mode,
        );
      return message;
    }
    case "rerun": {
      const key = requestedRerunKey(fullName(target), decision.runId, decision.attempt);
      const input = { ...decision, key, requestedBy: actor };
      const outcome = await rerunFailedJobs(deps, target, input, options);
      const settled = settle(run, outcome, {
        done: () => `reran the failed jobs of run ${decision.runId} (attempt ${decision.attempt})`,
        note: () =>
          `Retried by @${actor}: the failed jobs of attempt ${decision.attempt} are running again.`,
      });
      if (settled.note) await note(run, settled.note, noteKey(run, outcome.status), mode);
      return settled.message;
    }
    case "fix_pr": {
      const { step, fix } = decision;
      const outcome = await openFixPullRequest(
        deps,
        target,
        { step, fix, view: viewIncident(incident) },
        options,
      );
      const settled = settle(run, outcome, {
        done: (url) => `opened the fix pull request ${url ?? step.head}`,
        note: (url) =>
          `Fix pull request opened at @${actor}'s request: ${url ?? `\`${step.head}\``}`,
      });
      if (settled.note) await note(run, settled.note, noteKey(run, outcome.status), mode);
      return settled.message;
    }
    case "feedback": {
      const recorded = await recordFeedback(
        deps.db,
        { incidentId: incident.id, source: "check_run", actor, verdict: "bad" },
        deps.now(),
      );
      if (!recorded.created) return `${run.label}: @${actor} already said so`;
      await learnFromFeedback(deps.db, incident, "bad", deps.now());
      await note(
        run,
        `Marked not helpful by @${actor}. Thank you: CodeHealer learns from it.`,
        noteKey(run, actor),
        mode,
      );
      return `${run.label}: recorded as feedback on incident ${incident.id}`;
    }
  }
}

/**
 * Carries out a press of one of the check run's buttons:
 * 1. verify that the person may write to the repository (a refusal is audited);
 * 2. read the repository's configuration: the kill switch, dry run, the actions allowed;
 * 3. decide (`decideButton`): Retry, Open fix PR, Not helpful — or a refusal and why;
 * 4. for a fix, check with GitHub that the failing commit is on its branch here (not a fork's);
 * 5. act through the effects — each idempotent and audited, so a second press or a redelivery
 *    does nothing twice — and add a line about it to the check run.
 * Returns what happened, in a sentence. A GitHub failure a later attempt may cure (5xx, rate
 * limit) is thrown so the queue retries; any other is a failed outcome in the audit trail.
 */
export async function pressButton(deps: ButtonDeps, press: ButtonPress): Promise<string> {
  const { incident, actor, button, repository } = press;
  const target: Target = { ...repository, incidentId: incident.id };
  const run: Press = {
    deps,
    press,
    target,
    label: `@${actor}'s ${CHECK_RUN_BUTTONS[button].label}`,
  };

  const permission = await permissionOf(run);
  if ("kind" in permission) return refuse(run, permission);
  if (!permission.mayWrite)
    return refuse(run, {
      kind: "refused",
      rule: "no_write_access",
      reason: `@${actor} has ${permission.permission} access to ${fullName(target)}; only people who may write to it can use CodeHealer's buttons.`,
    });

  const config = await loadRepositoryConfig(deps.octokit, repository);
  const dryRun = config.config.dry_run || deps.dryRun === true;
  const automatic = await auditedAction(
    deps.db,
    rerunKey(incident.repository, incident.runId, incident.runAttempt),
  );
  const decided = decideButton({
    button,
    incident,
    config,
    fix: readStoredFix(incident.fix),
    rerunDone: automatic?.status === "done",
    now: deps.now(),
  });

  const decision =
    decided.kind === "fix_pr"
      ? await fixBaseOnBranch(run.deps.octokit, press.repository, press.incident, decided)
      : decided;
  return act(run, decision, { dryRun, notes: config.config.actions.check_run });
}
