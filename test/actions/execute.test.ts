import { asc, eq } from "drizzle-orm";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkRunKey } from "../../src/actions/check-run.ts";
import { execute } from "../../src/actions/execute.ts";
import type { Notifier } from "../../src/actions/notify.ts";
import { plan as decide } from "../../src/policy/plan.ts";
import type { Plan } from "../../src/policy/steps.ts";
import type { Db } from "../../src/store/database.ts";
import { actions, incidents } from "../../src/store/schema.ts";
import { given } from "../policy/given.ts";
import { migratedDatabase } from "../support/database.ts";
import { closeTheNetwork } from "../support/nock-github.ts";
import {
  API,
  diagnosedIncident,
  expectNoPendingMocks,
  FINGERPRINT,
  githubFixture,
  incidentRow,
  NOW,
  OWNER,
  REPO,
  REPO_API,
  REPOSITORY,
  RUN_ID,
  testDeps,
} from "./support.ts";

let db: Db;
let dispose: () => Promise<void>;
const incident = incidentRow(diagnosedIncident());
beforeAll(async () => {
  closeTheNetwork();
  const opened = await migratedDatabase();
  db = opened.database.db;
  dispose = opened.dispose;
  await db.insert(incidents).values(incident);
});
afterAll(async () => {
  await dispose?.();
  nock.enableNetConnect();
});
beforeEach(() => db.delete(actions));
afterEach(expectNoPendingMocks);

const PR = 42;
const context = { incident, repository: { owner: OWNER, repo: REPO }, pullRequest: { number: PR } };

// What the plan decides for a type error it cannot fix, on a pull request: report.
const REPORT: Plan = {
  tier: "report",
  confidenceTier: "review",
  confidence: 0.92,
  thresholds: { auto: 0.95, review: 0.6, source: "config" },
  steps: [
    { kind: "issue", fingerprint: FINGERPRINT },
    { kind: "check_run", conclusion: "neutral", annotate: true },
    { kind: "comment" },
    { kind: "notify", approval: false },
  ],
  refused: [
    {
      step: "rerun",
      rule: "deterministic_failure",
      reason: "Type check failed: a deterministic failure, which a rerun would only repeat.",
    },
  ],
  reasons: [
    "Diagnosis: Type check failed (type_error, deterministic), from the rules, confidence 0.92.",
  ],
  dryRun: false,
};

const audit = () => db.select().from(actions).orderBy(asc(actions.id));

function reportOnGitHub() {
  nock(API)
    .get("/search/issues")
    .query(true)
    .reply(200, githubFixture("search-issues.empty"))
    .get(`${REPO_API}/issues`)
    .query(true)
    .reply(200, [])
    .post(`${REPO_API}/issues`)
    .reply(201, githubFixture("issue", { number: 57 }))
    .post(`${REPO_API}/check-runs`)
    .reply(201, githubFixture("check-run", { id: 28193829931 }))
    .get(`${REPO_API}/issues/${PR}/comments`)
    .query(true)
    .reply(200, [])
    .post(`${REPO_API}/issues/${PR}/comments`)
    .reply(201, githubFixture("issue-comment"));
}

