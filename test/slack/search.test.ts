import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { diagnoseText } from "../../src/diagnosis/diagnose.ts";
import { slackClient } from "../../src/slack/client.ts";
import { searchQuery, searchSlack } from "../../src/slack/search.ts";
import { closeTheNetwork } from "../support/nock-github.ts";
import { noPendingMocks, recorded, SECRETS, SLACK_API, slackApi, testLogger } from "./recorded.ts";

const USER_TOKEN = "xoxp-test-user-token";
const eresolve = diagnoseText(
  "npm ci fails:\nnpm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree\nnpm ERR! Found: react@18.3.1",
);

beforeAll(closeTheNetwork);
afterEach(() => {
  expect(noPendingMocks()).toEqual([]);
});
afterAll(() => {
  nock.enableNetConnect();
});

// The live client: no waiting out rate limits, no retries in tests.
const client = (log: ReturnType<typeof testLogger>["log"]) =>
  slackClient(USER_TOKEN, {
    log,
    mode: "live",
    slackApiUrl: SLACK_API,
    retryConfig: { retries: 0 },
  });

describe("searchSlack", () => {
  describe("when the user token can search", () => {
    it("searches for the error line's distinctive terms and returns one candidate per thread, best first", async () => {
      const { log } = testLogger();
      slackApi(USER_TOKEN)
        .post("/api/search.messages", (form) => form.query === "ERESOLVE" && form.sort === "score")
        .reply(200, recorded("search.messages"));
      const candidates = await searchSlack(client(log), eresolve, { log });
      expect(candidates.map((c) => c.permalink)).toEqual([
        "https://acme-eng.slack.com/archives/C05CI7FAIL9/p1716876000000600",
        "https://acme-eng.slack.com/archives/C03WEBDEV1/p1709290800000100",
      ]);
      const [best, other] = candidates;
      expect(best?.score).toBeGreaterThan(other?.score ?? 1);
      for (const { score } of candidates) expect(score).toBeGreaterThanOrEqual(0);
      for (const { score } of candidates) expect(score).toBeLessThanOrEqual(1);
      expect(best?.text).toContain("npm ERR! ERESOLVE unable to resolve dependency tree");
    });

    it("returns the matches as plain text with their secrets masked", async () => {
      const { log } = testLogger();
      slackApi(USER_TOKEN).post("/api/search.messages").reply(200, recorded("search.messages"));
      const candidates = await searchSlack(client(log), eresolve, { log });
      const psa = candidates.find((c) => c.permalink.includes("C03WEBDEV1"));
      expect(psa?.text).toBe(
        "PSA: if you see ERESOLVE locally after pulling, it is a stale lockfile, rerun `npm install` with the token from `NPM_TOKEN=[REDACTED:npm-token]`",
      );
      expect(JSON.stringify(candidates)).not.toContain(SECRETS.__NPM_TOKEN__);
    });
  });

  describe("when Slack refuses the search", () => {
    it("returns [] and logs why, as when the token is a bot token", async () => {
      const { log, lines } = testLogger();
      slackApi(USER_TOKEN)
        .post("/api/search.messages")
        .reply(200, { ok: false, error: "not_allowed_token_type" });
      expect(await searchSlack(client(log), eresolve, { log })).toEqual([]);
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 40,
          slackError: "not_allowed_token_type",
          msg: "Slack search failed; diagnosing without it",
        }),
      );
    });

    it("returns [] and logs why when Slack cannot be reached", async () => {
      const { log, lines } = testLogger();
      slackApi(USER_TOKEN).post("/api/search.messages").reply(503, "upstream connect error");
      expect(await searchSlack(client(log), eresolve, { log })).toEqual([]);
      expect(lines.some((l) => l.msg === "Slack search failed; diagnosing without it")).toBe(true);
    });

    it("returns [] when Slack answers something it cannot read", async () => {
      const { log } = testLogger();
      slackApi(USER_TOKEN).post("/api/search.messages").reply(200, { ok: true, messages: "?" });
      expect(await searchSlack(client(log), eresolve, { log })).toEqual([]);
    });
  });

  describe("when the error line has nothing distinctive", () => {
    it("does not search", async () => {
      const { log } = testLogger();
      const nothing = { ...eresolve, errorLine: "Error: failed with exit code 1" };
      expect(await searchSlack(client(log), nothing, { log })).toEqual([]);
    });
  });
});

describe("searchQuery", () => {
  it.each([
    ["npm ERR! code ERESOLVE", "ERESOLVE"],
    [
      "src/routes/user.ts(42,17): error TS2345: Argument of type 'string | undefined' is not assignable",
      "TS2345 Argument assignable",
    ],
    ["ModuleNotFoundError: No module named 'requests'", "ModuleNotFoundError module requests"],
    ["Error: ENOSPC: no space left on device, write", "ENOSPC space device"],
    [
      "fatal: could not read Username for 'https://github.com': terminal prompts disabled",
      "Username github.com terminal",
    ],
  ])("searches %j for %j", (line, query) => {
    expect(searchQuery(line)).toBe(query);
  });

  it("leaves out masked secrets and commit hashes", () => {
    expect(searchQuery("push to 2f4e7c9a1b3d rejected with [REDACTED:github-token]")).toBe(
      "push rejected",
    );
  });

  it("has no query for a line of common words", () => {
    expect(searchQuery("Error: Process completed with exit code 1.")).toBeNull();
  });
});
