import { z } from "zod";
import { FIX_BRANCH_ROOT } from "../actions/fix-pr.ts";
import { isFailedConclusion } from "../github/conclusions.ts";
import { describeRerun, recordRerunResult } from "../learning/rerun-outcome.ts";
import { openIncident } from "../store/incidents.ts";
import { onFixBranchRun } from "./fix-branch-run.ts";
import { type Handler, ignored, processed } from "./types.ts";

/** The fields this handler needs; anything else in the payload is GitHub's business. */
const workflowRunPayload = z.object({
  workflow_run: z.object({
    id: z.number().int().positive(),
    run_attempt: z.number().int().positive().default(1),
    head_sha: z.string().min(1),
    head_branch: z.string().nullable(),
    conclusion: z.string().nullable(),
    name: z.string().nullable().optional(),
    html_url: z.string().optional(),
    head_repository: z.object({ full_name: z.string() }).nullish().catch(null),
  }),
  repository: z.object({ full_name: z.string().min(1) }),
  installation: z.object({ id: z.number().int() }).optional(),
});

/**
 * A failed workflow run attempt becomes an incident, and its diagnosis is queued. An attempt
 * after a rerun CodeHealer made, passed or failed, is first that rerun's outcome (learning).
 */
export const onWorkflowRunCompleted: Handler<"workflow_run.completed"> = async (context, deps) => {
  const parsed = workflowRunPayload.safeParse(context.payload);
  if (!parsed.success)
    return ignored(
      `payload lacks what a workflow run needs: ${parsed.error.issues[0]?.path.join(".")}`,
    );
  const { workflow_run: run, repository, installation } = parsed.data;
  // CodeHealer's own fix branches: their runs validate the fix, and are never healed themselves.
  // A fork's branch of the same name is a stranger's, and neither validates nor fails a fix.
  if (run.head_branch?.startsWith(FIX_BRANCH_ROOT)) {
    const ours = (run.head_repository?.full_name ?? repository.full_name) === repository.full_name;
    if (!ours) return ignored(`a fork's ${run.head_branch} run is not CodeHealer's fix branch`);
    return onFixBranchRun(context, deps);
  }
  const failed = isFailedConclusion(run.conclusion);
  // A later attempt may be CodeHealer's rerun: its result, passed or failed, is the rerun's outcome.
  const rerun =
    run.run_attempt > 1 && (failed || run.conclusion === "success")
      ? await recordRerunResult(deps.db, {
          repository: repository.full_name,
          runId: run.id,
          attempt: run.run_attempt,
          result: failed ? "failed" : "passed",
        })
      : null;
  if (!failed) {
    if (rerun) return processed(`rerun of incident ${rerun.incidentId}: ${describeRerun(rerun)}`);
    return ignored(`conclusion ${run.conclusion} is not a failure`);
  }
  const { incident, created } = await openIncident(deps.db, {
    repository: repository.full_name,
    installationId: installation?.id ?? null,
    provider: "actions",
    sourceEvent: "workflow_run",
    deliveryId: context.id,
    headSha: run.head_sha,
    branch: run.head_branch,
    runId: run.id,
    runAttempt: run.run_attempt,
    workflowName: run.name ?? null,
    conclusion: run.conclusion ?? "failure",
    htmlUrl: run.html_url ?? null,
  });
  // Queued even when the incident existed: if an earlier attempt died after opening it,
  // this is what gets it diagnosed. The queue drops the duplicate otherwise.
  await deps.queue.enqueue("incident", incident.id);
  return processed(
    created
      ? `incident ${incident.id} opened`
      : `incident ${incident.id} already open for run ${run.id} attempt ${run.run_attempt}`,
  );
};
