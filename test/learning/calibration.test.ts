import { describe, expect, it } from "vitest";
import {
  calibrate,
  isotonicRates,
  levelOf,
  tallyOf,
  wilsonLowerBound,
} from "../../src/learning/calibration.ts";
import { actionWasRight, type OutcomeRecord } from "../../src/learning/outcome-signal.ts";
import { AUTO_FLOOR } from "../../src/policy/config.ts";

/** `n` outcomes at `confidence`, `successes` of them succeeded. */
const at = (confidence: number, n: number, successes: number) =>
  Array.from({ length: n }, (_, i) => ({ confidence, succeeded: i < successes }));

describe("calibration", () => {
  describe("the Wilson lower bound", () => {
    it.each([
      [10, 10, 0.787],
      [60, 60, 0.957],
      [95, 100, 0.901],
      [0, 10, 0],
    ])("of %i successes in %i is %f", (successes, n, bound) => {
      expect(wilsonLowerBound(successes, n)).toBeCloseTo(bound, 3);
    });

    it("is 0 with no outcomes", () => {
      expect(wilsonLowerBound(0, 0)).toBe(0);
    });
  });

  describe("levels", () => {
    it("put a confidence stored as real (0.7 reads 0.69999999) at the level of its threshold", () => {
      expect(levelOf(Math.fround(0.7))).toBe(70);
      expect(levelOf(Math.fround(0.85))).toBe(85);
      expect(levelOf(1)).toBe(100);
      expect(levelOf(-0.2)).toBe(0);
      expect(levelOf(Number.NaN)).toBe(0);
    });
  });

  describe("the isotonic rates", () => {
    it("pool a level that did better than the one above it", () => {
      const tallies = tallyOf([...at(0.6, 10, 8), ...at(0.7, 10, 6), ...at(0.9, 10, 10)]);
      expect(isotonicRates(tallies)).toEqual([0.7, 0.7, 1]);
    });
  });

  describe("when the confidence was right", () => {
    const report = calibrate(
      tallyOf([...at(0.55, 20, 11), ...at(0.75, 40, 30), ...at(0.95, 200, 190)]),
    );

    it("counts every bucket's outcomes, rate and mean confidence", () => {
      expect(report.samples).toBe(260);
      const mean = (c: number) => expect.closeTo(c, 10);
      expect(report.buckets).toEqual([
        { from: 0.5, to: 0.6, count: 20, successes: 11, rate: 0.55, meanConfidence: mean(0.55) },
        { from: 0.7, to: 0.8, count: 40, successes: 30, rate: 0.75, meanConfidence: mean(0.75) },
        { from: 0.9, to: 1, count: 200, successes: 190, rate: 0.95, meanConfidence: mean(0.95) },
      ]);
    });

    it("has an expected calibration error of 0", () => {
      expect(report.ece).toBeCloseTo(0, 10);
    });
  });

  describe("when the confidence was too high", () => {
    const report = calibrate(tallyOf([...at(0.9, 100, 60), ...at(0.8, 100, 50)]));

    it("weighs each bucket's gap by its share: ECE = ½·0.30 + ½·0.30", () => {
      expect(report.ece).toBeCloseTo(0.3, 10);
    });

    it("lets nothing act alone: no level has shown 95 %", () => {
      expect(report.thresholds.auto).toBe(1);
      expect(report.evidence.auto).toBeNull();
    });
  });

  describe("the recommended thresholds", () => {
    const history = [
      ...at(0.55, 10, 5),
      ...at(0.65, 10, 6),
      ...at(0.75, 20, 14),
      ...at(0.85, 30, 28),
      ...at(0.92, 40, 40),
      ...at(0.97, 30, 30),
    ];
    const report = calibrate(tallyOf(history));

    it("put auto at the lowest level whose outcomes at or above succeeded ≥ 95 %", () => {
      expect(report.thresholds.auto).toBe(0.92);
      expect(report.evidence.auto).toMatchObject({ count: 70, successes: 70, fittedRate: 1 });
      expect(report.evidence.auto?.lowerBound).toBeCloseTo(0.963, 3);
    });

    it("keep auto above a level that fails on its own, however well the levels above it did", () => {
      // 0.85 and above: 98 of 100 — but 0.85 itself succeeded 28 times in 30.
      expect(report.thresholds.auto).toBeGreaterThan(0.85);
    });

    it("take the observed rate, not its lower bound: 97 of 100 is enough", () => {
      const report = calibrate(tallyOf([...at(0.7, 40, 20), ...at(0.9, 100, 97)]));
      expect(report.thresholds.auto).toBe(0.9);
      expect(report.evidence.auto?.lowerBound).toBeLessThan(0.95);
    });

    it("put review at the lowest level that reaches 60 % the same way", () => {
      expect(report.thresholds.review).toBe(0.65);
    });

    it("never set auto below the floor, however good the history", () => {
      const perfect = calibrate(tallyOf([...at(0.3, 300, 300), ...at(0.6, 300, 300)]));
      expect(AUTO_FLOOR).toBe(0.5);
      expect(perfect.thresholds).toEqual({ auto: 0.6, review: 0.3 });
    });

    it("never set review above auto", () => {
      const report = calibrate(tallyOf([...at(0.6, 100, 20), ...at(0.99, 100, 100)]));
      expect(report.thresholds).toEqual({ auto: 0.99, review: 0.99 });
    });

    it("are only set where outcomes were seen", () => {
      const report = calibrate(tallyOf(at(0.93, 200, 200)));
      expect(report.thresholds).toEqual({ auto: 0.93, review: 0.93 });
    });

    it("fall as the history improves, and rise as it worsens", () => {
      const base = [...at(0.7, 50, 40), ...at(0.8, 50, 45), ...at(0.9, 150, 150)];
      const better = [...at(0.7, 50, 45), ...at(0.8, 100, 100), ...at(0.9, 150, 150)];
      const worse = [
        ...at(0.7, 50, 30),
        ...at(0.8, 50, 45),
        ...at(0.9, 150, 140),
        ...at(0.97, 100, 100),
      ];
      const [b, g, w] = [base, better, worse].map((h) => calibrate(tallyOf(h)).thresholds);
      expect(g!.auto).toBeLessThan(b!.auto);
      expect(w!.auto).toBeGreaterThan(b!.auto);
      for (const t of [b!, g!, w!]) {
        expect(t.review).toBeLessThanOrEqual(t.auto);
        expect(t.auto).toBeGreaterThanOrEqual(AUTO_FLOOR);
      }
    });
  });

  describe("with too few outcomes", () => {
    it("sets no threshold on fewer than 30 outcomes at or above it: 29 in a row may be luck", () => {
      const few = calibrate(tallyOf(at(0.95, 29, 29)));
      expect(few.thresholds).toEqual({ auto: 1, review: 1 });
      expect(few.evidence).toEqual({ auto: null, review: null });
      expect(calibrate(tallyOf(at(0.95, 30, 30))).thresholds).toEqual({ auto: 0.95, review: 0.95 });
    });

    it("has no calibration error and no thresholds proven with no outcomes at all", () => {
      const report = calibrate([]);
      expect(report).toMatchObject({ samples: 0, ece: null, buckets: [] });
      expect(report.evidence).toEqual({ auto: null, review: null });
    });
  });
});

