import { AUTO_FLOOR, type Config, type EnvironmentOverride } from "./config.ts";
import { matchesAny } from "./glob.ts";
import type { Calibration, PlanState } from "./plan-input.ts";
import type { AppliedThresholds } from "./steps.ts";

type Pair = { auto: number; review: number };

const fixed = (n: number) => n.toFixed(2);
const pair = (t: Pair) => `auto ≥ ${fixed(t.auto)}, review ≥ ${fixed(t.review)}`;

/**
 * Calibrated thresholds when they can be trusted, else null with the reason. Too few outcomes
 * say little; values out of order say the calibration went wrong. An auto threshold below
 * {@link AUTO_FLOOR} is raised to it, as the configuration itself would be.
 */
export function calibrated(
  calibration: Calibration | null | undefined,
  config: Config,
): { thresholds: Pair | null; why: string | null } {
  if (!calibration || !config.calibration.enabled) return { thresholds: null, why: null };
  const { samples, thresholds } = calibration;
  const { auto, review } = thresholds;
  if (samples < config.calibration.min_samples)
    return {
      thresholds: null,
      why: `Calibration rests on ${samples} outcomes, fewer than the ${config.calibration.min_samples} it needs (calibration.min_samples): the configured thresholds apply.`,
    };
  const sane = [auto, review].every((t) => Number.isFinite(t) && t >= 0 && t <= 1);
  if (!sane || review > auto)
    return {
      thresholds: null,
      why: `Calibrated thresholds (${pair(thresholds)}) are out of range or out of order: ignored, the configured thresholds apply.`,
    };
  const raised = { auto: Math.max(auto, AUTO_FLOOR), review };
  return {
    thresholds: raised,
    why: `Thresholds ${pair(raised)} were calibrated on ${samples} past outcomes${auto < AUTO_FLOOR ? ` (auto raised to the floor of ${AUTO_FLOOR})` : ""}.`,
  };
}

/**
 * The environment overrides a run matches. Every list an override gives must match: its
 * `branches` the failing branch, its `workflows` the workflow's name or file.
 */
export function matchingEnvironments(
  environments: readonly EnvironmentOverride[],
  state: Pick<PlanState, "branch" | "workflow" | "workflowPath">,
): EnvironmentOverride[] {
  const names = [state.workflow, state.workflowPath].filter((n): n is string => !!n);
  return environments.filter(
    (env) =>
      (env.branches === undefined ||
        (state.branch !== null && matchesAny(state.branch, env.branches))) &&
      (env.workflows === undefined || names.some((name) => matchesAny(name, env.workflows!))),
  );
}

function describeEnvironment(env: EnvironmentOverride): string {
  const parts = [
    env.branches && `branches ${env.branches.map((b) => `\`${b}\``).join(", ")}`,
    env.workflows && `workflows ${env.workflows.map((w) => `\`${w}\``).join(", ")}`,
  ].filter(Boolean);
  return env.name ? `${env.name} (${parts.join("; ")})` : parts.join("; ");
}

/**
 * The thresholds for this run, and sentences saying where they came from:
 * - calibrated ones replace the configured `thresholds` when there are enough outcomes;
 * - a matching environment override replaces them for its runs; when several match, the
 *   strictest value of each threshold wins, so the order of the list never matters;
 * - with calibration, an override can only raise a threshold: calibration's evidence that a
 *   level is unsafe is not overruled by a setting written before the evidence existed.
 */
export function chooseThresholds(input: {
  config: Config;
  state: PlanState;
  calibration?: Calibration | null | undefined;
}): { thresholds: AppliedThresholds; reasons: string[] } {
  const { config, state } = input;
  const learnt = calibrated(input.calibration, config);
  const base = learnt.thresholds ?? config.thresholds;
  const reasons = learnt.why ? [learnt.why] : [];
  const envs = matchingEnvironments(config.environments, state);
  if (envs.length === 0) {
    if (!learnt.thresholds) reasons.push(`Thresholds ${pair(base)}, as configured.`);
    return {
      thresholds: { ...base, source: learnt.thresholds ? "calibration" : "config" },
      reasons,
    };
  }
  const strictest = (field: keyof Pair) =>
    Math.max(...envs.map((env) => env.thresholds[field] ?? base[field]));
  let auto = strictest("auto");
  let review = strictest("review");
  if (learnt.thresholds) {
    auto = Math.max(auto, learnt.thresholds.auto);
    review = Math.max(review, learnt.thresholds.review);
  }
  // Overrides that each keep review ≤ auto can still cross once combined.
  review = Math.min(review, auto);
  reasons.push(
    `This run matches the environment override ${envs.map(describeEnvironment).join(" and ")}: thresholds ${pair({ auto, review })}.`,
  );
  return { thresholds: { auto, review, source: "environment" }, reasons };
}
