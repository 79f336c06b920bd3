import { ActionError } from "../actions/github-error.ts";
import type { Notification, Notifier } from "../actions/notify.ts";
import {
  type MessageOutcome,
  postIncidentMessage,
  type SlackMessageDeps,
  updateIncidentMessage,
} from "./incident-message.ts";
import { threadPermalink } from "./permalink.ts";
import { channelFor, type SlackChannels } from "./settings.ts";

export type SlackNotifierDeps = SlackMessageDeps & { channels: SlackChannels };

/**
 * Carries the notify step to Slack: one message per incident in the repository's channel,
 * updated in place afterwards (`postIncidentMessage`). A Slack failure is thrown as an
 * `ActionError`, which the notify effect records as the step's failed outcome — retried later
 * when Slack may answer then (a rate limit, a timeout), left for a person otherwise (a wrong
 * token, a channel the bot is not in).
 */
export class SlackNotifier implements Notifier {
  readonly #deps: SlackNotifierDeps;
  #workspace: Promise<string> | null = null;

  constructor(deps: SlackNotifierDeps) {
    this.#deps = deps;
  }

  async send(notification: Notification): Promise<{ targetUrl: string | null }> {
    const channel = channelFor(this.#deps.channels, notification.repository);
    if (channel === null)
      throw new ActionError(
        `No Slack channel for ${notification.repository}: set SLACK_CHANNEL, or map the repository or its owner in SLACK_CHANNELS.`,
      );
    const message = await postIncidentMessage(this.#deps, { notification, channel });
    return { targetUrl: await this.#permalink(message.channel, message.ts) };
  }

  /** Brings an incident's message up to date, with a line about what just happened. */
  update(incidentId: string, change: { line?: string } = {}): Promise<MessageOutcome> {
    return updateIncidentMessage(this.#deps, incidentId, change);
  }

  // The message's permalink, for the audit trail: built from the workspace address, which
  // `auth.test` gives once per process, rather than one `chat.getPermalink` per message.
  async #permalink(channel: string, ts: string): Promise<string | null> {
    this.#workspace ??= this.#deps.client.auth.test().then((answer) => {
      if (!answer.url) throw new Error("auth.test gave no workspace address");
      return answer.url;
    });
    try {
      return threadPermalink(await this.#workspace, channel, ts);
    } catch (error) {
      this.#workspace = null;
      this.#deps.log.warn({ err: error }, "no permalink for the Slack message: auth.test failed");
      return null;
    }
  }
}
