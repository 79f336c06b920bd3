import { randomUUID } from "node:crypto";
import nock from "nock";
import pino from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { commandKey } from "../../src/actions/chatops-history.ts";
import { fingerprintIgnored } from "../../src/actions/ignore-incident.ts";
import { requestedRerunKey } from "../../src/actions/requested-action.ts";
import { readEnv } from "../../src/env.ts";
import type { StoredFix } from "../../src/fixes/types.ts";
import { type Running, start } from "../../src/start.ts";
import { auditedAction, recentAutomatedActions } from "../../src/store/audit.ts";
import type { Db } from "../../src/store/database.ts";
import { getDelivery } from "../../src/store/deliveries.ts";
import { feedbackOn } from "../../src/store/feedback.ts";
import { getIncident } from "../../src/store/incidents.ts";
import {
  actions,
  deliveries,
  feedback,
  incidents,
  type NewIncident,
} from "../../src/store/schema.ts";
import { processDelivery, type WorkerDeps } from "../../src/worker.ts";
import {
  API,
  bodies,
  diagnosedIncident,
  expectNoPendingMocks,
  FINGERPRINT,
  githubFixture,
  HEAD_SHA,
  NOW,
  OWNER,
  REPO,
  REPO_API,
  REPOSITORY,
  RUN_ID,
  storeIncident,
  testOctokit,
} from "../actions/support.ts";
import { type TestStore, testStore, until } from "../support/database.ts";
import { appEnv, deliver, webhookFixture } from "../support/github.ts";
import { closeTheNetwork, installationToken } from "../support/nock-github.ts";

// The fixture is a person's `/codehealer retry` on a pull request; the tests move it to the
// repository of the recorded GitHub responses, acme/api, and its pull request #42.
const COMMAND = "issue_comment.created.command";
const INCIDENT_ID = "6f1c2a4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b";
const PR = 42;
const ISSUE = 7;
const COMMENT_ID = 492700400;
const OUR_COMMENT = 2734190561;
const ACTOR = "Codertocat";
const INSTALLATION = 4242;
const BRANCH = "feature/invoice-amounts";
const HEAD = "codehealer/fix-415775e25088";
const CONFIG_PATH = `/contents/${encodeURIComponent(".github/codehealer.yml")}`;
const RERUN_PATH = `${REPO_API}/actions/runs/${RUN_ID}/rerun-failed-jobs`;

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

let store: TestStore;
let app: Running;
let db: Db;
let workerDeps: WorkerDeps;

beforeAll(async () => {
  closeTheNetwork();
  store = await testStore();
  app = await start(readEnv({ ...store.env, ...appEnv, PORT: "0", HOST: "127.0.0.1" }));
  db = app.database.db;
  workerDeps = {
    db,
    queue: { enqueue: async () => {} },
    log: pino({ level: "silent" }),
    appId: 123,
    octokitFor: async () => testOctokit(),
    now: () => NOW,
  };
});
afterAll(async () => {
  await app?.stop();
  await store?.dispose();
  nock.cleanAll();
  nock.enableNetConnect();
});
beforeEach(async () => {
  await db.delete(feedback);
  await db.delete(actions);
  await db.delete(incidents);
  await db.delete(deliveries);
});
afterEach(expectNoPendingMocks);

type CommentOptions = {
  body?: string;
  login?: string;
  userType?: string;
  commentId?: number;
  action?: string;
  /** An issue rather than the pull request: its number, author and body. */
  issue?: { number: number; userType: string; body: string };
};

