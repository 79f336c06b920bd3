import { draftUntilValidated, requireApproval } from "./approval.ts";
import { matchesAny } from "./glob.ts";
import { AUTOMATIC_GUARDS, actsNow, firstRefusal, REPORT_GUARDS } from "./guards.ts";
import { blastRadius, quietHours } from "./limits.ts";
import type { PlanInput } from "./plan-input.ts";
import { type Candidate, propose } from "./propose.ts";
import { diagnosisReason, fixReason, tierReason } from "./reasons.ts";
import { reportSteps } from "./reports.ts";
import type { Plan, Refusal, Step, Tier } from "./steps.ts";
import { chooseThresholds } from "./thresholds.ts";
import { confidenceOf, tierOf } from "./tier.ts";

export type * from "./plan-input.ts";
export type * from "./steps.ts";

const KILL_SWITCH: Refusal = {
  step: "all",
  rule: "kill_switch",
  reason:
    "CodeHealer is turned off for this repository (enabled: false in .github/codehealer.yml): it does nothing, reports included.",
};

// The automatic actions through every guardrail, in the order a maintainer would ask: may it
// at all, is it sensible, must a person approve, is it the right time, is it one too many.
function guardAutomatic(
  candidates: readonly Candidate[],
  input: PlanInput,
): { kept: Candidate[]; refused: Refusal[] } {
  const refused: Refusal[] = [];
  const passed: Candidate[] = [];
  for (const candidate of candidates) {
    const refusal = firstRefusal(candidate, input, AUTOMATIC_GUARDS);
    if (refusal !== null) {
      refused.push(refusal);
      continue;
    }
    const validated = draftUntilValidated(candidate, input.fix);
    if (validated.refusal !== null) refused.push(validated.refusal);
    const approved = requireApproval(validated.candidate, input.config);
    if (approved.refusal !== null) refused.push(approved.refusal);
    const deferred = quietHours(approved.candidate, input);
    if (deferred !== null) refused.push(deferred);
    else passed.push(approved.candidate);
  }
  const radius = blastRadius(passed, input);
  return { kept: radius.kept, refused: [...refused, ...radius.refused] };
}

function automaticStep(candidate: Candidate): Step[] {
  if (candidate.kind === "fix_pr") {
    const { draft, base, head } = candidate;
    return [{ kind: "fix_pr", draft, base, head }];
  }
  return candidate.onApproval ? [] : [{ kind: "rerun", failedJobsOnly: true }];
}

// The tier the plan ends in: what it actually does, which the guardrails may have lowered.
function finalTier(confidenceTier: Tier, kept: readonly Candidate[]): Tier {
  if (confidenceTier === "security") return "security";
  if (kept.some((c) => actsNow(c) && !(c.kind === "fix_pr" && c.draft))) return "auto";
  return kept.length > 0 ? "review" : "report";
}

function outcomeReasons(input: PlanInput, confidenceTier: Tier, tier: Tier, kept: Candidate[]) {
  const { config, configProblems, state } = input;
  const reasons: string[] = [];
  if ((confidenceTier === "auto" || confidenceTier === "review") && tier === "report")
    reasons.push("No automatic action survived the guardrails: CodeHealer reports instead.");
  if (confidenceTier === "auto" && tier === "review")
    reasons.push("Approval is required: CodeHealer proposes and waits for a person.");
  for (const c of kept) {
    if (c.kind !== "fix_pr") continue;
    if (state.isDefaultBranch || matchesAny(c.base, config.protected_branches))
      reasons.push(
        `\`${c.base}\` is protected: the fix goes to \`${c.head}\` and a pull request, never a direct push.`,
      );
  }
  if (configProblems && configProblems.length > 0)
    reasons.push(
      `.github/codehealer.yml has ${configProblems.length} problem${configProblems.length === 1 ? "" : "s"}: running on the safe fallback, reports only.`,
    );
  if (config.dry_run)
    reasons.push(
      "Dry run (dry_run: true): every step is logged as `[dry-run] Would …`, none is performed.",
    );
  return reasons;
}

/**
 * Decides what to do about one diagnosed failure. Pure: nothing is read or written, and the
 * same input always gives the same plan; `execute` carries it out. Every action not taken is
 * in `refused` with its reason, and `reasons` tells the story in order.
 */
export function plan(input: PlanInput): Plan {
  const { config, diagnosis, fix } = input;
  // 1. The thresholds: calibrated, per environment, or as configured.
  const { thresholds, reasons: thresholdReasons } = chooseThresholds(input);
  // 2. The tier the confidence reaches.
  const confidence = confidenceOf(diagnosis);
  const confidenceTier = tierOf(diagnosis, thresholds);
  const reasons = [
    diagnosisReason(diagnosis, confidence),
    ...thresholdReasons,
    diagnosis.reportOnly && confidenceTier === "report"
      ? `Report only: ${diagnosis.reportOnly}`
      : tierReason(confidenceTier, confidence, thresholds),
  ];
  const base = { confidenceTier, confidence, thresholds, dryRun: config.dry_run };
  // 3. The kill switch: nothing at all, said once.
  if (!config.enabled) {
    const tier = confidenceTier === "security" ? "security" : "report";
    return {
      ...base,
      tier,
      steps: [],
      refused: [KILL_SWITCH],
      reasons: [...reasons, KILL_SWITCH.reason],
    };
  }
  reasons.push(fixReason(fix));
  // 4. What the tier would do, and what it rules out by its nature.
  const proposed = propose(confidenceTier, input);
  // 5. The guardrails on automatic actions.
  const automatic = guardAutomatic(proposed.candidates, input);
  // 6. The reports, guarded too: forks and untrusted authors get a comment and a check only.
  const steps: Step[] = automatic.kept.flatMap(automaticStep);
  const refused = [...proposed.refused, ...automatic.refused];
  for (const step of reportSteps(confidenceTier, automatic.kept, input)) {
    const refusal = firstRefusal(step, input, REPORT_GUARDS);
    if (refusal === null) steps.push(step);
    else refused.push(refusal);
  }
  // 7. The tier the plan ends in, and why.
  const tier = finalTier(confidenceTier, automatic.kept);
  reasons.push(...outcomeReasons(input, confidenceTier, tier, automatic.kept));
  return { ...base, tier, steps, refused, reasons };
}
