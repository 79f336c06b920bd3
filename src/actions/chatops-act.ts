import { learnFromFeedback } from "../learning/feedback-outcome.ts";
import { redact } from "../logs/redact.ts";
import type { AuditOutcome } from "../store/audit.ts";
import { recordFeedback } from "../store/feedback.ts";
import type { Incident } from "../store/schema.ts";
import { COMMANDS, type Command } from "./chatops-command.ts";
import type { CommandDecision } from "./chatops-decision.ts";
import type { EffectDeps, Target } from "./effect.ts";
import { openFixPullRequest } from "./fix-pr.ts";
import { ActionError } from "./github-error.ts";
import { markIgnored } from "./ignore-incident.ts";
import { viewIncident, whereItFailed } from "./incident-view.ts";
import { inlineCode, link, plain } from "./markdown.ts";
import type { Reaction } from "./reaction.ts";
import { requestedRerunKey } from "./requested-action.ts";
import { rerunFailedJobs } from "./rerun.ts";

/** Most characters of a feedback note kept (redacted); the board shows fewer. */
export const NOTE_LIMIT = 1_000;
const NOTE_SHOWN = 200;

/** How a command went, and how CodeHealer answers it on GitHub. */
export type Answer = {
  status: "done" | "refused" | "failed" | "dry-run";
  /** What happened, in a sentence for the delivery's status. */
  message: string;
  /** The reaction on the person's comment; none with the kill switch on. */
  reaction: Reaction | null;
  /** The line CodeHealer's comment shows of it; null for none. */
  line: string | null;
  /** Whether CodeHealer's comment is brought up to date (never for a stranger's refused command). */
  board: boolean;
  /** The guardrail behind a refusal. */
  rule?: string;
  /** What failed, for the audit trail. */
  error?: unknown;
  /** The incident to explain on the comment. */
  explain?: Incident;
};

/** A command being carried out, and who gave it where. */
export type CommandRun = {
  deps: EffectDeps;
  target: Target;
  incident: Incident;
  command: Command;
  actor: string;
  dryRun: boolean;
};

const label = (run: CommandRun) => `@${run.actor}'s /codehealer ${run.command.name}`;
const where = (incident: Incident) => {
  const view = viewIncident(incident);
  return link(whereItFailed(view), view.htmlUrl);
};

/**
 * What an effect's audited outcome means to the person. An outcome a later attempt may cure is
 * thrown so the queue retries; the effect's key keeps it from happening twice.
 */
function settle(
  run: CommandRun,
  outcome: AuditOutcome,
  said: { message: (url: string | null) => string; line: (url: string | null) => string },
): Answer {
  switch (outcome.status) {
    case "done":
      return outcome.replayed
        ? {
            status: "done",
            message: `${label(run)}: already done (${outcome.targetUrl ?? "no link"})`,
            reaction: "+1",
            line: null,
            board: false,
          }
        : {
            status: "done",
            message: `${label(run)}: ${said.message(outcome.targetUrl)}`,
            reaction: "+1",
            line: said.line(outcome.targetUrl),
            board: true,
          };
    case "dry-run":
      return {
        status: "dry-run",
        message: outcome.message,
        reaction: "+1",
        line: said.line(null),
        board: true,
      };
    case "skipped":
      // Another attempt is carrying it out right now: it answers when it is done.
      return {
        status: "refused",
        message: `${label(run)}: ${outcome.reason}`,
        reaction: "eyes",
        line: null,
        board: false,
        rule: "in_progress",
      };
    case "failed":
      if (outcome.cause instanceof ActionError && outcome.cause.retryable) throw outcome.cause;
      return {
        status: "failed",
        message: `${label(run)} failed: ${outcome.error}`,
        reaction: "confused",
        line: `⚠️ @${run.actor}'s /codehealer ${run.command.name} failed: ${plain(outcome.error)}`,
        board: true,
        error: outcome.cause,
      };
  }
}

