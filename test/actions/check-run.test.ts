import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkRunKey, upsertCheckRun } from "../../src/actions/check-run.ts";
import {
  buildCheckRun,
  CHECK_RUN_BUTTONS,
  type CheckRunButton,
} from "../../src/actions/check-run-output.ts";
import { viewIncident } from "../../src/actions/incident-view.ts";
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
  githubFixture,
  HEAD_SHA,
  incidentRow,
  NOW,
  OWNER,
  REPO,
  REPO_API,
  REPOSITORY,
  storeIncident,
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
beforeEach(async () => {
  await db.delete(actions);
  await db.delete(incidents);
});
afterEach(expectNoPendingMocks);

const BUTTONS: CheckRunButton[] = ["retry", "open_fix_pr", "not_helpful"];
const REASONS = [
  "Diagnosis: Type check failed (type_error, deterministic), from the rules, confidence 0.92.",
  "Confidence 0.92 is below the auto threshold 0.95 but reaches review 0.60: a person approves before anything changes.",
];
const CHECK_RUN_ID = 28193829931;
const checkRun = (overrides: Record<string, unknown> = {}) =>
  githubFixture("check-run", { id: CHECK_RUN_ID, ...overrides });

// A job whose annotations point at many lines: more than GitHub takes in one request.
function manyAnnotations(n: number) {
  const incident = diagnosedIncident();
  const evidence = incident.evidence as { jobs: { annotations: unknown[] }[] };
  const job = evidence.jobs[0]!;
  job.annotations = Array.from({ length: n }, (_, i) => ({
    path: `/home/runner/work/api/api/src/file-${i}.ts`,
    line: i + 1,
    message: `error TS2304: Cannot find name 'x${i}'.`,
  }));
  return { ...incident, evidence };
}

