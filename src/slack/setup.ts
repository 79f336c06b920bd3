import type { Logger } from "pino";
import type { ProbotOctokit } from "probot";
import type { Env } from "../env.ts";
import type { Db } from "../store/database.ts";
import { slackClient } from "./client.ts";
import { type SlackInteractions, slackInteractions } from "./interactions.ts";
import { SlackNotifier } from "./notifier.ts";
import { ephemeralResponder } from "./respond.ts";
import type { SlackChannels } from "./settings.ts";

/** What a process gets of Slack: notifications (worker), the buttons' endpoint (web). */
export type SlackParts = { notifier: SlackNotifier | null; interactions: SlackInteractions | null };

const channelsOf = (env: Env): SlackChannels => ({
  default: env.SLACK_CHANNEL ?? null,
  repositories: env.SLACK_CHANNELS?.repositories ?? {},
  owners: env.SLACK_CHANNELS?.owners ?? {},
});

const hasChannel = (channels: SlackChannels): boolean =>
  channels.default !== null ||
  Object.keys(channels.repositories).length > 0 ||
  Object.keys(channels.owners).length > 0;

/**
 * Throws, naming the variable, when the Slack settings do not fit together: a channel or a
 * signing secret without the bot token, a signing secret without approvers. Called before the
 * process opens anything.
 */
export function checkSlackEnv(env: Env): void {
  if (!env.SLACK_BOT_TOKEN && (env.SLACK_SIGNING_SECRET || hasChannel(channelsOf(env))))
    throw new Error(
      "Invalid environment:\n  SLACK_BOT_TOKEN: required for Slack notifications and approvals (SLACK_CHANNEL, SLACK_CHANNELS or SLACK_SIGNING_SECRET is set)",
    );
  if (env.SLACK_SIGNING_SECRET && !env.SLACK_APPROVERS)
    throw new Error(
      "Invalid environment:\n  SLACK_APPROVERS: required with SLACK_SIGNING_SECRET, or nobody could approve (Slack user ids U…, user group ids S…)",
    );
}

/**
 * Sets Slack up from the environment, or says which variable is missing:
 * - SLACK_BOT_TOKEN and a channel (SLACK_CHANNEL or SLACK_CHANNELS): incident notifications;
 *   a token alone serves `codehealer ingest-slack` and sends nothing;
 * - SLACK_SIGNING_SECRET: the Approve / Reject endpoint, which needs the bot token (to update
 *   messages and read user groups) and SLACK_APPROVERS (or nobody could approve).
 * Both use a client that gives up on a rate limit rather than wait (a worker's job is retried
 * later; a person presses again) and times out after five seconds.
 */
export function setUpSlack(
  env: Env,
  deps: {
    db: Db;
    log: Logger;
    octokitFor: (installationId: number | null) => Promise<ProbotOctokit>;
    now?: () => Date;
  },
): SlackParts {
  checkSlackEnv(env);
  const token = env.SLACK_BOT_TOKEN;
  if (!token) return { notifier: null, interactions: null };
  const channels = channelsOf(env);
  const anyChannel = hasChannel(channels);
  const now = deps.now ?? (() => new Date());
  const log = deps.log.child({ component: "slack" });
  const client = slackClient(token, {
    log: deps.log,
    mode: "live",
    slackApiUrl: env.SLACK_API_URL,
  });
  if (!anyChannel) log.info("Slack notifications are off: set SLACK_CHANNEL or SLACK_CHANNELS");
  return {
    notifier: anyChannel ? new SlackNotifier({ client, db: deps.db, log, now, channels }) : null,
    interactions: env.SLACK_SIGNING_SECRET
      ? slackInteractions({
          client,
          db: deps.db,
          log,
          now,
          octokitFor: deps.octokitFor,
          approvers: env.SLACK_APPROVERS ?? { users: [], groups: [] },
          dryRun: env.CODEHEALER_DRY_RUN,
          respond: ephemeralResponder(log),
          signingSecret: env.SLACK_SIGNING_SECRET,
        })
      : null,
  };
}
