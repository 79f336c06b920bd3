import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifyKey } from "../../src/actions/notify.ts";
import { requestedRerunKey } from "../../src/actions/requested-action.ts";
import { APPROVE_ACTION } from "../../src/slack/buttons.ts";
import { signSlackRequest } from "../../src/slack/signature.ts";
import { auditedAction } from "../../src/store/audit.ts";
import type { Incident } from "../../src/store/schema.ts";
import { slackMessageOf } from "../../src/store/slack-messages.ts";
import { FakeRepository } from "../e2e/fake-github.ts";
import { APP_ID, type Harness, startHarness } from "../e2e/harness.ts";
import { until } from "../support/database.ts";
import { CHANNEL, MESSAGE_TS } from "./incidents.ts";
import { recorded, SLACK_API, slackApi } from "./recorded.ts";

const SECRET = "e2e-signing-secret-0123456789";
const APPROVER = "U04ALICE7Q";
const REGISTRY_TIMEOUT = readFileSync(
  new URL("../../fixtures/logs/npm-network-refused.log", import.meta.url),
);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    SLACK_BOT_TOKEN: "xoxb-test-bot-token",
    SLACK_API_URL: SLACK_API,
    SLACK_CHANNEL: CHANNEL,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_APPROVERS: APPROVER,
  });
});
afterAll(() => h?.stop());

type Form = Record<string, string>;

describe("Slack, end to end", () => {
  describe("a registry timeout in a repository that wants approval for reruns", () => {
    const repo = new FakeRepository("slack-org", "api", APP_ID);
    let incident: Incident;

    it("is proposed, not rerun, in one Slack message with Approve / Reject", async () => {
      repo.config = "require_approval_for: [rerun]\n";
      const posted: Form[] = [];
      const slack = slackApi()
        .post("/api/chat.postMessage", (form: Form) => (form.ts ? false : posted.push(form) > 0))
        .reply(200, recorded("chat.postMessage"))
        .post("/api/auth.test")
        .reply(200, recorded("auth.test"));
      incident = await h.fail(repo, {
        runId: 9101,
        jobs: [{ id: 121, name: "install", log: REGISTRY_TIMEOUT }],
      });
      expect(incident).toMatchObject({ category: "network_transient", tier: "review" });
      expect(repo.writesTo("POST", /rerun-failed-jobs$/)).toEqual([]);
      expect(posted).toHaveLength(1);
      const blocks = JSON.parse(posted[0]?.blocks ?? "[]") as { type: string }[];
      expect(blocks.map((block) => block.type)).toContain("actions");
      expect(
        await auditedAction(h.app.database.db, notifyKey(repo.fullName, incident.id)),
      ).toMatchObject({
        status: "done",
        targetUrl: `https://acme-eng.slack.com/archives/${CHANNEL}/p${MESSAGE_TS.replace(".", "")}`,
      });
      expect(slack.pendingMocks()).toEqual([]);
    });

    it("is rerun when an approver presses Approve, and the message says who, without buttons", async () => {
      const updated: Form[] = [];
      const slack = slackApi()
        .post("/api/chat.update", (form: Form) => (form.ts ? updated.push(form) > 0 : false))
        .reply(200, recorded("chat.update"));
      const payload = recorded("interaction.block_actions") as Record<string, unknown> & {
        actions: Record<string, unknown>[];
      };
      payload.actions = payload.actions.map((pressed) => ({
        ...pressed,
        action_id: APPROVE_ACTION,
        value: JSON.stringify({ incident: incident.id, approve: ["rerun"] }),
      }));
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await fetch(`http://127.0.0.1:${h.app.port}/slack/interactions`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-slack-request-timestamp": String(timestamp),
          "x-slack-signature": signSlackRequest(SECRET, timestamp, body),
        },
        body,
      });
      expect(response.status).toBe(200);
      await until(async () => updated.length === 1, 20_000, "the message to be updated");
      expect(repo.writesTo("POST", /rerun-failed-jobs$/)).toHaveLength(1);
      expect(updated[0]?.blocks).not.toContain('"type":"actions"');
      expect(updated[0]?.blocks).toContain(`Approved by <@${APPROVER}>: reran the`);
      expect((await slackMessageOf(h.app.database.db, incident.id))?.decision).toBe("approved");
      expect(
        await auditedAction(h.app.database.db, requestedRerunKey(repo.fullName, 9101, 1)),
      ).toMatchObject({ status: "done", detail: { requestedBy: `slack:${APPROVER}` } });
      expect(slack.pendingMocks()).toEqual([]);
    });

    it("refuses a request Slack did not sign", async () => {
      const response = await fetch(`http://127.0.0.1:${h.app.port}/slack/interactions`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "payload=%7B%7D",
      });
      expect(response.status).toBe(401);
    });
  });

  it("asked nothing it did not expect", () => {
    expect(h.unmatched).toEqual([]);
  });
});
