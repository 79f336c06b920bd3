import { randomUUID } from "node:crypto";
import type { EmitterWebhookEvent, EmitterWebhookEventName } from "@octokit/webhooks";
import { eq } from "drizzle-orm";
import nock from "nock";
import pino from "pino";
import { Context } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fixPrKey } from "../../src/actions/fix-pr.ts";
import type { StoredFix } from "../../src/fixes/types.ts";
import { onCheckSuiteCompleted } from "../../src/handlers/check-completed.ts";
import { onPullRequestClosed } from "../../src/handlers/fix-branch-run.ts";
import type { Handler, PipelineDeps, Verdict } from "../../src/handlers/types.ts";
import { onWorkflowRunCompleted } from "../../src/handlers/workflow-run-completed.ts";
import type { Plan, Tier } from "../../src/policy/steps.ts";
import type { Db } from "../../src/store/database.ts";
import { actions, incidents } from "../../src/store/schema.ts";
import {
  API,
  bodies,
  diagnosedIncident,
  expectNoPendingMocks,
  FINGERPRINT,
  githubFixture,
  storeIncident,
  testOctokit,
} from "../actions/support.ts";
import { migratedDatabase } from "../support/database.ts";
import { webhookFixture } from "../support/github.ts";
import { closeTheNetwork } from "../support/nock-github.ts";

// fixtures/webhooks/workflow_run.completed.fix-branch*.json run in octo-org/octo-repo;
// pull_request.closed.fix-merged.json (pull request #2) and the check suite live in
// Codertocat/Hello-World.
const RUNS = "octo-org/octo-repo";
const PULLS = "Codertocat/Hello-World";
const INCIDENT = "0b7e6a52-3f1c-4d7e-9a51-6c2f8e1d4b90";
const HEAD = "codehealer/fix-415775e25088";
const FIX_SHA = "7a8a4e19e0e9a2d0bd1b4f4f3b2a2b4c1d7c2e11";
const PERSON_SHA = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c";
const PR = 64;
const CLOSED_PR = 2;
const NODE_ID = "PR_kwDOKZ0CVM6Z1Q3R";
const RUN_URL = "https://github.com/octo-org/octo-repo/actions/runs/289782451";
const FILE = ".github%2Fcodehealer.yml";

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
afterEach(expectNoPendingMocks);

const log = pino({ level: "silent" });
const deps = (): PipelineDeps => ({ db, queue: { enqueue: async () => {} }, log, appId: 123 });

function receive<E extends EmitterWebhookEventName>(
  handler: Handler<E>,
  name: string,
  payload: Record<string, unknown>,
): Promise<Verdict> {
  const event = { id: randomUUID(), name, payload } as unknown as EmitterWebhookEvent<E>;
  return handler(new Context<E>(event, testOctokit(), log), deps());
}

const plan = (confidenceTier: Tier): Plan => ({
  tier: "review",
  confidenceTier,
  confidence: confidenceTier === "auto" ? 0.92 : 0.72,
  thresholds: { auto: 0.85, review: 0.6, source: "config" },
  steps: [{ kind: "fix_pr", draft: true, base: "feature/invoice-amounts", head: HEAD }],
  refused: [],
  reasons: [],
  dryRun: false,
});
const storedFix: StoredFix = {
  fix: {
    files: [{ path: "src/routes/invoices.ts", content: "export const total = 1;\n" }],
    message: "fix: annotate the invoice amount as a number",
    title: "fix: annotate the invoice amount as a number",
    body: "`amount` arrives as a string.",
  },
  proposed: { kind: "patch", files: ["src/routes/invoices.ts"], validated: false, source: "llm" },
};

/** A diagnosed incident whose fix CodeHealer opened as draft pull request `pr` from HEAD. */
async function seed(repository: string, tier: Tier = "auto", pr = PR) {
  await db.delete(actions);
  await db.delete(incidents);
  await storeIncident(
    db,
    diagnosedIncident({ repository, status: "acted", plan: plan(tier), fix: storedFix }),
  );
  await db.insert(actions).values({
    incidentId: INCIDENT,
    repository,
    kind: "fix_pr",
    idempotencyKey: fixPrKey(repository, HEAD, INCIDENT),
    status: "done",
    targetUrl: `https://github.com/${repository}/pull/${pr}`,
    detail: {
      pullRequest: pr,
      head: HEAD,
      base: "feature/invoice-amounts",
      draft: true,
      commitSha: FIX_SHA,
      branch: "created",
      change: "created",
    },
  });
}

