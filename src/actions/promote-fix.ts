import { z } from "zod";
import type { Config } from "../policy/config.ts";
import { buildFixCiComment, commentOnFixCi } from "./fix-comment.ts";
import {
  describeSteps,
  type Fixing,
  type FollowUp,
  followUp,
  fresh,
  recordVerdict,
  retryIfWorthIt,
  settingsAndPull,
} from "./fix-follow-up.ts";
import { percent, shortSha } from "./markdown.ts";
import { setFixReviewState } from "./review-state.ts";

// The incident's `plan` is jsonb written by the act stage; only what promotion weighs is read.
const planSchema = z.object({
  confidenceTier: z.enum(["auto", "review", "report", "security"]),
  confidence: z.number().nullable().catch(null),
});

/**
 * Why a fix whose CI passed stays a draft, in a sentence for its pull request; null when
 * CodeHealer may mark it ready itself: the kill switch is off, fix pull requests are allowed
 * and need no approval, and the diagnosis reached the auto tier by confidence. (Dry runs are
 * the effect's business: it logs `[dry-run] Would …`.) Pure.
 */
export function promotionRefusal(plan: unknown, config: Config): string | null {
  if (!config.enabled) return "CodeHealer is turned off in this repository (`enabled: false`).";
  if (!config.actions.fix_pr)
    return "fix pull requests are turned off in this repository (`actions.fix_pr: false`).";
  if (config.require_approval_for.includes("fix_pr"))
    return "this repository asks for a person's approval of every fix pull request (`require_approval_for: [fix_pr]`).";
  const parsed = planSchema.safeParse(plan);
  if (!parsed.success) return "the incident has no plan that says how sure CodeHealer was.";
  const { confidenceTier, confidence } = parsed.data;
  if (confidenceTier !== "auto")
    return `CodeHealer was ${percent(confidence)} sure of the diagnosis, the ${confidenceTier} tier; only a fix in the auto tier is marked ready on its own.`;
  return null;
}

/**
 * Every check passed on the fix:
 * 1. the verdict onto the incident: `fix_validated`, `proposed.validated = true`;
 * 2. a draft is marked ready for review when CodeHealer may (`promotionRefusal`, a dry run
 *    only logs it); otherwise it stays a draft, and one comment says why it waits for a person.
 */
export async function promoteFix(fixing: Fixing): Promise<FollowUp> {
  const { deps, target, fix, incident } = fixing;
  const short = shortSha(fix.commitSha);
  const verdict = await recordVerdict(fixing, "passed");
  const found = await settingsAndPull(fixing, "passed");
  if ("blocked" in found)
    return followUp(fresh(verdict), `fix ${short} validated; ${found.blocked}`);
  const { pull, config, dryRun } = found;
  if (!pull.draft)
    return followUp(
      fresh(verdict),
      `fix ${short} validated; #${pull.number} is already ready for review`,
    );
  const refusal = promotionRefusal(incident.plan, config);
  if (refusal === null) {
    const input = { pull, sha: fix.commitSha, to: "ready" } as const;
    const ready = retryIfWorthIt(await setFixReviewState(deps, target, input, { dryRun }));
    return followUp(true, `fix ${short} validated: ${describeSteps({ verdict, ready })}`);
  }
  const body = buildFixCiComment(fix.commitSha, fix.head, {
    verdict: "passed",
    waitsBecause: refusal,
  });
  const input = {
    pullRequest: fix.pullRequest,
    sha: fix.commitSha,
    body,
    verdict: "passed",
  } as const;
  const comment = retryIfWorthIt(await commentOnFixCi(deps, target, input, { dryRun }));
  return followUp(
    true,
    `fix ${short} validated, stays a draft: ${describeSteps({ verdict, comment })}`,
  );
}
