import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import nock from "nock";
import pino from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixPrKey } from "../../src/actions/fix-pr.ts";
import { requestedRerunKey } from "../../src/actions/requested-action.ts";
import { rerunKey } from "../../src/actions/rerun.ts";
import { readEnv } from "../../src/env.ts";
import type { StoredFix } from "../../src/fixes/types.ts";
import { type Running, start } from "../../src/start.ts";
import { auditedAction, recentAutomatedActions } from "../../src/store/audit.ts";
import type { Db } from "../../src/store/database.ts";
import { getDelivery } from "../../src/store/deliveries.ts";
import { feedbackOn, recordFeedback } from "../../src/store/feedback.ts";
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

// The fixture is a press of CodeHealer's own check run (app 123, the test App's id); the tests
// move it to the repository of the recorded GitHub responses, acme/api.
const PRESS = "check_run.requested_action.codehealer";
const INCIDENT_ID = "6f1c2a4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b";
const CHECK_RUN_ID = 1494503112;
const ACTOR = "codebytere";
const INSTALLATION = 4242;
const BRANCH = "feature/invoice-amounts";
const HEAD = "codehealer/fix-415775e25088";
const CHECK_RUN_PATH = `${REPO_API}/check-runs/${CHECK_RUN_ID}`;
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

type PressOptions = {
  identifier?: string;
  externalId?: string | null;
  sender?: string;
  fixture?: string;
};

/** A `check_run.requested_action` payload: the fixture, moved to acme/api, with a button pressed. */
function pressPayload(options: PressOptions = {}): Record<string, unknown> {
  const {
    identifier = "retry",
    externalId = INCIDENT_ID,
    sender = ACTOR,
    fixture = PRESS,
  } = options;
  const payload = webhookFixture(fixture) as Record<string, Record<string, unknown>>;
  const repository = payload.repository ?? {};
  return {
    ...payload,
    check_run: { ...payload.check_run, external_id: externalId },
    requested_action: { identifier },
    repository: {
      ...repository,
      name: REPO,
      full_name: REPOSITORY,
      owner: { ...(repository.owner as object), login: OWNER },
    },
    sender: { ...payload.sender, login: sender },
    installation: { id: INSTALLATION },
  };
}

/** Stores a delivery of the press and runs it through the worker, as the queue would. */
async function storePress(options: PressOptions = {}, id: string = randomUUID()): Promise<string> {
  await db
    .insert(deliveries)
    .values({
      id,
      event: "check_run",
      action: "requested_action",
      installationId: INSTALLATION,
      repository: REPOSITORY,
      payload: pressPayload(options),
    })
    .onConflictDoNothing();
  return id;
}

async function press(options: PressOptions = {}, id?: string) {
  const stored = await storePress(options, id);
  await processDelivery(workerDeps, stored);
  const delivery = await getDelivery(db, stored);
  return { status: delivery?.status, reason: delivery?.statusReason ?? "" };
}

const incident = (overrides: Partial<NewIncident> = {}) =>
  storeIncident(db, diagnosedIncident({ id: INCIDENT_ID, ...overrides }));

const permission = (level: string, login = ACTOR) =>
  nock(API)
    .get(`${REPO_API}/collaborators/${login}/permission`)
    .reply(200, {
      permission: level === "maintain" ? "write" : level,
      role_name: level,
      user: { login },
    });

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

/** A writer pressing the button, in a repository without configuration. */
const writerWithDefaults = () => {
  permission("write");
  config();
};

const note = (sent = bodies()) => {
  nock(API)
    .patch(CHECK_RUN_PATH, sent.take)
    .reply(200, githubFixture("check-run", { id: CHECK_RUN_ID }));
  return sent;
};

const rerun = () => nock(API).post(RERUN_PATH).reply(201, {});

const onBranch = (status: string) =>
  nock(API)
    .get(`${REPO_API}/compare/${encodeURIComponent(`${HEAD_SHA}...${BRANCH}`)}`)
    .query({ per_page: 1 })
    .reply(200, { status, ahead_by: status === "ahead" ? 2 : 0, behind_by: 0, commits: [] });

