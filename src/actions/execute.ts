import type { Logger } from "pino";
import { redact } from "../logs/redact.ts";
import type { ConfigProblem } from "../policy/config.ts";
import type { Plan, Refusal, Step } from "../policy/steps.ts";
import { type AuditOutcome, incidentsOnPullRequest, recordSkipped } from "../store/audit.ts";
import { withLock } from "../store/lock.ts";
import type { Incident } from "../store/schema.ts";
import { withCommandSections } from "./chatops-board.ts";
import { commandSectionsFor } from "./chatops-history.ts";
import { upsertCheckRun } from "./check-run.ts";
import type { CheckRunButton } from "./check-run-output.ts";
import { auditEntry, type EffectDeps, fullName, type Target } from "./effect.ts";
import { type FixInput, openFixPullRequest } from "./fix-pr.ts";
import { ActionError } from "./github-error.ts";
import { type IncidentView, viewIncident } from "./incident-view.ts";
import { reportIssue } from "./issue.ts";
import { type Notifier, notify } from "./notify.ts";
import { rerunFailedJobs } from "./rerun.ts";
import { buildStickyComment, upsertStickyComment } from "./sticky-comment.ts";

export type ExecuteDeps = EffectDeps & {
  log: Logger;
  /** Carries notifications; without one they are recorded, not sent. */
  notifier?: Notifier | null;
  /** This App's id: the sticky comment is only ever one the App wrote. */
  appId?: number | null;
};

/** What the plan is carried out on: the incident, and what the caller knows around it. */
export type ExecuteContext = {
  incident: Incident;
  repository: { owner: string; repo: string };
  /** The pull request the failing run belongs to, for the sticky comment. */
  pullRequest?: {
    number: number;
    /** Its latest commit; the incident's commit when absent. */
    headSha?: string;
    /** The incidents to show; those already on its comment (from the audit trail) when absent. */
    incidents?: readonly Incident[];
  } | null;
  /** The fix a `fix_pr` step proposes. */
  fix?: FixInput | null;
  /** CodeHealer's check run to update rather than create. */
  checkRunId?: number | null;
  /** What is wrong with the repository's configuration, shown on the check run. */
  configProblems?: readonly ConfigProblem[];
};

/** How one step went. Every outcome is also in the audit trail (`actions`). */
export type StepOutcome = {
  step: Step;
  status: "done" | "skipped" | "failed" | "dry-run";
  targetUrl?: string;
  /** Why it failed, redacted. */
  error?: string;
  /** Why it was skipped, or what a dry run would have done (`[dry-run] Would …`). */
  message?: string;
  /** A later attempt may succeed (5xx, rate limit, network). */
  retryable?: boolean;
  /** Done by an earlier attempt; nothing was sent this time. */
  replayed?: boolean;
};

type Run = {
  deps: ExecuteDeps;
  plan: Plan;
  context: ExecuteContext;
  target: Target;
  view: IncidentView;
  dryRun: boolean;
};

// The buttons worth offering: Retry on an Actions run, Open fix PR when a fix waits unopened,
// Not helpful always; none that would rerun or fix a security finding.
function buttonsFor({ plan, context }: Run): CheckRunButton[] {
  const buttons: CheckRunButton[] = [];
  const security = plan.tier === "security";
  if (!security && context.incident.provider === "actions") buttons.push("retry");
  if (!security && context.fix && !plan.steps.some((s) => s.kind === "fix_pr"))
    buttons.push("open_fix_pr");
  buttons.push("not_helpful");
  return buttons;
}

const skip = (run: Run, step: Step, reason: string) =>
  recordSkipped(
    run.deps.db,
    auditEntry(
      run.target,
      step.kind,
      `${step.kind}:${fullName(run.target)}:${run.view.id}:skipped`,
    ),
    reason,
    {},
    run.deps.now(),
  );

