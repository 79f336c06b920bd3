import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { viewIncident } from "../../src/actions/incident-view.ts";
import {
  buildStickyComment,
  STICKY_MARKER,
  upsertStickyComment,
} from "../../src/actions/sticky-comment.ts";
import type { Db } from "../../src/store/database.ts";
import { actions, incidents } from "../../src/store/schema.ts";
import { migratedDatabase } from "../support/database.ts";
import { closeTheNetwork } from "../support/nock-github.ts";
import {
  API,
  bodies,
  diagnosedIncident,
  expectNoPendingMocks,
  githubFixture,
  HEAD_SHA,
  incidentRow,
  OWNER,
  REPO,
  REPO_API,
  testDeps,
} from "./support.ts";

let db: Db;
let dispose: () => Promise<void>;
beforeAll(async () => {
  closeTheNetwork();
  const opened = await migratedDatabase();
  db = opened.database.db;
  dispose = opened.dispose;
  // The audit trail refers to its incidents.
  await db.insert(incidents).values([first, second]);
});
afterAll(async () => {
  await dispose?.();
  nock.enableNetConnect();
});
beforeEach(() => db.delete(actions));
afterEach(expectNoPendingMocks);

const PR = 42;
const OUR_COMMENT = 2734190561;
const first = incidentRow(diagnosedIncident());
const second = incidentRow(
  diagnosedIncident({
    id: "5d0c1c1e-8a43-4bb5-9d0e-1f3f6b0e2a11",
    runId: 15432108999,
    htmlUrl: "https://github.com/acme/api/actions/runs/15432108999",
    workflowName: "Tests",
    jobName: "vitest (node 24)",
    category: "test_failure",
    tier: "report",
    confidence: 0.71,
    errorLine: "FAIL  test/invoices.test.ts > totals > adds VAT",
    summary: 'Tests failed in step "npm test": FAIL  test/invoices.test.ts > totals > adds VAT',
    createdAt: new Date("2025-06-04T11:59:30Z"),
  }),
);
const comments = (list: unknown[]) =>
  nock(API).get(`${REPO_API}/issues/${PR}/comments`).query({ per_page: 100 }).reply(200, list);
const people = () => githubFixture<Record<string, unknown>[]>("issue-comments").slice(0, 2);
const target = (incidentId: string) => ({ owner: OWNER, repo: REPO, incidentId });

