import type { Context, ProbotOctokit } from "probot";
import { z } from "zod";
import { FIX_BRANCH_ROOT } from "../actions/fix-pr.ts";
import { settleClosedFix } from "../actions/settle-fix.ts";
import { type FixCiSignal, type FixDeps, followFixCi } from "../actions/validate-fix.ts";
import { type Handler, ignored, type PipelineDeps, processed, type Verdict } from "./types.ts";

const repository = z.object({
  name: z.string(),
  full_name: z.string(),
  owner: z.object({ login: z.string() }),
});
const runPayload = z.object({
  workflow_run: z.object({
    head_sha: z.string().min(1),
    head_branch: z.string(),
    conclusion: z.string().nullable(),
    name: z.string().nullable().optional(),
    html_url: z.string().optional(),
  }),
  repository,
});
const closedPayload = z.object({
  pull_request: z.object({
    number: z.number().int().positive(),
    merged: z.boolean().nullable().optional(),
    body: z.string().nullable(),
    user: z.object({ type: z.string() }).nullable(),
    head: z.object({ ref: z.string(), repo: z.object({ full_name: z.string() }).nullable() }),
  }),
  repository,
});

const fixDeps = (octokit: ProbotOctokit, deps: PipelineDeps): FixDeps => ({
  octokit,
  db: deps.db,
  now: deps.now ?? (() => new Date()),
  log: deps.log,
  appId: deps.appId,
  dryRun: deps.dryRun === true,
});
const repoOf = (payload: z.infer<typeof repository>) => ({
  owner: payload.owner.login,
  repo: payload.name,
});
const verdictOf = ({ acted, reason }: { acted: boolean; reason: string }): Verdict =>
  acted ? processed(reason) : ignored(reason);

/**
 * A workflow run on one of CodeHealer's own fix branches (`codehealer/…`): never an incident of
 * its own (CodeHealer must not fix its own fixes), but the validation of the fix it carries.
 */
export async function onFixBranchRun(
  context: Context<"workflow_run.completed">,
  deps: PipelineDeps,
): Promise<Verdict> {
  const parsed = runPayload.safeParse(context.payload);
  if (!parsed.success)
    return ignored(
      `payload lacks what a fix branch run needs: ${parsed.error.issues[0]?.path.join(".")}`,
    );
  const { workflow_run: run } = parsed.data;
  const signal: FixCiSignal = {
    branch: run.head_branch,
    sha: run.head_sha,
    conclusion: run.conclusion,
    name: run.name || "CI",
    htmlUrl: run.html_url ?? null,
  };
  return verdictOf(
    await followFixCi(fixDeps(context.octokit, deps), repoOf(parsed.data.repository), signal),
  );
}

/** A check of CI outside GitHub Actions, completed on a fix branch (see check-completed.ts). */
export type FixBranchCheck = Omit<FixCiSignal, "branch"> & {
  branch: string | null;
  app: { id: number; slug?: string | undefined } | null | undefined;
};

/** A check suite or check run on a fix branch, from CI outside GitHub Actions: validates the fix too. */
export async function onFixBranchCheck(
  context: Context<"check_run.completed" | "check_suite.completed">,
  deps: PipelineDeps,
  check: FixBranchCheck,
): Promise<Verdict> {
  // Actions reports through workflow_run; our own check run is a report, not CI.
  if (check.app?.slug === "github-actions")
    return ignored("GitHub Actions checks are handled through workflow_run");
  if (check.app && check.app.id === deps.appId) return ignored("our own check run");
  const parsed = repository.safeParse(context.payload.repository);
  if (!parsed.success || check.branch === null) return ignored("no repository or branch");
  const signal = { ...check, branch: check.branch };
  return verdictOf(await followFixCi(fixDeps(context.octokit, deps), repoOf(parsed.data), signal));
}

/** A CodeHealer fix pull request closed: merged, the fix has landed and its issue is closed. */
export const onPullRequestClosed: Handler<"pull_request.closed"> = async (context, deps) => {
  const parsed = closedPayload.safeParse(context.payload);
  if (!parsed.success)
    return ignored(
      `payload lacks what a pull request needs: ${parsed.error.issues[0]?.path.join(".")}`,
    );
  const { pull_request: pull, repository: repo } = parsed.data;
  if (!pull.head.ref.startsWith(FIX_BRANCH_ROOT))
    return ignored("not from a CodeHealer fix branch");
  // A fork may name its branch codehealer/… too; only the repository's own branch is ours.
  if (pull.head.repo?.full_name !== repo.full_name)
    return ignored(`from a fork's ${pull.head.ref}, not CodeHealer's`);
  if (pull.user?.type !== "Bot") return ignored("opened by a person, not CodeHealer");
  const closed = {
    number: pull.number,
    merged: pull.merged === true,
    body: pull.body,
    head: pull.head.ref,
  };
  return verdictOf(await settleClosedFix(fixDeps(context.octokit, deps), repoOf(repo), closed));
};
