import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type AuditEntry,
  auditedAction,
  incidentsOnPullRequest,
  once,
  PLANNED_LEASE_MS,
  recentAutomatedActions,
  recordDryRun,
  recordSkipped,
  rerunsOfRun,
} from "../../src/store/audit.ts";
import type { Db } from "../../src/store/database.ts";
import { actions, incidents } from "../../src/store/schema.ts";
import { migratedDatabase } from "../support/database.ts";
import { diagnosedIncident, NOW, REPOSITORY, storeIncident } from "./support.ts";

let db: Db;
let dispose: () => Promise<void>;
beforeAll(async () => {
  const opened = await migratedDatabase();
  db = opened.database.db;
  dispose = opened.dispose;
});
afterAll(() => dispose?.());
beforeEach(async () => {
  await db.delete(actions);
  await db.delete(incidents);
});

const entry = (key: string, kind: AuditEntry["kind"] = "rerun"): AuditEntry => ({
  key,
  incidentId: null,
  repository: REPOSITORY,
  kind,
});
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);

describe("once", () => {
  it("performs the action and records it done with its target and detail", async () => {
    const perform = vi.fn(async () => ({
      targetUrl: "https://github.com/x",
      detail: { runId: 1 },
    }));
    const outcome = await once(db, entry("k1"), perform, { now: NOW });
    expect(outcome).toEqual({
      status: "done",
      targetUrl: "https://github.com/x",
      detail: { runId: 1 },
      replayed: false,
    });
    expect(perform).toHaveBeenCalledWith({ retry: false });
    expect(await auditedAction(db, "k1")).toMatchObject({
      status: "done",
      kind: "rerun",
      repository: REPOSITORY,
      targetUrl: "https://github.com/x",
      detail: { runId: 1 },
      error: null,
    });
  });

  describe("when the key is already done (a retried job)", () => {
    it("returns the stored outcome without performing again", async () => {
      await once(db, entry("k2"), async () => ({ targetUrl: "https://github.com/y" }), {
        now: NOW,
      });
      const perform = vi.fn(async () => ({}));
      const outcome = await once(db, entry("k2"), perform, { now: minutes(1) });
      expect(perform).not.toHaveBeenCalled();
      expect(outcome).toMatchObject({
        status: "done",
        targetUrl: "https://github.com/y",
        replayed: true,
      });
    });
  });

  describe("when the action fails", () => {
    it("records the error, redacted, and returns it", async () => {
      const outcome = await once(
        db,
        entry("k3"),
        async () => {
          throw new Error("GitHub said no to token=ghp_abcdefghijklmnopqrstuvwxyz0123456789");
        },
        { now: NOW },
      );
      expect(outcome.status).toBe("failed");
      const row = await auditedAction(db, "k3");
      expect(row?.status).toBe("failed");
      expect(row?.error).toContain("[REDACTED");
      expect(row?.error).not.toContain("ghp_abcdef");
    });

    it("rethrows after recording when the caller asks", async () => {
      const boom = new Error("boom");
      await expect(
        once(db, entry("k4"), () => Promise.reject(boom), { now: NOW, onFailure: "throw" }),
      ).rejects.toBe(boom);
      expect((await auditedAction(db, "k4"))?.status).toBe("failed");
    });

    it("tries again on the next attempt, telling the effect it is a retry", async () => {
      await once(db, entry("k5"), () => Promise.reject(new Error("502")), { now: NOW });
      const perform = vi.fn(async () => ({ targetUrl: "https://github.com/z" }));
      const outcome = await once(db, entry("k5"), perform, { now: minutes(1) });
      expect(perform).toHaveBeenCalledWith({ retry: true });
      expect(outcome.status).toBe("done");
      expect((await auditedAction(db, "k5"))?.error).toBeNull();
    });
  });

  describe("when another attempt holds the key", () => {
    const hold = () =>
      db.insert(actions).values({
        idempotencyKey: "k6",
        kind: "rerun",
        repository: REPOSITORY,
        status: "planned",
        at: NOW,
      });

    it("leaves it alone while the lease runs", async () => {
      await hold();
      const perform = vi.fn(async () => ({}));
      const outcome = await once(db, entry("k6"), perform, { now: minutes(1) });
      expect(perform).not.toHaveBeenCalled();
      expect(outcome).toMatchObject({ status: "skipped" });
    });

    it("takes it over once the lease has run out (the worker died)", async () => {
      await hold();
      const perform = vi.fn(async () => ({}));
      const later = new Date(NOW.getTime() + PLANNED_LEASE_MS + 1000);
      const outcome = await once(db, entry("k6"), perform, { now: later });
      expect(perform).toHaveBeenCalledWith({ retry: true });
      expect(outcome.status).toBe("done");
    });
  });
});