describe("upsertStickyComment", () => {
  describe("when the pull request has no CodeHealer comment yet", () => {
    it("creates one, ignoring a person's comment that quotes the marker", async () => {
      const body = buildStickyComment([viewIncident(first)], { headSha: HEAD_SHA });
      const sent = bodies();
      comments(people());
      nock(API)
        .post(`${REPO_API}/issues/${PR}/comments`, sent.take)
        .reply(201, githubFixture("issue-comment", { body }));
      const outcome = await upsertStickyComment(
        testDeps(db),
        target(first.id),
        { pullRequest: PR, body, incidentId: first.id, appId: 123 },
        { dryRun: false },
      );
      expect(outcome).toMatchObject({
        status: "done",
        detail: { pullRequest: PR, commentId: OUR_COMMENT, change: "created" },
      });
      expect(sent.seen[0]?.body).toMatchSnapshot();
    });
  });

  describe("when a second failure arrives on the pull request", () => {
    it("updates the same comment in place: never a second one", async () => {
      const body = buildStickyComment([viewIncident(first), viewIncident(second)], {
        headSha: HEAD_SHA,
      });
      const sent = bodies();
      comments(githubFixture("issue-comments"));
      nock(API)
        .patch(`${REPO_API}/issues/comments/${OUR_COMMENT}`, sent.take)
        .reply(200, githubFixture("issue-comment", { body }));
      const outcome = await upsertStickyComment(
        testDeps(db),
        target(second.id),
        { pullRequest: PR, body, incidentId: second.id, appId: 123 },
        { dryRun: false },
      );
      expect(outcome).toMatchObject({ status: "done", detail: { change: "updated" } });
      expect(sent.seen[0]?.body).toMatchSnapshot();
    });

    it("finds the comment on a later page of a long conversation", async () => {
      const body = buildStickyComment([viewIncident(second)], { headSha: HEAD_SHA });
      const [ours] = githubFixture<Record<string, unknown>[]>("issue-comments").slice(2);
      const page2 = `${API}${REPO_API}/issues/${PR}/comments?per_page=100&page=2`;
      nock(API)
        .get(`${REPO_API}/issues/${PR}/comments`)
        .query({ per_page: 100 })
        .reply(200, people(), { link: `<${page2}>; rel="next", <${page2}>; rel="last"` })
        .get(`${REPO_API}/issues/${PR}/comments`)
        .query({ per_page: 100, page: 2 })
        .reply(200, [ours])
        .patch(`${REPO_API}/issues/comments/${OUR_COMMENT}`)
        .reply(200, githubFixture("issue-comment", { body }));
      const outcome = await upsertStickyComment(
        testDeps(db),
        target(second.id),
        { pullRequest: PR, body, incidentId: second.id, appId: 123 },
        { dryRun: false },
      );
      expect(outcome).toMatchObject({ status: "done", detail: { change: "updated" } });
    });
  });

  it("leaves the comment alone when it already says the same", async () => {
    const body = buildStickyComment([viewIncident(first)], { headSha: HEAD_SHA });
    const list = githubFixture<Record<string, unknown>[]>("issue-comments");
    list[2] = { ...list[2], body };
    comments(list);
    const outcome = await upsertStickyComment(
      testDeps(db),
      target(first.id),
      { pullRequest: PR, body, incidentId: first.id, appId: 123 },
      { dryRun: false },
    );
    expect(outcome).toMatchObject({ status: "done", detail: { change: "unchanged" } });
  });

  it("never edits a marked comment written by another App", async () => {
    const body = buildStickyComment([viewIncident(first)], { headSha: HEAD_SHA });
    const list = githubFixture<Record<string, unknown>[]>("issue-comments");
    list[2] = { ...list[2], performed_via_github_app: { id: 999, slug: "impostor" } };
    comments(list);
    nock(API)
      .post(`${REPO_API}/issues/${PR}/comments`)
      .reply(201, githubFixture("issue-comment", { body }));
    const outcome = await upsertStickyComment(
      testDeps(db),
      target(first.id),
      { pullRequest: PR, body, incidentId: first.id, appId: 123 },
      { dryRun: false },
    );
    expect(outcome).toMatchObject({ detail: { change: "created" } });
  });

  it("in a dry run calls nothing and records the body it would post", async () => {
    const body = buildStickyComment([viewIncident(first)], { headSha: HEAD_SHA });
    const outcome = await upsertStickyComment(
      testDeps(db),
      target(first.id),
      { pullRequest: PR, body, incidentId: first.id },
      { dryRun: true },
    );
    expect(outcome).toMatchObject({
      status: "dry-run",
      message: "[dry-run] Would create or update the CodeHealer comment on acme/api#42",
      detail: { body },
    });
  });
});

describe("buildStickyComment", () => {
  it("shows a fixed failure as fixed, and folds away those of earlier commits", () => {
    const resolved = incidentRow({ ...diagnosedIncident(), status: "resolved" });
    const older = incidentRow(
      diagnosedIncident({
        id: "9b1f3f5e-2d7c-4a0b-8e6f-3c2d1b0a9f87",
        headSha: "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        runId: 1,
      }),
    );
    const body = buildStickyComment([viewIncident(resolved), viewIncident(older)], {
      headSha: HEAD_SHA,
    });
    expect(body.startsWith(STICKY_MARKER)).toBe(true);
    expect(body).toContain("✅ No failing CI on `9fceb02`, the latest commit.");
    expect(body).toContain("<details><summary>Earlier commits (1)</summary>");
    expect(body).toContain("`1111111`");
  });

  it("shows a rerun that failed again once, as its latest attempt", () => {
    const retried = incidentRow(
      diagnosedIncident({ id: "c3a4b5d6-e7f8-4a9b-8c0d-1e2f3a4b5c6d", runAttempt: 2 }),
    );
    const body = buildStickyComment([viewIncident(first), viewIncident(retried)], {
      headSha: HEAD_SHA,
    });
    expect(body).toContain("**1 failing job**");
    expect(body).toContain("(attempt 2)");
  });

  it("keeps a pipe in the error line from breaking the table", () => {
    const piped = incidentRow(diagnosedIncident({ errorLine: "expected a || b to be true" }));
    const body = buildStickyComment([viewIncident(piped)], { headSha: HEAD_SHA });
    expect(body).toContain("`expected a \\|\\| b to be true`");
  });
});
