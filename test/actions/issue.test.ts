import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { viewIncident } from "../../src/actions/incident-view.ts";
import { closeIssueForFingerprint, issueKey, reportIssue } from "../../src/actions/issue.ts";
import { fingerprintMarker, occurrenceMarker } from "../../src/actions/issue-body.ts";
import { auditedAction } from "../../src/store/audit.ts";
import type { Db } from "../../src/store/database.ts";
import { actions, incidents } from "../../src/store/schema.ts";
import { migratedDatabase } from "../support/database.ts";
import { closeTheNetwork } from "../support/nock-github.ts";
import {
  API,
  bodies,
  diagnosedIncident,
  expectNoPendingMocks,
  FINGERPRINT,
  githubFixture,
  incidentRow,
  OWNER,
  REPO,
  REPO_API,
  REPOSITORY,
  testDeps,
} from "./support.ts";

let db: Db;
let dispose: () => Promise<void>;
const first = incidentRow(diagnosedIncident());
const again = incidentRow(
  diagnosedIncident({
    id: "5d0c1c1e-8a43-4bb5-9d0e-1f3f6b0e2a11",
    runId: 15432109999,
    headSha: "2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f",
    branch: "main",
    htmlUrl: "https://github.com/acme/api/actions/runs/15432109999",
    createdAt: new Date("2025-06-05T08:30:00Z"),
  }),
);
beforeAll(async () => {
  closeTheNetwork();
  const opened = await migratedDatabase();
  db = opened.database.db;
  dispose = opened.dispose;
  await db.insert(incidents).values([first, again]);
});
afterAll(async () => {
  await dispose?.();
  nock.enableNetConnect();
});
beforeEach(() => db.delete(actions));
afterEach(expectNoPendingMocks);

const SEARCH_QUERY = `repo:${REPOSITORY} is:issue in:body "codehealer:fingerprint:${FINGERPRINT}"`;
const ISSUE = 51;
const target = (incidentId: string) => ({ owner: OWNER, repo: REPO, incidentId });
const search = (items: Record<string, unknown>[]) =>
  nock(API)
    .get("/search/issues")
    .query({ q: SEARCH_QUERY, per_page: 20 })
    .reply(200, { total_count: items.length, incomplete_results: false, items });
const labelled = (items: unknown[]) =>
  nock(API)
    .get(`${REPO_API}/issues`)
    .query({ labels: "codehealer", state: "all", per_page: 100 })
    .reply(200, items);
// The issue as search finds it: CodeHealer's, with the fingerprint's marker.
const found = (overrides: Record<string, unknown> = {}) => ({
  ...githubFixture<{ items: Record<string, unknown>[] }>("search-issues").items[0],
  body: `${fingerprintMarker(FINGERPRINT)}\n${occurrenceMarker(first.id)}\n**Type check failed** …`,
  ...overrides,
});