const incident = async () => {
  const [row] = await db.select().from(incidents).where(eq(incidents.id, INCIDENT));
  return {
    status: row?.status,
    outcome: row?.outcome,
    validated: (row?.fix as StoredFix | null)?.proposed.validated,
  };
};
const audit = async () =>
  (await db.select().from(actions).orderBy(actions.id))
    .filter((row) => row.kind !== "fix_pr")
    .map((row) => ({ key: row.idempotencyKey, status: row.status }));

type Run = Record<string, unknown> & { workflow_run: Record<string, unknown> };
const failedRun = (overrides: Record<string, unknown> = {}): Run => {
  const payload = webhookFixture("workflow_run.completed.fix-branch") as Run;
  Object.assign(payload.workflow_run, overrides);
  return payload;
};
const passedRun = (overrides: Record<string, unknown> = {}): Run => {
  const payload = webhookFixture("workflow_run.completed.fix-branch.success") as Run;
  Object.assign(payload.workflow_run, overrides);
  return payload;
};
const onRun = (payload: Run) => receive(onWorkflowRunCompleted, "workflow_run", payload);

const raw = { "content-type": "text/plain; charset=utf-8" };
/** `.github/codehealer.yml` as Probot reads it: the repository's, else its owner's `.github`. */
function settings(repository: string, yaml: string | null = null) {
  const [owner] = repository.split("/");
  const scope = nock(API).get(`/repos/${repository}/contents/${FILE}`);
  if (yaml !== null) return void scope.reply(200, yaml, raw);
  scope.reply(404, githubFixture("error.not-found"));
  nock(API)
    .get(`/repos/${owner}/.github/contents/${FILE}`)
    .reply(404, githubFixture("error.not-found"));
}
const pullRequest = (draft: boolean, headSha = FIX_SHA) =>
  nock(API)
    .get(`/repos/${RUNS}/pulls/${PR}`)
    .reply(
      200,
      githubFixture("pull-request", {
        draft,
        head: { ref: HEAD, sha: headSha, repo: { full_name: RUNS } },
      }),
    );

type Suite = {
  name: string;
  status: string;
  conclusion: string | null;
  runs?: number;
  id?: number;
};
/** `GET …/commits/{sha}/check-suites`, trimmed to the fields GitHub always sends that matter here. */
const checkSuites = (suites: Suite[]) =>
  nock(API)
    .get(`/repos/${RUNS}/commits/${FIX_SHA}/check-suites`)
    .query({ per_page: 100 })
    .reply(200, {
      total_count: suites.length,
      check_suites: suites.map((suite, i) => ({
        id: 26834571200 + i,
        head_branch: HEAD,
        head_sha: FIX_SHA,
        status: suite.status,
        conclusion: suite.conclusion,
        latest_check_runs_count: suite.runs ?? 2,
        app: { id: suite.id ?? 15368, slug: suite.name.toLowerCase(), name: suite.name },
      })),
    });
// CodeHealer's own suite, made by GitHub on push and never reported on: it must not hold a fix back.
const OWN_SUITE: Suite = {
  name: "CodeHealer",
  status: "queued",
  conclusion: null,
  runs: 0,
  id: 123,
};

function graphql(answer: Record<string, unknown> = {}, status = 200) {
  const sent = bodies();
  nock(API).post("/graphql", sent.take).reply(status, answer);
  return sent;
}
function comment(on = RUNS, issue = PR) {
  const sent = bodies();
  nock(API)
    .post(`/repos/${on}/issues/${issue}/comments`, sent.take)
    .reply(201, githubFixture("issue-comment"));
  return sent;
}

