import { actsNow, type Guard } from "./guards.ts";
import type { PlanInput } from "./plan-input.ts";
import type { Candidate } from "./propose.ts";
import { activeQuietWindow } from "./quiet-hours.ts";
import type { Refusal } from "./steps.ts";

/**
 * Inside quiet hours nobody is around to notice an automatic action go wrong, so none is taken;
 * reports still go out, and an action a person approves later is theirs, not automatic.
 */
export const quietHours: Guard = (step, { config, state }) => {
  if ((step.kind !== "rerun" && step.kind !== "fix_pr") || !actsNow(step)) return null;
  const window = activeQuietWindow(state.now, config.quiet_hours);
  if (window === null) return null;
  const days = window.days ? ` on ${window.days.join(", ")}` : "";
  return {
    step: step.kind,
    rule: "quiet_hours",
    reason: `Quiet hours (${window.start}–${window.end} ${window.timezone}${days}): automatic actions are deferred until ${window.end}; reports still go out.`,
  };
};

/**
 * The blast radius: at most `max_actions_per_hour` automatic actions per repository per hour,
 * so that a bad rule or a bad day never turns into a hundred reruns or pull requests. Actions
 * are let through in order until the hour's allowance is spent; those waiting for approval
 * are not automatic and do not count.
 */
export function blastRadius(
  candidates: readonly Candidate[],
  { config, state }: Pick<PlanInput, "config" | "state">,
): { kept: Candidate[]; refused: Refusal[] } {
  const limit = config.max_actions_per_hour;
  const before = state.automatedActionsLastHour;
  let here = 0;
  const kept: Candidate[] = [];
  const refused: Refusal[] = [];
  for (const candidate of candidates) {
    if (!actsNow(candidate)) kept.push(candidate);
    else if (before + here < limit) {
      here++;
      kept.push(candidate);
    } else {
      const also = here > 0 ? ` and ${here} more in this plan` : "";
      refused.push({
        step: candidate.kind,
        rule: "blast_radius",
        reason: `The blast-radius limit is reached: ${before} automatic actions in ${state.repository} in the last hour${also}, at most ${limit} an hour (max_actions_per_hour).`,
      });
    }
  }
  return { kept, refused };
}
