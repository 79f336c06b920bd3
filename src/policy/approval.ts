import type { Config } from "./config.ts";
import type { ProposedFix } from "./plan-input.ts";
import type { Candidate } from "./propose.ts";
import { FIX_SOURCES } from "./reasons.ts";
import type { Refusal } from "./steps.ts";

/**
 * `require_approval_for` puts a person in front of an action whatever the confidence: a ready
 * fix pull request becomes a draft, a rerun becomes a proposal. The refusal records that the
 * action was taken in its lesser form, and why.
 */
export function requireApproval(
  candidate: Candidate,
  config: Pick<Config, "require_approval_for">,
): { candidate: Candidate; refusal: Refusal | null } {
  if (!config.require_approval_for.includes(candidate.kind)) return { candidate, refusal: null };
  if (candidate.kind === "fix_pr" && !candidate.draft)
    return {
      candidate: { ...candidate, draft: true },
      refusal: {
        step: "fix_pr",
        rule: "approval_required",
        reason:
          "Fix pull requests need a person's approval here (require_approval_for: fix_pr): the pull request is opened as a draft and approval is asked for.",
      },
    };
  if (candidate.kind === "rerun" && !candidate.onApproval)
    return {
      candidate: { ...candidate, onApproval: true },
      refusal: {
        step: "rerun",
        rule: "approval_required",
        reason:
          "Reruns need a person's approval here (require_approval_for: rerun): the rerun is proposed, not made.",
      },
    };
  return { candidate, refusal: null };
}

/**
 * A fix not yet shown to make the failing job pass is only ever a draft: its own CI on the fix
 * branch is the validation, and only a fix whose CI passes is marked ready (never one whose CI
 * fails). The refusal records the lesser form.
 */
export function draftUntilValidated(
  candidate: Candidate,
  fix: ProposedFix | null,
): { candidate: Candidate; refusal: Refusal | null } {
  if (candidate.kind !== "fix_pr" || candidate.draft || fix === null || fix.validated)
    return { candidate, refusal: null };
  return {
    candidate: { ...candidate, draft: true },
    refusal: {
      step: "fix_pr",
      rule: "fix_not_validated",
      reason: `The fix (${FIX_SOURCES[fix.source]}) has not been shown to make the failing job pass: it is opened as a draft, and marked ready only if its own CI passes.`,
    },
  };
}