describe("recordDryRun", () => {
  it("records what would have been done", async () => {
    const outcome = await recordDryRun(db, entry("d1"), "[dry-run] Would rerun", { runId: 1 }, NOW);
    expect(outcome).toMatchObject({ status: "dry-run", message: "[dry-run] Would rerun" });
    expect(await auditedAction(db, "d1")).toMatchObject({
      status: "dry-run",
      detail: { message: "[dry-run] Would rerun", runId: 1 },
    });
  });

  it("leaves an action that was really done as done", async () => {
    await once(db, entry("d2"), async () => ({ targetUrl: "https://github.com/d" }), { now: NOW });
    const outcome = await recordDryRun(db, entry("d2"), "[dry-run] Would rerun", {}, NOW);
    expect(outcome).toMatchObject({ status: "done", replayed: true });
    expect((await auditedAction(db, "d2"))?.status).toBe("done");
  });

  it("is performed for real once dry-run is turned off", async () => {
    await recordDryRun(db, entry("d3"), "[dry-run] Would rerun", {}, NOW);
    const outcome = await once(db, entry("d3"), async () => ({}), { now: minutes(1) });
    expect(outcome.status).toBe("done");
  });
});

describe("recordSkipped", () => {
  it("records a decision not to act, once", async () => {
    await recordSkipped(db, entry("s1", "fix_pr"), "denied path", { rule: "denied_path" }, NOW);
    await recordSkipped(db, entry("s1", "fix_pr"), "denied path", { rule: "denied_path" }, NOW);
    const rows = await db.select().from(actions).where(eq(actions.idempotencyKey, "s1"));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "skipped", detail: { reason: "denied path" } });
  });
});

describe("the guardrails' counts", () => {
  it("counts automatic actions done in the repository since a moment", async () => {
    const done = (key: string, kind: AuditEntry["kind"], at: Date, repository = REPOSITORY) =>
      once(db, { ...entry(key, kind), repository }, async () => ({}), { now: at });
    await done("a1", "rerun", minutes(-90));
    await done("a2", "rerun", minutes(-30));
    await done("a3", "fix_pr", minutes(-10));
    await done("a4", "issue", minutes(-5));
    await done("a5", "rerun", minutes(-5), "acme/other");
    await once(db, entry("a6"), () => Promise.reject(new Error("403")), { now: minutes(-1) });
    await once(db, entry("a7"), async () => ({ detail: { runId: 1, requestedBy: "octocat" } }), {
      now: minutes(-1),
    });
    expect(await recentAutomatedActions(db, REPOSITORY, minutes(-60))).toBe(2);
  });

  it("counts the reruns of one workflow run across its attempts", async () => {
    const rerun = (key: string, runId: number) =>
      once(db, entry(key), async () => ({ detail: { runId, attempt: 1 } }), { now: NOW });
    await rerun("r1", 77);
    await rerun("r2", 77);
    await rerun("r3", 78);
    expect(await rerunsOfRun(db, REPOSITORY, 77)).toBe(2);
    expect(await rerunsOfRun(db, REPOSITORY, 79)).toBe(0);
  });
});

describe("incidentsOnPullRequest", () => {
  it("lists the incidents whose comment was posted on the pull request, oldest first", async () => {
    const first = await storeIncident(db, diagnosedIncident());
    const second = await storeIncident(
      db,
      diagnosedIncident({
        id: "5d0c1c1e-8a43-4bb5-9d0e-1f3f6b0e2a11",
        runId: 2,
        createdAt: new Date("2025-06-04T11:59:00Z"),
      }),
    );
    const elsewhere = await storeIncident(
      db,
      diagnosedIncident({ id: "9b1f3f5e-2d7c-4a0b-8e6f-3c2d1b0a9f87", runId: 3 }),
    );
    const commented = (incidentId: string, pullRequest: number) =>
      once(
        db,
        { ...entry(`c-${incidentId}`, "comment"), incidentId },
        async () => ({ detail: { pullRequest } }),
        { now: NOW },
      );
    await commented(second.id, 42);
    await commented(first.id, 42);
    await commented(elsewhere.id, 43);
    const found = await incidentsOnPullRequest(db, REPOSITORY, 42);
    expect(found.map((i) => i.id)).toEqual([first.id, second.id]);
  });
});
