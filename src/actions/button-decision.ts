import { CATEGORIES } from "../diagnosis/categories.ts";
import type { StoredFix } from "../fixes/types.ts";
import type { ParsedConfig } from "../policy/config.ts";
import {
  deniedPath,
  disabledAction,
  emptyFix,
  firstRefusal,
  type Guard,
  type GuardedStep,
  invalidConfig,
  notRerunnable,
  protectedHead,
} from "../policy/guards.ts";
import type { PlanInput, ProposedFix } from "../policy/plan-input.ts";
import { fixBranch } from "../policy/propose.ts";
import type { FixPrStep, RefusalRule } from "../policy/steps.ts";
import { isSecurityFinding } from "../policy/tier.ts";
import type { Incident } from "../store/schema.ts";
import type { CheckRunButton } from "./check-run-output.ts";
import type { FixInput } from "./fix-pr-body.ts";

/** Why a press of a button was refused: a guardrail of the plan's, or one of a person's press. */
export type ButtonRefusalRule =
  | RefusalRule
  /** The person who pressed it may not write to the repository. */
  | "no_write_access"
  /** The incident has no diagnosis yet, so nothing to act on. */
  | "not_diagnosed"
  /** No fix was found for the failure: nothing to open. */
  | "no_fix"
  /** CodeHealer already reran this attempt on its own. */
  | "already_rerun";

export type ButtonRefusal = { kind: "refused"; rule: ButtonRefusalRule; reason: string };

/** What a press of one of the check run's buttons comes to. */
export type ButtonDecision =
  | { kind: "rerun"; runId: number; attempt: number; htmlUrl: string | null }
  | { kind: "fix_pr"; step: FixPrStep; fix: FixInput }
  | { kind: "feedback" }
  | ButtonRefusal;

/** What a press is decided from, gathered by the caller. */
export type ButtonFacts = {
  button: CheckRunButton;
  incident: Incident;
  config: ParsedConfig;
  /** The fix stored on the incident, read (`readStoredFix`). */
  fix: StoredFix | null;
  /** The automatic rerun of this attempt is done already. */
  rerunDone: boolean;
  now: Date;
};

/**
 * The plan's guardrails a person's press passes too: the repository's own settings, what can
 * be rerun, what a fix may touch and where it may go. Those that only weigh what CodeHealer does
 * on its own (confidence, approval, rerun budget, quiet hours, blast radius) do not apply: the
 * press is the person's decision. Forks are checked against GitHub by the caller.
 */
const RERUN_GUARDS: readonly Guard[] = [invalidConfig, disabledAction, notRerunnable];
const FIX_GUARDS: readonly Guard[] = [
  invalidConfig,
  disabledAction,
  emptyFix,
  deniedPath,
  protectedHead,
];

const refused = (rule: ButtonRefusalRule, reason: string): ButtonRefusal => ({
  kind: "refused",
  rule,
  reason,
});

// The guards read the configuration, the fix and the event. The rest of the plan's state
// weighs automatic actions only and is left neutral: nothing here reads it.
function guardInput(facts: ButtonFacts, fix: ProposedFix | null): PlanInput {
  const { incident, config, now } = facts;
  return {
    diagnosis: {
      category: CATEGORIES.find((c) => c === incident.category) ?? "unknown",
      transient: incident.transient ?? false,
      confidence: incident.confidence ?? 0,
      fingerprint: incident.fingerprint ?? "",
      summary: incident.summary ?? "",
      errorLine: incident.errorLine ?? "",
      security: incident.tier === "security",
    },
    fix,
    config: config.config,
    configProblems: config.problems,
    state: {
      now,
      repository: incident.repository,
      branch: incident.branch,
      workflow: incident.workflowName,
      event:
        incident.provider === "actions"
          ? "workflow_run"
          : incident.sourceEvent === "check_run"
            ? "check_run"
            : "check_suite",
      runAttempt: incident.runAttempt,
      rerunsOfThisRun: 0,
      automatedActionsLastHour: 0,
      pullRequest: null,
      isDefaultBranch: false,
    },
  };
}

const guarded = (step: GuardedStep, input: PlanInput, guards: readonly Guard[]) => {
  const refusal = firstRefusal(step, input, guards);
  return refusal === null ? null : refused(refusal.rule, refusal.reason);
};

function retry(facts: ButtonFacts): ButtonDecision {
  const { incident } = facts;
  const input = guardInput(facts, null);
  if (isSecurityFinding(input.diagnosis))
    return refused(
      "security",
      "A security finding is never rerun by CodeHealer: a rerun could turn a real finding green.",
    );
  const refusal = guarded({ kind: "rerun", onApproval: false }, input, RERUN_GUARDS);
  if (refusal) return refusal;
  if (facts.rerunDone)
    return refused(
      "already_rerun",
      `CodeHealer already reran the failed jobs of run ${incident.runId} (attempt ${incident.runAttempt}); a rerun of this attempt is under way or done.`,
    );
  return {
    kind: "rerun",
    runId: incident.runId,
    attempt: incident.runAttempt,
    htmlUrl: incident.htmlUrl,
  };
}

function openFix(facts: ButtonFacts): ButtonDecision {
  const { incident, fix } = facts;
  if (isSecurityFinding(guardInput(facts, null).diagnosis))
    return refused(
      "security",
      "A security finding is never fixed by CodeHealer: rotating a secret or upgrading a vulnerable dependency is a person's call.",
    );
  if (incident.fingerprint === null)
    return refused("not_diagnosed", "The failure is not diagnosed yet: there is no fix to open.");
  if (fix === null)
    return refused(
      "no_fix",
      "CodeHealer found no fix for this failure, so there is nothing to open.",
    );
  if (incident.branch === null)
    return refused(
      "no_branch",
      "The failing run has no branch (a tag or a detached commit), so there is no branch to propose a fix into.",
    );
  const step: FixPrStep = {
    kind: "fix_pr",
    // Only a fix shown to make the failing job pass is opened ready for review.
    draft: !fix.proposed.validated,
    base: incident.branch,
    head: fixBranch(incident.fingerprint),
  };
  // The files that would be committed are the ones guarded, whatever the proposal listed.
  const proposed = { ...fix.proposed, files: fix.fix.files.map((file) => file.path) };
  const refusal = guarded(step, guardInput(facts, proposed), FIX_GUARDS);
  return refusal ?? { kind: "fix_pr", step, fix: fix.fix };
}

/**
 * What a press of a button comes to. Pure: the caller has checked that the person may write,
 * read the configuration and the stored fix, and carries out the decision.
 * - the kill switch refuses every button;
 * - Retry reruns the failed jobs of an Actions run, never of a security finding, and not twice;
 * - Open fix PR opens the stored fix, guarded as the plan guards its own, never for a security
 *   finding; ready for review only when the fix was validated;
 * - Not helpful is recorded as feedback.
 */
export function decideButton(facts: ButtonFacts): ButtonDecision {
  if (!facts.config.config.enabled)
    return refused(
      "kill_switch",
      "CodeHealer is turned off for this repository (enabled: false in .github/codehealer.yml): it does nothing, reports included.",
    );
  switch (facts.button) {
    case "retry":
      return retry(facts);
    case "open_fix_pr":
      return openFix(facts);
    case "not_helpful":
      return { kind: "feedback" };
    default: {
      const unknown: never = facts.button;
      throw new Error(`decideButton: no decision for button ${String(unknown)}`);
    }
  }
}
