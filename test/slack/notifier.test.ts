import { eq } from "drizzle-orm";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ActionError } from "../../src/actions/github-error.ts";
import { viewIncident } from "../../src/actions/incident-view.ts";
import { notify, notifyKey } from "../../src/actions/notify.ts";
import { readEnv } from "../../src/env.ts";
import { buildIncidentMessage, type SlackBlock } from "../../src/slack/blocks.ts";
import { updateIncidentMessage } from "../../src/slack/incident-message.ts";
import { SlackNotifier } from "../../src/slack/notifier.ts";
import { channelFor, type SlackChannels } from "../../src/slack/settings.ts";
import { auditedAction } from "../../src/store/audit.ts";
import type { Db } from "../../src/store/database.ts";
import { getIncident } from "../../src/store/incidents.ts";
import { actions, slackMessages } from "../../src/store/schema.ts";
import { slackMessageOf } from "../../src/store/slack-messages.ts";
import { migratedDatabase } from "../support/database.ts";
import { closeTheNetwork } from "../support/nock-github.ts";
import {
  CHANNEL,
  emptyTables,
  INCIDENT_ID,
  incidentAwaiting,
  liveClient,
  MESSAGE_TS,
  NOW,
  REPOSITORY,
  RUN_ID,
  reviewTierTrail,
} from "./incidents.ts";
import { noPendingMocks, recorded, slackApi, testLogger } from "./recorded.ts";

type Form = Record<string, string>;

let db: Db;
let dispose: () => Promise<void>;

beforeAll(async () => {
  closeTheNetwork();
  const opened = await migratedDatabase();
  db = opened.database.db;
  dispose = opened.dispose;
});
beforeEach(() => emptyTables(db));
afterEach(() => {
  expect(noPendingMocks()).toEqual([]);
});
afterAll(async () => {
  await dispose?.();
  nock.enableNetConnect();
});

const CHANNELS: SlackChannels = { default: CHANNEL, repositories: {}, owners: {} };

function notifier(channels: SlackChannels = CHANNELS) {
  const { log, lines } = testLogger();
  const client = liveClient(log);
  return {
    notifier: new SlackNotifier({ client, db, log, now: () => NOW, channels }),
    lines,
    client,
    log,
  };
}

/**
 * Records each form a Slack method receives (blocks and metadata come JSON-encoded). Nock may
 * try a body matcher on another method's request first, so each takes only its own: an update
 * names the message's `ts`, a post does not.
 */
function forms(method: "post" | "update") {
  const seen: Form[] = [];
  const take = (form: Form) => {
    if ((form.ts !== undefined) !== (method === "update")) return false;
    seen.push(form);
    return true;
  };
  return { seen, take };
}
const blocksOf = (form: Form | undefined): SlackBlock[] => JSON.parse(form?.blocks ?? "[]");

const posted = (sent = forms("post")) => {
  slackApi().post("/api/chat.postMessage", sent.take).reply(200, recorded("chat.postMessage"));
  return sent;
};
const updated = (sent = forms("update")) => {
  slackApi().post("/api/chat.update", sent.take).reply(200, recorded("chat.update"));
  return sent;
};
const workspace = () => slackApi().post("/api/auth.test").reply(200, recorded("auth.test"));

const PERMALINK = `https://acme-eng.slack.com/archives/${CHANNEL}/p${MESSAGE_TS.replace(".", "")}`;

