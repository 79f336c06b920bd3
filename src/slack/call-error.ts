import { WebAPIHTTPError, WebAPIRateLimitedError, WebAPIRequestError } from "@slack/web-api";
import { ActionError } from "../actions/github-error.ts";
import { slackErrorCode, slackFailure } from "./errors.ts";

// Errors Slack answers with when the trouble is on its side, not in the request or the install.
const TRANSIENT = new Set([
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
  "ratelimited",
]);

/**
 * A failed Slack call as an effect's error: what was being done, what Slack said and how to fix
 * it (`slackFailure`), and whether a later attempt may succeed — a rate limit (with the wait
 * Slack asked for), a timeout, a 5xx — so that the job is retried rather than the step lost.
 * A wrong token, a missing scope or a channel the bot is not in needs a person, not a retry.
 */
export function slackCallError(error: unknown, doing: string): ActionError {
  if (error instanceof WebAPIRateLimitedError)
    return new ActionError(
      `Slack: ${doing} failed (rate limited; Slack asked to wait ${error.retryAfter} s); a later attempt will try again`,
      { retryable: true, cause: error },
    );
  const code = slackErrorCode(error);
  const retryable =
    (code !== null && TRANSIENT.has(code)) ||
    error instanceof WebAPIRequestError ||
    (error instanceof WebAPIHTTPError && error.statusCode >= 500);
  return new ActionError(slackFailure(error, doing).message, { retryable, cause: error });
}

/** Whether Slack certainly did not carry out the call: it answered, and said no. */
export const slackRefused = (error: unknown): boolean =>
  slackErrorCode(error) !== null && !TRANSIENT.has(slackErrorCode(error) ?? "");
