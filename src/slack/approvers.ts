import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import { slackFailure } from "./errors.ts";
import type { SlackApprovers } from "./settings.ts";

/** Whether a Slack user may approve, and if not, why, in a sentence for them. */
export type ApproverCheck = { allowed: true; via: string } | { allowed: false; reason: string };

/**
 * Whether a Slack user is one of CodeHealer's approvers: named in SLACK_APPROVERS, or a member of
 * a user group named there (`usergroups.users.list`, scope `usergroups:read`, asked on each
 * press so that leaving the group takes effect at once). A group Slack cannot list does not
 * let anyone in: the check fails closed, and says so.
 */
export async function checkApprover(
  deps: { client: WebClient; log: Logger },
  approvers: SlackApprovers,
  user: string,
): Promise<ApproverCheck> {
  if (approvers.users.includes(user)) return { allowed: true, via: user };
  const unchecked: string[] = [];
  for (const group of approvers.groups) {
    try {
      const answer = await deps.client.usergroups.users.list({ usergroup: group });
      if (answer.users?.includes(user)) return { allowed: true, via: group };
    } catch (error) {
      const failure = slackFailure(error, `listing the members of user group ${group}`);
      deps.log.warn({ err: error, group }, failure.message);
      unchecked.push(group);
    }
  }
  if (unchecked.length > 0)
    return {
      allowed: false,
      reason: `CodeHealer could not check your membership of ${unchecked.join(", ")}; try again in a minute, or ask an approver.`,
    };
  return {
    allowed: false,
    reason:
      "Only CodeHealer's approvers (SLACK_APPROVERS: people and user groups) can approve or reject its proposals.",
  };
}