async function feedback(
  run: CommandRun,
  verdict: "good" | "bad",
  note: string | null,
): Promise<Answer> {
  const { deps, incident, actor } = run;
  const kept = note === null ? null : redact(note).slice(0, NOTE_LIMIT);
  const recorded = await recordFeedback(
    deps.db,
    { incidentId: incident.id, source: "chatops", actor, verdict, note: kept },
    deps.now(),
  );
  if (recorded.created) await learnFromFeedback(deps.db, incident, verdict, deps.now());
  if (!recorded.created)
    return {
      status: "refused",
      message: `${label(run)}: @${actor} already gave feedback on incident ${incident.id} (${recorded.feedback.verdict}); the first word is kept`,
      reaction: "confused",
      line: null,
      board: false,
      rule: "already_said",
    };
  const shown = kept === null ? "." : `: “${plain(kept.slice(0, NOTE_SHOWN))}”`;
  return {
    status: "done",
    message: `${label(run)}: recorded as feedback on incident ${incident.id}`,
    reaction: "+1",
    line: `${verdict === "good" ? "👍" : "👎"} @${actor} found the diagnosis of ${where(incident)} ${verdict === "good" ? "helpful" : "unhelpful"}${shown}`,
    board: true,
  };
}

/**
 * Carries out a decided command through the effects: each idempotent and audited, so a second
 * command or a redelivery does nothing twice. Returns how it went and how to answer it.
 */
export async function actOnCommand(run: CommandRun, decision: CommandDecision): Promise<Answer> {
  const { deps, target, incident, actor, dryRun } = run;
  const verb = COMMANDS[run.command.name].verb;
  switch (decision.kind) {
    case "refused": {
      const stranger = decision.rule === "no_write_access";
      const off = decision.rule === "kill_switch";
      return {
        status: "refused",
        message: `${label(run)} refused: ${decision.reason}`,
        // The kill switch silences CodeHealer entirely; a stranger gets a -1 and nothing more.
        reaction: off ? null : stranger ? "-1" : "confused",
        line: off || stranger ? null : `✋ @${actor} asked to ${verb}: ${plain(decision.reason)}`,
        board: !(off || stranger),
        rule: decision.rule,
      };
    }
    case "rerun": {
      const key = requestedRerunKey(incident.repository, decision.runId, decision.attempt);
      const input = { ...decision, key, requestedBy: actor };
      return settle(run, await rerunFailedJobs(deps, target, input, { dryRun }), {
        message: () =>
          `reran the failed jobs of run ${decision.runId} (attempt ${decision.attempt})`,
        line: () =>
          `↻ Retried by @${actor}: the failed jobs of ${where(incident)} (attempt ${decision.attempt}) are running again.`,
      });
    }
    case "fix_pr": {
      const { step, fix } = decision;
      const input = { step, fix, view: viewIncident(incident) };
      return settle(run, await openFixPullRequest(deps, target, input, { dryRun }), {
        message: (url) => `opened the fix pull request ${url ?? step.head}`,
        line: (url) =>
          `🔧 Fix pull request opened at @${actor}'s request: ${url ?? inlineCode(step.head)}`,
      });
    }
    case "explain":
      return {
        status: dryRun ? "dry-run" : "done",
        message: `${dryRun ? "[dry-run] Would explain" : `${label(run)}: explained`} incident ${incident.id} on CodeHealer's comment`,
        reaction: "+1",
        line: null,
        board: true,
        explain: incident,
      };
    case "ignore": {
      const changed = await markIgnored(deps.db, incident.id);
      return {
        status: "done",
        message: `${label(run)}: incident ${incident.id} ${changed ? "is" : "was already"} ignored`,
        reaction: "+1",
        line: changed
          ? `🙈 Ignored by @${actor}: CodeHealer takes no further action on ${where(incident)}.`
          : null,
        board: changed,
      };
    }
    case "feedback":
      return feedback(run, decision.verdict, decision.note);
    default: {
      const unknown: never = decision;
      throw new Error(`actOnCommand: no effect for ${JSON.stringify(unknown)}`);
    }
  }
}
