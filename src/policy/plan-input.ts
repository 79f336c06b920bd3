import type { Annotation, Diagnosis } from "../diagnosis/diagnose.ts";
import type { Config, ConfigProblem } from "./config.ts";

/**
 * The diagnosis as the plan reads it. A rules `Diagnosis` fits as it is, and so does one that
 * memory has seen (`source`, `remembered`).
 */
export type PlanDiagnosis = Pick<
  Diagnosis,
  "category" | "transient" | "confidence" | "fingerprint" | "summary" | "errorLine"
> & {
  ruleId?: string | null;
  /** Where the answer came from: the rules, memory, or both agreeing. */
  source?: "rules" | "memory" | "rules+memory" | "llm";
  /** The remembered fix that settled the diagnosis, when memory did. */
  remembered?: { solutionId: string; probability: number } | null;
  /** A vulnerability or a leaked secret, whatever the category: never fixed automatically. */
  security?: boolean;
  /** The failed job's file/line annotations, which a check run can pin its findings to. */
  annotations?: readonly Annotation[];
  /**
   * Why CodeHealer must only report this failure, whatever the confidence: an LLM's patch that
   * failed the safety checks, say. The sentence is the plan's reason.
   */
  reportOnly?: string | null;
};

/** A change that would fix the failure, when one was found. */
export type ProposedFix = {
  kind: "patch";
  /** Every path the patch changes, relative to the repository root. */
  files: readonly string[];
  /** The patch was applied and the failing job passed with it. */
  validated: boolean;
  source: "memory" | "deterministic" | "llm";
};

/** Where a failure was noticed. Only `workflow_run` failures can be rerun by CodeHealer. */
export type PlanEvent = "workflow_run" | "check_suite" | "check_run" | "repository_dispatch";

/** The pull request a failing run belongs to. */
export type PlanPullRequest = {
  number: number;
  /** The head branch lives in a fork: its code and its CI output are a stranger's. */
  fromFork: boolean;
  /** The author has write access (owner, member or collaborator). */
  authorTrusted: boolean;
};

/** What the guardrails need to know about the world, gathered by the caller. */
export type PlanState = {
  now: Date;
  /** `owner/name`. */
  repository: string;
  /** The failing branch; null for a tag or a detached run. */
  branch: string | null;
  /** The workflow's name, as environment overrides match it. */
  workflow: string | null;
  /** The workflow's file (`.github/workflows/ci.yml`), also matched by environment overrides. */
  workflowPath?: string | null;
  event: PlanEvent;
  runAttempt: number;
  /** Reruns CodeHealer made of this run. */
  rerunsOfThisRun: number;
  /** Reruns and fix pull requests CodeHealer made in this repository in the last hour. */
  automatedActionsLastHour: number;
  pullRequest: PlanPullRequest | null;
  /**
   * The failing commit is not on a branch of this repository: a fork's (its pull request closed,
   * or another CI that does not say), or one its branch was force-pushed away from. A stranger's
   * code, as a fork's pull request is.
   */
  foreignCommit?: boolean;
  isDefaultBranch: boolean;
};

/** Thresholds learnt from outcomes (`codehealer calibrate`), and how many outcomes taught them. */
export type Calibration = { thresholds: { auto: number; review: number }; samples: number };

/** Everything `plan` decides from. */
export type PlanInput = {
  diagnosis: PlanDiagnosis;
  fix: ProposedFix | null;
  config: Config;
  /** Problems found in the repository's configuration; `config` is then the safe fallback. */
  configProblems?: readonly ConfigProblem[];
  state: PlanState;
  calibration?: Calibration | null;
};
