import slack, {
  LogLevel,
  type RetryOptions,
  type Logger as SlackLogger,
  WebClient,
} from "@slack/web-api";
import type { Logger } from "pino";
import { redact } from "../logs/redact.ts";
import { boundText } from "./bound-text.ts";

// @slack/web-api is CommonJS, and Node's ESM loader cannot see `retryPolicies` as a named
// export (vitest's transform can, which is how this went unnoticed): take it from the default.
const { retryPolicies } = slack;

export type SlackClientOptions = {
  log: Logger;
  /**
   * `batch` (ingesting a channel) waits out rate limits and retries for as long as Slack
   * asks; `live` (a search during diagnosis) gives up quickly, because a diagnosis must not
   * wait minutes for a hint.
   */
  mode?: "batch" | "live";
  /** Another Slack API root; tests point it at an intercepted host. */
  slackApiUrl?: string;
  /** Overrides the mode's retry policy; tests pass one without delays. */
  retryConfig?: RetryOptions;
};

const MAX_LOG_CHARS = 4_000;

const MODES = {
  // The library's default: ten retries over about thirty minutes, honouring Retry-After.
  batch: {
    retryConfig: retryPolicies.tenRetriesInAboutThirtyMinutes,
    rejectRateLimitedCalls: false,
    timeout: 30_000,
  },
  live: { retryConfig: { retries: 1 }, rejectRateLimitedCalls: true, timeout: 5_000 },
} as const;

/**
 * A Slack Web API client whose retries, rate-limit waits and pagination are the library's
 * own (`client.paginate`, `retryConfig`), logging through the app's logger.
 */
export function slackClient(token: string, options: SlackClientOptions): WebClient {
  const mode = MODES[options.mode ?? "batch"];
  return new WebClient(token, {
    logger: slackLogger(options.log.child({ component: "slack" })),
    retryConfig: options.retryConfig ?? mode.retryConfig,
    rejectRateLimitedCalls: mode.rejectRateLimitedCalls,
    timeout: mode.timeout,
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
  });
}

// The library logs whole API responses at debug level, and those hold the messages we read:
// what it says is bounded (a page can be megabytes) and redacted like any other text we keep.
function slackLogger(log: Logger): SlackLogger {
  const say =
    (level: "debug" | "info" | "warn" | "error") =>
    (...parts: unknown[]) => {
      if (!log.isLevelEnabled(level)) return;
      const text = parts.map((part) => (typeof part === "string" ? part : String(part))).join(" ");
      log[level](redact(boundText(text, MAX_LOG_CHARS)));
    };
  return {
    debug: say("debug"),
    info: say("info"),
    warn: say("warn"),
    error: say("error"),
    // The level is pino's to decide; the library only asks.
    setLevel: () => {},
    getLevel: () => LogLevel.DEBUG,
    setName: () => {},
  };
}
