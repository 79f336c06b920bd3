import type { PlanInput } from "./plan-input.ts";
import type { Candidate } from "./propose.ts";
import type { ReportStep, Tier } from "./steps.ts";

/** The actions among the survivors that wait for a person: a proposed rerun, a draft fix. */
export function awaitingApproval(kept: readonly Candidate[]): ("rerun" | "fix_pr")[] {
  return kept.filter((c) => (c.kind === "rerun" ? c.onApproval : c.draft)).map((c) => c.kind);
}

/**
 * What people are told, before the guards:
 * - always CodeHealer's check run on the commit: failing for a security finding (it must not
 *   look green), neutral otherwise (the CI run already failed; this one explains);
 * - on a pull request, the one sticky comment;
 * - an issue and a notification when CodeHealer reports instead of acting: always for a
 *   security finding; otherwise when no automatic action survived the guardrails and the
 *   failure is not a pull request's (its author sees the comment and the check; an issue per
 *   broken pull request would be spam);
 * - a notification asking for approval when an action waits for a person.
 */
export function reportSteps(
  tier: Tier,
  kept: readonly Candidate[],
  { diagnosis, state }: Pick<PlanInput, "diagnosis" | "state">,
): ReportStep[] {
  const annotate = diagnosis.annotations?.some((a) => !!a.path) ?? false;
  const steps: ReportStep[] = [
    { kind: "check_run", conclusion: tier === "security" ? "failure" : "neutral", annotate },
  ];
  if (state.pullRequest !== null) steps.push({ kind: "comment" });
  const approve = awaitingApproval(kept);
  const reporting = tier === "security" || (kept.length === 0 && state.pullRequest === null);
  if (reporting) steps.push({ kind: "issue", fingerprint: diagnosis.fingerprint });
  if (approve.length > 0) steps.push({ kind: "notify", approval: true, approve });
  else if (reporting) steps.push({ kind: "notify", approval: false });
  return steps;
}
