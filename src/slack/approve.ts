import { type ButtonRefusal, decideButton } from "../actions/button-decision.ts";
import { commitOnBranch } from "../actions/commit-on-branch.ts";
import { auditEntry, type EffectDeps, fullName, type Target } from "../actions/effect.ts";
import { openFixPullRequest } from "../actions/fix-pr.ts";
import { currentPullRequest, pullRequestBlocked } from "../actions/fix-pull.ts";
import { fixesOnBranch, type OpenedFix } from "../actions/fix-record.ts";
import { ActionError } from "../actions/github-error.ts";
import { viewIncident } from "../actions/incident-view.ts";
import { shortSha } from "../actions/markdown.ts";
import { requestedRerunKey } from "../actions/requested-action.ts";
import { rerunFailedJobs, rerunKey } from "../actions/rerun.ts";
import { setFixReviewState } from "../actions/review-state.ts";
import { readStoredFix } from "../actions/stored-fix.ts";
import type { ParsedConfig } from "../policy/config.ts";
import { fixBranch } from "../policy/propose.ts";
import { type AuditOutcome, auditedAction, recordSkipped } from "../store/audit.ts";
import type { Incident } from "../store/schema.ts";
import type { Approvable } from "./buttons.ts";
import { escapeMrkdwn, slackLink } from "./mrkdwn-out.ts";

/** One approved step, carried out: what it came to, in words for the message. */
export type StepResult = {
  step: Approvable;
  status: AuditOutcome["status"] | "refused";
  /** Slack mrkdwn. */
  said: string;
  /** A later press may succeed where this one failed (GitHub 5xx, a rate limit, a fix being opened). */
  retry: boolean;
};

/** What an approved step is carried out with. */
export type Approval = {
  deps: EffectDeps;
  incident: Incident;
  target: Target;
  config: ParsedConfig;
  /** `slack:<user id>`: who approved, as the audit trail's `requestedBy` has it. */
  by: string;
  dryRun: boolean;
};

const KIND = { rerun: "rerun", fix_pr: "fix_pr" } as const;

// Octokit sends every parameter it does not place in the path as a query parameter: only these.
const repositoryOf = ({ owner, repo }: Target) => ({ owner, repo });

/** Records a step the approval could not carry out, once per step, person and reason. */
async function refused(
  run: Approval,
  step: Approvable,
  refusal: ButtonRefusal | { rule: string; reason: string },
): Promise<StepResult> {
  const { deps, target, incident, by } = run;
  const key = `requested:${fullName(target)}:${incident.id}:slack:${step}:${by}:${refusal.rule}`;
  await recordSkipped(
    deps.db,
    auditEntry(target, KIND[step], key),
    refusal.reason,
    { requestedBy: by, rule: refusal.rule },
    deps.now(),
  );
  const what = step === "rerun" ? "Rerun" : "Fix pull request";
  return {
    step,
    status: "refused",
    said: `${what} refused: ${escapeMrkdwn(refusal.reason)}`,
    retry: false,
  };
}

/** An effect's audited outcome, in words. */
function settled(
  step: Approvable,
  outcome: AuditOutcome,
  words: { done: (url: string | null) => string; already: (url: string | null) => string },
): StepResult {
  switch (outcome.status) {
    case "done": {
      const said = outcome.replayed
        ? words.already(outcome.targetUrl)
        : words.done(outcome.targetUrl);
      return { step, status: "done", said, retry: false };
    }
    case "dry-run":
      return { step, status: "dry-run", said: escapeMrkdwn(outcome.message), retry: false };
    case "skipped":
      return { step, status: "skipped", said: escapeMrkdwn(outcome.reason), retry: false };
    case "failed": {
      const retry = outcome.cause instanceof ActionError && outcome.cause.retryable;
      return { step, status: "failed", said: escapeMrkdwn(outcome.error), retry };
    }
  }
}

async function rerun(run: Approval): Promise<StepResult> {
  const { deps, incident, config, target } = run;
  const automatic = await auditedAction(
    deps.db,
    rerunKey(incident.repository, incident.runId, incident.runAttempt),
  );
  const decision = decideButton({
    button: "retry",
    incident,
    config,
    fix: readStoredFix(incident.fix),
    rerunDone: automatic?.status === "done",
    now: deps.now(),
  });
  if (decision.kind === "refused") return refused(run, "rerun", decision);
  if (decision.kind !== "rerun") throw new Error(`a rerun approval decided ${decision.kind}`);
  // The same key as the check run's Retry: one rerun a person asked for per attempt, however asked.
  const key = requestedRerunKey(fullName(target), decision.runId, decision.attempt);
  const input = { ...decision, key, requestedBy: run.by };
  const outcome = await rerunFailedJobs(deps, target, input, { dryRun: run.dryRun });
  return settled("rerun", outcome, {
    done: (url) => `reran the ${slackLink("failed jobs", url)} of attempt ${decision.attempt}`,
    already: (url) =>
      `the ${slackLink("failed jobs", url)} of attempt ${decision.attempt} were rerun already`,
  });
}