describe("reportIssue", () => {
  describe("when the fingerprint has no issue yet", () => {
    it("opens one, labelled, with the diagnosis and the evidence", async () => {
      const sent = bodies();
      search([]);
      labelled([]);
      nock(API)
        .post(`${REPO_API}/issues`, sent.take)
        .reply(201, githubFixture("issue", { number: 57 }));
      const outcome = await reportIssue(
        testDeps(db),
        target(first.id),
        { fingerprint: FINGERPRINT, view: viewIncident(first) },
        { dryRun: false },
      );
      expect(outcome).toMatchObject({
        status: "done",
        targetUrl: "https://github.com/acme/api/issues/57",
        detail: { issueNumber: 57, change: "created" },
      });
      expect(sent.seen[0]).toMatchSnapshot();
    });
  });

  describe("when the fingerprint repeats", () => {
    it("adds the occurrence to the one open issue as a comment", async () => {
      const sent = bodies();
      search([found()]);
      nock(API)
        .post(`${REPO_API}/issues/${ISSUE}/comments`, sent.take)
        .reply(201, githubFixture("issue-comment"));
      const outcome = await reportIssue(
        testDeps(db),
        target(again.id),
        { fingerprint: FINGERPRINT, view: viewIncident(again) },
        { dryRun: false },
      );
      expect(outcome).toMatchObject({
        status: "done",
        detail: { issueNumber: ISSUE, change: "occurrence" },
      });
      expect(sent.seen[0]?.body).toMatchSnapshot();
    });

    it("finds an issue opened moments ago through its label when search has not indexed it", async () => {
      search([]);
      labelled([
        githubFixture("issue", { number: 12, body: "no marker here" }),
        { ...found(), number: 57 },
      ]);
      nock(API).post(`${REPO_API}/issues/57/comments`).reply(201, githubFixture("issue-comment"));
      const outcome = await reportIssue(
        testDeps(db),
        target(again.id),
        { fingerprint: FINGERPRINT, view: viewIncident(again) },
        { dryRun: false },
      );
      expect(outcome).toMatchObject({ detail: { issueNumber: 57, change: "occurrence" } });
    });

    it("falls back to the label when the search API refuses", async () => {
      nock(API)
        .get("/search/issues")
        .query(true)
        .reply(403, githubFixture("error.secondary-rate-limit"));
      labelled([{ ...found(), number: 57 }]);
      nock(API).post(`${REPO_API}/issues/57/comments`).reply(201, githubFixture("issue-comment"));
      const outcome = await reportIssue(
        testDeps(db),
        target(again.id),
        { fingerprint: FINGERPRINT, view: viewIncident(again) },
        { dryRun: false },
      );
      expect(outcome.status).toBe("done");
    });

    it("reopens the issue a fix had closed", async () => {
      search([found({ state: "closed", state_reason: "completed" })]);
      nock(API)
        .patch(`${REPO_API}/issues/${ISSUE}`, { state: "open" })
        .reply(200, githubFixture("issue", { number: ISSUE }))
        .post(`${REPO_API}/issues/${ISSUE}/comments`)
        .reply(201, githubFixture("issue-comment"));
      const outcome = await reportIssue(
        testDeps(db),
        target(again.id),
        { fingerprint: FINGERPRINT, view: viewIncident(again) },
        { dryRun: false },
      );
      expect(outcome).toMatchObject({ detail: { change: "reopened" } });
    });

    it("leaves closed an issue a person closed as not planned", async () => {
      search([found({ state: "closed", state_reason: "not_planned" })]);
      nock(API)
        .post(`${REPO_API}/issues/${ISSUE}/comments`)
        .reply(201, githubFixture("issue-comment"));
      const outcome = await reportIssue(
        testDeps(db),
        target(again.id),
        { fingerprint: FINGERPRINT, view: viewIncident(again) },
        { dryRun: false },
      );
      expect(outcome).toMatchObject({ detail: { change: "occurrence" } });
    });

    it("ignores an issue a person wrote with the marker in it", async () => {
      const [human] = githubFixture<{ user: unknown }[]>("issue-comments");
      search([found({ user: human?.user, number: 9 })]);
      labelled([]);
      nock(API)
        .post(`${REPO_API}/issues`)
        .reply(201, githubFixture("issue", { number: 57 }));
      const outcome = await reportIssue(
        testDeps(db),
        target(first.id),
        { fingerprint: FINGERPRINT, view: viewIncident(first) },
        { dryRun: false },
      );
      expect(outcome).toMatchObject({ detail: { issueNumber: 57, change: "created" } });
    });
  });

  describe("when the job is retried after the occurrence was posted", () => {
    it("sees the occurrence already there and posts nothing", async () => {
      // The first attempt commented, then GitHub failed the response on the way back.
      search([found()]);
      nock(API)
        .post(`${REPO_API}/issues/${ISSUE}/comments`)
        .reply(502, githubFixture("error.server"));
      const deps = testDeps(db);
      const input = { fingerprint: FINGERPRINT, view: viewIncident(again) };
      expect((await reportIssue(deps, target(again.id), input, { dryRun: false })).status).toBe(
        "failed",
      );
      search([found()]);
      nock(API)
        .get(`${REPO_API}/issues/${ISSUE}/comments`)
        .query({ per_page: 100 })
        .reply(200, [githubFixture("issue-comment", { body: occurrenceMarker(again.id) })]);
      const outcome = await reportIssue(deps, target(again.id), input, { dryRun: false });
      expect(outcome).toMatchObject({ status: "done", detail: { change: "unchanged" } });
      expect(await auditedAction(db, issueKey(REPOSITORY, FINGERPRINT, again.id))).toMatchObject({
        status: "done",
      });
    });
  });

  it("in a dry run calls nothing and records the issue it would open", async () => {
    const outcome = await reportIssue(
      testDeps(db),
      target(first.id),
      { fingerprint: FINGERPRINT, view: viewIncident(first) },
      { dryRun: true },
    );
    expect(outcome.status === "dry-run" && outcome.message).toMatch(
      /^\[dry-run\] Would open the issue for fingerprint 415775e25088b1349148e4d261e97cf4 in acme\/api/,
    );
  });
});

describe("closeIssueForFingerprint", () => {
  it("says why and closes the open issue as completed", async () => {
    search([found()]);
    nock(API)
      .post(`${REPO_API}/issues/${ISSUE}/comments`, { body: "Fixed by #64." })
      .reply(201, githubFixture("issue-comment"))
      .patch(`${REPO_API}/issues/${ISSUE}`, { state: "closed", state_reason: "completed" })
      .reply(200, githubFixture("issue", { number: ISSUE, state: "closed" }));
    const outcome = await closeIssueForFingerprint(
      testDeps(db),
      target(first.id),
      { fingerprint: FINGERPRINT, reason: "Fixed by #64.", cause: "pull/64" },
      { dryRun: false },
    );
    expect(outcome).toMatchObject({ status: "done", detail: { change: "closed" } });
  });

  it("does nothing when the issue is already closed", async () => {
    search([found({ state: "closed", state_reason: "completed" })]);
    const outcome = await closeIssueForFingerprint(
      testDeps(db),
      target(first.id),
      { fingerprint: FINGERPRINT, reason: "Fixed by #64.", cause: "pull/64" },
      { dryRun: false },
    );
    expect(outcome).toMatchObject({ status: "done", detail: { change: "none-open" } });
  });
});
