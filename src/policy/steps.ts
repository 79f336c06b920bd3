/**
 * What a plan says to do, and what it decided not to do. The executor switches on
 * `step.kind`; TypeScript checks that every kind is handled.
 */

/** The four tiers, from "act alone" to "never act alone". */
export type Tier = "auto" | "review" | "report" | "security";

/** Rerun the failed jobs of the run (never the whole run: passed jobs stay passed). */
export type RerunStep = { kind: "rerun"; failedJobsOnly: true };

/**
 * Push the fix to a new branch `head` and open a pull request into `base`, the failing branch.
 * A draft waits for a person; CodeHealer never merges either.
 */
export type FixPrStep = { kind: "fix_pr"; draft: boolean; base: string; head: string };

/** Open the issue for this failure, or update the open one with the same fingerprint. */
export type IssueStep = { kind: "issue"; fingerprint: string };

/** CodeHealer's check run on the failing commit; `annotate` pins the findings to file lines. */
export type CheckRunStep = {
  kind: "check_run";
  conclusion: "failure" | "neutral" | "success";
  annotate: boolean;
};

/** The one sticky comment on the pull request, created or updated. */
export type CommentStep = { kind: "comment" };

/** A notification; with `approval`, it asks a person to approve the actions in `approve`. */
export type NotifyStep =
  | { kind: "notify"; approval: false }
  | { kind: "notify"; approval: true; approve: readonly ("rerun" | "fix_pr")[] };

/** One thing to do. */
export type Step = RerunStep | FixPrStep | IssueStep | CheckRunStep | CommentStep | NotifyStep;

/** What people are told, as opposed to what is done: every step but reruns and fixes. */
export type ReportStep = Exclude<Step, RerunStep | FixPrStep>;

/** The kinds of step. */
export type StepKind = Step["kind"];

/** The guardrail (or setting) behind a refusal. */
export type RefusalRule =
  | "kill_switch"
  | "invalid_config"
  | "disabled_action"
  | "security"
  | "fork"
  | "untrusted_author"
  | "deterministic_failure"
  | "not_rerunnable"
  | "rerun_budget"
  | "no_branch"
  | "empty_fix"
  | "fix_not_validated"
  | "denied_path"
  | "protected_branch"
  | "approval_required"
  | "quiet_hours"
  | "blast_radius";

/**
 * A step the plan did not take, or took in a lesser form (`approval_required` turns a ready
 * pull request into a draft), and why, in a sentence a maintainer reads. `step` is `all` only
 * for the kill switch.
 */
export type Refusal = { step: StepKind | "all"; rule: RefusalRule; reason: string };

/** The thresholds a plan used, and where they came from. */
export type AppliedThresholds = {
  auto: number;
  review: number;
  source: "config" | "environment" | "calibration";
};

/** What to do about one diagnosed failure. Pure data: performing it is the executor's job. */
export type Plan = {
  /** What the plan does: `auto` when it acts alone, `review` when a person approves first. */
  tier: Tier;
  /** The tier the confidence alone reached, before the guardrails. */
  confidenceTier: Tier;
  confidence: number;
  thresholds: AppliedThresholds;
  steps: Step[];
  refused: Refusal[];
  /** Why, in order, in sentences: the diagnosis, the thresholds, the tier, the outcome. */
  reasons: string[];
  /** Log every step as `[dry-run] Would …`; perform none. */
  dryRun: boolean;
};