describe("SlackNotifier", () => {
  describe("the first notification of an incident", () => {
    it("posts one Block Kit message: what failed, the diagnosis, confidence, what was done, Approve / Reject", async () => {
      const { notification } = await incidentAwaiting(db, ["fix_pr"]);
      await reviewTierTrail(db);
      const sent = posted();
      workspace();
      const { notifier: slack } = notifier();
      expect(await slack.send(notification)).toEqual({ targetUrl: PERMALINK });

      const [form] = sent.seen;
      expect(form).toMatchObject({
        channel: CHANNEL,
        unfurl_links: "false",
        unfurl_media: "false",
      });
      expect(JSON.parse(form?.metadata ?? "{}")).toEqual({
        event_type: "codehealer_incident",
        event_payload: { incident_id: INCIDENT_ID },
      });
      expect(form?.text).toBe(notification.text);
      expect(blocksOf(form)).toMatchSnapshot();
      expect(await slackMessageOf(db, INCIDENT_ID)).toMatchObject({
        channel: CHANNEL,
        ts: MESSAGE_TS,
        decision: null,
        updates: [],
      });
    });

    it("asks auth.test for the workspace address once, for every permalink", async () => {
      const first = await incidentAwaiting(db, []);
      const second = await incidentAwaiting(db, [], { id: OTHER_ID, runId: RUN_ID + 1 });
      workspace();
      posted();
      posted();
      const { notifier: slack } = notifier();
      expect((await slack.send(first.notification)).targetUrl).toBe(PERMALINK);
      expect((await slack.send(second.notification)).targetUrl).toBe(PERMALINK);
    });

    it("is a plain report, without buttons, when nothing waits for approval", async () => {
      const { notification } = await incidentAwaiting(db, []);
      const sent = posted();
      workspace();
      await notifier().notifier.send(notification);
      const types = blocksOf(sent.seen[0]).map((block) => block.type);
      expect(types).not.toContain("actions");
      expect(JSON.stringify(blocksOf(sent.seen[0]))).not.toContain("Waiting for approval");
    });
  });

  describe("a later notification of the same incident", () => {
    it("updates the message in place (chat.update), never posting a second", async () => {
      const { notification } = await incidentAwaiting(db);
      posted();
      workspace();
      const { notifier: slack } = notifier();
      await slack.send(notification);
      const sent = updated();
      expect(await slack.send(notification)).toEqual({ targetUrl: PERMALINK });
      expect(sent.seen[0]).toMatchObject({ channel: CHANNEL, ts: MESSAGE_TS });
      expect(await db.select().from(slackMessages)).toHaveLength(1);
    });
  });

  describe("two notifications of one incident at once", () => {
    it("post one message, then update it", async () => {
      const { notification } = await incidentAwaiting(db);
      const post = posted();
      const update = updated();
      workspace();
      const { notifier: slack } = notifier();
      await Promise.all([slack.send(notification), slack.send(notification)]);
      expect(post.seen).toHaveLength(1);
      expect(update.seen).toHaveLength(1);
    });
  });

  describe("after an attempt that died between posting and recording the message", () => {
    const vanished = async () => {
      const { notification } = await incidentAwaiting(db);
      await db.insert(slackMessages).values({
        incidentId: INCIDENT_ID,
        channel: CHANNEL,
        notification,
        createdAt: new Date(NOW.getTime() - 11 * 60_000),
      });
      return notification;
    };

    it("finds that message by its metadata and updates it instead of posting another", async () => {
      const notification = await vanished();
      const oldest = String(Math.floor(NOW.getTime() / 1000) - 11 * 60 - 60);
      slackApi()
        .post(
          "/api/conversations.history",
          (form: Form) =>
            form.channel === CHANNEL &&
            form.oldest === oldest &&
            form.include_all_metadata === "true",
        )
        .reply(200, recorded("conversations.history.codehealer-message"));
      const sent = updated();
      workspace();
      await notifier().notifier.send(notification);
      expect(sent.seen[0]).toMatchObject({ ts: MESSAGE_TS });
      expect((await slackMessageOf(db, INCIDENT_ID))?.ts).toBe(MESSAGE_TS);
    });

    it("posts it when the channel has no such message", async () => {
      const notification = await vanished();
      slackApi()
        .post("/api/conversations.history")
        .reply(200, { ok: true, messages: [], has_more: false });
      const sent = posted();
      workspace();
      await notifier().notifier.send(notification);
      expect(sent.seen).toHaveLength(1);
    });

    it("posts it when the history cannot be read, and says why in the log", async () => {
      const notification = await vanished();
      slackApi()
        .post("/api/conversations.history")
        .reply(200, { ok: false, error: "missing_scope", needed: "channels:history" });
      posted();
      workspace();
      const { notifier: slack, lines } = notifier();
      await slack.send(notification);
      expect(lines.map((line) => line.msg)).toContain(
        "could not look for a Slack message an earlier attempt may have posted; posting it",
      );
    });
  });

  describe("through the notify step", () => {
    const step = { kind: "notify", approval: true, approve: ["rerun"] } as const;
    const target = { owner: "acme", repo: "api", incidentId: INCIDENT_ID };
    const run = async (slack: SlackNotifier) => {
      const incident = await getIncident(db, INCIDENT_ID);
      if (!incident) throw new Error("no incident");
      return notify(
        { db, now: () => NOW, notifier: slack },
        target,
        { view: viewIncident(incident), step },
        { dryRun: false },
      );
    };

    it("records the message's permalink in the audit trail", async () => {
      await incidentAwaiting(db);
      posted();
      workspace();
      expect(await run(notifier().notifier)).toMatchObject({
        status: "done",
        targetUrl: PERMALINK,
      });
    });

    describe.each([
      [
        "channel_not_found",
        "no such channel, or the bot cannot see it (a private channel needs groups:history and an invitation)",
      ],
      ["not_in_channel", "the bot is not in the channel: invite it with /invite @<your bot>"],
      ["invalid_auth", "Slack refused the token; check SLACK_BOT_TOKEN"],
    ])("when Slack answers %s", (code, hint) => {
      it("records a failed step saying what to fix, not worth retrying, and leaves no reservation behind", async () => {
        await incidentAwaiting(db);
        slackApi()
          .post("/api/chat.postMessage")
          .reply(200, recorded(`chat.postMessage.${code}`));
        const outcome = await run(notifier().notifier);
        expect(outcome).toMatchObject({ status: "failed" });
        if (outcome.status !== "failed") return;
        expect(outcome.error).toBe(
          `Slack: posting the message about ${INCIDENT_ID} to ${CHANNEL} failed (${code}); ${hint}`,
        );
        expect(outcome.cause).toBeInstanceOf(ActionError);
        expect((outcome.cause as ActionError).retryable).toBe(false);
        expect(await auditedAction(db, notifyKey(REPOSITORY, INCIDENT_ID))).toMatchObject({
          status: "failed",
          error: outcome.error,
        });
        expect(await slackMessageOf(db, INCIDENT_ID)).toBeUndefined();
      });
    });

    describe("when Slack rate-limits the post", () => {
      it("records a failed step a later attempt retries, with the wait Slack asked for", async () => {
        await incidentAwaiting(db);
        slackApi()
          .post("/api/chat.postMessage")
          .reply(429, recorded("chat.postMessage.ratelimited"), { "retry-after": "30" });
        const outcome = await run(notifier().notifier);
        expect(outcome).toMatchObject({
          status: "failed",
          error: `Slack: posting the message about ${INCIDENT_ID} to ${CHANNEL} failed (rate limited; Slack asked to wait 30 s); a later attempt will try again`,
        });
        if (outcome.status === "failed")
          expect((outcome.cause as ActionError).retryable).toBe(true);
      });

      it("posts on the retry, once", async () => {
        await incidentAwaiting(db);
        slackApi()
          .post("/api/chat.postMessage")
          .reply(429, recorded("chat.postMessage.ratelimited"), { "retry-after": "1" });
        const { notifier: slack } = notifier();
        await run(slack);
        // The reservation stays (Slack did not say no), so the retry looks before it posts.
        slackApi()
          .post("/api/conversations.history")
          .reply(200, { ok: true, messages: [], has_more: false });
        posted();
        workspace();
        expect(await run(slack)).toMatchObject({ status: "done", targetUrl: PERMALINK });
      });
    });

    describe("when no channel is set for the repository", () => {
      it("records a failed step that names the settings, without asking Slack", async () => {
        await incidentAwaiting(db);
        const outcome = await run(
          notifier({ default: null, repositories: {}, owners: { other: "C0999999999" } }).notifier,
        );
        expect(outcome).toMatchObject({
          status: "failed",
          error: `No Slack channel for ${REPOSITORY}: set SLACK_CHANNEL, or map the repository or its owner in SLACK_CHANNELS.`,
        });
      });
    });
  });
});

