import type { Config } from "../policy/config.ts";
import { calibrated } from "../policy/thresholds.ts";
import { MIN_OUTCOMES_AT_THRESHOLD, type ThresholdEvidence } from "./calibration.ts";
import type { CalibrationScope, ScopedCalibration } from "./calibration-history.ts";

/** What `codehealer calibrate` prints: a calibration, the other scopes' counts, and its use. */
export type CalibrationView = ScopedCalibration & {
  /** Every scope the repository's calibration may come from, with its number of outcomes. */
  scopes: { scope: CalibrationScope; samples: number }[];
  config: Config;
};

const two = (n: number) => n.toFixed(2);
const pct = (n: number) => `${(n * 100).toFixed(1)} %`;
const whole = (n: number) => `${Math.round(n * 100)} %`;

/** A scope in words: `acme/api`, `the acme organisation`, `every repository`. */
export function scopeWords(scope: CalibrationScope): string {
  if (scope.kind === "repository") return scope.repository;
  if (scope.kind === "organization") return `the ${scope.organization} organisation`;
  return "every repository";
}

/** Whether the plan uses the thresholds, and why, as `src/policy/thresholds.ts` decides. */
export function planUse({ report, config }: CalibrationView): { used: boolean; why: string } {
  const learnt = calibrated({ thresholds: report.thresholds, samples: report.samples }, config);
  if (learnt.thresholds) return { used: true, why: learnt.why ?? "" };
  if (!config.calibration.enabled)
    return {
      used: false,
      why: "Calibration is turned off (calibration.enabled: false): the configured thresholds apply.",
    };
  return { used: false, why: learnt.why ?? "" };
}

function evidenceLine(
  tier: "auto" | "review",
  threshold: number,
  evidence: ThresholdEvidence | null,
  target: number,
): string {
  const head = `  ${tier.padEnd(6)} ≥ ${two(threshold)}`;
  if (evidence)
    return `${head}  ${evidence.successes} of the ${evidence.count} outcomes at or above it succeeded (${pct(evidence.rate)}; at least ${pct(evidence.lowerBound)}, 95 % sure)`;
  const none = `no confidence level has yet shown ${whole(target)} success over ${MIN_OUTCOMES_AT_THRESHOLD} outcomes or more`;
  return tier === "auto"
    ? `${head}  ${none}: only certainty would act alone`
    : `${head}  ${none}: below auto, report only`;
}

/** The calibration as a table and sentences. */
export function calibrationText(view: CalibrationView): string {
  const { report, scope, scopes } = view;
  const lines = [`Calibration on ${report.samples} outcomes in ${scopeWords(scope)}`];
  const others = scopes.filter((s) => s.scope.kind !== scope.kind);
  if (others.length > 0)
    lines.push(`  (${others.map((s) => `${scopeWords(s.scope)}: ${s.samples}`).join("; ")})`);
  lines.push("");
  if (report.samples === 0) {
    lines.push(
      "No outcomes yet: calibration learns from merged and rejected fix pull requests, reruns that passed or failed, and feedback.",
    );
  } else {
    lines.push("confidence  outcomes  succeeded  mean confidence    gap");
    for (const b of report.buckets) {
      const gap = Math.round((b.rate - b.meanConfidence) * 100);
      lines.push(
        [
          `${b.from.toFixed(1)}–${b.to.toFixed(1)}`.padEnd(10),
          String(b.count).padStart(9),
          `${Math.round(b.rate * 100)} %`.padStart(10),
          two(b.meanConfidence).padStart(16),
          `${gap > 0 ? "+" : ""}${gap} pts`.padStart(9),
        ].join(" "),
      );
    }
    lines.push("", `Expected calibration error: ${(report.ece ?? 0).toFixed(3)}`);
  }
  const { thresholds, evidence, targets } = report;
  lines.push(
    "",
    `Recommended thresholds (the lowest confidence whose actions succeeded ${whole(targets.auto)} of the time for auto, ${whole(targets.review)} for review):`,
    evidenceLine("auto", thresholds.auto, evidence.auto, targets.auto),
    evidenceLine("review", thresholds.review, evidence.review, targets.review),
  );
  const use = planUse(view);
  lines.push("", `Used by the plan: ${use.used ? "yes" : "no"}. ${use.why}`, "");
  return lines.join("\n");
}

/** The calibration as JSON, for scripts. */
export function calibrationJson(view: CalibrationView): string {
  const { report, scope, scopes, config } = view;
  const use = planUse(view);
  return JSON.stringify(
    {
      scope,
      scopes,
      samples: report.samples,
      successes: report.successes,
      buckets: report.buckets,
      ece: report.ece,
      targets: report.targets,
      thresholds: report.thresholds,
      evidence: report.evidence,
      used: use.used,
      why: use.why,
      configured: { thresholds: config.thresholds, calibration: config.calibration },
    },
    null,
    2,
  );
}