/** An `issue_comment.created` payload: the fixture, moved to acme/api, saying what it is told. */
function commentPayload(options: CommentOptions = {}): Record<string, unknown> {
  const {
    body = "/codehealer retry",
    login = ACTOR,
    userType = "User",
    commentId = COMMENT_ID,
    action = "created",
  } = options;
  const payload = webhookFixture(COMMAND) as Record<string, Record<string, unknown>>;
  const repository = payload.repository ?? {};
  const issue = payload.issue ?? {};
  const user = { ...(payload.comment?.user as object), login, type: userType };
  return {
    ...payload,
    action,
    issue: options.issue
      ? {
          ...issue,
          number: options.issue.number,
          pull_request: undefined,
          user: { ...(issue.user as object), type: options.issue.userType },
          body: options.issue.body,
        }
      : { ...issue, number: PR },
    comment: { ...payload.comment, id: commentId, body, user },
    repository: {
      ...repository,
      name: REPO,
      full_name: REPOSITORY,
      owner: { ...(repository.owner as object), login: OWNER },
    },
    sender: user,
    installation: { id: INSTALLATION },
  };
}

async function storeComment(options: CommentOptions = {}, id: string = randomUUID()) {
  await db
    .insert(deliveries)
    .values({
      id,
      event: "issue_comment",
      action: "created",
      installationId: INSTALLATION,
      repository: REPOSITORY,
      payload: commentPayload(options),
    })
    .onConflictDoNothing();
  return id;
}

/** Stores a delivery of the comment and runs it through the worker, as the queue would. */
async function comment(options: CommentOptions = {}, id?: string) {
  const stored = await storeComment(options, id);
  await processDelivery(workerDeps, stored);
  const delivery = await getDelivery(db, stored);
  return { status: delivery?.status, reason: delivery?.statusReason ?? "" };
}

const incident = (overrides: Partial<NewIncident> = {}) =>
  storeIncident(db, diagnosedIncident({ id: INCIDENT_ID, ...overrides }));

/** GitHub's pull request #42, its head on the failing commit unless told otherwise. */
const pull = (headSha = HEAD_SHA) =>
  nock(API)
    .get(`${REPO_API}/pulls/${PR}`)
    .reply(200, {
      number: PR,
      state: "open",
      head: { sha: headSha, ref: BRANCH, repo: { full_name: REPOSITORY } },
    });

const permission = (level: string, login = ACTOR) =>
  nock(API)
    .get(`${REPO_API}/collaborators/${login}/permission`)
    .reply(200, { permission: level, role_name: level, user: { login } });

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

/** A writer commenting on the pull request, in a repository without configuration. */
const writerOnThePullRequest = () => {
  pull();
  config();
  permission("write");
};

/** The reaction CodeHealer leaves on the comment. */
const reaction = (content: string, commentId = COMMENT_ID) =>
  nock(API)
    .post(`${REPO_API}/issues/comments/${commentId}/reactions`, { content })
    .reply(201, { id: 1, content });

/** CodeHealer's comment on the pull request, found among the others and edited. */
function board(sent = bodies()) {
  nock(API)
    .get(`${REPO_API}/issues/${PR}/comments`)
    .query({ per_page: 100 })
    .reply(200, githubFixture("issue-comments"))
    .patch(`${REPO_API}/issues/comments/${OUR_COMMENT}`, sent.take)
    .reply(200, githubFixture("issue-comment", { id: OUR_COMMENT }));
  return sent;
}

/** The first CodeHealer comment on an issue. */
function issueBoard(issue: number, sent = bodies()) {
  nock(API)
    .get(`${REPO_API}/issues/${issue}/comments`)
    .query({ per_page: 100 })
    .reply(200, [])
    .post(`${REPO_API}/issues/${issue}/comments`, sent.take)
    .reply(201, githubFixture("issue-comment", { id: 2734199999 }));
  return sent;
}

const rerun = () => nock(API).post(RERUN_PATH).reply(201, {});

const auditRows = () => db.select().from(actions).orderBy(actions.id);
const bodyOf = (sent: ReturnType<typeof bodies>) => String(sent.seen[0]?.body ?? "");

