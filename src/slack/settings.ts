import { z } from "zod";

/** A public or private channel id, as Slack shows it at the bottom of a channel's details. */
const CHANNEL_ID = /^[CG][A-Z0-9]{6,}$/;
const USER_ID = /^[UW][A-Z0-9]{6,}$/;
const GROUP_ID = /^S[A-Z0-9]{6,}$/;
/** GitHub's own rules for an owner (user or organisation) and a repository name. */
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

/** Where an incident's message goes: its repository's channel, its owner's, or the default. */
export type SlackChannels = {
  default: string | null;
  /** By `owner/repo`, lower-cased: GitHub names are case-insensitive. */
  repositories: Record<string, string>;
  /** By owner, lower-cased. */
  owners: Record<string, string>;
};

/** Who may press Approve or Reject: Slack user ids, and user groups whose members may. */
export type SlackApprovers = { users: string[]; groups: string[] };

const entries = (value: string) =>
  value
    .split(/[,\s]+/)
    .map((entry) => entry.trim())
    .filter(Boolean);

/** A channel id: `SLACK_CHANNEL`. */
export const channelIdSchema = z
  .string()
  .regex(CHANNEL_ID, "must be a channel id such as C0123456789 (not a #name)");

/** `SLACK_CHANNELS`: `owner/repo=C0123456789,owner=C0456789012`, read into a lookup. */
export const channelMapSchema = z.string().transform((value, ctx) => {
  const map: Omit<SlackChannels, "default"> = { repositories: {}, owners: {} };
  for (const entry of entries(value)) {
    const [name = "", channel = "", ...rest] = entry.split("=");
    const where = REPOSITORY.test(name) ? map.repositories : OWNER.test(name) ? map.owners : null;
    if (where === null || rest.length > 0 || !CHANNEL_ID.test(channel)) {
      ctx.addIssue({
        code: "custom",
        message: `"${entry}" is not owner/repo=<channel id> or owner=<channel id> (such as acme/api=C0123456789)`,
      });
      continue;
    }
    where[name.toLowerCase()] = channel;
  }
  return map;
});

/** `SLACK_APPROVERS`: user ids (`U…`, `W…`) and user group ids (`S…`), comma-separated. */
export const approversSchema = z.string().transform((value, ctx): SlackApprovers => {
  const approvers: SlackApprovers = { users: [], groups: [] };
  for (const id of entries(value)) {
    if (USER_ID.test(id)) approvers.users.push(id);
    else if (GROUP_ID.test(id)) approvers.groups.push(id);
    else
      ctx.addIssue({
        code: "custom",
        message: `"${id}" is not a Slack user id (U…, W…) or user group id (S…); names and @handles are not accepted`,
      });
  }
  return approvers;
});

/**
 * The channel for a repository's incidents: the repository's own (`SLACK_CHANNELS`
 * `owner/repo=…`), else its owner's (`owner=…`), else `SLACK_CHANNEL`; null when none is set.
 */
export function channelFor(channels: SlackChannels, repository: string): string | null {
  const full = repository.toLowerCase();
  const [owner = ""] = full.split("/");
  return channels.repositories[full] ?? channels.owners[owner] ?? channels.default;
}