async function perform(run: Run, step: Step): Promise<AuditOutcome> {
  const { deps, context, target, view, dryRun } = run;
  const options = { dryRun };
  switch (step.kind) {
    case "rerun": {
      const { incident } = context;
      if (incident.provider !== "actions")
        return skip(run, step, "Only GitHub Actions runs can be rerun by CodeHealer.");
      const input = {
        runId: incident.runId,
        attempt: incident.runAttempt,
        htmlUrl: incident.htmlUrl,
      };
      return rerunFailedJobs(deps, target, input, options);
    }
    case "check_run":
      return upsertCheckRun(
        deps,
        target,
        {
          view,
          conclusion: step.conclusion,
          annotate: step.annotate,
          reasons: run.plan.reasons,
          buttons: buttonsFor(run),
          checkRunId: context.checkRunId ?? null,
          configProblems: context.configProblems ?? [],
        },
        options,
      );
    case "comment": {
      const pr = context.pullRequest;
      if (!pr) return skip(run, step, "The failing run belongs to no pull request.");
      // One at a time per pull request: two failures arriving together must find each other's
      // comment, never both create one. The board is read inside the lock for the same reason.
      return withLock(deps.db, `comment:${fullName(target)}#${pr.number}`, async () => {
        const earlier =
          pr.incidents ?? (await incidentsOnPullRequest(deps.db, fullName(target), pr.number));
        const board = [...earlier, context.incident].map(viewIncident);
        // The commands people gave in comments stay on the board through automatic updates.
        const body = withCommandSections(
          buildStickyComment(board, { headSha: pr.headSha ?? view.headSha }),
          await commandSectionsFor(deps.db, fullName(target), pr.number),
        );
        const input = { pullRequest: pr.number, body, incidentId: view.id, appId: deps.appId };
        return upsertStickyComment(deps, target, input, options);
      });
    }
    case "issue":
      return reportIssue(deps, target, { fingerprint: step.fingerprint, view }, options);
    case "fix_pr": {
      const fix = context.fix;
      if (!fix) return skip(run, step, "The plan has a fix pull request but no fix was given.");
      // One at a time per fix branch: two incidents of one failure must not both push it.
      return withLock(deps.db, `fix_pr:${fullName(target)}:${step.head}`, () =>
        openFixPullRequest(deps, target, { step, fix, view }, options),
      );
    }
    case "notify":
      return notify(deps, target, { view, step }, options);
    default: {
      const unknown: never = step;
      throw new Error(`execute: no effect for step ${JSON.stringify(unknown)}`);
    }
  }
}

function outcomeOf(step: Step, outcome: AuditOutcome): StepOutcome {
  switch (outcome.status) {
    case "done":
      return {
        step,
        status: "done",
        ...(outcome.targetUrl ? { targetUrl: outcome.targetUrl } : {}),
        replayed: outcome.replayed,
      };
    case "dry-run":
      return { step, status: "dry-run", message: outcome.message };
    case "skipped":
      // Held by an attempt that may have died mid-request: the job retries after the lease,
      // when this attempt may take the step over (and looks for what the other left first).
      if (outcome.inProgress)
        return { step, status: "failed", error: outcome.reason, retryable: true };
      return { step, status: "skipped", message: outcome.reason };
    case "failed":
      return {
        step,
        status: "failed",
        error: outcome.error,
        retryable: outcome.cause instanceof ActionError ? outcome.cause.retryable : false,
      };
  }
}

function logOutcome(log: Logger, outcome: StepOutcome): void {
  const step = outcome.step.kind;
  if (outcome.status === "dry-run") log.info({ step }, outcome.message);
  else if (outcome.status === "failed")
    log.warn({ step, retryable: outcome.retryable }, outcome.error);
  else if (outcome.status === "skipped") log.info({ step }, `step skipped: ${outcome.message}`);
  else log.info({ step, url: outcome.targetUrl, replayed: outcome.replayed }, "step done");
}

const refusalKey = (target: Target, refusal: Refusal) =>
  `refused:${fullName(target)}:${target.incidentId}:${refusal.step}:${refusal.rule}`;

/**
 * Carries out a plan:
 * 1. record every refusal in the audit trail (what CodeHealer decided not to do, and why);
 * 2. perform each step in the plan's order through its effect — each idempotent, each audited,
 *    each only logged as `[dry-run] Would …` in a dry run (the plan's or the caller's);
 * 3. return how each went. A step that fails (GitHub 403, 404, 422, 5xx, a rate limit) is a
 *    `failed` outcome with its reason, and the next step still runs.
 */
export async function execute(
  deps: ExecuteDeps,
  plan: Plan,
  context: ExecuteContext,
  options: { dryRun?: boolean } = {},
): Promise<StepOutcome[]> {
  const dryRun = plan.dryRun || options.dryRun === true;
  const target: Target = { ...context.repository, incidentId: context.incident.id };
  const run: Run = { deps, plan, context, target, view: viewIncident(context.incident), dryRun };
  const log = deps.log.child({ incident: context.incident.id, repository: fullName(target) });

  for (const refusal of plan.refused)
    await recordSkipped(
      deps.db,
      auditEntry(target, refusal.step, refusalKey(target, refusal)),
      refusal.reason,
      { rule: refusal.rule },
      deps.now(),
    );

  const outcomes: StepOutcome[] = [];
  for (const step of plan.steps) {
    let outcome: StepOutcome;
    try {
      outcome = outcomeOf(step, await perform(run, step));
    } catch (error) {
      // Not GitHub's answer (those are outcomes already) but ours: the store, a bug. The other
      // steps still run; a retried job finds the done ones done.
      const message = redact(error instanceof Error ? error.message : String(error));
      log.error({ err: error, step: step.kind }, "step could not be carried out");
      outcome = { step, status: "failed", error: message, retryable: true };
    }
    outcomes.push(outcome);
    logOutcome(log, outcome);
  }
  return outcomes;
}
