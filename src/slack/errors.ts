import { WebAPIPlatformError } from "@slack/web-api";

/** The error Slack answered with (`not_in_channel`, `missing_scope`…), or null for any other failure. */
export function slackErrorCode(error: unknown): string | null {
  return error instanceof WebAPIPlatformError ? error.data.error : null;
}

// What a user can do about the errors a misconfigured install produces.
const HINTS: Record<string, (needed: string | null) => string> = {
  invalid_auth: () => "Slack refused the token; check SLACK_BOT_TOKEN",
  not_authed: () => "no token was sent: set SLACK_BOT_TOKEN",
  token_revoked: () => "the token was revoked: reinstall the Slack app and update SLACK_BOT_TOKEN",
  account_inactive: () => "the token's app or user was deactivated: reinstall the Slack app",
  missing_scope: (needed) =>
    `the token lacks the ${needed ?? "needed"} scope: add it under OAuth & Permissions and reinstall the app`,
  not_in_channel: () => "the bot is not in the channel: invite it with /invite @<your bot>",
  channel_not_found: () =>
    "no such channel, or the bot cannot see it (a private channel needs groups:history and an invitation)",
};

/** The failure of a Slack call, saying what was being done and, when a user can fix it, how. */
export function slackFailure(error: unknown, doing: string): Error {
  const code = slackErrorCode(error);
  // missing_scope answers name the scope in `needed`, beside `error`.
  const data: object = error instanceof WebAPIPlatformError ? error.data : {};
  const needed = "needed" in data && typeof data.needed === "string" ? data.needed : null;
  const hint = code === null ? undefined : HINTS[code]?.(needed);
  const what = code ?? (error instanceof Error ? error.message : String(error));
  return new Error(`Slack: ${doing} failed (${what})${hint ? `; ${hint}` : ""}`, { cause: error });
}