describe("execute", () => {
  describe("a report plan on a pull request", () => {
    it("files the issue, writes the check run and the comment, and records the notification", async () => {
      reportOnGitHub();
      const outcomes = await execute(testDeps(db), REPORT, context);
      expect(outcomes.map((o) => [o.step.kind, o.status, o.targetUrl])).toEqual([
        ["issue", "done", "https://github.com/acme/api/issues/57"],
        ["check_run", "done", "https://github.com/acme/api/runs/28193829931"],
        ["comment", "done", "https://github.com/acme/api/pull/42#issuecomment-2734190561"],
        ["notify", "skipped", undefined],
      ]);
      const rows = await audit();
      expect(rows.map((r) => [r.kind, r.status])).toEqual([
        ["rerun", "skipped"],
        ["issue", "done"],
        ["check_run", "done"],
        ["comment", "done"],
        ["notify", "skipped"],
      ]);
      expect(rows[0]?.detail).toMatchObject({ rule: "deterministic_failure" });
    });

    it("sends the notification through the notifier when there is one", async () => {
      reportOnGitHub();
      const sent: unknown[] = [];
      const notifier: Notifier = {
        send: async (n) => {
          sent.push(n);
          return { targetUrl: "https://acme.slack.com/archives/C1/p1" };
        },
      };
      const outcomes = await execute(testDeps(db, { notifier }), REPORT, context);
      expect(outcomes.at(-1)).toMatchObject({
        status: "done",
        targetUrl: "https://acme.slack.com/archives/C1/p1",
      });
      expect(sent).toEqual([
        expect.objectContaining({ repository: REPOSITORY, approve: [], incidentId: incident.id }),
      ]);
    });
  });

  describe("when one effect fails", () => {
    it("still carries out the others, and records each outcome", async () => {
      nock(API)
        .get("/search/issues")
        .query(true)
        .reply(200, githubFixture("search-issues.empty"))
        .get(`${REPO_API}/issues`)
        .query(true)
        .reply(502, githubFixture("error.server"))
        .post(`${REPO_API}/check-runs`)
        .reply(201, githubFixture("check-run", { id: 28193829931 }))
        .get(`${REPO_API}/issues/${PR}/comments`)
        .query(true)
        .reply(404, githubFixture("error.not-found"));
      const outcomes = await execute(testDeps(db), REPORT, context);
      expect(outcomes.map((o) => [o.step.kind, o.status, o.retryable])).toEqual([
        ["issue", "failed", true],
        ["check_run", "done", undefined],
        ["comment", "failed", false],
        ["notify", "skipped", undefined],
      ]);
      const failed = await db.select().from(actions).where(eq(actions.status, "failed"));
      expect(failed.map((r) => r.kind).sort()).toEqual(["comment", "issue"]);
    });
  });

  describe("when the job is retried", () => {
    it("does nothing on GitHub a second time", async () => {
      reportOnGitHub();
      await execute(testDeps(db), REPORT, context);
      const again = await execute(testDeps(db), REPORT, context);
      expect(again.filter((o) => o.status === "done").every((o) => o.replayed)).toBe(true);
      expect(await audit()).toHaveLength(5);
    });

    it("retries, rather than skips, a step another attempt left planned and may still perform", async () => {
      // A worker that died mid-request: its check run step is still `planned`, inside the lease.
      await db.insert(actions).values({
        idempotencyKey: checkRunKey(REPOSITORY, incident.id ?? ""),
        incidentId: incident.id,
        repository: REPOSITORY,
        kind: "check_run",
        status: "planned",
        at: NOW,
      });
      const plan: Plan = {
        ...REPORT,
        steps: [{ kind: "check_run", conclusion: "neutral", annotate: false }],
        refused: [],
      };
      const [outcome] = await execute(testDeps(db), plan, context);
      expect(outcome).toMatchObject({ status: "failed", retryable: true });
      expect(outcome?.error).toContain("another attempt has been performing");
    });
  });

  describe("in a dry run", () => {
    it("makes no GitHub call and records every step as dry-run", async () => {
      const withRerun: Plan = {
        ...REPORT,
        steps: [{ kind: "rerun", failedJobsOnly: true }, ...REPORT.steps],
      };
      const outcomes = await execute(testDeps(db), withRerun, context, { dryRun: true });
      expect(outcomes.map((o) => o.status)).toEqual(Array(5).fill("dry-run"));
      expect(outcomes.every((o) => o.message?.startsWith("[dry-run] Would "))).toBe(true);
      const rows = await audit();
      expect(rows.filter((r) => r.status === "dry-run")).toHaveLength(5);
    });

    it("follows the plan's own dry_run", async () => {
      const outcomes = await execute(testDeps(db), { ...REPORT, dryRun: true }, context);
      expect(outcomes.every((o) => o.status === "dry-run")).toBe(true);
    });
  });

  describe("steps with nothing to act on", () => {
    it("skips a comment without a pull request and a fix pull request without a fix", async () => {
      const odd: Plan = {
        ...REPORT,
        steps: [
          { kind: "comment" },
          { kind: "fix_pr", draft: true, base: "main", head: "codehealer/fix-x" },
        ],
        refused: [],
      };
      const outcomes = await execute(testDeps(db), odd, { ...context, pullRequest: null });
      expect(outcomes.map((o) => [o.status, o.message])).toEqual([
        ["skipped", "The failing run belongs to no pull request."],
        ["skipped", "The plan has a fix pull request but no fix was given."],
      ]);
    });
  });

  describe("what plan() decides for a registry timeout", () => {
    it("reruns the failed jobs and writes the check run", async () => {
      const transient = incidentRow(
        diagnosedIncident({
          id: "7f3e2d1c-0b9a-4887-a665-544332211000",
          runId: RUN_ID + 1,
          category: "network_transient",
          transient: true,
          confidence: 0.9,
        }),
      );
      await db.insert(incidents).values(transient);
      const decided = decide(given({ state: { repository: REPOSITORY } }));
      expect(decided.steps.map((s) => s.kind)).toEqual(["rerun", "check_run"]);
      nock(API)
        .post(`${REPO_API}/actions/runs/${RUN_ID + 1}/rerun-failed-jobs`)
        .reply(201, {})
        .post(`${REPO_API}/check-runs`)
        .reply(201, githubFixture("check-run", { id: 28193829931 }));
      const outcomes = await execute(testDeps(db), decided, {
        incident: transient,
        repository: { owner: OWNER, repo: REPO },
      });
      expect(outcomes.map((o) => o.status)).toEqual(["done", "done"]);
    });
  });
});
