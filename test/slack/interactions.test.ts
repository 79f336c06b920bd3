import type { Server } from "node:http";
import { asc } from "drizzle-orm";
import nock from "nock";
import { Registry } from "prom-client";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { requestedRerunKey } from "../../src/actions/requested-action.ts";
import { reviewStateKey } from "../../src/actions/review-state.ts";
import { readEnv } from "../../src/env.ts";
import type { StoredFix } from "../../src/fixes/types.ts";
import { APPROVE_ACTION, type Approvable, REJECT_ACTION } from "../../src/slack/buttons.ts";
import { type SlackInteractions, slackInteractions } from "../../src/slack/interactions.ts";
import { ephemeralResponder } from "../../src/slack/respond.ts";
import { checkSlackEnv, setUpSlack } from "../../src/slack/setup.ts";
import { signSlackRequest } from "../../src/slack/signature.ts";
import { auditedAction } from "../../src/store/audit.ts";
import type { Db } from "../../src/store/database.ts";
import { feedbackOn } from "../../src/store/feedback.ts";
import { actions, slackMessages } from "../../src/store/schema.ts";
import { slackMessageOf } from "../../src/store/slack-messages.ts";
import { createHttpServer } from "../../src/web/server.ts";
import { API, githubFixture, HEAD_SHA, OWNER, REPO_API, testOctokit } from "../actions/support.ts";
import { migratedDatabase } from "../support/database.ts";
import { closeTheNetwork } from "../support/nock-github.ts";
import {
  CHANNEL,
  emptyTables,
  FIX_COMMIT,
  FIX_HEAD,
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

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const APPROVER = "U04ALICE7Q";
/** A user group of approvers; fixtures/slack/usergroups.users.list.json lists its members. */
const GROUP = "S07ONCALL1";
const MEMBER = "U05CAROL2K";
const STRANGER = "U09MALLORY";
const HOOKS = "https://hooks.slack.com";
const RESPONSE_PATH = "/actions/T02ACME9Q/7312345678901/QmVlcEJvb3BCZWVwQm9vcA";
const CONFIG_PATH = `/contents/${encodeURIComponent(".github/codehealer.yml")}`;
const RERUN_PATH = `${REPO_API}/actions/runs/${RUN_ID}/rerun-failed-jobs`;
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

let db: Db;
let dispose: () => Promise<void>;
let interactions: SlackInteractions;
let server: Server;
let base: string;
let logLines: Record<string, unknown>[];

beforeAll(async () => {
  closeTheNetwork();
  const opened = await migratedDatabase();
  db = opened.database.db;
  dispose = opened.dispose;
  const { log, lines } = testLogger();
  logLines = lines;
  interactions = slackInteractions({
    client: liveClient(log),
    db,
    log,
    now: () => NOW,
    octokitFor: async () => testOctokit(),
    approvers: { users: [APPROVER], groups: [GROUP] },
    dryRun: false,
    respond: ephemeralResponder(log),
    signingSecret: SECRET,
  });
  server = await listen(interactions);
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
beforeEach(async () => {
  await emptyTables(db);
  logLines.length = 0;
});
afterEach(() => {
  expect(noPendingMocks()).toEqual([]);
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await dispose?.();
  nock.enableNetConnect();
});

async function listen(slack: SlackInteractions | undefined): Promise<Server> {
  const { log } = testLogger();
  const created = await createHttpServer({
    log,
    metrics: { registry: new Registry() },
    readiness: {},
    slackInteractions: slack,
  });
  await new Promise<void>((resolve) => created.listen(0, "127.0.0.1", resolve));
  return created;
}

type PressOptions = {
  user?: string;
  action?: string;
  approve?: Approvable[];
  ts?: string;
  fixture?: string;
};

let presses = 0;

/**
 * A press as Slack sends it: `payload=<JSON>`, form-encoded, from the recorded payload. Each
 * press is a request of its own (its trigger and action time differ), as each click is in Slack.
 */
function pressBody(options: PressOptions = {}): string {
  const {
    user = APPROVER,
    action = APPROVE_ACTION,
    approve = ["rerun"],
    ts = MESSAGE_TS,
    fixture = "interaction.block_actions",
  } = options;
  const payload = recorded(fixture) as Record<string, unknown> & {
    user: Record<string, unknown>;
    container?: Record<string, unknown>;
    actions?: Record<string, unknown>[];
  };
  presses += 1;
  const edited = {
    ...payload,
    trigger_id: `7312345678901.2187654321.${presses}`,
    user: { ...payload.user, id: user },
    ...(payload.container ? { container: { ...payload.container, message_ts: ts } } : {}),
    ...(payload.actions
      ? {
          actions: payload.actions.map((pressed) => ({
            ...pressed,
            action_id: action,
            action_ts: `${NOW_SECONDS}.${String(presses).padStart(6, "0")}`,
            value: JSON.stringify({ incident: INCIDENT_ID, approve }),
          })),
        }
      : {}),
  };
  return new URLSearchParams({ payload: JSON.stringify(edited) }).toString();
}

type SendOptions = {
  timestamp?: number;
  secret?: string;
  signature?: string | null;
  body?: string;
};

/** POSTs a body to /slack/interactions signed as Slack signs it, then waits for the work it started. */
async function send(body: string, options: SendOptions = {}): Promise<Response> {
  const timestamp = options.timestamp ?? NOW_SECONDS;
  const signature =
    options.signature === undefined
      ? signSlackRequest(options.secret ?? SECRET, timestamp, body)
      : options.signature;
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": String(timestamp),
  };
  if (signature !== null) headers["x-slack-signature"] = signature;
  const response = await fetch(`${base}/slack/interactions`, { method: "POST", headers, body });
  await interactions.idle();
  return response;
}

const press = (options: PressOptions = {}) => send(pressBody(options));

/** The incident's message as the notifier left it: posted, waiting for approval of `approve`. */
async function messageWaiting(approve: Approvable[] = ["rerun"], overrides = {}) {
  const { notification } = await incidentAwaiting(db, approve, overrides);
  await db
    .insert(slackMessages)
    .values({ incidentId: INCIDENT_ID, channel: CHANNEL, ts: MESSAGE_TS, notification });
}

/** The repository's `.github/codehealer.yml`; none anywhere when `yaml` is absent. */
function config(yaml?: string) {
  if (yaml !== undefined)
    return nock(API)
      .get(`${REPO_API}${CONFIG_PATH}`)
      .reply(200, yaml, { "content-type": "text/plain; charset=utf-8" });
  return nock(API)
    .get(`${REPO_API}${CONFIG_PATH}`)
    .reply(404, githubFixture("error.not-found"))
    .get(`/repos/${OWNER}/.github${CONFIG_PATH}`)
    .reply(404, githubFixture("error.not-found"));
}

/** The configuration read by a press that may or may not get that far (a race). */
function configMaybe() {
  nock(API)
    .get(`${REPO_API}${CONFIG_PATH}`)
    .optionally()
    .reply(404, githubFixture("error.not-found"));
  nock(API)
    .get(`/repos/${OWNER}/.github${CONFIG_PATH}`)
    .optionally()
    .reply(404, githubFixture("error.not-found"));
}

/** What the person alone is told, through the press's response_url. */
function ephemeral() {
  const said: string[] = [];
  nock(HOOKS)
    .post(
      RESPONSE_PATH,
      (body: { response_type?: string; replace_original?: boolean; text?: string }) => {
        if (body.response_type !== "ephemeral" || body.replace_original !== false) return false;
        said.push(body.text ?? "");
        return true;
      },
    )
    .reply(200, "ok");
  return said;
}

/** The message's update, with its blocks as Slack receives them. */
function messageUpdate() {
  const seen: { channel?: string; ts?: string; blocks: { type: string }[] }[] = [];
  slackApi()
    .post("/api/chat.update", (form: Record<string, string>) => {
      if (form.ts === undefined) return false;
      seen.push({ ...form, blocks: JSON.parse(form.blocks ?? "[]") });
      return true;
    })
    .reply(200, recorded("chat.update"));
  return seen;
}

const textOf = (blocks: unknown) => JSON.stringify(blocks);
const trail = () => db.select().from(actions).orderBy(asc(actions.id));
const refusedLines = () =>
  logLines.filter((line) => String(line.msg).startsWith("Slack interaction refused"));

describe("POST /slack/interactions", () => {
  describe("a request Slack did not sign, or not now", () => {
    it.each([
      [
        "unsigned",
        { signature: null },
        "unsigned: no X-Slack-Signature or X-Slack-Request-Timestamp",
      ],
      ["signed with another secret", { secret: "not-the-signing-secret" }, "bad signature"],
      ["with a malformed signature", { signature: "v0=nothex" }, "malformed signature"],
      [
        "signed over five minutes ago",
        { timestamp: NOW_SECONDS - 301 },
        "stale timestamp (301 s old)",
      ],
      [
        "signed over five minutes ahead",
        { timestamp: NOW_SECONDS + 301 },
        "timestamp 301 s in the future",
      ],
    ])(
      "refuses a request %s with 401 and one log line, and does nothing",
      async (_, options, reason) => {
        await messageWaiting();
        const response = await send(pressBody(), options);
        expect(response.status).toBe(401);
        expect(await response.text()).toBe("invalid request signature\n");
        expect(refusedLines().map((line) => line.msg)).toEqual([
          `Slack interaction refused: ${reason}`,
        ]);
        expect(await trail()).toEqual([]);
      },
    );

    it("refuses a signature made for another body", async () => {
      await messageWaiting();
      const signature = signSlackRequest(SECRET, NOW_SECONDS, pressBody());
      const response = await send(pressBody({ user: STRANGER }), { signature });
      expect(response.status).toBe(401);
    });

    it.each([
      ["old", -299],
      ["ahead", 299],
    ])("accepts a timestamp up to five minutes %s", async (_, skew) => {
      const response = await send(pressBody({ fixture: "interaction.view_submission" }), {
        timestamp: NOW_SECONDS + skew,
      });
      expect(response.status).toBe(200);
    });

    it("refuses a replay of a request it accepted", async () => {
      const body = pressBody({ fixture: "interaction.view_submission" });
      expect((await send(body)).status).toBe(200);
      const again = await send(body);
      expect(again.status).toBe(401);
      expect(refusedLines().map((line) => line.msg)).toEqual([
        "Slack interaction refused: replayed (its signature was seen before)",
      ]);
    });

    it("refuses a body over 64 KB with 413, before reading it all", async () => {
      const body = `payload=${"x".repeat(64 * 1024)}`;
      const response = await send(body);
      expect(response.status).toBe(413);
    });
  });

  describe("an interaction that is not a press of CodeHealer's buttons", () => {
    it.each([
      ["a modal's submission", { fixture: "interaction.view_submission" }],
      ["another app's button", { action: "deploy_approve" }],
    ])("acknowledges %s and does nothing", async (_, options) => {
      await messageWaiting();
      const response = await press(options);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("");
      expect(await trail()).toEqual([]);
    });

    it("ignores a button on a message that is not the incident's", async () => {
      await messageWaiting();
      expect((await press({ ts: "1749000000.000100" })).status).toBe(200);
      expect(await trail()).toEqual([]);
    });
  });

  describe("a person who is not an approver", () => {
    it("is told so alone, the refusal is audited, and nothing happens", async () => {
      await messageWaiting();
      slackApi()
        .post(
          "/api/usergroups.users.list",
          (form: Record<string, string>) => form.usergroup === GROUP,
        )
        .reply(200, recorded("usergroups.users.list"));
      const said = ephemeral();
      const response = await press({ user: STRANGER });
      expect(response.status).toBe(200);
      expect(said).toEqual([
        "Only CodeHealer's approvers (SLACK_APPROVERS: people and user groups) can approve or reject its proposals.",
      ]);
      expect(await trail()).toMatchObject([
        {
          kind: "notify",
          status: "skipped",
          idempotencyKey: `slack:approve:${REPOSITORY}:${INCIDENT_ID}:slack:${STRANGER}:not_approver`,
          detail: { requestedBy: `slack:${STRANGER}`, rule: "not_approver" },
        },
      ]);
      expect((await slackMessageOf(db, INCIDENT_ID))?.decision).toBeNull();
    });

    it("cannot reject either", async () => {
      await messageWaiting();
      slackApi().post("/api/usergroups.users.list").reply(200, recorded("usergroups.users.list"));
      ephemeral();
      await press({ user: STRANGER, action: REJECT_ACTION });
      expect(await feedbackOn(db, INCIDENT_ID)).toEqual([]);
    });

    it("is refused when Slack cannot list the approving user group, and told why", async () => {
      await messageWaiting();
      slackApi()
        .post("/api/usergroups.users.list")
        .reply(200, recorded("usergroups.users.list.missing_scope"));
      const said = ephemeral();
      await press({ user: MEMBER });
      expect(said).toEqual([
        `CodeHealer could not check your membership of ${GROUP}; try again in a minute, or ask an approver.`,
      ]);
      expect(await auditedAction(db, requestedRerunKey(REPOSITORY, RUN_ID, 1))).toBeUndefined();
    });
  });

  describe("Approve on a proposed rerun", () => {
    it("reruns the failed jobs at the approver's request, records who, and updates the message without buttons", async () => {
      await messageWaiting();
      config();
      const github = nock(API).post(RERUN_PATH).reply(201, {});
      const update = messageUpdate();
      expect((await press()).status).toBe(200);
      expect(github.isDone()).toBe(true);
      expect(await auditedAction(db, requestedRerunKey(REPOSITORY, RUN_ID, 1))).toMatchObject({
        kind: "rerun",
        status: "done",
        detail: { runId: RUN_ID, attempt: 1, requestedBy: `slack:${APPROVER}` },
      });
      expect(await auditedAction(db, `slack:approve:${REPOSITORY}:${INCIDENT_ID}`)).toMatchObject({
        kind: "notify",
        status: "done",
        detail: { approvedBy: `slack:${APPROVER}`, steps: [{ step: "rerun", status: "done" }] },
      });
      const [sent] = update;
      expect(sent).toMatchObject({ channel: CHANNEL, ts: MESSAGE_TS });
      expect(sent?.blocks.map((block) => block.type)).not.toContain("actions");
      expect(sent?.blocks.at(-1)).toEqual({
        type: "section",
        text: {
          type: "mrkdwn",
          text: `Approved by <@${APPROVER}>: reran the <https://github.com/${REPOSITORY}/actions/runs/${RUN_ID}|failed jobs> of attempt 1.`,
        },
      });
      expect(textOf(sent?.blocks)).toContain(
        `Reran the <https://github.com/${REPOSITORY}/actions/runs/${RUN_ID}|failed jobs> of attempt 1 at <@${APPROVER}>'s request`,
      );
      expect(await slackMessageOf(db, INCIDENT_ID)).toMatchObject({
        decision: "approved",
        decidedBy: `slack:${APPROVER}`,
      });
    });

    it("reruns once when Approve is pressed twice, and tells the second presser", async () => {
      await messageWaiting();
      config();
      nock(API).post(RERUN_PATH).reply(201, {});
      messageUpdate();
      await press();
      const said = ephemeral();
      await press();
      expect(said).toEqual([`It was approved by <@${APPROVER}> already.`]);
    });

    it("reruns once when two approvers press at the same moment", async () => {
      await messageWaiting();
      slackApi().post("/api/usergroups.users.list").reply(200, recorded("usergroups.users.list"));
      config();
      configMaybe();
      nock(API).post(RERUN_PATH).reply(201, {});
      messageUpdate();
      const said = ephemeral();
      await Promise.all([press(), press({ user: MEMBER })]);
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(
        /^<@U0\w+> is approving it right now\.$|^It was approved by <@U0\w+> already\.$/,
      );
    });

    it("takes a member of an approving user group", async () => {
      await messageWaiting();
      slackApi()
        .post(
          "/api/usergroups.users.list",
          (form: Record<string, string>) => form.usergroup === GROUP,
        )
        .reply(200, recorded("usergroups.users.list"));
      config();
      nock(API).post(RERUN_PATH).reply(201, {});
      messageUpdate();
      await press({ user: MEMBER });
      expect(await auditedAction(db, requestedRerunKey(REPOSITORY, RUN_ID, 1))).toMatchObject({
        status: "done",
        detail: { requestedBy: `slack:${MEMBER}` },
      });
    });

    describe("when GitHub fails on its side", () => {
      it("keeps the buttons and says to press again; the next press reruns", async () => {
        await messageWaiting();
        config();
        nock(API).post(RERUN_PATH).reply(502, githubFixture("error.server"));
        const first = messageUpdate();
        await press();
        expect(first[0]?.blocks.map((block) => block.type)).toContain("actions");
        expect(textOf(first[0]?.blocks)).toContain("Press Approve again to retry.");
        expect((await slackMessageOf(db, INCIDENT_ID))?.decision).toBeNull();
        expect(await auditedAction(db, `slack:approve:${REPOSITORY}:${INCIDENT_ID}`)).toMatchObject(
          {
            status: "failed",
          },
        );

        config();
        nock(API).post(RERUN_PATH).reply(201, {});
        const second = messageUpdate();
        await press();
        expect(second[0]?.blocks.map((block) => block.type)).not.toContain("actions");
        expect(await auditedAction(db, `slack:approve:${REPOSITORY}:${INCIDENT_ID}`)).toMatchObject(
          {
            status: "done",
          },
        );
      });
    });
  });

  describe("Approve on a draft fix pull request", () => {
    const pull = () =>
      nock(API)
        .get(`${REPO_API}/pulls/64`)
        .reply(200, githubFixture("pull-request", { draft: true }));
    const markReady = () =>
      nock(API)
        .post("/graphql", (body: { query?: string; variables?: { id?: string } }) =>
          Boolean(
            body.query?.includes("markPullRequestReadyForReview") &&
              body.variables?.id === "PR_kwDOKZ0CVM6Z1Q3R",
          ),
        )
        .reply(200, {
          data: { markPullRequestReadyForReview: { pullRequest: { isDraft: false } } },
        });

    it("marks it ready for review once, even when pressed twice", async () => {
      await messageWaiting(["fix_pr"]);
      await reviewTierTrail(db);
      config();
      pull();
      const github = markReady();
      const update = messageUpdate();
      await press({ approve: ["fix_pr"] });
      expect(github.isDone()).toBe(true);
      expect(
        await auditedAction(db, reviewStateKey(REPOSITORY, 64, FIX_COMMIT, "ready")),
      ).toMatchObject({
        kind: "fix_review_state",
        status: "done",
      });
      expect(update[0]?.blocks.at(-1)).toEqual({
        type: "section",
        text: {
          type: "mrkdwn",
          text: `Approved by <@${APPROVER}>: marked the draft fix pull request <https://github.com/${REPOSITORY}/pull/64|#64> ready for review.`,
        },
      });
      expect(textOf(update[0]?.blocks)).toContain(
        `Marked the fix pull request <https://github.com/${REPOSITORY}/pull/64|#64> ready for review`,
      );

      const said = ephemeral();
      await press({ approve: ["fix_pr"] });
      expect(said).toEqual([`It was approved by <@${APPROVER}> already.`]);
    });

    it("refuses when the fix's own CI failed: a fix whose CI fails is never promoted", async () => {
      await messageWaiting(["fix_pr"], { outcome: "fix_failed" });
      await reviewTierTrail(db);
      config();
      const update = messageUpdate();
      await press({ approve: ["fix_pr"] });
      expect(textOf(update[0]?.blocks)).toContain(
        "Fix pull request refused: the fix's own CI failed on 7a8a4e1; CodeHealer never promotes a fix whose CI fails.",
      );
      expect(await trail()).toContainEqual(
        expect.objectContaining({
          kind: "fix_pr",
          status: "skipped",
          detail: expect.objectContaining({ rule: "fix_failed" }),
        }),
      );
    });
  });

  describe("Approve on a fix that was never opened", () => {
    const STORED_FIX: StoredFix = {
      fix: {
        files: [
          {
            path: "src/routes/invoices.ts",
            content: "export function total(amount: number): number {\n  return amount * 1.2;\n}\n",
          },
        ],
        message: "fix: annotate the invoice amount as a number",
        title: "fix: annotate the invoice amount as a number",
        body: "`amount` arrives as a string from the form parser; `Number(amount)` makes the type check pass.",
      },
      proposed: {
        kind: "patch",
        files: ["src/routes/invoices.ts"],
        validated: false,
        source: "memory",
      },
    };

    it("opens the stored fix, ready for review, through the fix pull request's guardrails", async () => {
      await messageWaiting(["fix_pr"], { fix: STORED_FIX });
      config();
      const branch = "feature/invoice-amounts";
      const opened: Record<string, unknown>[] = [];
      nock(API)
        .get(`${REPO_API}/compare/${encodeURIComponent(`${HEAD_SHA}...${branch}`)}`)
        .query({ per_page: 1 })
        .reply(200, { status: "ahead", ahead_by: 2, behind_by: 0, commits: [] })
        .get(`${REPO_API}/git/commits/${HEAD_SHA}`)
        .reply(200, githubFixture("git-commit.base"))
        .post(`${REPO_API}/git/blobs`)
        .reply(201, githubFixture("git-blob"))
        .post(`${REPO_API}/git/trees`)
        .reply(201, githubFixture("git-tree"))
        .post(`${REPO_API}/git/commits`)
        .reply(201, githubFixture("git-commit.created"))
        .post(`${REPO_API}/git/refs`)
        .reply(201, githubFixture("git-ref", { ref: `refs/heads/${FIX_HEAD}` }))
        .get(`${REPO_API}/pulls`)
        .query({ head: `${OWNER}:${FIX_HEAD}`, state: "open", per_page: 1 })
        .reply(200, [])
        .post(`${REPO_API}/pulls`, (body: Record<string, unknown>) => opened.push(body) > 0)
        .reply(201, githubFixture("pull-request", { number: 64, draft: false }));
      const update = messageUpdate();
      await press({ approve: ["fix_pr"] });
      expect(opened[0]).toMatchObject({ head: FIX_HEAD, base: branch, draft: false });
      expect(textOf(update[0]?.blocks)).toContain(
        `Approved by <@${APPROVER}>: opened the <https://github.com/${REPOSITORY}/pull/64|fix pull request> for review.`,
      );
    });
  });

  describe("when GitHub cannot say what the repository's settings are", () => {
    it("tells the approver it could not, and leaves the approval open for another press", async () => {
      await messageWaiting();
      nock(API).get(`${REPO_API}${CONFIG_PATH}`).reply(502, githubFixture("error.server"));
      const said = ephemeral();
      await press();
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(
        /^CodeHealer could not carry out your approve: Reading the settings of acme\/api failed: GitHub answered 502 .*\. Press it again to retry\.$/,
      );
      expect((await slackMessageOf(db, INCIDENT_ID))?.decision).toBeNull();
      expect(await trail()).toEqual([]);
    });
  });

  describe("when the kill switch is on", () => {
    it("tells the approver, records why, and changes nothing", async () => {
      await messageWaiting();
      config("enabled: false\n");
      const said = ephemeral();
      await press();
      expect(said).toEqual([
        `CodeHealer is turned off for ${REPOSITORY} (enabled: false in .github/codehealer.yml): the approval changes nothing.`,
      ]);
      expect(await trail()).toMatchObject([
        {
          kind: "notify",
          status: "skipped",
          detail: { rule: "kill_switch", requestedBy: `slack:${APPROVER}` },
        },
      ]);
      expect((await slackMessageOf(db, INCIDENT_ID))?.decision).toBeNull();
    });
  });

  describe("when the repository is in dry run", () => {
    it("records what it would do, does nothing, and keeps the buttons", async () => {
      await messageWaiting();
      config("dry_run: true\n");
      const update = messageUpdate();
      await press();
      expect(await auditedAction(db, requestedRerunKey(REPOSITORY, RUN_ID, 1))).toMatchObject({
        status: "dry-run",
      });
      expect(update[0]?.blocks.map((block) => block.type)).toContain("actions");
      expect(update[0]?.blocks.at(-1)).toMatchObject({
        text: {
          text: `Approved by <@${APPROVER}> in a dry run: [dry-run] Would rerun the failed jobs of run ${RUN_ID} (attempt 1) in ${REPOSITORY}.`,
        },
      });
      expect((await slackMessageOf(db, INCIDENT_ID))?.decision).toBeNull();
    });
  });

  describe("Reject", () => {
    it("records the approver's verdict, updates the message without buttons, and no approval follows", async () => {
      await messageWaiting();
      const update = messageUpdate();
      await press({ action: REJECT_ACTION });
      expect(await feedbackOn(db, INCIDENT_ID)).toMatchObject([
        { source: "slack", actor: APPROVER, verdict: "bad" },
      ]);
      expect(await auditedAction(db, `slack:reject:${REPOSITORY}:${INCIDENT_ID}`)).toMatchObject({
        kind: "feedback",
        status: "done",
        detail: { rejectedBy: `slack:${APPROVER}` },
      });
      expect(update[0]?.blocks.map((block) => block.type)).not.toContain("actions");
      expect(update[0]?.blocks.at(-1)).toMatchObject({
        text: {
          text: `Rejected by <@${APPROVER}>: CodeHealer does nothing more about it, and learns from the verdict.`,
        },
      });

      const said = ephemeral();
      await press();
      expect(said).toEqual([`It was rejected by <@${APPROVER}> already.`]);
      expect(await auditedAction(db, requestedRerunKey(REPOSITORY, RUN_ID, 1))).toBeUndefined();
    });
  });
});

describe("setting Slack up", () => {
  const token = { SLACK_BOT_TOKEN: "xoxb-test-bot-token", SLACK_CHANNEL: CHANNEL };
  const parts = (env: Record<string, string>) =>
    setUpSlack(readEnv(env), {
      db,
      log: testLogger().log,
      octokitFor: async () => testOctokit(),
    });

  it("serves no /slack/interactions without SLACK_SIGNING_SECRET: 404", async () => {
    const slack = parts(token);
    expect(slack.notifier).not.toBeNull();
    expect(slack.interactions).toBeNull();
    const plain = await listen(slack.interactions ?? undefined);
    try {
      const address = plain.address();
      const port = typeof address === "object" && address ? address.port : 0;
      const response = await fetch(`http://127.0.0.1:${port}/slack/interactions`, {
        method: "POST",
        body: pressBody(),
      });
      expect(response.status).toBe(404);
    } finally {
      await new Promise((resolve) => plain.close(resolve));
    }
  });

  it("sends no notifications with a bot token alone (it serves ingest-slack)", () => {
    expect(parts({ SLACK_BOT_TOKEN: "xoxb-test-bot-token" })).toEqual({
      notifier: null,
      interactions: null,
    });
  });

  it.each([
    [{ SLACK_CHANNEL: CHANNEL }, /SLACK_BOT_TOKEN: required/],
    [{ SLACK_SIGNING_SECRET: SECRET, SLACK_APPROVERS: APPROVER }, /SLACK_BOT_TOKEN: required/],
    [
      { ...token, SLACK_SIGNING_SECRET: SECRET },
      /SLACK_APPROVERS: required with SLACK_SIGNING_SECRET/,
    ],
  ])("names the missing variable: %o", (env, message) => {
    expect(() => checkSlackEnv(readEnv(env))).toThrow(message);
  });
});
