import { WebClientEvent } from "@slack/web-api";
import { eq } from "drizzle-orm";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EMBEDDING_MODEL } from "../../src/diagnosis/embedding.ts";
import { type IngestReport, ingestSlack } from "../../src/slack/ingest.ts";
import { MAX_FIX_CHARS } from "../../src/slack/solution.ts";
import { type Solution, solutions } from "../../src/store/schema.ts";
import { driver, migratedDatabase } from "../support/database.ts";
import { closeTheNetwork } from "../support/nock-github.ts";
import {
  CHANNEL,
  noPendingMocks,
  recorded,
  recordedChannel,
  SECRETS,
  slackApi,
  testClient,
  testLogger,
  WORKSPACE,
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

const permalink = (ts: string) => `${WORKSPACE}archives/${CHANNEL}/p${ts.replace(".", "")}`;
const ingest = (
  options: {
    since?: Date;
    client?: ReturnType<typeof testClient>;
    logger?: ReturnType<typeof testLogger>;
  } = {},
) => {
  const { log } = options.logger ?? testLogger();
  return ingestSlack(
    { client: options.client ?? testClient(log), db: env.database.db, log },
    { channel: CHANNEL, since: options.since ?? null },
  );
};
const stored = () => env.database.db.select().from(solutions).orderBy(solutions.sourceRef);
const storedAt = async (ts: string): Promise<Solution | undefined> =>
  (
    await env.database.db
      .select()
      .from(solutions)
      .where(eq(solutions.sourceRef, permalink(ts)))
  )[0];
const clear = () => env.database.db.delete(solutions);

describe(`ingestSlack on ${driver}`, () => {
  describe("when the history and a thread's replies each span two pages", () => {
    let report: IngestReport;
    const logger = testLogger();
    beforeAll(async () => {
      await clear();
      // 2024-05-01T00:00:00Z, as Slack's `oldest` timestamp.
      recordedChannel({ oldest: "1714521600.000000" });
      report = await ingest({ since: new Date("2024-05-01T00:00:00Z"), logger });
    });

    it("reads every page, and keeps only the threads about a failure that were answered", async () => {
      expect(report).toMatchObject({ threads: 7, kept: 4, stored: 4 });
      expect(report.solutions.map((s) => s.ts)).toEqual([
        "1716876000.000600",
        "1716872400.000500",
        "1716868800.000400",
        "1716865200.000300",
      ]);
      expect(await stored()).toHaveLength(4);
    });

    it("stores an answered thread under its permalink, with the answer as its fix and the failure's category", async () => {
      const row = await storedAt("1716876000.000600");
      expect(row).toMatchObject({
        source: "slack",
        sourceRef: "https://acme-eng.slack.com/archives/C05CI7FAIL9/p1716876000000600",
        category: "dependency_resolution",
        errorLine: "npm ERR! code ERESOLVE",
        embeddingModel: EMBEDDING_MODEL,
        repository: "acme/web",
        organization: "acme",
        patch: null,
        successes: 0,
        failures: 0,
      });
      expect(row?.fix).toBe(
        "react-beautiful-dnd is unmaintained and never allowed React 18. The fix is to swap it for the maintained fork: `npm remove react-beautiful-dnd && npm install @hello-pangea/dnd@16.6.0`, then change the imports. Done on main in #4125 (https://github.com/acme/web/pull/4125), rebase @alice",
      );
      expect(row?.excerpt).toContain("npm ERR! ERESOLVE unable to resolve dependency tree");
      expect(row?.embedding).toHaveLength(384);
      expect(row?.fingerprint).toMatch(/^[0-9a-f]+$/);
    });

    it("takes the suggestion the asker confirmed as the fix, not the asker's thanks", async () => {
      const row = await storedAt("1716872400.000500");
      expect(row?.fix).toMatch(/^That PAT expired yesterday\. Rotate it/);
    });

    it("reads a CI bot's failure from its attachments, and the repository from the fix's link", async () => {
      const row = await storedAt("1716868800.000400");
      expect(row).toMatchObject({
        category: "type_error",
        repository: "acme/api",
        organization: "acme",
      });
      expect(row?.errorLine).toContain("error TS2345");
      expect(row?.fix).toBe(
        "Fixed in acme/api#981 (https://github.com/acme/api/pull/981): we added a guard for the missing `userId` before calling `loadUser`.",
      );
    });

    it("reads a thread with broken markup as plain text", async () => {
      const row = await storedAt("1716865200.000300");
      expect(row?.excerpt).toContain(
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
      );
      expect(row?.fix).toBe(
        "set `NODE_OPTIONS=--max-old-space-size=4096` in the job env & rerun, that did it for us\nenv:\n  NODE_OPTIONS: --max-old-space-size=4096 <= not more than the runner has &",
      );
    });

    it("does not store a thread whose replies only ask or say it fails for them too", async () => {
      expect(await storedAt("1716879600.000800")).toBeUndefined();
      expect(report.skipped).toContainEqual({
        ts: "1716879600.000800",
        reason: "no answer: the replies only ask or say it still fails",
      });
    });

    it("does not store an error nobody answered, nor chatter that is not about a failure", async () => {
      expect(report.skipped).toContainEqual({ ts: "1716886800.002100", reason: "no replies" });
      expect(report.skipped).toContainEqual({
        ts: "1716890400.004900",
        reason: "not about a failure",
      });
    });

    it("skips a malformed message with the reason, and reads on", async () => {
      expect(report.skipped).toContainEqual({
        ts: "1716861600.000200",
        reason: expect.stringMatching(/^malformed message: text: /),
      });
      expect(report.skipped).toHaveLength(4);
    });

    it("masks Slack, GitHub and AWS secrets in everything it stores", async () => {
      const everything = JSON.stringify(await stored());
      for (const secret of Object.values(SECRETS)) expect(everything).not.toContain(secret);
      const deploy = JSON.stringify(await storedAt("1716872400.000500"));
      expect(deploy).toContain("[REDACTED:slack-token]");
      expect(deploy).toContain("[REDACTED:github-token]");
      expect(deploy).toContain("[REDACTED:aws-access-key]");
    });

    it("logs no secret either, not even in the Slack library's debug lines", async () => {
      const logged = JSON.stringify(logger.lines);
      expect(logged).toContain("http request result");
      for (const secret of Object.values(SECRETS)) expect(logged).not.toContain(secret);
    });
  });

  describe("when the same channel is ingested again", () => {
    it("updates the threads it already knows rather than duplicating them", async () => {
      await clear();
      recordedChannel();
      await ingest();
      const before = await stored();

      // Bob edited his answer since.
      recordedChannel({
        edit: (json) => json.replace("Rotate it and store", "Rotate the PAT and store"),
      });
      const report = await ingest();

      const after = await stored();
      expect(report.stored).toBe(4);
      expect(after.map((row) => row.id)).toEqual(before.map((row) => row.id));
      const deploy = after.find((row) => row.sourceRef === permalink("1716872400.000500"));
      expect(deploy?.fix).toMatch(/^That PAT expired yesterday\. Rotate the PAT and store/);
      expect(deploy?.updatedAt.getTime()).toBeGreaterThan(deploy?.createdAt.getTime() ?? Infinity);
    });
  });

  describe("when Slack rate-limits a call", () => {
    it("waits as long as Retry-After says and retries, through the library", async () => {
      const { log } = testLogger();
      const client = testClient(log);
      const waits: number[] = [];
      client.on(WebClientEvent.RATE_LIMITED, (seconds: number) => waits.push(seconds));
      slackApi()
        .post("/api/auth.test")
        .reply(200, recorded("auth.test"))
        .post("/api/conversations.history")
        .reply(429, { ok: false, error: "ratelimited" }, { "Retry-After": "1" })
        .post("/api/conversations.history")
        .reply(200, {
          ok: true,
          messages: [
            {
              type: "message",
              user: "U04BOB3MXZ",
              ts: "1716886800.002100",
              text: "ENOSPC: no space left on device",
            },
          ],
          has_more: false,
          response_metadata: { next_cursor: "" },
        });
      const report = await ingest({ client });
      expect(waits).toEqual([1]);
      expect(report).toMatchObject({
        threads: 1,
        kept: 0,
        skipped: [{ ts: "1716886800.002100", reason: "no replies" }],
      });
    });
  });

  describe("when a message is 1 MB", () => {
    it("reads it cut down, and stores a solution of bounded size", async () => {
      await clear();
      const line =
        "2024-05-27T10:00:00.0000000Z npm http fetch GET 200 https://registry.npmjs.org/left-pad 12ms (cache hit)\n";
      const log = `npm ci fails on main:\n\`\`\`${line.repeat(10_000)}npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree\n\`\`\``;
      const answer = `the fix is to pin react to 18.2.0 ${"because the peer range says so ".repeat(35_000)}`;
      expect(log.length).toBeGreaterThan(1_000_000);
      expect(answer.length).toBeGreaterThan(1_000_000);
      const root = {
        type: "message",
        user: "U04ALICE7Q",
        ts: "1716900000.000100",
        text: log,
        thread_ts: "1716900000.000100",
        reply_count: 1,
      };
      slackApi()
        .post("/api/auth.test")
        .reply(200, recorded("auth.test"))
        .post("/api/conversations.history")
        .reply(200, { ok: true, messages: [root], has_more: false })
        .post("/api/conversations.replies")
        .reply(200, {
          ok: true,
          messages: [
            root,
            {
              type: "message",
              user: "U04BOB3MXZ",
              ts: "1716900060.000200",
              thread_ts: root.ts,
              text: answer,
            },
          ],
          has_more: false,
        });
      const report = await ingest();
      expect(report.stored).toBe(1);
      const [row] = await stored();
      expect(row).toMatchObject({
        category: "dependency_resolution",
        errorLine: "npm ERR! code ERESOLVE",
      });
      expect(row?.fix.length).toBeLessThanOrEqual(MAX_FIX_CHARS);
      const { embedding: _vector, ...text } = row ?? {};
      expect(JSON.stringify(text).length).toBeLessThan(12_000);
    });
  });

  describe("when the bot is not in the channel", () => {
    it("fails with what to do about it", async () => {
      slackApi()
        .post("/api/auth.test")
        .reply(200, recorded("auth.test"))
        .post("/api/conversations.history")
        .reply(200, { ok: false, error: "not_in_channel" });
      await expect(ingest()).rejects.toThrow(
        `Slack: reading the history of ${CHANNEL} failed (not_in_channel); the bot is not in the channel: invite it with /invite @<your bot>`,
      );
    });
  });
});
