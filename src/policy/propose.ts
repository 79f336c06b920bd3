import { CATEGORY_LABELS } from "../diagnosis/categories.ts";
import type { PlanInput } from "./plan-input.ts";
import type { Refusal, Tier } from "./steps.ts";

/** Prefix of every branch CodeHealer pushes a fix to. */
export const FIX_BRANCH_PREFIX = "codehealer/fix-";

/**
 * An automatic action before the guardrails. A rerun `onApproval` waits for a person; a draft
 * fix pull request is opened now and waits for a person to mark it ready.
 */
export type Candidate =
  | { kind: "rerun"; onApproval: boolean }
  | { kind: "fix_pr"; draft: boolean; base: string; head: string };

/**
 * The branch a fix for this failure is pushed to: one per fingerprint, so that a second
 * attempt at the same failure updates the same pull request instead of opening another.
 */
export function fixBranch(fingerprint: string): string {
  const id = fingerprint
    .replace(/[^a-zA-Z0-9]/g, "")
    .slice(0, 12)
    .toLowerCase();
  return `${FIX_BRANCH_PREFIX}${id || "unknown"}`;
}

/**
 * What a tier would do if no guardrail stood in the way, and what it rules out by its nature:
 * - auto: rerun a transient failure; open a ready pull request with a fix;
 * - review: the same, waiting for a person: the rerun is only proposed, the pull request a draft;
 * - report: nothing automatic (the reports are added later, for every tier);
 * - security: nothing automatic, and the refusal says so when there was something to refuse.
 */
export function propose(
  tier: Tier,
  input: PlanInput,
): { candidates: Candidate[]; refused: Refusal[] } {
  const { diagnosis, fix, state } = input;
  const candidates: Candidate[] = [];
  const refused: Refusal[] = [];
  if (tier === "report") return { candidates, refused };
  if (tier === "security") {
    if (diagnosis.transient)
      refused.push({
        step: "rerun",
        rule: "security",
        reason: "A security finding is never rerun: a rerun could turn a real finding green.",
      });
    if (fix !== null)
      refused.push({
        step: "fix_pr",
        rule: "security",
        reason:
          "A security finding is never fixed automatically: rotating a secret or upgrading a vulnerable dependency is a person's call.",
      });
    return { candidates, refused };
  }
  const waits = tier === "review";
  // A rerun helps only when the failure is transient; a deterministic one fails the same way
  // again and spends CI minutes and the reviewer's patience.
  if (diagnosis.transient) candidates.push({ kind: "rerun", onApproval: waits });
  else
    refused.push({
      step: "rerun",
      rule: "deterministic_failure",
      reason: `${CATEGORY_LABELS[diagnosis.category]}: a deterministic failure, which a rerun would only repeat.`,
    });
  if (fix !== null) {
    if (state.branch === null)
      refused.push({
        step: "fix_pr",
        rule: "no_branch",
        reason:
          "The failing run has no branch (a tag or a detached commit), so there is no branch to propose a fix into.",
      });
    else
      candidates.push({
        kind: "fix_pr",
        draft: waits,
        base: state.branch,
        head: fixBranch(diagnosis.fingerprint),
      });
  }
  return { candidates, refused };
}