describe("what an outcome says of the action", () => {
  const record = (overrides: Partial<OutcomeRecord>): OutcomeRecord => ({
    outcome: null,
    transient: false,
    good: false,
    bad: false,
    ...overrides,
  });
  it.each([
    ["a merged fix", { outcome: "fix_merged" }, true],
    ["a fix whose CI passed", { outcome: "fix_validated" }, true],
    ["a fix whose CI failed", { outcome: "fix_failed" }, false],
    ["a fix closed unmerged", { outcome: "fix_rejected" }, false],
    ["a transient failure's rerun that passed", { outcome: "rerun_passed", transient: true }, true],
    [
      "a transient failure's rerun that failed",
      { outcome: "rerun_failed", transient: true },
      false,
    ],
    ["a deterministic failure that passed on a retry", { outcome: "rerun_passed" }, false],
    ["a deterministic failure that failed its retry", { outcome: "rerun_failed" }, null],
    ["a merged fix someone called bad", { outcome: "fix_merged", bad: true }, false],
    ["a report someone called good", { good: true }, true],
    ["a report someone called good and someone bad", { good: true, bad: true }, false],
    ["a worker's error", { outcome: "Error: boom" }, null],
    ["nothing known", {}, null],
  ] as const)("%s: %s", (_, overrides, right) => {
    expect(actionWasRight(record(overrides))).toBe(right);
  });
});
