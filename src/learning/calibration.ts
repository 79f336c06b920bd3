import { AUTO_FLOOR } from "../policy/config-fields.ts";

/**
 * Outcomes at one confidence level, one hundredth wide: level 87 holds confidences from 0.87 up
 * to 0.88 (level 100 is 1.0). How many, how many succeeded, and their confidences summed.
 */
export type Tally = { level: number; count: number; successes: number; confidenceSum: number };

/** Success rates each tier must show: the auto tier acts alone, the review tier asks a person. */
export const CALIBRATION_TARGETS = { auto: 0.95, review: 0.6 } as const;

/**
 * The fewest outcomes at or above a threshold that may set it: fewer say too little (ten lucky
 * successes in a row happen at 80 %).
 */
export const MIN_OUTCOMES_AT_THRESHOLD = 30;

/** The z of a one-sided 95 % bound: "at least this rate, 95 % sure". */
export const WILSON_Z = 1.6448536269514722;

/** Ten buckets of one tenth: 0.0–0.1 … 0.9–1.0. */
const BUCKET_LEVELS = 10;

/**
 * The level of a confidence, 0..100. Rounded to four places first: confidences are stored as
 * `real`, where 0.7 reads back as 0.69999999 and would fall a level short of the threshold
 * 0.70 it meets.
 */
export function levelOf(confidence: number): number {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(confidence) ? confidence : 0));
  return Math.floor(Math.round(clamped * 10_000) / 100);
}

/** Single outcomes as tallies, lowest level first (for tests, and for callers with few rows). */
export function tallyOf(outcomes: readonly { confidence: number; succeeded: boolean }[]): Tally[] {
  const byLevel = new Map<number, Tally>();
  for (const { confidence, succeeded } of outcomes) {
    const level = levelOf(confidence);
    const tally = byLevel.get(level) ?? { level, count: 0, successes: 0, confidenceSum: 0 };
    tally.count += 1;
    tally.successes += succeeded ? 1 : 0;
    tally.confidenceSum += confidence;
    byLevel.set(level, tally);
  }
  return [...byLevel.values()].sort((a, b) => a.level - b.level);
}

/** Tallies of the same level added together, lowest level first. */
export function mergeTallies(tallies: readonly Tally[]): Tally[] {
  const byLevel = new Map<number, Tally>();
  for (const t of tallies) {
    const known = byLevel.get(t.level);
    byLevel.set(
      t.level,
      known
        ? {
            level: t.level,
            count: known.count + t.count,
            successes: known.successes + t.successes,
            confidenceSum: known.confidenceSum + t.confidenceSum,
          }
        : { ...t },
    );
  }
  return [...byLevel.values()].filter((t) => t.count > 0).sort((a, b) => a.level - b.level);
}

/**
 * The lower end of the Wilson score interval: the least success rate that `successes` out of
 * `n` still leaves likely. Unlike the plain rate it is honest about small counts: 10 out of 10
 * gives 0.79, 60 out of 60 gives 0.96.
 */
export function wilsonLowerBound(successes: number, n: number, z: number = WILSON_Z): number {
  if (n <= 0) return 0;
  const p = successes / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p) + z2 / (4 * n)) / n);
  return Math.max(0, (centre - spread) / (1 + z2 / n));
}

/**
 * The success rate as a non-decreasing function of confidence (isotonic regression, pool
 * adjacent violators), one value per tally: a level's own rate, pooled with its neighbours
 * wherever a higher confidence did worse. What one level can be expected to do, without the
 * noise of its few outcomes.
 */
export function isotonicRates(tallies: readonly Tally[]): number[] {
  const blocks: { weight: number; rate: number; size: number }[] = [];
  for (const t of tallies) {
    blocks.push({ weight: t.count, rate: t.successes / t.count, size: 1 });
    while (blocks.length > 1 && blocks.at(-2)!.rate > blocks.at(-1)!.rate) {
      const b = blocks.pop()!;
      const a = blocks.pop()!;
      const weight = a.weight + b.weight;
      blocks.push({
        weight,
        rate: (a.rate * a.weight + b.rate * b.weight) / weight,
        size: a.size + b.size,
      });
    }
  }
  return blocks.flatMap((b) => Array.from({ length: b.size }, () => b.rate));
}

/** Outcomes in one tenth of confidence. */
export type Bucket = {
  /** 0.5 for 0.5–0.6. */
  from: number;
  to: number;
  count: number;
  successes: number;
  rate: number;
  meanConfidence: number;
};

