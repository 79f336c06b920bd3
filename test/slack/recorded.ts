import { readFileSync } from "node:fs";
import type { WebClient } from "@slack/web-api";
import nock from "nock";
import pino, { type Logger } from "pino";
import { slackClient } from "../../src/slack/client.ts";

/** Where the tests' Slack lives: an intercepted host, never slack.com. */
export const SLACK = "https://slack.test";
export const SLACK_API = `${SLACK}/api/`;
export const BOT_TOKEN = "xoxb-test-bot-token";
export const CHANNEL = "C05CI7FAIL9";
export const WORKSPACE = "https://acme-eng.slack.com/";

// Secrets are assembled at run time so that secret scanners do not flag the fixtures.
export const SECRETS = {
  __GITHUB_TOKEN__: `ghp_${"Zq9Wx8Vu7T".repeat(3)}123456`,
  __AWS_ACCESS_KEY__: `AKIA${"QWERTYUIOP"}${"123456"}`,
  __SLACK_TOKEN__: `xoxb-${"2718281828"}-${"3141592653"}-${"ZyXwVuTsRqPoNmLkJiHgFeDc"}`,
  __NPM_TOKEN__: `npm_${"Ab1Cd2Ef3G".repeat(3)}h4I5j6`,
} as const;

/**
 * A recorded response from fixtures/slack/, secrets filled in; `edit` changes its JSON text
 * first (to show a thread edited since the last ingest).
 */
export function recorded(name: string, edit: (json: string) => string = (json) => json): object {
  let json = readFileSync(new URL(`../../fixtures/slack/${name}.json`, import.meta.url), "utf8");
  for (const [placeholder, secret] of Object.entries(SECRETS))
    json = json.replaceAll(placeholder, secret);
  return JSON.parse(edit(json));
}

/** A logger whose lines the test can read. */
export function testLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

/** A client of the intercepted Slack that retries at once instead of backing off. */
export function testClient(log: Logger, token = BOT_TOKEN): WebClient {
  return slackClient(token, {
    log,
    slackApiUrl: SLACK_API,
    retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 0 },
  });
}

/** The Slack API as the bot token sees it: every request must carry the token. */
export function slackApi(token = BOT_TOKEN): nock.Scope {
  return nock(SLACK, { reqheaders: { authorization: `Bearer ${token}` } });
}

type Form = Record<string, string | undefined>;

const THREADS = {
  "1716876000.000600": [
    "conversations.replies.eresolve.page-1",
    "conversations.replies.eresolve.page-2",
  ],
  "1716879600.000800": ["conversations.replies.e2e-unanswered"],
  "1716872400.000500": ["conversations.replies.deploy-secrets"],
  "1716868800.000400": ["conversations.replies.bot-typescript"],
  "1716865200.000300": ["conversations.replies.broken-markup"],
} as const;

/**
 * The recorded channel: `auth.test`, two history pages, and the replies of each thread the
 * ingest should read (one thread on two pages). Requests are matched on their form fields,
 * so a wrong cursor, channel or `oldest` leaves a mock pending and the test fails.
 */
export function recordedChannel(
  options: { oldest?: string; edit?: (json: string) => string } = {},
): nock.Scope {
  const scope = slackApi()
    .post("/api/auth.test")
    .reply(200, recorded("auth.test"))
    .post(
      "/api/conversations.history",
      (form: Form) =>
        form.channel === CHANNEL && form.cursor === undefined && form.oldest === options.oldest,
    )
    .reply(200, recorded("conversations.history.page-1", options.edit))
    .post(
      "/api/conversations.history",
      (form: Form) =>
        form.channel === CHANNEL &&
        form.cursor === "bmV4dF90czoxNzE2ODc2MDAwMDAwNjAw" &&
        form.oldest === options.oldest,
    )
    .reply(200, recorded("conversations.history.page-2", options.edit));
  for (const [ts, pages] of Object.entries(THREADS)) {
    pages.forEach((page, i) => {
      const cursor = i === 0 ? undefined : "bmV4dF90czoxNzE2ODc2MzYwMDAwNzUw";
      scope
        .post(
          "/api/conversations.replies",
          (form: Form) => form.channel === CHANNEL && form.ts === ts && form.cursor === cursor,
        )
        .reply(200, recorded(page, options.edit));
    });
  }
  return scope;
}

/** Fails the test that leaves a mock unused, and leaves none for the next. */
export function noPendingMocks(): string[] {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  return pending;
}