describe("updateIncidentMessage", () => {
  const deps = () => {
    const { log, lines } = testLogger();
    return { deps: { client: liveClient(log), db, log, now: () => NOW }, lines };
  };

  it("adds a line to the message and updates it in place", async () => {
    const { notification } = await incidentAwaiting(db);
    posted();
    workspace();
    await notifier().notifier.send(notification);
    const sent = updated();
    const outcome = await updateIncidentMessage(deps().deps, INCIDENT_ID, {
      line: "The fix's CI passed on `7638417`.",
    });
    expect(outcome).toEqual({ status: "updated", channel: CHANNEL, ts: MESSAGE_TS });
    const blocks = blocksOf(sent.seen[0]);
    expect(blocks.at(-1)).toEqual({
      type: "section",
      text: { type: "mrkdwn", text: "The fix's CI passed on `7638417`." },
    });
    expect((await slackMessageOf(db, INCIDENT_ID))?.updates).toEqual([
      { at: NOW.toISOString(), text: "The fix's CI passed on `7638417`." },
    ]);
  });

  it("does nothing when the incident has no message", async () => {
    await incidentAwaiting(db);
    expect(await updateIncidentMessage(deps().deps, INCIDENT_ID, { line: "x" })).toEqual({
      status: "no_message",
    });
  });

  it("returns a failure instead of throwing when Slack refuses, and keeps the line for the next update", async () => {
    const { notification } = await incidentAwaiting(db);
    posted();
    workspace();
    await notifier().notifier.send(notification);
    slackApi().post("/api/chat.update").reply(200, recorded("chat.update.message_not_found"));
    const { deps: d, lines } = deps();
    const outcome = await updateIncidentMessage(d, INCIDENT_ID, { line: "Merged." });
    expect(outcome).toEqual({
      status: "failed",
      error: `Slack: updating the message about ${INCIDENT_ID} in ${CHANNEL} failed (message_not_found)`,
      retryable: false,
    });
    expect(lines.some((line) => line.level === 40)).toBe(true);
    expect((await slackMessageOf(db, INCIDENT_ID))?.updates).toHaveLength(1);
  });
});