describe("issue_comment.created", () => {
  describe("when the comment gives no command", () => {
    it.each([
      ["plain words", "Looks like the type check broke again."],
      ["a command mid-line", "Maybe try `/codehealer retry`?"],
      ["a quoted command", "> /codehealer retry\n\nDid that work?"],
      ["a command in a code block", "Run this:\n```\n/codehealer retry\n```"],
      ["a word that only starts like it", "/codehealers unite"],
    ])("leaves %s alone, asking GitHub nothing", async (_, body) => {
      await incident();
      expect(await comment({ body })).toEqual({
        status: "ignored",
        reason: `comment ${COMMENT_ID} has no /codehealer command`,
      });
      expect(await auditRows()).toEqual([]);
    });
  });

  it("ignores a bot's comment, CodeHealer's own included", async () => {
    await incident();
    const settled = await comment({ login: "codehealer[bot]", userType: "Bot" });
    expect(settled).toEqual({ status: "ignored", reason: `comment ${COMMENT_ID} is by a bot` });
  });

  it("ignores an edited comment: a command runs when it is written, once", async () => {
    await incident();
    const settled = await comment({ action: "edited" });
    expect(settled).toEqual({ status: "ignored", reason: "comment edited, not created" });
  });

  describe("when the pull request has no CodeHealer incident", () => {
    it("leaves the comment alone", async () => {
      pull("0000000000000000000000000000000000000000");
      const settled = await comment();
      expect(settled).toEqual({
        status: "ignored",
        reason: `no CodeHealer incident on ${REPOSITORY}#${PR} for /codehealer retry`,
      });
      expect(await auditRows()).toEqual([]);
    });
  });

  describe("when CodeHealer does not understand the command", () => {
    it.each([
      ["an unknown command", "/codehealer deploy", 'CodeHealer has no command "deploy"'],
      ["a bad verdict", "/codehealer feedback maybe", "needs `good` or `bad`"],
      ["arguments where none are taken", "/codehealer retry now please", "takes no arguments"],
      ["no command at all", "/codehealer", "A command is missing"],
    ])("reacts 😕 to %s and records the refusal, with no new comment", async (_, body, why) => {
      await incident();
      config();
      reaction("confused");
      const settled = await comment({ body });
      expect(settled.status).toBe("processed");
      expect(settled.reason).toContain(why);
      expect(await auditRows()).toMatchObject([
        {
          kind: "comment",
          status: "skipped",
          idempotencyKey: commandKey(REPOSITORY, PR, COMMENT_ID),
          detail: { command: "unknown", requestedBy: ACTOR, rule: "not_understood", line: null },
        },
        { kind: "comment", status: "done", detail: { reaction: "confused" } },
      ]);
    });

    it("reads only the first command of a comment", async () => {
      await incident();
      config();
      reaction("confused");
      const settled = await comment({ body: "/codehealer nope\n/codehealer retry" });
      expect(settled.reason).toContain('no command "nope"');
    });
  });

  describe("when the person may not write to the repository", () => {
    it("refuses retry with a 👎, records why, and touches nothing else", async () => {
      await incident();
      pull();
      config();
      permission("read", "drive-by");
      reaction("-1");
      const settled = await comment({ login: "drive-by" });
      expect(settled).toEqual({
        status: "processed",
        reason:
          "@drive-by's /codehealer retry refused: @drive-by has read access to acme/api; only people who may write to it can retry with CodeHealer.",
      });
      expect(await auditRows()).toMatchObject([
        {
          kind: "comment",
          status: "skipped",
          incidentId: INCIDENT_ID,
          detail: {
            command: "retry",
            requestedBy: "drive-by",
            rule: "no_write_access",
            line: null,
            board: false,
          },
        },
        { kind: "comment", status: "done", detail: { reaction: "-1" } },
      ]);
    });

    it.each([
      ["fix", "/codehealer fix"],
      ["ignore", "/codehealer ignore"],
      ["feedback", "/codehealer feedback bad wrong"],
    ])("refuses %s the same way", async (_, body) => {
      await incident({ fix: STORED_FIX });
      pull();
      config();
      nock(API)
        .get(`${REPO_API}/collaborators/drive-by/permission`)
        .reply(404, githubFixture("error.not-found"));
      reaction("-1");
      const settled = await comment({ body, login: "drive-by" });
      expect(settled.reason).toContain("@drive-by has none access");
      expect((await getIncident(db, INCIDENT_ID))?.outcome).toBeNull();
      expect(await feedbackOn(db, INCIDENT_ID)).toEqual([]);
    });

    it("still explains: explain is open to anyone who can comment", async () => {
      await incident();
      pull();
      config();
      const sent = board();
      reaction("+1");
      const settled = await comment({ body: "/codehealer explain", login: "drive-by" });
      expect(settled.reason).toBe(
        `@drive-by's /codehealer explain: explained incident ${INCIDENT_ID} on CodeHealer's comment`,
      );
      expect(bodyOf(sent)).toContain(
        "<details open><summary>Explained: Type check failed in CI › typecheck",
      );
    });
  });

  describe("retry", () => {
    it("reruns the failed jobs as the person's own action, reacts 👍 and says so on CodeHealer's comment", async () => {
      await incident();
      writerOnThePullRequest();
      const github = rerun();
      const sent = board();
      reaction("+1");
      const settled = await comment();
      expect(settled).toEqual({
        status: "processed",
        reason: `@${ACTOR}'s /codehealer retry: reran the failed jobs of run ${RUN_ID} (attempt 1)`,
      });
      expect(github.isDone()).toBe(true);
      expect(bodyOf(sent)).toMatchSnapshot();
      expect(await auditedAction(db, requestedRerunKey(REPOSITORY, RUN_ID, 1))).toMatchObject({
        kind: "rerun",
        status: "done",
        detail: { runId: RUN_ID, attempt: 1, requestedBy: ACTOR },
      });
      // A person's rerun is theirs: the blast radius of automatic actions does not count it.
      expect(await recentAutomatedActions(db, REPOSITORY, new Date(0))).toBe(0);
      expect(await auditedAction(db, commandKey(REPOSITORY, PR, COMMENT_ID))).toMatchObject({
        status: "done",
        detail: { command: "retry", requestedBy: ACTOR, reaction: "+1" },
      });
    });

    it("takes the command in any case, on a line of its own after other words", async () => {
      await incident();
      writerOnThePullRequest();
      rerun();
      board();
      reaction("+1");
      const settled = await comment({ body: "Flaky registry again.\r\n  /CodeHealer RETRY\r\n" });
      expect(settled.reason).toContain("reran the failed jobs");
    });

    describe("when GitHub delivers the same comment again", () => {
      it("answers it once", async () => {
        await incident();
        writerOnThePullRequest();
        rerun();
        board();
        reaction("+1");
        const id = randomUUID();
        await comment({}, id);
        // The same delivery is settled already; another delivery of the same comment is answered.
        expect((await comment({}, id)).status).toBe("processed");
        expect(await comment()).toEqual({
          status: "processed",
          reason: `comment ${COMMENT_ID} was answered already`,
        });
      });
    });

    describe("when a second comment asks again", () => {
      it("reruns nothing more, and leaves the comment as it is", async () => {
        await incident();
        writerOnThePullRequest();
        rerun();
        board();
        reaction("+1");
        await comment();
        writerOnThePullRequest();
        reaction("+1", 492700401);
        const second = await comment({ commentId: 492700401 });
        expect(second.reason).toBe(
          `@${ACTOR}'s /codehealer retry: already done (https://github.com/${REPOSITORY}/actions/runs/${RUN_ID})`,
        );
      });
    });

    describe("when the incident is a security finding", () => {
      it("refuses with a 😕, and says why on CodeHealer's comment", async () => {
        await incident({ tier: "security", category: "security_scan" });
        writerOnThePullRequest();
        const sent = board();
        reaction("confused");
        const settled = await comment();
        expect(settled.reason).toBe(
          `@${ACTOR}'s /codehealer retry refused: A security finding is never rerun by CodeHealer: a rerun could turn a real finding green.`,
        );
        expect(bodyOf(sent)).toContain(
          `- ✋ @${ACTOR} asked to retry: A security finding is never rerun by CodeHealer`,
        );
      });
    });
  });

  describe("fix", () => {
    it("opens the stored fix as a pull request, and links it on CodeHealer's comment", async () => {
      await incident({ fix: STORED_FIX });
      writerOnThePullRequest();
      nock(API)
        .get(`${REPO_API}/compare/${encodeURIComponent(`${HEAD_SHA}...${BRANCH}`)}`)
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
        .reply(201, githubFixture("git-ref", { ref: `refs/heads/${HEAD}` }))
        .get(`${REPO_API}/pulls`)
        .query({ head: `${OWNER}:${HEAD}`, state: "open", per_page: 1 })
        .reply(200, [])
        .post(`${REPO_API}/pulls`, (body) => body.head === HEAD && body.base === BRANCH)
        .reply(201, githubFixture("pull-request", { number: 64, draft: true }));
      const sent = board();
      reaction("+1");
      const settled = await comment({ body: "/codehealer fix" });
      expect(settled.reason).toBe(
        `@${ACTOR}'s /codehealer fix: opened the fix pull request https://github.com/acme/api/pull/64`,
      );
      expect(bodyOf(sent)).toContain(
        `- 🔧 Fix pull request opened at @${ACTOR}'s request: https://github.com/acme/api/pull/64`,
      );
    });

    it("refuses with a 😕 when no fix was found", async () => {
      await incident();
      writerOnThePullRequest();
      board();
      reaction("confused");
      expect((await comment({ body: "/codehealer fix" })).reason).toContain(
        "refused: CodeHealer found no fix for this failure",
      );
    });
  });

  describe("explain", () => {
    it("expands the diagnosis on CodeHealer's comment, and keeps it there", async () => {
      await incident();
      pull();
      config();
      const sent = board();
      reaction("+1");
      await comment({ body: "/codehealer explain" });
      expect(bodyOf(sent)).toMatchSnapshot();

      // A later command re-renders the board: the explanation stays.
      writerOnThePullRequest();
      rerun();
      const later = board();
      reaction("+1", 492700401);
      await comment({ commentId: 492700401 });
      expect(bodyOf(later)).toContain(
        "<details open><summary>Explained: Type check failed in CI › typecheck",
      );
      expect(bodyOf(later)).toContain(`- ↻ Retried by @${ACTOR}`);
    });

    it("refuses while the failure is not diagnosed", async () => {
      await incident({ fingerprint: null, status: "open" });
      pull();
      config();
      board();
      reaction("confused");
      expect((await comment({ body: "/codehealer explain" })).reason).toContain(
        "The failure is not diagnosed yet",
      );
    });
  });

  describe("ignore", () => {
    it("marks the incident ignored, and says so on CodeHealer's comment", async () => {
      await incident();
      writerOnThePullRequest();
      const sent = board();
      reaction("+1");
      const settled = await comment({ body: "/codehealer ignore" });
      expect(settled.reason).toBe(
        `@${ACTOR}'s /codehealer ignore: incident ${INCIDENT_ID} is ignored`,
      );
      expect((await getIncident(db, INCIDENT_ID))?.outcome).toBe("ignored");
      expect(await fingerprintIgnored(db, REPOSITORY, FINGERPRINT)).toBe(true);
      expect(bodyOf(sent)).toContain(
        `- 🙈 Ignored by @${ACTOR}: CodeHealer takes no further action`,
      );
    });

    it("leaves a resolved incident alone", async () => {
      await incident({ status: "resolved", outcome: "fix_merged" });
      writerOnThePullRequest();
      board();
      reaction("confused");
      expect((await comment({ body: "/codehealer ignore" })).reason).toContain(
        "The failure is resolved already",
      );
      expect((await getIncident(db, INCIDENT_ID))?.outcome).toBe("fix_merged");
    });
  });

  describe("feedback", () => {
    it("records the verdict and its note, redacted, and thanks on CodeHealer's comment", async () => {
      await incident();
      writerOnThePullRequest();
      const sent = board();
      reaction("+1");
      const token = `ghp_${"a1B2c3D4e5".repeat(4)}`;
      const settled = await comment({
        body: `/codehealer feedback bad the real cause was the proxy, token ${token}`,
      });
      expect(settled.reason).toBe(
        `@${ACTOR}'s /codehealer feedback: recorded as feedback on incident ${INCIDENT_ID}`,
      );
      const [word] = await feedbackOn(db, INCIDENT_ID);
      expect(word).toMatchObject({ source: "chatops", actor: ACTOR, verdict: "bad" });
      expect(word?.note).toContain("the real cause was the proxy, token [REDACTED");
      expect(word?.note).not.toContain(token);
      expect(bodyOf(sent)).toContain(`- 👎 @${ACTOR} found the diagnosis of`);
      expect(bodyOf(sent)).not.toContain(token);
    });

    it("keeps a person's first word, and reacts 😕 to a second", async () => {
      await incident();
      writerOnThePullRequest();
      board();
      reaction("+1");
      await comment({ body: "/codehealer feedback good" });
      writerOnThePullRequest();
      reaction("confused", 492700401);
      const second = await comment({ body: "/codehealer feedback bad", commentId: 492700401 });
      expect(second.reason).toContain("already gave feedback");
      expect(await feedbackOn(db, INCIDENT_ID)).toMatchObject([{ verdict: "good", note: null }]);
    });
  });

  describe("on an issue", () => {
    const filed = {
      number: ISSUE,
      userType: "Bot",
      body: `<!-- codehealer:fingerprint:${FINGERPRINT} -->\n<!-- codehealer:occurrence:${INCIDENT_ID} -->\n\n**Type check failed**`,
    };

    it("retries the latest occurrence on CodeHealer's own issue, and answers in one comment there", async () => {
      await incident({ createdAt: new Date("2025-06-03T09:00:00Z"), runId: 15432100001 });
      const latest = await storeIncident(
        db,
        diagnosedIncident({ id: "0d9a4f7e-1b2c-4d3e-8f5a-6b7c8d9e0f1a" }),
      );
      config();
      permission("write");
      rerun();
      const sent = issueBoard(ISSUE);
      reaction("+1");
      const settled = await comment({ issue: filed });
      expect(settled.reason).toContain(`reran the failed jobs of run ${RUN_ID}`);
      expect(bodyOf(sent)).toMatchSnapshot();
      expect(await auditedAction(db, requestedRerunKey(REPOSITORY, RUN_ID, 1))).toMatchObject({
        incidentId: latest.id,
      });
    });

    it("leaves a person's issue alone when it carries CodeHealer's marker but is no issue of CodeHealer's", async () => {
      await incident();
      const settled = await comment({ issue: { ...filed, userType: "User" } });
      expect(settled.status).toBe("ignored");
    });

    it("explains the incident a labelled issue became", async () => {
      await incident({
        provider: "external",
        sourceEvent: "issues",
        runId: ISSUE,
        htmlUrl: `https://github.com/${REPOSITORY}/issues/${ISSUE}`,
        workflowName: null,
        jobName: `issue #${ISSUE}`,
      });
      config();
      const sent = issueBoard(ISSUE);
      reaction("+1");
      await comment({
        body: "/codehealer explain",
        issue: { number: ISSUE, userType: "User", body: "The nightly build fails" },
      });
      expect(bodyOf(sent)).toContain(
        "<details open><summary>Explained: Type check failed in issue #7",
      );
    });

    it("refuses to rerun an incident from outside CI", async () => {
      await incident({ provider: "external", sourceEvent: "issues", runId: ISSUE });
      config();
      permission("write");
      const sent = issueBoard(ISSUE);
      reaction("confused");
      const settled = await comment({
        issue: { number: ISSUE, userType: "User", body: "The nightly build fails" },
      });
      expect(settled.reason).toContain(
        "refused: Only GitHub Actions workflow runs can be rerun; this failure came from outside CI.",
      );
      expect(bodyOf(sent)).toContain("✋");
    });
  });

  describe("when the kill switch is on", () => {
    it("does nothing at all on GitHub, and records why", async () => {
      await incident();
      pull();
      config("enabled: false\n");
      const settled = await comment();
      expect(settled.reason).toContain("refused: CodeHealer is turned off for this repository");
      expect(await auditRows()).toMatchObject([
        { kind: "comment", status: "skipped", detail: { rule: "kill_switch", reaction: null } },
      ]);
    });
  });

  describe("when the repository is in dry run", () => {
    it("records what it would do, and does nothing", async () => {
      await incident();
      pull();
      config("dry_run: true\n");
      permission("write");
      const settled = await comment();
      expect(settled.reason).toBe(
        `[dry-run] Would rerun the failed jobs of run ${RUN_ID} (attempt 1) in ${REPOSITORY}`,
      );
      expect((await auditRows()).map((row) => [row.kind, row.status])).toEqual([
        ["rerun", "dry-run"],
        ["comment", "dry-run"],
        ["comment", "dry-run"],
        ["comment", "dry-run"],
      ]);
    });
  });

  describe("when GitHub fails on its side", () => {
    it("throws so the queue retries, and the retry finishes without doing anything twice", async () => {
      await incident();
      writerOnThePullRequest();
      rerun();
      board();
      nock(API)
        .post(`${REPO_API}/issues/comments/${COMMENT_ID}/reactions`)
        .reply(502, githubFixture("error.server"));
      const id = await storeComment();
      await expect(processDelivery(workerDeps, id)).rejects.toMatchObject({
        name: "ActionError",
        status: 502,
        retryable: true,
      });
      // The answer is recorded; the retry only finishes giving it.
      expect(await auditedAction(db, commandKey(REPOSITORY, PR, COMMENT_ID))).toMatchObject({
        status: "done",
      });

      pull();
      config();
      reaction("+1");
      await processDelivery(workerDeps, id);
      expect((await getDelivery(db, id))?.statusReason).toContain("reran the failed jobs");
    });

    it("throws when GitHub cannot say whether the person may write", async () => {
      await incident();
      pull();
      config();
      nock(API)
        .get(`${REPO_API}/collaborators/${ACTOR}/permission`)
        .reply(502, githubFixture("error.server"));
      const id = await storeComment();
      await expect(processDelivery(workerDeps, id)).rejects.toMatchObject({ retryable: true });
      expect(await auditRows()).toEqual([]);
    });
  });

  describe("through the running app", () => {
    it("takes a signed webhook from GitHub and reruns the failed jobs", async () => {
      await incident();
      installationToken(INSTALLATION);
      writerOnThePullRequest();
      const github = rerun();
      board();
      reaction("+1");
      const id = randomUUID();
      await deliver(`http://127.0.0.1:${app.port}`, "issue_comment", commentPayload(), { id });
      const settled = await until(
        async () => {
          const delivery = await getDelivery(db, id);
          return delivery?.status === "received" ? undefined : delivery;
        },
        30_000,
        "the comment to be answered",
      );
      expect(settled).toMatchObject({
        status: "processed",
        statusReason: `@${ACTOR}'s /codehealer retry: reran the failed jobs of run ${RUN_ID} (attempt 1)`,
      });
      expect(github.isDone()).toBe(true);
    });
  });
});
