import {
  ALWAYS_DENIED_PATHS,
  deniedPaths,
  denyingPattern,
  LOCKFILE_PATHS,
  repositoryPath,
} from "./denied-paths.ts";
import { matchesAny } from "./glob.ts";
import type { PlanInput } from "./plan-input.ts";
import type { Candidate } from "./propose.ts";
import type { Refusal, ReportStep, StepKind } from "./steps.ts";

/** A step as the guards see it: an automatic candidate, or a report by its kind. */
export type GuardedStep = Candidate | ReportStep;

/** One guardrail: a refusal with its reason, or null to let the step through. */
export type Guard = (step: GuardedStep, input: PlanInput) => Refusal | null;

/** Each kind of step in the words of a sentence. */
export const STEP_WORDS: Record<StepKind, string> = {
  rerun: "rerun",
  fix_pr: "fix pull request",
  issue: "issue",
  check_run: "check run",
  comment: "pull request comment",
  notify: "notification",
};

const refuse = (step: StepKind, rule: Refusal["rule"], reason: string): Refusal => ({
  step,
  rule,
  reason,
});
const isAutomatic = (kind: StepKind) => kind === "rerun" || kind === "fix_pr";
// What may still go to a stranger's pull request: a note on their own pull request and a
// check on their own commit, both of which they see anyway.
const forStrangers = (kind: StepKind) => kind === "comment" || kind === "check_run";

/**
 * A configuration that failed validation runs on the safe fallback, with automatic actions off.
 * Say why they are off: "turned off" would send the maintainer looking for a setting they never
 * wrote.
 */
export const invalidConfig: Guard = ({ kind }, { config, configProblems }) => {
  const first = configProblems?.[0];
  if (!first || !isAutomatic(kind) || config.actions[kind]) return null;
  const more = configProblems.length > 1 ? ` and ${configProblems.length - 1} more` : "";
  return refuse(
    kind,
    "invalid_config",
    `.github/codehealer.yml is invalid (${first.path}: ${first.message}${more}), so CodeHealer only reports until it is fixed: no ${STEP_WORDS[kind]}.`,
  );
};

/** An action the repository turned off in `actions`. */
export const disabledAction: Guard = ({ kind }, { config }) =>
  config.actions[kind]
    ? null
    : refuse(
        kind,
        "disabled_action",
        `actions.${kind} is false for this repository: no ${STEP_WORDS[kind]}.`,
      );

/**
 * A fork's code and CI output are a stranger's: rerunning spends the repository's runners on
 * it, a fix would be built on it, and issues or notifications from it are spam anyone can send.
 */
export const forkPullRequest: Guard = ({ kind }, { state }) => {
  const pr = state.pullRequest;
  if (forStrangers(kind)) return null;
  if (pr?.fromFork)
    return refuse(
      kind,
      "fork",
      `Pull request #${pr.number} comes from a fork: CodeHealer only comments on it and adds its check run, so no ${STEP_WORDS[kind]}.`,
    );
  if (state.foreignCommit)
    return refuse(
      kind,
      "fork",
      `The failing commit is not on a branch of ${state.repository} (a fork's, or one its branch has moved away from): CodeHealer only adds its check run, so no ${STEP_WORDS[kind]}.`,
    );
  return null;
};

/** The same for an author without write access, whose pull request lives in the repository. */
export const untrustedAuthor: Guard = ({ kind }, { state }) => {
  const pr = state.pullRequest;
  if (!pr || pr.authorTrusted || forStrangers(kind)) return null;
  return refuse(
    kind,
    "untrusted_author",
    `The author of pull request #${pr.number} has no write access to ${state.repository}: CodeHealer only comments and adds its check run, so no ${STEP_WORDS[kind]}.`,
  );
};

/** CodeHealer can rerun GitHub Actions runs only; other CI's check suites are not its to restart. */
export const notRerunnable: Guard = ({ kind }, { state }) =>
  kind !== "rerun" || state.event === "workflow_run"
    ? null
    : refuse(
        "rerun",
        "not_rerunnable",
        `Only GitHub Actions workflow runs can be rerun; this failure came from a ${state.event} event.`,
      );