describe("the message", () => {
  const facts = async (overrides: Parameters<typeof incidentAwaiting>[2] = {}) => {
    const { notification } = await incidentAwaiting(db, ["rerun"], overrides);
    const incident = await getIncident(db, INCIDENT_ID);
    if (!incident) throw new Error("no incident");
    const trail = await db.select().from(actions).where(eq(actions.incidentId, INCIDENT_ID));
    return {
      view: viewIncident(incident),
      notification,
      actions: trail,
      updates: [],
      decision: null,
    };
  };

  it("escapes what a log or a branch name says, so it can neither mention nor link", async () => {
    const built = buildIncidentMessage(
      await facts({
        summary: "Tests failed: <!channel> see <https://evil.example/login|the fix> & retry",
        branch: "evil`<@U0ADMIN01>`",
        jobName: "test <!here>",
        evidence: {
          jobs: [{ id: 1, name: "test <!here>", htmlUrl: null, failedSteps: [], annotations: [] }],
        },
      }),
    );
    const json = JSON.stringify(built);
    expect(json).not.toMatch(/<!channel>|<!here>|<@U0ADMIN01>|<https:\/\/evil/);
    expect(json).toContain(
      "Tests failed: &lt;!channel&gt; see &lt;https://evil.example/login|the fix&gt; &amp; retry",
    );
    expect(json).toContain("`evilˋ&lt;@U0ADMIN01&gt;ˋ`");
  });

  it("shows what was only dry-run, and what failed, among what CodeHealer did", async () => {
    const base = await facts();
    const at = NOW;
    const row = (status: "dry-run" | "failed", kind: string, extra: object) => ({
      id: 1,
      incidentId: INCIDENT_ID,
      repository: REPOSITORY,
      kind,
      idempotencyKey: `${kind}:x`,
      targetUrl: null,
      status,
      error: null,
      detail: null,
      at,
      ...extra,
    });
    const built = buildIncidentMessage({
      ...base,
      actions: [
        row("dry-run", "issue", {
          detail: { message: "[dry-run] Would open an issue in acme/api" },
        }),
        row("failed", "fix_pr", { error: "GitHub answered 403 <Resource not accessible>" }),
      ],
    });
    const did = JSON.stringify(
      built.blocks.find((b) => JSON.stringify(b).includes("What CodeHealer did")),
    );
    expect(did).toContain("[dry-run] Would open an issue in acme/api");
    expect(did).toContain(
      "Could not open the fix pull request: GitHub answered 403 &lt;Resource not accessible&gt;",
    );
  });

  it("has no buttons once the approval is answered", async () => {
    const built = buildIncidentMessage({ ...(await facts()), decision: "approved" });
    expect(built.blocks.map((b) => b.type)).not.toContain("actions");
  });
});

describe("Slack settings", () => {
  const channels: SlackChannels = {
    default: "C0DEFAULT1",
    repositories: { "acme/api": "C0APIAPI01" },
    owners: { acme: "C0ACMEAC01" },
  };

  it.each([
    ["acme/api", "C0APIAPI01"],
    ["ACME/Api", "C0APIAPI01"],
    ["acme/web", "C0ACMEAC01"],
    ["other/web", "C0DEFAULT1"],
  ])(
    "sends %s's incidents to %s: the repository's channel, its owner's, else the default",
    (repository, channel) => {
      expect(channelFor(channels, repository)).toBe(channel);
    },
  );

  it("reads SLACK_CHANNELS and SLACK_APPROVERS from the environment", () => {
    const env = readEnv({
      SLACK_CHANNELS: "acme/api=C0APIAPI01, Acme=C0ACMEAC01",
      SLACK_APPROVERS: "U04ALICE7Q,S07ONCALL1 W01ENTERPR",
    });
    expect(env.SLACK_CHANNELS).toEqual({
      repositories: { "acme/api": "C0APIAPI01" },
      owners: { acme: "C0ACMEAC01" },
    });
    expect(env.SLACK_APPROVERS).toEqual({
      users: ["U04ALICE7Q", "W01ENTERPR"],
      groups: ["S07ONCALL1"],
    });
  });

  it.each([
    [
      "SLACK_CHANNELS",
      "acme/api=#ci",
      /SLACK_CHANNELS: "acme\/api=#ci" is not owner\/repo=<channel id>/,
    ],
    ["SLACK_APPROVERS", "U04ALICE7Q,@bob", /SLACK_APPROVERS: "@bob" is not a Slack user id/],
    ["SLACK_CHANNEL", "#ci-failures", /SLACK_CHANNEL: must be a channel id/],
  ])("names %s when it is wrong", (name, value, message) => {
    expect(() => readEnv({ [name]: value })).toThrow(message);
  });
});

const OTHER_ID = "3c9d1e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
