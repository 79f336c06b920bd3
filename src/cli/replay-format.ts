import type { StepOutcome } from "../actions/execute.ts";
import type { ConfigProblem } from "../policy/config.ts";
import type { Step } from "../policy/steps.ts";
import type { Replayed } from "./replay-run.ts";

/** What replay says beside the plan: where the configuration came from, and what it assumed. */
export type ReplayReport = {
  replayed: Replayed;
  /** `workflow_run.completed`. */
  event: string;
  /** Print the `[dry-run] Would …` lines: the calls to GitHub the plan would make. */
  dryRun: boolean;
  /** Where the configuration came from: the defaults, a file (`--config`), or GitHub; `text` in words. */
  config: { source: "defaults" | "file" | "github"; file: string | null; text: string };
  /** What replay could not know offline and assumed, one sentence each. */
  assumptions: string[];
};

const fixed = (n: number | null | undefined) => (n == null ? "?" : n.toFixed(2));

/** A step in words, as a maintainer reads a plan. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case "rerun":
      return "rerun the failed jobs (only those)";
    case "fix_pr":
      return `open a ${step.draft ? "draft " : ""}fix pull request ${step.head} → ${step.base}`;
    case "issue":
      return `open the issue for fingerprint ${step.fingerprint}, or add this occurrence to it`;
    case "check_run":
      return `write the CodeHealer check run (${step.conclusion}${step.annotate ? ", with annotations" : ""})`;
    case "comment":
      return "create or update the CodeHealer comment on the pull request";
    case "notify":
      return step.approval
        ? `notify the team and ask approval to ${step.approve.join(" and ")}`
        : "notify the team";
    default: {
      const unknown: never = step;
      return JSON.stringify(unknown);
    }
  }
}

const problemLine = (problem: ConfigProblem & { line?: number }) =>
  `${problem.line === undefined ? "" : `line ${problem.line}: `}${problem.path} ${problem.message}`;

// What each step did in the dry run: the call it would make, or why it would make none.
function effectLine(outcome: StepOutcome): string {
  if (outcome.status === "dry-run") return outcome.message ?? "";
  if (outcome.status === "skipped") return `${outcome.step.kind}: skipped: ${outcome.message}`;
  if (outcome.status === "failed") return `${outcome.step.kind}: failed: ${outcome.error}`;
  return `${outcome.step.kind}: done`;
}

/** The replay for a person: diagnosis, tier, steps, refusals, why — and the calls, in a dry run. */
export function replayText(report: ReplayReport): string {
  const { replayed, dryRun } = report;
  const { incident, diagnosis, plan, config } = replayed;
  const run = `${incident.repository} run ${incident.runId} attempt ${incident.runAttempt}`;
  const lines = [
    `Replay of ${report.event}: ${run}${incident.branch ? ` on ${incident.branch}` : ""}`,
    "",
    `Diagnosis: ${diagnosis.category} (${diagnosis.transient ? "transient" : "deterministic"}), confidence ${fixed(diagnosis.confidence)}${diagnosis.ruleId ? `, rule ${diagnosis.ruleId}` : ""}`,
    ...(diagnosis.errorLine ? [`  error: ${diagnosis.errorLine}`] : []),
    ...(diagnosis.summary ? [`  summary: ${diagnosis.summary}`] : []),
    `Tier: ${plan.tier} (confidence ${fixed(plan.confidence)}; thresholds auto ${fixed(plan.thresholds.auto)}, review ${fixed(plan.thresholds.review)}, from ${plan.thresholds.source})`,
    `Configuration: ${report.config.text}`,
    ...config.problems.map((problem) => `  ${problemLine(problem)}`),
    "",
    plan.steps.length > 0 ? "Steps:" : "Steps: none",
    ...plan.steps.map((step, i) => `  ${i + 1}. ${step.kind}: ${describeStep(step)}`),
    ...(plan.refused.length > 0 ? ["Refused:"] : []),
    ...plan.refused.map((r) => `  - ${r.step} (${r.rule}): ${r.reason}`),
    "Why:",
    ...plan.reasons.map((reason, i) => `  ${i + 1}. ${reason}`),
    "",
  ];
  if (dryRun)
    lines.push(
      "What it would do (dry run; nothing was sent to GitHub or Slack):",
      ...(replayed.outcomes.length > 0
        ? replayed.outcomes.map((outcome) => `  ${effectLine(outcome)}`)
        : ["  none"]),
      "",
    );
  lines.push(
    "Assumed:",
    ...report.assumptions.map((assumption) => `  - ${assumption}`),
    "",
    dryRun
      ? "Nothing was performed: replay never writes to GitHub."
      : "Nothing was performed: replay never writes to GitHub. Add --dry-run to see the calls the plan would make.",
    "",
  );
  return lines.join("\n");
}

/** The replay for a program: the plan's first four keys as the issue names them, then the rest. */
export function replayJson(report: ReplayReport): string {
  const { replayed, dryRun } = report;
  const { incident, diagnosis, plan, config } = replayed;
  return JSON.stringify(
    {
      tier: plan.tier,
      confidence: plan.confidence,
      steps: plan.steps,
      refused: plan.refused,
      reasons: plan.reasons,
      diagnosis: {
        category: diagnosis.category,
        transient: diagnosis.transient,
        confidence: diagnosis.confidence,
        ruleId: diagnosis.ruleId,
        errorLine: diagnosis.errorLine,
        summary: diagnosis.summary,
      },
      dryRun: dryRun
        ? replayed.outcomes.flatMap((o) => (o.status === "dry-run" && o.message ? [o.message] : []))
        : [],
      event: report.event,
      run: { repository: incident.repository, id: incident.runId, attempt: incident.runAttempt },
      config: { source: report.config.source, file: report.config.file, problems: config.problems },
      assumptions: report.assumptions,
    },
    null,
    2,
  );
}
