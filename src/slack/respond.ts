import type { Logger } from "pino";

/** Says something only the person who pressed a button sees, in Slack mrkdwn. */
export type Respond = (responseUrl: string | null, text: string) => Promise<void>;

/**
 * Answers through the press's `response_url` with an ephemeral message (no token, no scope:
 * Slack issues the URL per interaction). A failure is logged: the press itself is done or
 * refused and audited either way.
 */
export function ephemeralResponder(log: Logger): Respond {
  return async (responseUrl, text) => {
    if (responseUrl === null) return;
    try {
      const response = await fetch(responseUrl, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify({
          response_type: "ephemeral",
          replace_original: false,
          text,
        }),
        signal: AbortSignal.timeout(5_000),
      });
      if (!response.ok) log.warn({ status: response.status }, "Slack refused an ephemeral answer");
    } catch (error) {
      log.warn({ err: error }, "could not send an ephemeral answer to Slack");
    }
  };
}