// The fix pull request, as fix-pr.ts makes it: git objects, the branch, the pull request.
function fixPullRequest(pull = bodies()) {
  nock(API)
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
    .post(`${REPO_API}/pulls`, pull.take)
    .reply(201, githubFixture("pull-request", { number: 64, draft: true }));
  return pull;
}

const auditRows = () => db.select().from(actions).orderBy(actions.id);

describe("check_run.requested_action", () => {
  describe("when the check run is not CodeHealer's", () => {
    it("ignores a press on another app's check run without asking GitHub anything", async () => {
      await incident();
      const settled = await press({ fixture: "check_run.requested_action" });
      expect(settled).toEqual({
        status: "ignored",
        reason: 'check run "API Review" is not CodeHealer\'s',
      });
    });

    it("ignores a check run named CodeHealer that another app made", async () => {
      await incident();
      const id = await storePress();
      const payload = pressPayload();
      const run = payload.check_run as Record<string, unknown>;
      await db
        .update(deliveries)
        .set({ payload: { ...payload, check_run: { ...run, app: { id: 999 } } } })
        .where(eq(deliveries.id, id));
      await processDelivery(workerDeps, id);
      expect((await getDelivery(db, id))?.statusReason).toBe(
        `check run ${CHECK_RUN_ID} belongs to app 999, not CodeHealer`,
      );
    });
  });

  describe("when the check run names no incident of this repository", () => {
    it.each([
      ["garbage", "not-a-uuid", "names no incident"],
      ["empty", "", "names no incident"],
      ["unknown", "0d9a4f7e-1b2c-4d3e-8f5a-6b7c8d9e0f1a", "which acme/api does not have"],
    ])("ignores an %s external_id", async (_, externalId, reason) => {
      await incident();
      const settled = await press({ externalId });
      expect(settled.status).toBe("ignored");
      expect(settled.reason).toContain(reason);
    });

    it("ignores an incident of another repository", async () => {
      await incident({ repository: "acme/web" });
      const settled = await press();
      expect(settled).toEqual({
        status: "ignored",
        reason: `check run ${CHECK_RUN_ID} names incident ${INCIDENT_ID}, which acme/api does not have`,
      });
    });
  });

  it("ignores a button CodeHealer never offers", async () => {
    await incident();
    const settled = await press({ identifier: "lgtm|26764" });
    expect(settled).toEqual({
      status: "ignored",
      reason: 'no button "lgtm|26764" on CodeHealer\'s check run',
    });
  });

  describe("when the person who pressed may not write to the repository", () => {
    it.each([
      ["read access", () => permission("read")],
      [
        "no access GitHub will speak of (404)",
        () =>
          nock(API)
            .get(`${REPO_API}/collaborators/${ACTOR}/permission`)
            .reply(404, githubFixture("error.not-found")),
      ],
    ])("refuses with %s, records why, and touches nothing", async (_, answer) => {
      await incident();
      answer();
      const settled = await press();
      expect(settled.status).toBe("processed");
      expect(settled.reason).toMatch(
        /^@codebytere's Retry refused: @codebytere has (read|none) access/,
      );
      expect(await auditRows()).toMatchObject([
        {
          kind: "rerun",
          status: "skipped",
          incidentId: INCIDENT_ID,
          idempotencyKey: `requested:${REPOSITORY}:${INCIDENT_ID}:retry:${ACTOR}:no_write_access`,
          detail: { requestedBy: ACTOR, button: "retry", rule: "no_write_access" },
        },
      ]);
    });
  });

  describe("Retry", () => {
    it("reruns the failed jobs as the person's own action, and says so on the check run", async () => {
      await incident();
      writerWithDefaults();
      const github = rerun();
      const sent = note();
      const settled = await press();
      expect(settled).toEqual({
        status: "processed",
        reason: `@codebytere's Retry: reran the failed jobs of run ${RUN_ID} (attempt 1)`,
      });
      expect(github.isDone()).toBe(true);
      expect(sent.seen[0]).toMatchSnapshot();
      expect(await auditedAction(db, requestedRerunKey(REPOSITORY, RUN_ID, 1))).toMatchObject({
        kind: "rerun",
        status: "done",
        detail: { runId: RUN_ID, attempt: 1, requestedBy: ACTOR },
      });
      // A person's rerun is theirs: the blast radius of automatic actions does not count it.
      expect(await recentAutomatedActions(db, REPOSITORY, new Date(0))).toBe(0);
    });

    it("accepts a maintainer", async () => {
      await incident();
      permission("maintain");
      config();
      rerun();
      note();
      expect((await press()).reason).toContain("reran the failed jobs");
    });

    describe("when it is pressed twice", () => {
      it("reruns once, and adds one note", async () => {
        await incident();
        writerWithDefaults();
        rerun();
        note();
        await press();
        writerWithDefaults();
        const second = await press();
        expect(second.reason).toBe(
          `@codebytere's Retry: already done (https://github.com/${REPOSITORY}/actions/runs/${RUN_ID})`,
        );
        expect((await auditRows()).map((row) => row.idempotencyKey)).toEqual([
          requestedRerunKey(REPOSITORY, RUN_ID, 1),
          `check_run:${REPOSITORY}:${INCIDENT_ID}:note:retry:done`,
        ]);
      });
    });

    describe("when GitHub redelivers the same press", () => {
      it("does nothing the second time", async () => {
        await incident();
        writerWithDefaults();
        rerun();
        note();
        const id = randomUUID();
        await press({}, id);
        const again = await press({}, id);
        expect(again.status).toBe("processed");
      });
    });

    describe("when CodeHealer already reran this attempt on its own", () => {
      it("refuses, and does not rerun it again", async () => {
        await incident();
        await db.insert(actions).values({
          incidentId: INCIDENT_ID,
          repository: REPOSITORY,
          kind: "rerun",
          idempotencyKey: rerunKey(REPOSITORY, RUN_ID, 1),
          status: "done",
          detail: { runId: RUN_ID, attempt: 1 },
        });
        writerWithDefaults();
        const sent = note();
        const settled = await press();
        expect(settled.reason).toMatch(/refused: CodeHealer already reran the failed jobs/);
        expect(sent.seen).toHaveLength(1);
      });
    });

    describe("when the incident is a security finding", () => {
      it("refuses, records why, and explains it on the check run", async () => {
        await incident({ tier: "security", category: "security_scan" });
        writerWithDefaults();
        const sent = note();
        const settled = await press();
        expect(settled.reason).toBe(
          "@codebytere's Retry refused: A security finding is never rerun by CodeHealer: a rerun could turn a real finding green.",
        );
        expect(sent.seen[0]).toMatchSnapshot();
        expect(await auditRows()).toMatchObject([
          { kind: "rerun", status: "skipped", detail: { rule: "security" } },
          { kind: "check_run", status: "done" },
        ]);
      });
    });

    describe("when the failure came from CI outside GitHub Actions", () => {
      it("refuses: CodeHealer can only rerun workflow runs", async () => {
        await incident({ provider: "checks", sourceEvent: "check_suite" });
        writerWithDefaults();
        note();
        const settled = await press();
        expect(settled.reason).toContain(
          "refused: Only GitHub Actions workflow runs can be rerun; this failure came from a check_suite event.",
        );
      });
    });

    describe("when the repository turned reruns off", () => {
      it("refuses with the setting to change", async () => {
        await incident();
        permission("write");
        config("actions:\n  rerun: false\n");
        note();
        const settled = await press();
        expect(settled.reason).toContain(
          "refused: actions.rerun is false for this repository: no rerun.",
        );
      });
    });

    describe("when the kill switch is on", () => {
      it("does nothing at all, not even a note, and records why", async () => {
        await incident();
        permission("write");
        config("enabled: false\n");
        const settled = await press();
        expect(settled.reason).toContain("refused: CodeHealer is turned off for this repository");
        expect(await auditRows()).toMatchObject([
          { kind: "rerun", status: "skipped", detail: { rule: "kill_switch" } },
        ]);
      });
    });

    describe("when the repository is in dry run", () => {
      it("records what it would do, and does nothing", async () => {
        await incident();
        permission("write");
        config("dry_run: true\n");
        const settled = await press();
        expect(settled.reason).toBe(
          `[dry-run] Would rerun the failed jobs of run ${RUN_ID} (attempt 1) in ${REPOSITORY}`,
        );
        expect((await auditRows()).map((row) => [row.kind, row.status])).toEqual([
          ["rerun", "dry-run"],
        ]);
      });
    });

    describe("when the whole app is in dry run (CODEHEALER_DRY_RUN)", () => {
      it("records what it would do, and does nothing", async () => {
        await incident();
        writerWithDefaults();
        const id = await storePress();
        await processDelivery({ ...workerDeps, dryRun: true }, id);
        expect((await getDelivery(db, id))?.statusReason).toBe(
          `[dry-run] Would rerun the failed jobs of run ${RUN_ID} (attempt 1) in ${REPOSITORY}`,
        );
      });
    });

    describe("when GitHub refuses the rerun", () => {
      it("records the failure, explained, and says so on the check run", async () => {
        await incident();
        writerWithDefaults();
        nock(API).post(RERUN_PATH).reply(403, githubFixture("error.forbidden"));
        const sent = note();
        const settled = await press();
        expect(settled.status).toBe("processed");
        expect(settled.reason).toMatch(/^@codebytere's Retry failed: .*GitHub answered 403/);
        expect(settled.reason).toContain('"actions: write" permission');
        expect(await auditedAction(db, requestedRerunKey(REPOSITORY, RUN_ID, 1))).toMatchObject({
          status: "failed",
        });
        expect(sent.seen[0]).toMatchSnapshot();
      });
    });

    describe("when GitHub fails on its side", () => {
      it("throws so the queue retries, and the retry reruns once", async () => {
        await incident();
        writerWithDefaults();
        nock(API).post(RERUN_PATH).reply(502, githubFixture("error.server"));
        const id = await storePress();
        await expect(processDelivery(workerDeps, id)).rejects.toMatchObject({
          name: "ActionError",
          status: 502,
          retryable: true,
        });
        expect((await getDelivery(db, id))?.status).toBe("received");

        writerWithDefaults();
        rerun();
        note();
        await processDelivery(workerDeps, id);
        expect((await getDelivery(db, id))?.statusReason).toContain("reran the failed jobs");
      });

      it("throws when GitHub cannot say whether the person may write", async () => {
        await incident();
        nock(API)
          .get(`${REPO_API}/collaborators/${ACTOR}/permission`)
          .reply(502, githubFixture("error.server"));
        const id = await storePress();
        await expect(processDelivery(workerDeps, id)).rejects.toMatchObject({ retryable: true });
        expect(await auditRows()).toEqual([]);
      });
    });
  });

  describe("Open fix PR", () => {
    it("opens the stored fix as a draft pull request into the failing branch", async () => {
      await incident({ fix: STORED_FIX });
      writerWithDefaults();
      onBranch("ahead");
      const pull = fixPullRequest();
      const sent = note();
      const settled = await press({ identifier: "open_fix_pr" });
      expect(settled).toEqual({
        status: "processed",
        reason:
          "@codebytere's Open fix PR: opened the fix pull request https://github.com/acme/api/pull/64",
      });
      expect(pull.seen[0]).toMatchObject({ head: HEAD, base: BRANCH, draft: true });
      expect(pull.seen[0]).toMatchSnapshot();
      expect(sent.seen[0]).toMatchSnapshot();
    });

    it("opens a validated fix ready for review", async () => {
      const validated = { ...STORED_FIX, proposed: { ...STORED_FIX.proposed, validated: true } };
      await incident({ fix: validated });
      writerWithDefaults();
      onBranch("identical");
      const pull = fixPullRequest();
      note();
      await press({ identifier: "open_fix_pr" });
      expect(pull.seen[0]).toMatchObject({ draft: false });
    });

    describe("when it is pressed twice", () => {
      it("opens one pull request", async () => {
        await incident({ fix: STORED_FIX });
        writerWithDefaults();
        onBranch("ahead");
        fixPullRequest();
        note();
        await press({ identifier: "open_fix_pr" });
        writerWithDefaults();
        onBranch("ahead");
        const second = await press({ identifier: "open_fix_pr" });
        expect(second.reason).toBe(
          "@codebytere's Open fix PR: already done (https://github.com/acme/api/pull/64)",
        );
        expect(await auditedAction(db, fixPrKey(REPOSITORY, HEAD, INCIDENT_ID))).toMatchObject({
          status: "done",
          detail: { pullRequest: 64 },
        });
      });
    });

    describe("when the plan already opened the fix pull request", () => {
      it("opens no second one", async () => {
        await incident({ fix: STORED_FIX });
        await db.insert(actions).values({
          incidentId: INCIDENT_ID,
          repository: REPOSITORY,
          kind: "fix_pr",
          idempotencyKey: fixPrKey(REPOSITORY, HEAD, INCIDENT_ID),
          status: "done",
          targetUrl: "https://github.com/acme/api/pull/63",
          detail: { pullRequest: 63, head: HEAD },
        });
        writerWithDefaults();
        onBranch("ahead");
        const settled = await press({ identifier: "open_fix_pr" });
        expect(settled.reason).toBe(
          "@codebytere's Open fix PR: already done (https://github.com/acme/api/pull/63)",
        );
      });
    });

    describe("when no fix was found", () => {
      it("refuses, and says so", async () => {
        await incident();
        writerWithDefaults();
        const sent = note();
        const settled = await press({ identifier: "open_fix_pr" });
        expect(settled.reason).toBe(
          "@codebytere's Open fix PR refused: CodeHealer found no fix for this failure, so there is nothing to open.",
        );
        expect(sent.seen[0]).toMatchSnapshot();
      });
    });

    describe("when the run has no branch", () => {
      it("refuses", async () => {
        await incident({ fix: STORED_FIX, branch: null });
        writerWithDefaults();
        note();
        expect((await press({ identifier: "open_fix_pr" })).reason).toContain(
          "refused: The failing run has no branch",
        );
      });
    });

    describe("when the fix touches a denied path", () => {
      it("refuses with the path and the pattern that denies it", async () => {
        const workflow = {
          ...STORED_FIX,
          fix: {
            ...STORED_FIX.fix,
            files: [{ path: ".github/workflows/ci.yml", content: "on: push\n" }],
          },
        };
        await incident({ fix: workflow });
        writerWithDefaults();
        note();
        const settled = await press({ identifier: "open_fix_pr" });
        expect(settled.reason).toBe(
          "@codebytere's Open fix PR refused: The fix touches files it must not: `.github/workflows/ci.yml` matches `.github/workflows/**`, which CodeHealer never edits.",
        );
        expect(await auditRows()).toMatchObject([
          { kind: "fix_pr", status: "skipped", detail: { rule: "denied_path" } },
          { kind: "check_run", status: "done" },
        ]);
      });
    });

    describe("when the failing commit is not on the branch here (a fork's pull request)", () => {
      it("refuses to push a branch built on it", async () => {
        await incident({ fix: STORED_FIX });
        writerWithDefaults();
        onBranch("behind");
        note();
        const settled = await press({ identifier: "open_fix_pr" });
        expect(settled.reason).toBe(
          `@codebytere's Open fix PR refused: The failing commit 9fceb02 is not on \`${BRANCH}\` in acme/api (the run came from a fork, or the branch is gone or moved away from it), so CodeHealer will not push a fix branch built on it.`,
        );
      });
    });

    describe("when the incident is a security finding", () => {
      it("refuses, whatever fix is stored", async () => {
        await incident({ fix: STORED_FIX, tier: "security" });
        writerWithDefaults();
        note();
        expect((await press({ identifier: "open_fix_pr" })).reason).toContain(
          "refused: A security finding is never fixed by CodeHealer",
        );
      });
    });

    describe("when the repository turned fix pull requests off", () => {
      it("refuses", async () => {
        await incident({ fix: STORED_FIX });
        permission("write");
        config("actions:\n  fix_pr: false\n");
        note();
        expect((await press({ identifier: "open_fix_pr" })).reason).toContain(
          "refused: actions.fix_pr is false for this repository: no fix pull request.",
        );
      });
    });

    describe("when GitHub refuses the pull request", () => {
      it("records the failure and deletes the half-made branch", async () => {
        await incident({ fix: STORED_FIX });
        writerWithDefaults();
        onBranch("ahead");
        nock(API)
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
          .query(true)
          .reply(200, [])
          .post(`${REPO_API}/pulls`)
          .reply(403, githubFixture("error.forbidden"))
          .delete(`${REPO_API}/git/refs/${encodeURIComponent(`heads/${HEAD}`)}`)
          .reply(204);
        note();
        const settled = await press({ identifier: "open_fix_pr" });
        expect(settled.reason).toMatch(/^@codebytere's Open fix PR failed: .*GitHub answered 403/);
        expect(settled.reason).toContain(`The branch ${HEAD} was deleted`);
      });
    });
  });

  describe("Not helpful", () => {
    it("records the person's feedback once, however often they press it", async () => {
      await incident();
      writerWithDefaults();
      const sent = note();
      const first = await press({ identifier: "not_helpful" });
      writerWithDefaults();
      const second = await press({ identifier: "not_helpful" });
      expect(first.reason).toBe(
        `@codebytere's Not helpful: recorded as feedback on incident ${INCIDENT_ID}`,
      );
      expect(second.reason).toBe("@codebytere's Not helpful: @codebytere already said so");
      expect(await feedbackOn(db, INCIDENT_ID)).toMatchObject([
        { source: "check_run", verdict: "bad", actor: ACTOR, note: null },
      ]);
      expect(sent.seen).toHaveLength(1);
      expect(sent.seen[0]).toMatchSnapshot();
    });

    it("records one word per person when two press it at once", async () => {
      await incident();
      writerWithDefaults();
      writerWithDefaults();
      permission("admin", "nornagon");
      config();
      const sent = note();
      note(sent);
      await Promise.all([
        press({ identifier: "not_helpful" }),
        press({ identifier: "not_helpful" }),
        press({ identifier: "not_helpful", sender: "nornagon" }),
      ]);
      const words = await feedbackOn(db, INCIDENT_ID);
      expect(words.map((word) => word.actor).sort()).toEqual([ACTOR, "nornagon"]);
    });

    it("keeps one word per person even when the store is asked at the same moment", async () => {
      await incident();
      const word = {
        incidentId: INCIDENT_ID,
        source: "check_run",
        actor: ACTOR,
        verdict: "bad",
      } as const;
      const recorded = await Promise.all(Array.from({ length: 5 }, () => recordFeedback(db, word)));
      expect(recorded.filter((r) => r.created)).toHaveLength(1);
      expect(await feedbackOn(db, INCIDENT_ID)).toHaveLength(1);
    });
  });

  describe("through the running app", () => {
    it("takes a signed webhook from GitHub and reruns the failed jobs", async () => {
      await incident();
      installationToken(INSTALLATION);
      writerWithDefaults();
      const github = rerun();
      note();
      const id = randomUUID();
      await deliver(`http://127.0.0.1:${app.port}`, "check_run", pressPayload(), { id });
      const settled = await until(
        async () => {
          const delivery = await getDelivery(db, id);
          return delivery?.status === "received" ? undefined : delivery;
        },
        30_000,
        "the press to be settled",
      );
      expect(settled).toMatchObject({
        status: "processed",
        statusReason: `@codebytere's Retry: reran the failed jobs of run ${RUN_ID} (attempt 1)`,
      });
      expect(github.isDone()).toBe(true);
    });
  });
});
