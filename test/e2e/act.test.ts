import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actions, type Incident } from "../../src/store/schema.ts";
import { until } from "../support/database.ts";
import { type FailedJob, FakeRepository, type Write } from "./fake-github.ts";
import {
  APP_ID,
  fixtureLog,
  type Harness,
  kinds,
  refusedRules,
  sha,
  stable,
  startHarness,
} from "./harness.ts";

const REGISTRY_TIMEOUT = fixtureLog("npm-network-refused");
const TYPE_ERROR = fixtureLog("typescript-type-error");
// Nothing a rule knows: what CodeHealer reports, and never acts on.
const UNKNOWN = [
  "2025-06-04T11:57:01.0000000Z ##[group]Run ./scripts/release-check",
  "2025-06-04T11:57:02.0000000Z release-check: manifest drift in bundle 7f3a (expected 41 entries, saw 39)",
  "2025-06-04T11:57:02.1000000Z ##[error]Process completed with exit code 3.",
].join("\n");

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.stop());

const fail: Harness["fail"] = (repo, options) => h.fail(repo, options);

describe("decide and act, end to end", () => {
  describe("a registry timeout on the default branch", () => {
    const repo = new FakeRepository("registry-org", "api", APP_ID);
    const job = (id: number): FailedJob => ({ id, name: "install", log: REGISTRY_TIMEOUT });
    let first: Incident;

    it("is rerun (failed jobs only) with a neutral check run, and nothing else", async () => {
      first = await fail(repo, { runId: 5001, jobs: [job(71)], deliveryId: randomUUID() });
      expect(first).toMatchObject({ category: "network_transient", tier: "auto" });
      expect(kinds(repo.writes)).toEqual([
        "POST /actions/runs/5001/rerun-failed-jobs",
        "POST /check-runs",
      ]);
      expect(repo.writes[1]?.body).toMatchObject({
        name: "CodeHealer",
        conclusion: "neutral",
        head_sha: sha(5001),
      });
    });

    it("is rerun again when the second attempt fails the same way", async () => {
      await fail(repo, { runId: 5001, attempt: 2, jobs: [job(72)] });
      expect(repo.writesTo("POST", /rerun-failed-jobs$/)).toHaveLength(2);
    });

    it("is not rerun a third time: the budget is spent, and it is reported as an issue", async () => {
      const third = await fail(repo, { runId: 5001, attempt: 3, jobs: [job(73)] });
      expect(repo.writesTo("POST", /rerun-failed-jobs$/)).toHaveLength(2);
      expect(third.tier).toBe("report");
      expect(refusedRules(third)).toContain("rerun_budget");
      expect(repo.writesTo("POST", /\/issues$/)).toHaveLength(1);
      const [issue] = repo.writesTo("POST", /\/issues$/);
      expect(stable(issue as Write)).toMatchSnapshot("registry timeout issue");
    });

    it("changes nothing when GitHub redelivers an event, under its GUID or a new one", async () => {
      const before = repo.writes.length;
      // As it stands now: attempt 2's failure has since recorded the rerun's outcome on it.
      const stored = await h.incidentOf(repo, 5001, 1);
      const payload = h.runPayload(repo, { runId: 5001, jobs: [] });
      const again = await h.deliver("workflow_run", payload, first.deliveryId ?? "");
      expect(again.status).toBe(200);
      await h.deliver("workflow_run", payload, randomUUID());
      // Both deliveries settled: the first as the duplicate it is, the second on the incident.
      await until(
        async () => {
          const rows = await h.app.database.db
            .select()
            .from(actions)
            .where(eq(actions.repository, repo.fullName));
          return rows.length > 0 ? rows : undefined;
        },
        5_000,
        "the audit trail",
      );
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(repo.writes).toHaveLength(before);
      expect(stored?.outcome).toBe("rerun_failed");
      expect((await h.incidentOf(repo, 5001, 1))?.updatedAt).toEqual(stored?.updatedAt);
    });
  });

  describe("a type error on a pull request", () => {
    const repo = new FakeRepository("types-org", "web", APP_ID);
    const annotations = [
      {
        path: "src/routes/invoices.ts",
        start_line: 15,
        annotation_level: "failure",
        message: "Type 'string' is not assignable to type 'number'.",
      },
    ];

    it("gets a check run with annotations and one sticky comment, and no issue", async () => {
      repo.pulls = [{ number: 7, headSha: sha(6001), branch: "feature/invoices" }];
      const incident = await fail(repo, {
        runId: 6001,
        branch: "feature/invoices",
        event: "pull_request",
        pullRequests: [7],
        jobs: [{ id: 81, name: "typecheck", log: TYPE_ERROR, annotations }],
      });
      expect(incident.category).toBe("type_error");
      expect(refusedRules(incident)).toEqual(["deterministic_failure"]);
      expect(kinds(repo.writes)).toEqual(["POST /check-runs", "POST /issues/7/comments"]);
      const [check, comment] = repo.writes as [Write, Write];
      expect(check.body.output).toMatchObject({
        annotations: [expect.objectContaining({ path: "src/routes/invoices.ts", start_line: 15 })],
      });
      expect(stable(check)).toMatchSnapshot("type error check run");
      expect(stable(comment)).toMatchSnapshot("type error sticky comment");
    });

    it("updates that comment in place when the next commit fails, never adding another", async () => {
      repo.pulls = [{ number: 7, headSha: sha(6002), branch: "feature/invoices" }];
      await fail(repo, {
        runId: 6002,
        branch: "feature/invoices",
        event: "pull_request",
        pullRequests: [7],
        jobs: [{ id: 82, name: "typecheck", log: TYPE_ERROR, annotations }],
      });
      expect(repo.writesTo("POST", /\/comments$/)).toHaveLength(1);
      const updates = repo.writesTo("PATCH", /\/issues\/comments\/\d+$/);
      expect(updates).toHaveLength(1);
      expect(repo.comments.get(7)).toHaveLength(1);
      const body = String(updates[0]?.body.body);
      expect(body).toContain("Earlier commits (1)");
      expect(body).toContain(sha(6002).slice(0, 7));
      expect(stable(updates[0] as Write)).toMatchSnapshot("type error sticky comment, updated");
    });
    it("keeps one comment when two workflows fail on the same commit at once", async () => {
      repo.pulls = [{ number: 7, headSha: sha(6003), branch: "feature/invoices" }];
      const run = (runId: number, jobId: number) =>
        fail(repo, {
          runId,
          sha: sha(6003),
          branch: "feature/invoices",
          event: "pull_request",
          pullRequests: [7],
          jobs: [{ id: jobId, name: `typecheck-${runId}`, log: TYPE_ERROR, annotations }],
        });
      await Promise.all([run(6003, 83), run(6004, 84)]);
      expect(repo.writesTo("POST", /\/comments$/)).toHaveLength(1);
      expect(repo.comments.get(7)).toHaveLength(1);
      const board = String(repo.comments.get(7)?.[0]?.body);
      expect(board).toContain("**2 failing jobs**");
      expect(board).toContain("typecheck-6003");
      expect(board).toContain("typecheck-6004");
    });
  });

  describe("an unknown failure on the default branch, twice", () => {
    const repo = new FakeRepository("unknown-org", "batch", APP_ID);

    it("opens one issue, then adds the second occurrence to it", async () => {
      const first = await fail(repo, {
        runId: 7001,
        jobs: [{ id: 91, name: "release", log: UNKNOWN }],
      });
      expect(first).toMatchObject({ category: "unknown", tier: "report" });
      expect(kinds(repo.writes)).toEqual(["POST /check-runs", "POST /issues"]);
      await fail(repo, { runId: 7002, jobs: [{ id: 92, name: "release", log: UNKNOWN }] });
      expect(repo.issues).toHaveLength(1);
      const number = repo.issues[0]?.number;
      expect(kinds(repo.writes)).toEqual([
        "POST /check-runs",
        "POST /issues",
        "POST /check-runs",
        `POST /issues/${number}/comments`,
      ]);
    });
  });

  describe("a transient failure on a fork's pull request", () => {
    const repo = new FakeRepository("fork-org", "lib", APP_ID);

    it("gets a comment and the check run only: no rerun on a stranger's code", async () => {
      repo.pulls = [
        {
          number: 12,
          headSha: sha(8001),
          fork: "stranger/lib",
          branch: "patch-1",
          association: "NONE",
        },
      ];
      const incident = await fail(repo, {
        runId: 8001,
        branch: "patch-1",
        event: "pull_request",
        pullRequests: [],
        headRepository: "stranger/lib",
        jobs: [{ id: 101, name: "install", log: REGISTRY_TIMEOUT }],
      });
      expect(incident.tier).toBe("report");
      expect(refusedRules(incident)).toEqual(["fork"]);
      expect(kinds(repo.writes)).toEqual(["POST /check-runs", "POST /issues/12/comments"]);
    });
  });

  describe("the kill switch", () => {
    const repo = new FakeRepository("stopped-org", "api", APP_ID);

    it("stops everything: not a rerun, not a check run, not a comment", async () => {
      repo.config = "enabled: false\n";
      const incident = await fail(repo, {
        runId: 9001,
        jobs: [{ id: 111, name: "install", log: REGISTRY_TIMEOUT }],
      });
      expect(refusedRules(incident)).toEqual(["kill_switch"]);
      expect(repo.writes).toEqual([]);
    });
  });

  describe("an invalid configuration", () => {
    const repo = new FakeRepository("broken-org", "api", APP_ID);

    it("turns automatic actions off and says what is wrong on the check run", async () => {
      repo.config = "rerun_budget: lots\n";
      const incident = await fail(repo, {
        runId: 9101,
        jobs: [{ id: 121, name: "install", log: REGISTRY_TIMEOUT }],
      });
      expect(refusedRules(incident)).toEqual(["invalid_config"]);
      expect(repo.writesTo("POST", /rerun-failed-jobs$/)).toEqual([]);
      const [check] = repo.writesTo("POST", /\/check-runs$/);
      const summary = String((check?.body.output as { summary?: string } | undefined)?.summary);
      expect(summary).toContain("`rerun_budget`");
      expect(summary).toContain("safe defaults");
    });
  });

  describe("a dry run", () => {
    const repo = new FakeRepository("dry-org", "api", APP_ID);

    it("performs nothing and writes what it would have done to the audit trail", async () => {
      repo.config = "dry_run: true\n";
      const incident = await fail(repo, {
        runId: 9201,
        jobs: [{ id: 131, name: "install", log: REGISTRY_TIMEOUT }],
      });
      expect(repo.writes).toEqual([]);
      const audit = await h.app.database.db
        .select()
        .from(actions)
        .where(eq(actions.incidentId, incident.id));
      expect(audit.map((a) => `${a.kind}:${a.status}`).sort()).toEqual([
        "check_run:dry-run",
        "rerun:dry-run",
      ]);
    });
  });

  it("asked GitHub nothing it did not expect", () => {
    expect(h.unmatched).toEqual([]);
  });
});
