import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/store/database.ts";
import { type TestStore, testStore } from "../support/database.ts";
import { outcomeHistory, seedHistory } from "./history.ts";

const cli = new URL("../../src/cli.ts", import.meta.url).pathname;

let store: TestStore;
let empty: TestStore;
let dir: string;
beforeAll(async () => {
  [store, empty] = await Promise.all([testStore(), testStore()]);
  dir = await mkdtemp(join(tmpdir(), "codehealer-calibrate-"));
  // Seeded, then closed: an embedded database is opened by one process at a time.
  const database = await store.open();
  await migrate(database);
  await seedHistory(database.db, outcomeHistory());
  await database.close();
}, 90_000);
afterAll(async () => {
  await Promise.all([store?.dispose(), empty?.dispose()]);
  await rm(dir, { recursive: true, force: true });
});

/** `codehealer calibrate …` as a child process on a store, without blocking the test's loop. */
function calibrate(on: TestStore, ...args: string[]) {
  const { DATABASE_URL, ...env } = process.env;
  const child = spawn(process.execPath, [cli, "calibrate", ...args], {
    env: { ...env, ...on.env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (status) => resolve({ status, stdout, stderr })),
  );
}

// Each run is a cold start of Node and the database: minutes on a busy machine, not seconds.
describe("codehealer calibrate", { timeout: 90_000 }, () => {
  describe("for a repository with enough outcomes of its own", () => {
    it("prints the buckets, the calibration error, the thresholds, and that the plan uses them", async () => {
      const result = await calibrate(store, "--repo", "acme/api");
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("Calibration on 140 outcomes in acme/api");
      expect(result.stdout).toContain(
        "auto   ≥ 0.92  70 of the 70 outcomes at or above it succeeded",
      );
      expect(result.stdout).toContain(
        "Used by the plan: yes. Thresholds auto ≥ 0.92, review ≥ 0.65 were calibrated on 140 past outcomes.",
      );
      expect(result.stdout).toMatchSnapshot();
    });
  });

  describe("for a repository with too few", () => {
    it("draws on its organisation's outcomes, and says which", async () => {
      const result = await calibrate(store, "--repo", "acme/web", "--json");
      expect(result.status).toBe(0);
      const json = JSON.parse(result.stdout);
      expect(json).toMatchObject({
        scope: { kind: "organization", organization: "acme" },
        samples: 155,
        used: true,
        scopes: [
          { scope: { kind: "repository", repository: "acme/web" }, samples: 15 },
          { scope: { kind: "organization", organization: "acme" }, samples: 155 },
          { scope: { kind: "everywhere" }, samples: 175 },
        ],
      });
    });
  });

  describe("as JSON, for every repository", () => {
    it("gives each bucket, the error, the thresholds and their evidence", async () => {
      const result = await calibrate(store, "--json");
      expect(result.status).toBe(0);
      const json = JSON.parse(result.stdout);
      expect(json).toMatchObject({ scope: { kind: "everywhere" }, samples: 175, used: true });
      expect(json.buckets.map((b: { from: number; count: number }) => [b.from, b.count])).toEqual([
        [0.5, 10],
        [0.6, 15],
        [0.7, 20],
        [0.8, 40],
        [0.9, 90],
      ]);
      expect(json.ece).toBeGreaterThan(0);
      expect(json.thresholds.review).toBeLessThanOrEqual(json.thresholds.auto);
      expect(json.evidence.auto.lowerBound).toBeGreaterThanOrEqual(0.95);
    });
  });

  describe("when the configuration asks for more outcomes than there are", () => {
    it("says the plan keeps the configured thresholds", async () => {
      const config = join(dir, "codehealer.yml");
      await writeFile(config, "calibration:\n  min_samples: 200\n");
      const result = await calibrate(store, "--json", "--config", config);
      expect(JSON.parse(result.stdout)).toMatchObject({
        used: false,
        why: "Calibration rests on 175 outcomes, fewer than the 200 it needs (calibration.min_samples): the configured thresholds apply.",
      });
    });
  });

  describe("with no outcomes yet", () => {
    it("says what it learns from, and that nothing is used", async () => {
      const result = await calibrate(empty);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("Calibration on 0 outcomes in every repository");
      expect(result.stdout).toContain("No outcomes yet");
      expect(result.stdout).toContain("Used by the plan: no.");
    });
  });
});
