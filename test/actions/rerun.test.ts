import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rerunFailedJobs, rerunKey } from "../../src/actions/rerun.ts";
import { auditedAction } from "../../src/store/audit.ts";
import type { Db } from "../../src/store/database.ts";
import { actions } from "../../src/store/schema.ts";
import { migratedDatabase } from "../support/database.ts";
import { closeTheNetwork } from "../support/nock-github.ts";
import {
  API,
  expectNoPendingMocks,
  githubFixture,
  OWNER,
  REPO,
  REPO_API,
  REPOSITORY,
  RUN_ID,
  testDeps,
} from "./support.ts";

let db: Db;
let dispose: () => Promise<void>;
beforeAll(async () => {
  closeTheNetwork();
  const opened = await migratedDatabase();
  db = opened.database.db;
  dispose = opened.dispose;
});
afterAll(async () => {
  await dispose?.();
  nock.enableNetConnect();
});
beforeEach(() => db.delete(actions));
afterEach(expectNoPendingMocks);

const target = { owner: OWNER, repo: REPO, incidentId: null };
const run = {
  runId: RUN_ID,
  attempt: 1,
  htmlUrl: `https://github.com/${REPOSITORY}/actions/runs/${RUN_ID}`,
};
const key = rerunKey(REPOSITORY, RUN_ID, 1);
const rerunPath = `${REPO_API}/actions/runs/${RUN_ID}/rerun-failed-jobs`;

describe("rerunFailedJobs", () => {
  it("asks GitHub to rerun only the failed jobs, and records it done", async () => {
    nock(API).post(rerunPath).reply(201, {});
    const outcome = await rerunFailedJobs(testDeps(db), target, run, { dryRun: false });
    expect(outcome).toMatchObject({ status: "done", targetUrl: run.htmlUrl });
    expect(await auditedAction(db, key)).toMatchObject({
      kind: "rerun",
      status: "done",
      detail: { runId: RUN_ID, attempt: 1 },
    });
  });

  describe("when the job is retried after the rerun was made", () => {
    it("makes one GitHub call in all", async () => {
      const github = nock(API).post(rerunPath).once().reply(201, {});
      await rerunFailedJobs(testDeps(db), target, run, { dryRun: false });
      const again = await rerunFailedJobs(testDeps(db), target, run, { dryRun: false });
      expect(github.isDone()).toBe(true);
      expect(again).toMatchObject({ status: "done", replayed: true });
    });
  });

  describe("when GitHub refuses", () => {
    it("records a secondary rate limit as failed, worth retrying later", async () => {
      nock(API)
        .post(rerunPath)
        .reply(403, githubFixture("error.secondary-rate-limit"), { "retry-after": "60" });
      const outcome = await rerunFailedJobs(testDeps(db), target, run, { dryRun: false });
      expect(outcome.status).toBe("failed");
      const row = await auditedAction(db, key);
      expect(row?.status).toBe("failed");
      expect(row?.error).toMatch(/secondary rate limit.*try again after 60 s/);
      expect(outcome.status === "failed" && outcome.cause).toMatchObject({
        status: 403,
        retryable: true,
      });
    });

    it("names the missing permission on a 403", async () => {
      nock(API).post(rerunPath).reply(403, githubFixture("error.forbidden"));
      await rerunFailedJobs(testDeps(db), target, run, { dryRun: false });
      expect((await auditedAction(db, key))?.error).toBe(
        `Rerunning the failed jobs of run ${RUN_ID} (attempt 1) in ${REPOSITORY} failed: GitHub answered 403 to POST ${rerunPath} (Resource not accessible by integration). The App may lack the "actions: write" permission (app.yml), the installation may not have accepted it, or a branch rule forbids this.`,
      );
    });

    it("says the run is gone on a 404", async () => {
      nock(API).post(rerunPath).reply(404, githubFixture("error.not-found"));
      const outcome = await rerunFailedJobs(testDeps(db), target, run, { dryRun: false });
      expect(outcome.status === "failed" && outcome.error).toMatch(/answered 404 .* It is gone/);
    });

    it("calls a 5xx retryable, and a later attempt performs it", async () => {
      nock(API).post(rerunPath).reply(502, githubFixture("error.server"));
      const failed = await rerunFailedJobs(testDeps(db), target, run, { dryRun: false });
      expect(failed.status === "failed" && failed.cause).toMatchObject({
        status: 502,
        retryable: true,
      });
      nock(API).post(rerunPath).reply(201, {});
      const retried = await rerunFailedJobs(testDeps(db), target, run, { dryRun: false });
      expect(retried).toMatchObject({ status: "done", replayed: false });
    });
  });

  describe("in a dry run", () => {
    it("calls nothing and records what it would have done", async () => {
      const outcome = await rerunFailedJobs(testDeps(db), target, run, { dryRun: true });
      expect(outcome).toMatchObject({
        status: "dry-run",
        message: `[dry-run] Would rerun the failed jobs of run ${RUN_ID} (attempt 1) in ${REPOSITORY}`,
      });
      expect((await auditedAction(db, key))?.status).toBe("dry-run");
    });
  });
});