// A draft CodeHealer opened for the incident: marked ready, unless its own CI failed (a fix whose
// CI fails is never promoted) or the pull request is no longer the one CodeHealer opened.
async function markReady(run: Approval, fix: OpenedFix): Promise<StepResult> {
  const { deps, incident, config, target } = run;
  if (incident.outcome === "fix_failed")
    return refused(run, "fix_pr", {
      rule: "fix_failed",
      reason: `the fix's own CI failed on ${shortSha(fix.commitSha)}; CodeHealer never promotes a fix whose CI fails.`,
    });
  const pull = await currentPullRequest(deps.octokit, repositoryOf(target), fix.pullRequest);
  const blocked = pullRequestBlocked(pull, fix.commitSha, config.config);
  if (blocked !== null || pull === null)
    return refused(run, "fix_pr", {
      rule: "pull_request_changed",
      reason: `${blocked ?? "its pull request is gone"}.`,
    });
  const link = slackLink(`#${pull.number}`, pull.htmlUrl);
  if (!pull.draft)
    return {
      step: "fix_pr",
      status: "done",
      said: `the fix pull request ${link} is ready for review already`,
      retry: false,
    };
  const input = { pull, sha: fix.commitSha, to: "ready" } as const;
  const outcome = await setFixReviewState(deps, target, input, { dryRun: run.dryRun });
  return settled("fix_pr", outcome, {
    done: () => `marked the draft fix pull request ${link} ready for review`,
    already: () => `the fix pull request ${link} was marked ready for review already`,
  });
}

// No fix pull request yet (the plan's failed, or a dry run held it back): the stored fix is
// opened through the same guards as the check run's "Open fix PR" — and ready for review, since
// a person approved it. Only when the failing commit is on its branch here, never a fork's.
async function openApproved(run: Approval): Promise<StepResult> {
  const { deps, incident, config, target } = run;
  const decision = decideButton({
    button: "open_fix_pr",
    incident,
    config,
    fix: readStoredFix(incident.fix),
    rerunDone: false,
    now: deps.now(),
  });
  if (decision.kind === "refused") return refused(run, "fix_pr", decision);
  if (decision.kind !== "fix_pr") throw new Error(`a fix approval decided ${decision.kind}`);
  const base = decision.fix.baseSha ?? incident.headSha;
  if (!(await commitOnBranch(deps.octokit, repositoryOf(target), base, decision.step.base)))
    return refused(run, "fix_pr", {
      rule: "fork",
      reason: `the failing commit ${shortSha(base)} is not on \`${decision.step.base}\` in ${fullName(target)}, so CodeHealer will not push a fix branch built on it.`,
    });
  const step = { ...decision.step, draft: false };
  const input = { step, fix: decision.fix, view: viewIncident(incident) };
  const outcome = await openFixPullRequest(deps, target, input, { dryRun: run.dryRun });
  return settled("fix_pr", outcome, {
    done: (url) => `opened the ${slackLink("fix pull request", url)} for review`,
    already: (url) => `the ${slackLink("fix pull request", url)} was open already`,
  });
}

async function fixPr(run: Approval): Promise<StepResult> {
  const { deps, incident, target } = run;
  if (incident.fingerprint === null)
    return refused(run, "fix_pr", {
      rule: "not_diagnosed",
      reason: "the failure is not diagnosed.",
    });
  const { opened, opening } = await fixesOnBranch(
    deps.db,
    fullName(target),
    fixBranch(incident.fingerprint),
  );
  const mine = opened.find((fix) => fix.incidentId === incident.id);
  if (mine) return markReady(run, mine);
  if (opening)
    return {
      step: "fix_pr",
      status: "skipped",
      said: "the fix pull request is being opened right now; press Approve again in a minute.",
      retry: true,
    };
  return openApproved(run);
}

/**
 * Carries out one step a person approved, through the effects the plan and the check run's
 * buttons use — each idempotent and audited, the rerun with `requestedBy` — within the
 * repository's guardrails. A GitHub failure is a result (retryable or not), never thrown.
 */
export async function approveStep(run: Approval, step: Approvable): Promise<StepResult> {
  try {
    return step === "rerun" ? await rerun(run) : await fixPr(run);
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    return { step, status: "failed", said: escapeMrkdwn(error.message), retry: error.retryable };
  }
}