describe("workflow_run.completed on a fix branch", () => {
  describe("when the fix's CI fails", () => {
    it("turns the ready pull request back into a draft and comments once, linking the run", async () => {
      await seed(RUNS);
      settings(RUNS);
      pullRequest(false);
      const mutation = graphql({
        data: { convertPullRequestToDraft: { pullRequest: { isDraft: true } } },
      });
      const said = comment();

      const verdict = await onRun(failedRun());

      expect(verdict.status).toBe("processed");
      expect(mutation.seen).toHaveLength(1);
      expect(mutation.seen[0]).toMatchObject({ variables: { id: NODE_ID } });
      expect(mutation.seen[0]).toMatchSnapshot();
      expect(said.seen).toHaveLength(1);
      expect(said.seen[0]?.body).toContain(RUN_URL);
      expect(said.seen[0]?.body).toMatchSnapshot();
      expect(await incident()).toEqual({
        status: "acted",
        outcome: "fix_failed",
        validated: false,
      });
      expect(await audit()).toEqual([
        { key: `fix_validation:${RUNS}:${FIX_SHA}:failed`, status: "done" },
        { key: `fix_draft:${RUNS}#${PR}:${FIX_SHA}`, status: "done" },
        { key: `fix_ci_comment:${RUNS}#${PR}:${FIX_SHA}:failed`, status: "done" },
      ]);
    });

    it("changes nothing when the event is delivered again, or another workflow fails too", async () => {
      await seed(RUNS);
      settings(RUNS);
      pullRequest(true);
      comment();
      await onRun(failedRun());
      const before = await audit();

      const again = await onRun(failedRun());
      const another = await onRun(
        failedRun({ id: 289782999, name: "Lint", conclusion: "timed_out" }),
      );

      expect(again).toEqual({ status: "ignored", reason: expect.stringContaining("already") });
      expect(another.status).toBe("ignored");
      expect(await audit()).toEqual(before);
    });

    it("says the pull request stays a draft when it already is one", async () => {
      await seed(RUNS);
      settings(RUNS);
      pullRequest(true);
      const said = comment();
      await onRun(failedRun());
      expect(said.seen[0]?.body).toContain("stays a draft");
      expect(await incident()).toMatchObject({ outcome: "fix_failed", validated: false });
    });

    it("is never promoted, even when a rerun of the failed workflow passes", async () => {
      await seed(RUNS);
      settings(RUNS);
      pullRequest(true);
      comment();
      await onRun(failedRun());

      const verdict = await onRun(passedRun({ run_attempt: 2 }));

      expect(verdict).toEqual({
        status: "ignored",
        reason: expect.stringContaining("never promoted"),
      });
      expect(await incident()).toMatchObject({ outcome: "fix_failed", validated: false });
    });

    it("records a GraphQL error as the step's failed outcome, and the comment says so", async () => {
      await seed(RUNS);
      settings(RUNS);
      pullRequest(false);
      graphql({
        data: { convertPullRequestToDraft: null },
        errors: [
          {
            type: "FORBIDDEN",
            path: ["convertPullRequestToDraft"],
            message: "Resource not accessible by integration",
          },
        ],
      });
      const said = comment();

      const verdict = await onRun(failedRun());

      expect(verdict.reason).toContain(
        "draft failed (Trying to turn back into a draft the fix pull request #64 in octo-org/octo-repo failed: GitHub's GraphQL API answered FORBIDDEN: Resource not accessible by integration.)",
      );
      expect(said.seen[0]?.body).toMatchSnapshot();
      const [draft] = await db
        .select()
        .from(actions)
        .where(eq(actions.idempotencyKey, `fix_draft:${RUNS}#${PR}:${FIX_SHA}`));
      expect(draft).toMatchObject({
        status: "failed",
        error: expect.stringContaining("FORBIDDEN"),
      });
    });

    it("records the verdict but leaves the pull request alone when CodeHealer is turned off", async () => {
      await seed(RUNS);
      settings(RUNS, "enabled: false\n");
      const verdict = await onRun(failedRun());
      expect(verdict.reason).toContain("`enabled: false`");
      expect(await incident()).toMatchObject({ outcome: "fix_failed", validated: false });
      expect(await audit()).toEqual([
        { key: `fix_validation:${RUNS}:${FIX_SHA}:failed`, status: "done" },
        { key: `fix_ci_left_alone:${RUNS}#${PR}:${FIX_SHA}:failed`, status: "skipped" },
      ]);
    });

    it("throws when GitHub fails on its side, so that the queue retries", async () => {
      await seed(RUNS);
      settings(RUNS);
      pullRequest(false);
      graphql(githubFixture("error.server"), 502);
      await expect(onRun(failedRun())).rejects.toThrow(/GitHub failed on its side/);
      expect(await incident()).toMatchObject({ outcome: "fix_failed" });
    });
  });

  describe("when the fix's CI passes", () => {
    it("waits while another check suite on the commit is still running", async () => {
      await seed(RUNS);
      checkSuites([
        { name: "GitHub Actions", status: "completed", conclusion: "success" },
        { name: "Buildkite", status: "in_progress", conclusion: null },
        OWN_SUITE,
      ]);
      const verdict = await onRun(passedRun());
      expect(verdict).toEqual({ status: "ignored", reason: `waiting for Buildkite on 7a8a4e1` });
      expect(await incident()).toMatchObject({ outcome: null, validated: false });
      expect(await audit()).toEqual([]);
    });

    it("marks the draft ready for review when the diagnosis reached the auto tier", async () => {
      await seed(RUNS, "auto");
      checkSuites([
        { name: "GitHub Actions", status: "completed", conclusion: "success" },
        { name: "Buildkite", status: "completed", conclusion: "neutral" },
        OWN_SUITE,
      ]);
      settings(RUNS);
      pullRequest(true);
      const mutation = graphql({
        data: { markPullRequestReadyForReview: { pullRequest: { isDraft: false } } },
      });

      const verdict = await onRun(passedRun());

      expect(verdict.status).toBe("processed");
      expect(mutation.seen[0]).toMatchObject({ variables: { id: NODE_ID } });
      expect(mutation.seen[0]).toMatchSnapshot();
      expect(await incident()).toEqual({
        status: "acted",
        outcome: "fix_validated",
        validated: true,
      });
      expect(await audit()).toEqual([
        { key: `fix_validation:${RUNS}:${FIX_SHA}:passed`, status: "done" },
        { key: `fix_ready:${RUNS}#${PR}:${FIX_SHA}`, status: "done" },
      ]);
    });

    it("leaves a review-tier fix a draft and says once that it waits for a person", async () => {
      await seed(RUNS, "review");
      checkSuites([{ name: "GitHub Actions", status: "completed", conclusion: "success" }]);
      settings(RUNS);
      pullRequest(true);
      const said = comment();

      await onRun(passedRun());
      const again = await onRun(passedRun());

      expect(said.seen).toHaveLength(1);
      expect(said.seen[0]?.body).toMatchSnapshot();
      expect(again.status).toBe("ignored");
      expect(await incident()).toMatchObject({ outcome: "fix_validated", validated: true });
    });

    it("leaves it a draft when the repository requires approval for fix pull requests", async () => {
      await seed(RUNS, "auto");
      checkSuites([{ name: "GitHub Actions", status: "completed", conclusion: "success" }]);
      settings(RUNS, "require_approval_for: [fix_pr]\n");
      pullRequest(true);
      const said = comment();
      await onRun(passedRun());
      expect(said.seen[0]?.body).toContain("`require_approval_for: [fix_pr]`");
    });

    it("only logs what it would do in a dry run", async () => {
      await seed(RUNS, "auto");
      checkSuites([{ name: "GitHub Actions", status: "completed", conclusion: "success" }]);
      settings(RUNS, "dry_run: true\n");
      pullRequest(true);
      await onRun(passedRun());
      expect(await audit()).toEqual([
        { key: `fix_validation:${RUNS}:${FIX_SHA}:passed`, status: "done" },
        { key: `fix_ready:${RUNS}#${PR}:${FIX_SHA}`, status: "dry-run" },
      ]);
    });

    it("leaves the pull request alone when someone pushed to it since", async () => {
      await seed(RUNS, "auto");
      checkSuites([{ name: "GitHub Actions", status: "completed", conclusion: "success" }]);
      settings(RUNS);
      pullRequest(true, PERSON_SHA);
      const verdict = await onRun(passedRun());
      expect(verdict.reason).toContain("has moved on to 0b1c2d3");
      expect(await incident()).toMatchObject({ outcome: "fix_validated", validated: true });
    });
  });

  describe("when the run is on a commit a person pushed to the branch", () => {
    it("records it and neither validates nor fails the fix", async () => {
      await seed(RUNS);
      const verdict = await onRun(failedRun({ head_sha: PERSON_SHA }));
      expect(verdict).toEqual({
        status: "ignored",
        reason: expect.stringContaining("not the commit CodeHealer proposed"),
      });
      expect(await incident()).toMatchObject({ outcome: null, validated: false });
      expect(await audit()).toEqual([
        { key: `fix_validation:${RUNS}:${PERSON_SHA}:foreign`, status: "skipped" },
      ]);
    });
  });

  describe("when the run was cancelled", () => {
    it("records nothing and concludes nothing", async () => {
      await seed(RUNS);
      checkSuites([{ name: "GitHub Actions", status: "completed", conclusion: "cancelled" }]);
      const verdict = await onRun(failedRun({ conclusion: "cancelled" }));
      expect(verdict.reason).toContain("neither passed nor failed");
      expect(await audit()).toEqual([]);
    });
  });
});

