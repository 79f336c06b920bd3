import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { formatIngestReport, ingestSlackCommand } from "../../src/slack/command.ts";
import { parseSince } from "../../src/slack/since.ts";
import { solutions } from "../../src/store/schema.ts";
import { driver, migratedDatabase } from "../support/database.ts";
import { closeTheNetwork } from "../support/nock-github.ts";
import {
  BOT_TOKEN,
  CHANNEL,
  noPendingMocks,
  recordedChannel,
  SLACK_API,
  testLogger,
} from "./recorded.ts";

let env: Awaited<ReturnType<typeof migratedDatabase>>;
beforeAll(async () => {
  closeTheNetwork();
  env = await migratedDatabase();
});
afterAll(async () => {
  await env?.dispose();
  nock.enableNetConnect();
});
afterEach(() => {
  expect(noPendingMocks()).toEqual([]);
});

const now = new Date("2024-05-31T00:00:00Z");
const slackEnv = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: SLACK_API };
const run = (
  args: Parameters<typeof ingestSlackCommand>[0],
  environment: NodeJS.ProcessEnv = slackEnv,
) =>
  ingestSlackCommand(args, { db: env.database.db, log: testLogger().log, env: environment, now });

describe(`codehealer ingest-slack on ${driver}`, () => {
  describe("when dry-running over the last 30 days", () => {
    it("reads the channel since then, says what it would store, and stores nothing", async () => {
      recordedChannel({ oldest: "1714521600.000000" });
      const report = await run({ channel: CHANNEL, since: "30d", dryRun: true });
      expect(report).toMatchObject({ threads: 7, kept: 4, stored: 0 });
      expect(await env.database.db.select().from(solutions)).toEqual([]);
      expect(formatIngestReport(report, true)).toBe(
        [
          "7 threads read, 4 answered about a failure, 0 stored (dry run)",
          "  would store  https://acme-eng.slack.com/archives/C05CI7FAIL9/p1716876000000600  dependency_resolution",
          "  would store  https://acme-eng.slack.com/archives/C05CI7FAIL9/p1716872400000500  permission_auth",
          "  would store  https://acme-eng.slack.com/archives/C05CI7FAIL9/p1716868800000400  type_error",
          "  would store  https://acme-eng.slack.com/archives/C05CI7FAIL9/p1716865200000300  oom_killed",
          "  skipped    1  not about a failure",
          "  skipped    1  no replies",
          "  skipped    1  no answer: the replies only ask or say it still fails",
          "  skipped    1  malformed message: text: Invalid input: expected string, received object",
          "",
        ].join("\n"),
      );
    });
  });

  describe("when an argument or a setting is wrong", () => {
    it.each([
      [
        "a channel given by name",
        { channel: "#ci-failures" },
        slackEnv,
        /--channel must be a channel id such as C0123456789/,
      ],
      ["no channel", {}, slackEnv, /--channel must be a channel id .* not missing/],
      ["no bot token", { channel: CHANNEL }, {}, /Invalid environment:\n {2}SLACK_BOT_TOKEN: /],
      [
        "a user token as the bot token",
        { channel: CHANNEL },
        { SLACK_BOT_TOKEN: "xoxp-1-2-3" },
        /SLACK_BOT_TOKEN: must be a Slack bot token/,
      ],
      [
        "a --since that is no date",
        { channel: CHANNEL, since: "last week" },
        slackEnv,
        /--since must be an ISO date/,
      ],
    ])("refuses %s before calling Slack", async (_what, args, environment, message) => {
      await expect(run(args, environment)).rejects.toThrow(message);
    });
  });
});

describe("parseSince", () => {
  it.each([
    ["30d", "2024-05-01T00:00:00.000Z"],
    ["12h", "2024-05-30T12:00:00.000Z"],
    ["2w", "2024-05-17T00:00:00.000Z"],
    ["2024-05-01", "2024-05-01T00:00:00.000Z"],
    ["2024-05-01T09:30:00Z", "2024-05-01T09:30:00.000Z"],
    ["2024-05-01T09:30:00+02:00", "2024-05-01T07:30:00.000Z"],
  ])("reads %s as %s", (value, iso) => {
    expect(parseSince(value, now).toISOString()).toBe(iso);
  });

  it.each(["yesterday", "30", "2024-13-45", "2024-07-01"])("refuses %s", (value) => {
    expect(() => parseSince(value, now)).toThrow(/--since/);
  });
});
