import { z } from "zod";

/** The `action_id`s of the buttons on an incident's message; Slack sends them back. */
export const APPROVE_ACTION = "codehealer_approve";
export const REJECT_ACTION = "codehealer_reject";
export const DECISION_BLOCK = "codehealer_decision";

/** What a person may approve: the actions the plan left waiting for them. */
export const APPROVABLE = ["rerun", "fix_pr"] as const;
export type Approvable = (typeof APPROVABLE)[number];

const valueSchema = z.object({
  incident: z.guid(),
  approve: z.array(z.enum(APPROVABLE)).max(APPROVABLE.length),
});

/** What a button carries: the incident and the actions waiting for approval. */
export type ButtonValue = z.infer<typeof valueSchema>;

/** A button's `value` (Slack allows 2 000 characters; this is under 100). */
export const encodeButtonValue = (value: ButtonValue): string => JSON.stringify(value);

/**
 * A button's `value` read back, or null when it is not one of ours. It comes back inside a
 * signed request, but it is only a pointer: the approval is checked against what is stored.
 */
export function decodeButtonValue(value: string | undefined): ButtonValue | null {
  if (value === undefined) return null;
  try {
    const parsed = valueSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
