import type { ProbotOctokit } from "probot";
import { redact } from "../logs/redact.ts";
import { githubFailure } from "./github-failure.ts";
import type { PromptCommits } from "./types.ts";

type Repository = { owner: string; repo: string };

/** Bounds of what the prompt gets of the commits since the last green run. */
export const COMMIT_LIMITS = {
  commits: 50,
  messageLines: 8,
  files: 20,
  /** Characters of one file's diff. */
  patchChars: 3000,
  /** Characters of all diffs together. */
  totalPatchChars: 30_000,
};

/**
 * The commits between the last successful run of the workflow and `headSha`:
 * 1. the latest successful run on the failing branch, else on any branch (a new branch's
 *    first runs have no green run of their own; the default branch's tells as much);
 * 2. the same commit passed: no change to show, and that says something;
 * 3. else GitHub's three-dot comparison: the commits on `headSha` since its merge base with the
 *    green commit, and their diff, trimmed, files the evidence implicates first.
 * GitHub failures become notes: the prompt goes without the commits.
 */
export async function commitsSinceGreen(
  octokit: ProbotOctokit,
  repository: Repository,
  run: { headSha: string; branch: string | null; workflowId: number },
  implicated: readonly string[] = [],
): Promise<{ commits: PromptCommits | null; notes: string[] }> {
  let green: { id: number; head_sha: string; head_branch: string | null } | undefined;
  const notes: string[] = [];
  try {
    const lastSuccess = async (branch: string | undefined) => {
      const { data } = await octokit.request(
        "GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs",
        { ...repository, workflow_id: run.workflowId, status: "success", per_page: 1, branch },
      );
      const [found] = data.workflow_runs;
      return (
        found && { id: Number(found.id), head_sha: found.head_sha, head_branch: found.head_branch }
      );
    };
    if (run.branch !== null) green = await lastSuccess(run.branch);
    green ??= await lastSuccess(undefined);
  } catch (error) {
    return { commits: null, notes: [githubFailure(error, "The last successful run is unknown")] };
  }
  if (!green)
    return {
      commits: null,
      notes: ["No successful run of this workflow is on record: no commits to compare."],
    };
  const base = {
    base: green.head_sha,
    baseBranch: green.head_branch,
    runId: green.id,
  };
  if (green.head_sha === run.headSha)
    return { commits: { ...base, total: 0, commits: [], files: [], totalFiles: 0 }, notes };

  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/compare/{basehead}", {
      ...repository,
      basehead: `${green.head_sha}...${run.headSha}`,
      // Only the first page lists the changed files (up to 300 for the whole comparison).
      per_page: COMMIT_LIMITS.commits,
    });
    const files = data.files ?? [];
    return {
      commits: {
        ...base,
        total: data.total_commits,
        commits: data.commits.map((c) => ({ sha: c.sha, message: clipMessage(c.commit.message) })),
        files: trimFiles(files, implicated),
        totalFiles: files.length,
      },
      notes,
    };
  } catch (error) {
    const failure = githubFailure(
      error,
      `Comparing ${green.head_sha.slice(0, 12)}...${run.headSha.slice(0, 12)} failed`,
    );
    return { commits: null, notes: [failure] };
  }
}

function clipMessage(message: string): string {
  const lines = redact(message).split("\n");
  const kept = lines.slice(0, COMMIT_LIMITS.messageLines);
  if (lines.length > kept.length) kept.push(`[… ${lines.length - kept.length} more lines]`);
  return kept.join("\n");
}

type ChangedFile = {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  patch?: string | undefined;
};

// Implicated files first (a stable sort keeps GitHub's order otherwise); each diff clipped at
// a line; no diff once the total is spent.
function trimFiles(files: readonly ChangedFile[], implicated: readonly string[]) {
  const wanted = new Set(implicated);
  const ranked = [...files].sort(
    (a, b) => Number(wanted.has(b.filename)) - Number(wanted.has(a.filename)),
  );
  let left = COMMIT_LIMITS.totalPatchChars;
  return ranked.slice(0, COMMIT_LIMITS.files).map((f) => {
    const patch =
      f.patch === undefined || left <= 0
        ? null
        : clipPatch(redact(f.patch), Math.min(left, COMMIT_LIMITS.patchChars));
    left -= patch?.length ?? 0;
    return {
      path: f.filename,
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
      patch,
    };
  });
}

function clipPatch(patch: string, max: number): string {
  if (patch.length <= max) return patch;
  const cut = patch.lastIndexOf("\n", max);
  const kept = patch.slice(0, cut > 0 ? cut : max);
  const dropped = patch.slice(kept.length).split("\n").length - 1;
  return `${kept}\n[… ${Math.max(dropped, 1)} more lines of this diff]`;
}
