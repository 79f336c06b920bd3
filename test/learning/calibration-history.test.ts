import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calibrate, tallyOf } from "../../src/learning/calibration.ts";
import {
  chooseCalibration,
  inScope,
  loadCalibration,
  outcomeTallies,
  type RepositoryTally,
} from "../../src/learning/calibration-history.ts";
import { actionWasRight } from "../../src/learning/outcome-signal.ts";
import { DEFAULT_CONFIG } from "../../src/policy/config.ts";
import { plan } from "../../src/policy/plan.ts";
import type { Db } from "../../src/store/database.ts";
import { STATE, TYPE_ERROR } from "../policy/given.ts";
import { migratedDatabase } from "../support/database.ts";
import { outcomeHistory, seedHistory } from "./history.ts";

let db: Db;
let dispose: () => Promise<void>;
let tallies: RepositoryTally[];
beforeAll(async () => {
  const opened = await migratedDatabase();
  db = opened.database.db;
  dispose = opened.dispose;
  await seedHistory(db, outcomeHistory());
  tallies = await outcomeTallies(db);
});
afterAll(() => dispose?.());

const samplesIn = (repository: string) =>
  tallies.filter((t) => t.repository === repository).reduce((sum, t) => sum + t.count, 0);

describe("the outcome history", () => {
  it("counts every incident whose outcome or feedback says whether its action was right", () => {
    expect(samplesIn("acme/api")).toBe(140);
    expect(samplesIn("acme/web")).toBe(15);
    expect(samplesIn("other/lib")).toBe(20);
  });

  it("reads each outcome as the pure rule does, one incident at a time", () => {
    const api = outcomeHistory().filter((row) => row.repository === "acme/api");
    const outcomes = api.flatMap((row) => {
      const right = actionWasRight({
        outcome: row.outcome ?? null,
        transient: row.transient ?? false,
        good: row.feedback === "good",
        bad: row.feedback === "bad",
      });
      if (right === null || row.confidence === null) return [];
      return Array.from({ length: row.count }, () => ({
        confidence: row.confidence!,
        succeeded: right,
      }));
    });
    const fromSql = calibrate(inScope(tallies, { kind: "repository", repository: "acme/api" }));
    const fromRows = calibrate(tallyOf(outcomes));
    expect(fromSql.thresholds).toEqual(fromRows.thresholds);
    expect(fromSql.samples).toBe(fromRows.samples);
    expect(fromSql.ece).toBeCloseTo(fromRows.ece ?? -1, 5);
  });
});

describe("the calibration a repository's plan uses", () => {
  it("is the repository's own when it has enough outcomes", () => {
    const { scope, report } = chooseCalibration(tallies, "acme/api", 100);
    expect(scope).toEqual({ kind: "repository", repository: "acme/api" });
    expect(report.thresholds).toEqual({ auto: 0.92, review: 0.65 });
  });

  it("is its organisation's when the repository has too few", () => {
    expect(chooseCalibration(tallies, "acme/web", 100).scope).toEqual({
      kind: "organization",
      organization: "acme",
    });
  });

  it("is every repository's when the organisation has too few too", () => {
    const { scope, report } = chooseCalibration(tallies, "other/lib", 100);
    expect(scope).toEqual({ kind: "everywhere" });
    expect(report.samples).toBe(175);
  });

  it("is none when no scope has enough: the configured thresholds apply, unremarked", async () => {
    expect(await loadCalibration(db, "acme/api", 500)).toBeNull();
  });

  it("moves the plan to the calibrated thresholds, and the plan says so", async () => {
    const calibration = await loadCalibration(db, "acme/api", 100);
    expect(calibration).toEqual({
      thresholds: { auto: 0.92, review: 0.65 },
      samples: 140,
      scope: { kind: "repository", repository: "acme/api" },
    });
    const input = {
      diagnosis: { ...TYPE_ERROR, confidence: 0.9 },
      fix: null,
      config: DEFAULT_CONFIG,
      state: { ...STATE, repository: "acme/api" },
    };
    // 0.90 is auto by the configured 0.85, and only review by what the outcomes showed.
    expect(plan(input).confidenceTier).toBe("auto");
    const calibrated = plan({ ...input, calibration });
    expect(calibrated.confidenceTier).toBe("review");
    expect(calibrated.thresholds).toMatchObject({
      auto: 0.92,
      review: 0.65,
      source: "calibration",
    });
    expect(calibrated.reasons).toContain(
      "Thresholds auto ≥ 0.92, review ≥ 0.65 were calibrated on 140 past outcomes.",
    );
  });
});