/** The non-empty buckets of one tenth, lowest first. */
export function bucketsOf(tallies: readonly Tally[]): Bucket[] {
  const sums = Array.from({ length: BUCKET_LEVELS }, () => ({ n: 0, s: 0, c: 0 }));
  for (const t of tallies) {
    const sum = sums[Math.min(BUCKET_LEVELS - 1, Math.floor(t.level / 10))]!;
    sum.n += t.count;
    sum.s += t.successes;
    sum.c += t.confidenceSum;
  }
  return sums.flatMap(({ n, s, c }, b) =>
    n === 0
      ? []
      : [
          {
            from: b / BUCKET_LEVELS,
            to: (b + 1) / BUCKET_LEVELS,
            count: n,
            successes: s,
            rate: s / n,
            meanConfidence: c / n,
          },
        ],
  );
}

/**
 * Expected calibration error: Σ (n_b / N) · |rate_b − mean confidence_b| over the buckets. 0
 * when every bucket succeeded as often as it was confident; null without outcomes.
 */
export function expectedCalibrationError(buckets: readonly Bucket[]): number | null {
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  if (total === 0) return null;
  return buckets.reduce(
    (sum, b) => sum + (b.count / total) * Math.abs(b.rate - b.meanConfidence),
    0,
  );
}

/** Why a threshold was recommended: the outcomes at or above it. */
export type ThresholdEvidence = {
  threshold: number;
  count: number;
  successes: number;
  rate: number;
  /** The Wilson lower bound of `rate`, 95 % sure: how far the rate may be luck. Shown, not required. */
  lowerBound: number;
  /** The isotonic success rate at the threshold itself. */
  fittedRate: number;
};

/**
 * The lowest observed level in `[from, to]` (hundredths) at which
 * 1. at least {@link MIN_OUTCOMES_AT_THRESHOLD} outcomes lie at or above it, and they succeeded
 *    at `target` or better: what the tier's actions would have done;
 * 2. the outcomes at that level succeed at `target` or better on their own (isotonic rate):
 *    many sure successes higher up must not carry a level that fails.
 * Only levels with outcomes are candidates: a threshold is never set where nothing was seen.
 * The rate is the observed one, not its Wilson lower bound: see docs/learning.md for why.
 */
export function lowestSafeLevel(
  tallies: readonly Tally[],
  target: number,
  { from, to }: { from: number; to: number },
): ThresholdEvidence | null {
  const fitted = isotonicRates(tallies);
  let count = 0;
  let successes = 0;
  let found: ThresholdEvidence | null = null;
  // From the top down, so the counts at or above each level add up as we go.
  for (let k = tallies.length - 1; k >= 0; k--) {
    const t = tallies[k]!;
    count += t.count;
    successes += t.successes;
    if (t.level < from || t.level > to) continue;
    const lowerBound = wilsonLowerBound(successes, count);
    const fittedRate = fitted[k]!;
    const enough = count >= MIN_OUTCOMES_AT_THRESHOLD;
    if (enough && successes / count >= target && fittedRate >= target)
      found = {
        threshold: t.level / 100,
        count,
        successes,
        rate: successes / count,
        lowerBound,
        fittedRate,
      };
  }
  return found;
}

/** What the outcome history says about CodeHealer's confidence. */
export type CalibrationReport = {
  samples: number;
  successes: number;
  buckets: Bucket[];
  ece: number | null;
  targets: { auto: number; review: number };
  /**
   * The recommended thresholds. With no level shown safe for the auto tier it is 1: only
   * certainty acts alone. With none for review, review is the auto threshold: below it, reports.
   */
  thresholds: { auto: number; review: number };
  evidence: { auto: ThresholdEvidence | null; review: ThresholdEvidence | null };
};

/**
 * Calibration from tallies of outcomes. Pure. The auto threshold is the lowest level, never
 * below {@link AUTO_FLOOR}, at which the actions taken at or above it succeeded at least 95 %
 * of the time, and that level itself did ({@link lowestSafeLevel}); review the same at 60 %,
 * never above auto.
 */
export function calibrate(
  tallies: readonly Tally[],
  targets: { auto: number; review: number } = CALIBRATION_TARGETS,
): CalibrationReport {
  const merged = mergeTallies(tallies);
  const samples = merged.reduce((sum, t) => sum + t.count, 0);
  const successes = merged.reduce((sum, t) => sum + t.successes, 0);
  const buckets = bucketsOf(merged);
  const auto = lowestSafeLevel(merged, targets.auto, {
    from: Math.ceil(AUTO_FLOOR * 100),
    to: 100,
  });
  const autoThreshold = auto?.threshold ?? 1;
  const review = lowestSafeLevel(merged, targets.review, {
    from: 0,
    to: Math.round(autoThreshold * 100),
  });
  return {
    samples,
    successes,
    buckets,
    ece: expectedCalibrationError(buckets),
    targets: { ...targets },
    thresholds: { auto: autoThreshold, review: review?.threshold ?? autoThreshold },
    evidence: { auto, review },
  };
}