describe("upsertCheckRun", () => {
  it("creates the CodeHealer check run with the diagnosis, annotations and buttons", async () => {
    const incident = await storeIncident(db, diagnosedIncident());
    const sent = bodies();
    nock(API)
      .post(`${REPO_API}/check-runs`, sent.take)
      .reply(201, checkRun({ external_id: incident.id }));
    const outcome = await upsertCheckRun(
      testDeps(db),
      { owner: OWNER, repo: REPO, incidentId: incident.id },
      {
        view: viewIncident(incident),
        conclusion: "neutral",
        annotate: true,
        reasons: REASONS,
        buttons: BUTTONS,
      },
      { dryRun: false },
    );
    expect(outcome).toMatchObject({
      status: "done",
      targetUrl: `https://github.com/${REPOSITORY}/runs/${CHECK_RUN_ID}`,
    });
    expect(sent.seen).toHaveLength(1);
    expect(sent.seen[0]).toMatchSnapshot();
    expect(await auditedAction(db, checkRunKey(REPOSITORY, incident.id))).toMatchObject({
      status: "done",
      detail: { checkRunId: CHECK_RUN_ID, headSha: HEAD_SHA, annotations: 1, updated: false },
    });
  });

  it("sends annotations 50 to a request, the rest in updates", async () => {
    const incident = await storeIncident(db, manyAnnotations(120));
    const created = bodies();
    const updated = bodies();
    nock(API)
      .post(`${REPO_API}/check-runs`, created.take)
      .reply(201, checkRun())
      .patch(`${REPO_API}/check-runs/${CHECK_RUN_ID}`, updated.take)
      .times(2)
      .reply(200, checkRun());
    const view = viewIncident(incident);
    await upsertCheckRun(
      testDeps(db),
      { owner: OWNER, repo: REPO, incidentId: incident.id },
      { view, conclusion: "neutral", annotate: true, reasons: [], buttons: [] },
      { dryRun: false },
    );
    const sizes = [...created.seen, ...updated.seen].map(
      (body) => (body.output as { annotations: unknown[] }).annotations.length,
    );
    expect(sizes).toEqual([50, 50, 20]);
    const output = created.seen[0]?.output as { annotations: { path: string }[] } | undefined;
    const first = output?.annotations[0];
    // Workspace paths become repository paths, or GitHub cannot place them.
    expect(first?.path).toBe("src/file-0.ts");
    expect(updated.seen[0]?.output).toMatchObject({
      title: expect.any(String),
      summary: expect.any(String),
    });
  });

  describe("when an earlier attempt was interrupted after creating the check run", () => {
    it("finds it by the incident and sends only the annotations it lacks", async () => {
      const incident = await storeIncident(db, manyAnnotations(120));
      const deps = testDeps(db);
      const target = { owner: OWNER, repo: REPO, incidentId: incident.id };
      const input = {
        view: viewIncident(incident),
        conclusion: "neutral" as const,
        annotate: true,
        reasons: [],
        buttons: [],
      };
      // The first attempt created the run, then GitHub failed on the second batch.
      nock(API)
        .post(`${REPO_API}/check-runs`)
        .reply(201, checkRun())
        .patch(`${REPO_API}/check-runs/${CHECK_RUN_ID}`)
        .reply(502, githubFixture("error.server"));
      expect((await upsertCheckRun(deps, target, input, { dryRun: false })).status).toBe("failed");

      const listed = githubFixture<{ check_runs: Record<string, unknown>[] }>("check-runs.for-ref");
      listed.check_runs[0]!.external_id = incident.id;
      const sent = bodies();
      nock(API)
        .get(`${REPO_API}/commits/${HEAD_SHA}/check-runs`)
        .query({ check_name: "CodeHealer", filter: "all", per_page: 100 })
        .reply(200, listed)
        .patch(`${REPO_API}/check-runs/${CHECK_RUN_ID}`, sent.take)
        .times(2)
        .reply(200, checkRun());
      const outcome = await upsertCheckRun(deps, target, input, { dryRun: false });
      expect(outcome).toMatchObject({ status: "done", detail: { updated: true, annotations: 70 } });
      const sizes = sent.seen.map(
        (b) => (b.output as { annotations: unknown[] }).annotations.length,
      );
      expect(sizes).toEqual([50, 20]);
      // The update carries the whole check run again, except the commit it is on.
      expect(sent.seen[0]).toMatchObject({ name: "CodeHealer", conclusion: "neutral" });
      expect(sent.seen[0]).not.toHaveProperty("head_sha");
    });
  });

  describe("when the same job runs it twice", () => {
    it("makes one GitHub call", async () => {
      const incident = await storeIncident(db, diagnosedIncident());
      const target = { owner: OWNER, repo: REPO, incidentId: incident.id };
      const input = {
        view: viewIncident(incident),
        conclusion: "neutral" as const,
        annotate: false,
        reasons: [],
        buttons: [],
      };
      nock(API).post(`${REPO_API}/check-runs`).once().reply(201, checkRun());
      await upsertCheckRun(testDeps(db), target, input, { dryRun: false });
      const again = await upsertCheckRun(testDeps(db), target, input, { dryRun: false });
      expect(again).toMatchObject({ status: "done", replayed: true });
    });
  });

  it("updates the check run the caller names instead of creating one", async () => {
    const incident = await storeIncident(db, diagnosedIncident());
    nock(API)
      .get(`${REPO_API}/check-runs/${CHECK_RUN_ID}`)
      .reply(200, checkRun({ output: { title: "t", summary: "s", annotations_count: 1 } }))
      .patch(`${REPO_API}/check-runs/${CHECK_RUN_ID}`, (body) => {
        // The one annotation is already there: it is not appended a second time.
        return (body.output as { annotations: unknown[] }).annotations.length === 0;
      })
      .reply(200, checkRun());
    const outcome = await upsertCheckRun(
      testDeps(db),
      { owner: OWNER, repo: REPO, incidentId: incident.id },
      {
        view: viewIncident(incident),
        conclusion: "neutral",
        annotate: true,
        reasons: [],
        buttons: ["not_helpful"],
        checkRunId: CHECK_RUN_ID,
        key: `check_run:${REPOSITORY}:${incident.id}:feedback`,
      },
      { dryRun: false },
    );
    expect(outcome.status).toBe("done");
  });

  it("records a 403 as a failure that names the checks permission", async () => {
    const incident = await storeIncident(db, diagnosedIncident());
    nock(API).post(`${REPO_API}/check-runs`).reply(403, githubFixture("error.forbidden"));
    const outcome = await upsertCheckRun(
      testDeps(db),
      { owner: OWNER, repo: REPO, incidentId: incident.id },
      {
        view: viewIncident(incident),
        conclusion: "neutral",
        annotate: true,
        reasons: [],
        buttons: [],
      },
      { dryRun: false },
    );
    expect(outcome.status === "failed" && outcome.error).toContain('"checks: write"');
  });

  it("in a dry run calls nothing and records what it would have done", async () => {
    const incident = await storeIncident(db, diagnosedIncident());
    const outcome = await upsertCheckRun(
      testDeps(db),
      { owner: OWNER, repo: REPO, incidentId: incident.id },
      {
        view: viewIncident(incident),
        conclusion: "neutral",
        annotate: true,
        reasons: [],
        buttons: [],
      },
      { dryRun: true },
    );
    expect(outcome).toMatchObject({
      status: "dry-run",
      message: `[dry-run] Would create the CodeHealer check run (neutral) on 9fceb02 in ${REPOSITORY} with 1 annotations`,
    });
  });
});

describe("buildCheckRun", () => {
  it("keeps the buttons within GitHub's limits", () => {
    for (const button of Object.values(CHECK_RUN_BUTTONS)) {
      expect(button.identifier.length).toBeLessThanOrEqual(20);
      expect(button.label.length).toBeLessThanOrEqual(20);
      expect(button.description.length).toBeLessThanOrEqual(40);
    }
    expect(Object.keys(CHECK_RUN_BUTTONS).length).toBeLessThanOrEqual(3);
  });

  it("keeps the output within 65,535 characters, code block closed", () => {
    const huge = diagnosedIncident({ excerpt: "x".repeat(100_000) });
    const { body } = buildCheckRun(
      viewIncident(incidentRow(huge)),
      { conclusion: "neutral", annotate: false, reasons: ["r".repeat(70_000)], buttons: [] },
      NOW,
    );
    expect(body.output.summary.length).toBeLessThanOrEqual(65_535);
    expect(body.output.text.length).toBeLessThanOrEqual(65_535);
    expect(body.output.text).toMatch(/```\n\n… \d+ more characters not shown\.$/);
  });

  it("redacts secrets and neutralises mentions from the log", () => {
    const incident = diagnosedIncident({
      summary: "npm error 401 for @octocat with token=ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    });
    const { body } = buildCheckRun(
      viewIncident(incidentRow(incident)),
      { conclusion: "neutral", annotate: false, reasons: [], buttons: [] },
      NOW,
    );
    expect(body.output.summary).not.toContain("ghp_abcdef");
    expect(body.output.summary).not.toContain("@octocat");
  });
});
