import { z } from "zod";
import { FIX_BRANCH_ROOT } from "../actions/fix-pr.ts";
import { isFailedConclusion } from "../github/conclusions.ts";
import { openIncident, updateIncident } from "../store/incidents.ts";
import { onFixBranchCheck } from "./fix-branch-run.ts";
import { type Handler, ignored, type PipelineDeps, processed, type Verdict } from "./types.ts";

const app = z.object({
  id: z.number().int(),
  slug: z.string().optional(),
  name: z.string().optional(),
});
const suite = z.object({
  id: z.number().int().positive(),
  head_sha: z.string().min(1),
  head_branch: z.string().nullable().optional(),
  conclusion: z.string().nullable(),
  app: app.nullable().optional(),
});
const common = {
  repository: z.object({ full_name: z.string().min(1) }),
  installation: z.object({ id: z.number().int() }).optional(),
};
const checkRunPayload = z.object({
  check_run: z.object({
    id: z.number().int().positive(),
    name: z.string(),
    head_sha: z.string().min(1),
    conclusion: z.string().nullable(),
    html_url: z.string().nullable().optional(),
    details_url: z.string().nullable().optional(),
    app: app.nullable().optional(),
    check_suite: suite
      .omit({ conclusion: true, head_sha: true })
      .extend({ head_sha: z.string().optional() }),
  }),
  ...common,
});
const checkSuitePayload = z.object({ check_suite: suite, ...common });

type FailedCheck = {
  suiteId: number;
  headSha: string;
  branch: string | null;
  conclusion: string | null;
  app: z.infer<typeof app> | null | undefined;
  job?: { id: number; name: string };
  htmlUrl: string | null;
  repository: string;
  installationId: number | null;
};

/** A failed check run from CI outside GitHub Actions (Travis, Buildkite, Jenkins…) becomes an incident. */
export const onCheckRunCompleted: Handler<"check_run.completed"> = async (context, deps) => {
  const parsed = checkRunPayload.safeParse(context.payload);
  if (!parsed.success)
    return ignored(
      `payload lacks what a check run needs: ${parsed.error.issues[0]?.path.join(".")}`,
    );
  const { check_run: run, repository, installation } = parsed.data;
  // CodeHealer's own fix branches: their checks validate the fix (fix-branch-run.ts), never an incident.
  const branch = run.check_suite.head_branch ?? null;
  if (branch?.startsWith(FIX_BRANCH_ROOT))
    return onFixBranchCheck(context, deps, {
      branch,
      sha: run.head_sha,
      conclusion: run.conclusion,
      name: run.name,
      htmlUrl: run.html_url ?? run.details_url ?? null,
      app: run.app,
    });
  return openCheckIncident(context.id, deps, {
    suiteId: run.check_suite.id,
    headSha: run.head_sha,
    branch: run.check_suite.head_branch ?? null,
    conclusion: run.conclusion,
    app: run.app,
    job: { id: run.id, name: run.name },
    htmlUrl: run.html_url ?? run.details_url ?? null,
    repository: repository.full_name,
    installationId: installation?.id ?? null,
  });
};

/** A failed check suite from CI outside GitHub Actions becomes an incident (shared with its check runs). */
export const onCheckSuiteCompleted: Handler<"check_suite.completed"> = async (context, deps) => {
  const parsed = checkSuitePayload.safeParse(context.payload);
  if (!parsed.success)
    return ignored(
      `payload lacks what a check suite needs: ${parsed.error.issues[0]?.path.join(".")}`,
    );
  const { check_suite: checkSuite, repository, installation } = parsed.data;
  // CodeHealer's own fix branches: their checks validate the fix (fix-branch-run.ts), never an incident.
  const branch = checkSuite.head_branch ?? null;
  if (branch?.startsWith(FIX_BRANCH_ROOT))
    return onFixBranchCheck(context, deps, {
      branch,
      sha: checkSuite.head_sha,
      conclusion: checkSuite.conclusion,
      name: checkSuite.app?.name ?? checkSuite.app?.slug ?? "CI",
      htmlUrl: null,
      app: checkSuite.app,
    });
  return openCheckIncident(context.id, deps, {
    suiteId: checkSuite.id,
    headSha: checkSuite.head_sha,
    branch: checkSuite.head_branch ?? null,
    conclusion: checkSuite.conclusion,
    app: checkSuite.app,
    htmlUrl: null,
    repository: repository.full_name,
    installationId: installation?.id ?? null,
  });
};

/**
 * The check suite is the "run" of a non-Actions CI: a failing suite and its failing check runs
 * arrive as separate events but are one failure, so both land on the incident keyed by the suite.
 */
async function openCheckIncident(
  deliveryId: string,
  deps: PipelineDeps,
  check: FailedCheck,
): Promise<Verdict> {
  if (!isFailedConclusion(check.conclusion)) {
    return ignored(`conclusion ${check.conclusion} is not a failure`);
  }
  // GitHub Actions reports through workflow_run too; reacting to its checks would double every incident.
  if (check.app?.slug === "github-actions")
    return ignored("GitHub Actions checks are handled through workflow_run");
  if (check.app && check.app.id === deps.appId) return ignored("our own check run");
  const { incident, created } = await openIncident(deps.db, {
    repository: check.repository,
    installationId: check.installationId,
    provider: "checks",
    sourceEvent: check.job ? "check_run" : "check_suite",
    deliveryId,
    headSha: check.headSha,
    branch: check.branch,
    runId: check.suiteId,
    runAttempt: 1,
    jobId: check.job?.id ?? null,
    jobName: check.job?.name ?? null,
    workflowName: check.app?.name ?? check.app?.slug ?? null,
    conclusion: check.conclusion ?? "failure",
    htmlUrl: check.htmlUrl,
  });
  if (!created && check.job && incident.jobId === null) {
    await updateIncident(deps.db, incident.id, {
      jobId: check.job.id,
      jobName: check.job.name,
      htmlUrl: check.htmlUrl,
    });
  }
  await deps.queue.enqueue("incident", incident.id);
  return processed(
    created
      ? `incident ${incident.id} opened`
      : `incident ${incident.id} already open for check suite ${check.suiteId}`,
  );
}
