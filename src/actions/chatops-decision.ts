import type { StoredFix } from "../fixes/types.ts";
import type { ParsedConfig } from "../policy/config.ts";
import type { Incident } from "../store/schema.ts";
import { type ButtonDecision, type ButtonRefusalRule, decideButton } from "./button-decision.ts";
import { COMMANDS, type Command } from "./chatops-command.ts";
import type { Permission } from "./collaborator-permission.ts";

/** Why a command was refused: a button's reasons, and those only a command meets. */
export type CommandRefusalRule =
  | ButtonRefusalRule
  /** The incident has a fix merged: there is nothing left to ignore. */
  | "resolved";

export type CommandRefusal = { kind: "refused"; rule: CommandRefusalRule; reason: string };

/** What a command comes to: a button's decision for retry and fix, or a command's own. */
export type CommandDecision =
  | Exclude<ButtonDecision, { kind: "feedback" | "refused" }>
  | { kind: "explain" }
  | { kind: "ignore" }
  | { kind: "feedback"; verdict: "good" | "bad"; note: string | null }
  | CommandRefusal;

/** What a command is decided from, gathered by the caller. */
export type CommandFacts = {
  command: Command;
  actor: string;
  incident: Incident;
  config: ParsedConfig;
  /** Null when the command is open to anyone who can comment, and nobody asked GitHub. */
  permission: Permission | null;
  /** The fix stored on the incident, read (`readStoredFix`). */
  fix: StoredFix | null;
  /** The automatic rerun of the incident's attempt is done already. */
  rerunDone: boolean;
  now: Date;
};

const refused = (rule: CommandRefusalRule, reason: string): CommandRefusal => ({
  kind: "refused",
  rule,
  reason,
});

// The check run's own decision, with its guardrails: a command is a press of the same button.
function asButton(facts: CommandFacts, button: "retry" | "open_fix_pr"): CommandDecision {
  const decision = decideButton({ ...facts, button });
  if (decision.kind === "feedback")
    throw new Error(`decideButton: ${button} came to feedback, which only Not helpful does`);
  return decision;
}

/**
 * What a `/codehealer` command comes to. Pure: the caller found the incident, read the
 * configuration and the stored fix, asked GitHub for the person's permission where the command
 * needs write access, and carries out the decision.
 * - the kill switch refuses every command;
 * - retry, fix, ignore and feedback need write access to the repository; explain is open to
 *   anyone who can comment;
 * - retry and fix are the check run's Retry and Open fix PR, with the same guardrails; only a
 *   GitHub Actions run can be rerun;
 * - explain needs a diagnosis to explain, and the comment it is written in;
 * - ignore leaves a resolved incident alone.
 */
export function decideCommand(facts: CommandFacts): CommandDecision {
  const { command, actor, incident, config, permission } = facts;
  if (!config.config.enabled)
    return refused(
      "kill_switch",
      "CodeHealer is turned off for this repository (enabled: false in .github/codehealer.yml): it does nothing, reports included.",
    );
  if (COMMANDS[command.name].needsWrite && !permission?.mayWrite)
    return refused(
      "no_write_access",
      `@${actor} has ${permission?.permission ?? "no"} access to ${incident.repository}; only people who may write to it can ${COMMANDS[command.name].verb} with CodeHealer.`,
    );
  switch (command.name) {
    case "retry":
      if (incident.provider !== "actions")
        return refused(
          "not_rerunnable",
          `Only GitHub Actions workflow runs can be rerun; this failure came from ${incident.provider === "external" ? "outside CI" : `a ${incident.sourceEvent} event`}.`,
        );
      return asButton(facts, "retry");
    case "fix":
      return asButton(facts, "open_fix_pr");
    case "explain":
      if (incident.fingerprint === null)
        return refused(
          "not_diagnosed",
          "The failure is not diagnosed yet: there is nothing to explain.",
        );
      if (!config.config.actions.comment)
        return refused(
          "disabled_action",
          "actions.comment is false for this repository: CodeHealer keeps no comment to explain it in.",
        );
      return { kind: "explain" };
    case "ignore":
      if (incident.status === "resolved")
        return refused("resolved", "The failure is resolved already: a fix for it was merged.");
      return { kind: "ignore" };
    case "feedback":
      return { kind: "feedback", verdict: command.verdict, note: command.note };
    default: {
      const unknown: never = command;
      throw new Error(`decideCommand: no decision for ${JSON.stringify(unknown)}`);
    }
  }
}