describe("check_suite.completed on a fix branch", () => {
  it("fails the fix when other CI fails on its commit", async () => {
    await seed(PULLS, "auto", CLOSED_PR);
    const payload = webhookFixture("check_suite.completed") as {
      check_suite: Record<string, unknown>;
    };
    Object.assign(payload.check_suite, { head_branch: HEAD, head_sha: FIX_SHA });
    settings(PULLS);
    nock(API)
      .get(`/repos/${PULLS}/pulls/${CLOSED_PR}`)
      .reply(200, githubFixture("pull-request", { draft: true, head: { sha: FIX_SHA } }));
    const said = comment(PULLS, CLOSED_PR);

    const verdict = await receive(onCheckSuiteCompleted, "check_suite", payload);

    expect(verdict.status).toBe("processed");
    expect(said.seen[0]?.body).toContain("Travis CI ended in `failure`");
    expect(await db.select().from(incidents)).toHaveLength(1);
  });
});

describe("pull_request.closed", () => {
  type Closed = Record<string, unknown> & { pull_request: Record<string, unknown> };
  const closed = (overrides: Record<string, unknown> = {}): Closed => {
    const payload = webhookFixture("pull_request.closed.fix-merged") as Closed;
    Object.assign(payload.pull_request, overrides);
    return payload;
  };
  const onClosed = (payload: Closed) => receive(onPullRequestClosed, "pull_request", payload);

  describe("when CodeHealer's fix is merged", () => {
    it("closes the failure's issue and resolves the incident", async () => {
      await seed(PULLS, "auto", CLOSED_PR);
      settings(PULLS);
      const issue = githubFixture<{ items: Record<string, unknown>[] }>("search-issues");
      const found = { ...issue.items[0], body: `<!-- codehealer:fingerprint:${FINGERPRINT} -->` };
      const said = bodies();
      const patched = bodies();
      nock(API)
        .get("/search/issues")
        .query(true)
        .reply(200, { ...issue, items: [found] })
        .post(`/repos/${PULLS}/issues/51/comments`, said.take)
        .reply(201, githubFixture("issue-comment"))
        .patch(`/repos/${PULLS}/issues/51`, patched.take)
        .reply(200, githubFixture("issue", { state: "closed" }));

      const verdict = await onClosed(closed());

      expect(verdict.status).toBe("processed");
      expect(said.seen[0]?.body).toMatchSnapshot();
      expect(patched.seen).toEqual([{ state: "closed", state_reason: "completed" }]);
      expect(await incident()).toMatchObject({ status: "resolved", outcome: "fix_merged" });
    });

    it("changes nothing when the event is delivered again", async () => {
      await seed(PULLS, "auto", CLOSED_PR);
      settings(PULLS);
      nock(API).get("/search/issues").query(true).reply(200, githubFixture("search-issues.empty"));
      nock(API).get(`/repos/${PULLS}/issues`).query(true).reply(200, []);
      await onClosed(closed());
      const before = await audit();
      settings(PULLS);

      const again = await onClosed(closed());

      expect(again.status).toBe("ignored");
      expect(await audit()).toEqual(before);
    });
  });

  describe("when it is closed unmerged", () => {
    it("records the fix as rejected and leaves the issue open", async () => {
      await seed(PULLS, "auto", CLOSED_PR);
      const verdict = await onClosed(closed({ merged: false, merged_at: null, merged_by: null }));
      expect(verdict.status).toBe("processed");
      expect(await incident()).toMatchObject({ status: "acted", outcome: "fix_rejected" });
    });
  });

  describe("when a fork names its branch codehealer/…", () => {
    it("ignores it", async () => {
      await seed(PULLS, "auto", CLOSED_PR);
      const payload = closed();
      const head = payload.pull_request.head as { repo: Record<string, unknown> };
      head.repo = { ...head.repo, full_name: "mallory/Hello-World", fork: true };
      const verdict = await onClosed(payload);
      expect(verdict).toEqual({ status: "ignored", reason: expect.stringContaining("fork") });
      expect(await incident()).toMatchObject({ outcome: null });
    });
  });

  describe("when its marker names an incident whose fix is another pull request", () => {
    it("ignores it", async () => {
      await seed(PULLS, "auto", CLOSED_PR);
      const verdict = await onClosed(closed({ number: 3 }));
      expect(verdict).toEqual({
        status: "ignored",
        reason: expect.stringContaining("did not open #3"),
      });
    });
  });
});
