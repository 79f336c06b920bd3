import type { Context } from "probot";
import { type Handler, ignored, type PipelineDeps, type Verdict } from "./types.ts";

/**
 * A workflow run on one of CodeHealer's own fix branches (`codehealer/…`): never an incident of
 * its own (CodeHealer must not fix its own fixes), but the validation of the fix it carries.
 */
export async function onFixBranchRun(
  _context: Context<"workflow_run.completed">,
  _deps: PipelineDeps,
): Promise<Verdict> {
  return ignored("a run on a CodeHealer fix branch");
}

/** A CodeHealer fix pull request closed: merged, the fix has landed and its issue is closed. */
export const onPullRequestClosed: Handler<"pull_request.closed"> = async () =>
  ignored("not yet handled");
