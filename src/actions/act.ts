import type { MemoryDiagnosis } from "../diagnosis/memory-recall.ts";
import { findFix } from "../fixes/find-fix.ts";
import type { StoredFix } from "../fixes/types.ts";
import { loadCalibration } from "../learning/calibration-history.ts";
import { analyseIncident, type Llm } from "../llm/analyse.ts";
import type { ParsedConfig } from "../policy/config.ts";
import { loadRepositoryConfig } from "../policy/load-config.ts";
import { type Plan, type PlanEvent, type PlanState, plan } from "../policy/plan.ts";
import { recentAutomatedActions, rerunsOfRun } from "../store/audit.ts";
import { getDelivery } from "../store/deliveries.ts";
import { getIncident, updateIncident } from "../store/incidents.ts";
import type { Incident } from "../store/schema.ts";
import { commitOnBranch } from "./commit-on-branch.ts";
import { type ExecuteDeps, execute, type StepOutcome } from "./execute.ts";
import { viewIncident } from "./incident-view.ts";
import { findRunPullRequest, type RunOrigin, type RunPullRequest } from "./pull-request.ts";
import { readRunContext } from "./run-context.ts";

type Repository = { owner: string; repo: string };

/**
 * Where the act stage learns what it needs beyond the incident. The defaults ask GitHub;
 * `codehealer replay` passes a configuration file and no pull request instead.
 */
export type ActSources = {
  config: (repository: Repository) => Promise<ParsedConfig>;
  pullRequest: (repository: Repository, origin: RunOrigin) => Promise<RunPullRequest | null>;
  /** A fix for the incident, or null: the memory's remembered patch, a deterministic fix. */
  fix: (repository: Repository, incident: Incident) => Promise<StoredFix | null>;
  /** Whether a commit is on a branch of the repository (see {@link commitOnBranch}). */
  commitOnBranch: (repository: Repository, sha: string, branch: string) => Promise<boolean>;
};

export type ActDeps = ExecuteDeps & {
  sources?: Partial<ActSources>;
  /** The LLM, when one is configured: asked about failures rules and memory cannot settle. */
  llm?: Llm | null;
  /** The app-wide dry run (`CODEHEALER_DRY_RUN`): every step is only logged, in every repository. */
  dryRun?: boolean;
};

/** What the act stage decided and did. */
export type ActResult = {
  plan: Plan;
  outcomes: StepOutcome[];
  config: ParsedConfig;
  pullRequest: RunPullRequest | null;
  fix: StoredFix | null;
};

/** Thrown when a step failed in a way a later attempt may not: the queue retries the incident. */
export class RetryableStepError extends Error {}

const HOUR_MS = 60 * 60_000;

/**
 * Whether the failing commit is a stranger's: a workflow run names the repository its head
 * lives in (a fork's, even when its pull request was closed before CodeHealer looked); other CI
 * does not, so the commit must be on its branch here. A failure reported from outside CI is
 * about the repository's own code.
 */
async function isForeignCommit(
  sources: ActSources,
  repository: Repository,
  incident: Incident,
  origin: RunOrigin | null,
): Promise<boolean> {
  if (incident.provider === "external") return false;
  const fullName = `${repository.owner}/${repository.repo}`;
  if (origin?.headRepository) return origin.headRepository !== fullName;
  if (incident.branch === null) return true;
  return !(await sources.commitOnBranch(repository, incident.headSha, incident.branch));
}

function githubSources(deps: ActDeps): ActSources {
  return {
    config: (repository) => loadRepositoryConfig(deps.octokit, repository),
    pullRequest: (repository, origin) => findRunPullRequest(deps.octokit, repository, origin),
    commitOnBranch: (repository, sha, branch) =>
      commitOnBranch(deps.octokit, repository, sha, branch),
    fix: (repository, incident) =>
      findFix(
        { octokit: deps.octokit, log: deps.log },
        {
          repository,
          headSha: incident.headSha,
          diagnosis: incident.diagnosis as MemoryDiagnosis,
          incidentId: incident.id,
        },
      ),
  };
}

// A dispatch (a Sentry error, a Prometheus alert) is no run: the plan must not rerun it.
// Only a GitHub Actions run can be rerun; a failure reported from outside CI (an alert, a
// labelled issue) is planned like a dispatch.
const planEvent = (incident: Incident): PlanEvent => {
  if (incident.provider === "external") return "repository_dispatch";
  return incident.sourceEvent === "check_run" || incident.sourceEvent === "check_suite"
    ? incident.sourceEvent
    : "workflow_run";
};

// Set when the incident was opened as report-only (an alert, src/diagnosis/incident.ts): no
// fix is looked for and the LLM is not asked, since whatever they found would only be reported.
const reportOnlyOf = (incident: Incident): string | null =>
  (incident.diagnosis as { reportOnly?: string | null } | null)?.reportOnly ?? null;