/**
 * A failure that survived `rerun_budget` reruns is not transient enough for another. People's
 * reruns count too: attempt 3 means two reruns, whoever made them.
 */
export const rerunBudget: Guard = ({ kind }, { config, state }) => {
  const reruns = Math.max(state.rerunsOfThisRun, state.runAttempt - 1);
  if (kind !== "rerun" || reruns < config.rerun_budget) return null;
  return refuse(
    "rerun",
    "rerun_budget",
    `This run was already rerun ${reruns} time${reruns === 1 ? "" : "s"} (attempt ${state.runAttempt}) and the budget is ${config.rerun_budget} per run (rerun_budget): it fails for a reason a rerun does not cure.`,
  );
};

/** A patch that changes nothing is a bug upstream, not a fix. */
export const emptyFix: Guard = ({ kind }, { fix }) =>
  kind !== "fix_pr" || (fix !== null && fix.files.length > 0)
    ? null
    : refuse("fix_pr", "empty_fix", "The proposed fix changes no file.");

function whyDenied(file: string, pattern: string | null, lockfilesAllowed: boolean): string {
  if (pattern === null) return `\`${file}\` is not a plain path inside the repository`;
  if (ALWAYS_DENIED_PATHS.includes(pattern))
    return `\`${file}\` matches \`${pattern}\`, which CodeHealer never edits`;
  if (!lockfilesAllowed && LOCKFILE_PATHS.includes(pattern))
    return `\`${file}\` is a lockfile, edited only with allow_lockfiles: true`;
  return `\`${file}\` matches \`${pattern}\` in denied_paths`;
}

/** Workflows, migrations, secrets, lockfiles and the repository's own list are off limits. */
export const deniedPath: Guard = ({ kind }, { config, fix }) => {
  if (kind !== "fix_pr" || fix === null) return null;
  const patterns = deniedPaths(config);
  const denied: string[] = [];
  for (const file of fix.files) {
    const path = repositoryPath(file);
    const pattern = path === null ? null : denyingPattern(path, patterns);
    if (path === null || pattern !== null)
      denied.push(whyDenied(file, pattern, config.allow_lockfiles));
  }
  if (denied.length === 0) return null;
  const rest = denied.length - 3;
  const more = rest > 0 ? `; and ${rest} more file${rest === 1 ? "" : "s"}` : "";
  return refuse(
    "fix_pr",
    "denied_path",
    `The fix touches files it must not: ${denied.slice(0, 3).join("; ")}${more}.`,
  );
};

/** A fix is pushed to its own new branch; that branch must not be one CodeHealer may not push to. */
export const protectedHead: Guard = (step, { config }) => {
  if (step.kind !== "fix_pr" || !matchesAny(step.head, config.protected_branches)) return null;
  return refuse(
    "fix_pr",
    "protected_branch",
    `The fix would be pushed to \`${step.head}\`, which protected_branches covers, and CodeHealer never pushes to a protected branch.`,
  );
};

/** The guards every automatic action passes, in order; the first refusal is the one reported. */
export const AUTOMATIC_GUARDS: readonly Guard[] = [
  invalidConfig,
  disabledAction,
  forkPullRequest,
  untrustedAuthor,
  notRerunnable,
  rerunBudget,
  emptyFix,
  deniedPath,
  protectedHead,
];

/** The guards every report passes. A broken configuration does not silence reports. */
export const REPORT_GUARDS: readonly Guard[] = [disabledAction, forkPullRequest, untrustedAuthor];

/** The first refusal among `guards` for this step, or null. */
export function firstRefusal(
  step: GuardedStep,
  input: PlanInput,
  guards: readonly Guard[],
): Refusal | null {
  for (const guard of guards) {
    const refusal = guard(step, input);
    if (refusal !== null) return refusal;
  }
  return null;
}

/** Whether a candidate is carried out now rather than after a person approves it. */
export function actsNow(candidate: Candidate): boolean {
  return candidate.kind === "fix_pr" || !candidate.onApproval;
}