// The diagnosis the plan reads: the stored one, with the evidence's file/line annotations.
function planDiagnosis(incident: Incident) {
  const diagnosis = incident.diagnosis as MemoryDiagnosis | null;
  if (!diagnosis || incident.fingerprint === null)
    throw new Error(`incident ${incident.id} has no diagnosis to act on`);
  const annotations = viewIncident(incident).jobs.flatMap((job) => job.annotations);
  return { ...diagnosis, annotations };
}

/**
 * The act stage, after diagnosis:
 * 1. read the repository's configuration (invalid: the safe fallback, reports only, and the
 *    problems shown on the check run), the pull request the run belongs to, and a fix;
 * 2. gather the guardrails' state: reruns of this run, automatic actions in the last hour; and
 *    the thresholds calibrated on past outcomes, when there are enough (src/learning/);
 * 3. plan, once: a retried job carries out the stored plan instead of deciding again (its own
 *    done actions would otherwise count against it);
 * 4. execute, each step idempotent and audited;
 * 5. a step that failed in a way a later attempt may cure (5xx, rate limit) throws
 *    {@link RetryableStepError} once the others ran, so the queue retries; the done steps stay
 *    done. Otherwise the incident is `acted`.
 */
export async function actOnIncident(deps: ActDeps, diagnosed: Incident): Promise<ActResult> {
  const sources = { ...githubSources(deps), ...deps.sources };
  const [owner = "", repo = ""] = diagnosed.repository.split("/");
  const repository = { owner, repo };
  const delivery = diagnosed.deliveryId ? await getDelivery(deps.db, diagnosed.deliveryId) : null;
  const run = delivery ? readRunContext(diagnosed.sourceEvent, delivery.payload) : null;

  const config = await sources.config(repository);
  const pullRequest = run ? await sources.pullRequest(repository, run.origin) : null;
  const foreignCommit = await isForeignCommit(sources, repository, diagnosed, run?.origin ?? null);
  // A stranger's code: no fix is looked for and no LLM tokens are spent on it (the plan would
  // refuse whatever they found).
  const strangers =
    foreignCommit || pullRequest?.fromFork === true || pullRequest?.authorTrusted === false;
  const reportOnly = reportOnlyOf(diagnosed) !== null;
  const wantsFix =
    !strangers &&
    config.config.enabled &&
    config.config.actions.fix_pr &&
    diagnosed.category !== "security_scan" &&
    diagnosed.diagnosis !== null &&
    !reportOnly;
  const known =
    (diagnosed.fix as StoredFix | null) ??
    (wantsFix ? await sources.fix(repository, diagnosed) : null);
  // The LLM, for a failure rules and memory could not settle or a failure in the code with no
  // known fix; never with the kill switch on, and once: a retried job carries out its plan.
  const incident =
    deps.llm && diagnosed.plan === null && config.config.enabled && !reportOnly && !strangers
      ? await analyseIncident(
          { db: deps.db, octokit: deps.octokit, log: deps.log, llm: deps.llm },
          diagnosed,
          config.config,
          { fixKnown: known !== null || !wantsFix },
        )
      : diagnosed;
  const fix = known ?? (incident.fix as StoredFix | null);

  let decided = incident.plan as Plan | null;
  if (decided === null) {
    const now = deps.now();
    const state: PlanState = {
      now,
      repository: incident.repository,
      branch: incident.branch,
      workflow: incident.workflowName,
      workflowPath: run?.workflowPath ?? null,
      event: planEvent(incident),
      runAttempt: incident.runAttempt,
      rerunsOfThisRun: Math.max(
        incident.runAttempt - 1,
        await rerunsOfRun(deps.db, incident.repository, incident.runId),
      ),
      automatedActionsLastHour: await recentAutomatedActions(
        deps.db,
        incident.repository,
        new Date(now.getTime() - HOUR_MS),
      ),
      pullRequest,
      foreignCommit,
      isDefaultBranch: run?.defaultBranch != null && run.defaultBranch === incident.branch,
    };
    decided = plan({
      diagnosis: planDiagnosis(incident),
      fix: fix?.proposed ?? null,
      config: config.config,
      configProblems: config.problems,
      state,
      calibration: config.config.calibration.enabled
        ? await loadCalibration(deps.db, incident.repository, config.config.calibration.min_samples)
        : null,
    });
    await updateIncident(deps.db, incident.id, {
      status: "acting",
      tier: decided.tier,
      plan: decided,
      fix,
    });
  }

  const current = (await getIncident(deps.db, incident.id)) ?? incident;
  const outcomes = await execute(
    deps,
    decided,
    {
      incident: current,
      repository,
      pullRequest: pullRequest
        ? { number: pullRequest.number, headSha: pullRequest.headSha }
        : null,
      fix: fix?.fix ?? null,
      configProblems: config.problems,
    },
    { dryRun: deps.dryRun === true },
  );
  const retryable = outcomes.filter((o) => o.status === "failed" && o.retryable);
  if (retryable.length > 0)
    throw new RetryableStepError(
      `${retryable.map((o) => `${o.step.kind}: ${o.error}`).join("; ")} — will retry`,
    );
  await updateIncident(deps.db, incident.id, { status: "acted" });
  return { plan: decided, outcomes, config, pullRequest, fix };
}
