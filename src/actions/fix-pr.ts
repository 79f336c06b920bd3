import type { FixPrStep } from "../policy/steps.ts";
import { type AuditOutcome, once, recordDryRun } from "../store/audit.ts";
import { auditEntry, type EffectDeps, fullName, type Target } from "./effect.ts";
import { buildFixPullRequest, type FixInput } from "./fix-pr-body.ts";
import { ActionError, explainGitHubError } from "./github-error.ts";
import type { IncidentView } from "./incident-view.ts";
import { shortSha } from "./markdown.ts";

export type { FixInput } from "./fix-pr-body.ts";

/** The only branches this effect ever writes: it may force-update them, so never anyone else's. */
export const FIX_BRANCH_ROOT = "codehealer/";

/** The trailer on every commit CodeHealer makes: how a branch's tip is recognised as ours. */
export const INCIDENT_TRAILER = "CodeHealer-Incident";

/** One fix pull request per incident and branch. */
export const fixPrKey = (repository: string, head: string, incidentId: string): string =>
  `fix_pr:${repository}:${head}:${incidentId}`;

const PERMISSION = "contents: write and pull_requests: write";

type Repo = { owner: string; repo: string };
type Commit = { sha: string; tree: string; parent: string };
type Placement = "created" | "updated" | "reused";

function invalidPath(path: string): boolean {
  return (
    path === "" ||
    path.startsWith("/") ||
    path.includes("\\") ||
    path.split("/").some((part) => part === "" || part === "." || part === "..")
  );
}

function refuseBadInput(step: FixPrStep, fix: FixInput, repository: string): void {
  if (!step.head.startsWith(FIX_BRANCH_ROOT) || step.head === step.base)
    throw new ActionError(
      `Refusing to push a fix to ${step.head} in ${repository}: fixes go only to new ${FIX_BRANCH_ROOT}… branches.`,
    );
  if (fix.files.length === 0)
    throw new ActionError(
      `The fix for ${repository} changes no file; there is nothing to propose.`,
    );
  const bad = fix.files.find((file) => invalidPath(file.path));
  if (bad) throw new ActionError(`The fix for ${repository} names an invalid path: "${bad.path}".`);
}

// 1–3: blobs, a tree on the base commit's tree, a commit whose parent is the base commit.
async function commitFix(
  deps: EffectDeps,
  repo: Repo,
  fix: FixInput,
  baseSha: string,
  message: string,
): Promise<Commit> {
  const { data: base } = await deps.octokit.request(
    "GET /repos/{owner}/{repo}/git/commits/{commit_sha}",
    { ...repo, commit_sha: baseSha },
  );
  const tree = [];
  for (const file of fix.files) {
    const { data: blob } = await deps.octokit.request("POST /repos/{owner}/{repo}/git/blobs", {
      ...repo,
      content: file.content,
      encoding: "utf-8",
    });
    tree.push({
      path: file.path,
      mode: file.mode ?? "100644",
      type: "blob",
      sha: blob.sha,
    } as const);
  }
  const { data: newTree } = await deps.octokit.request("POST /repos/{owner}/{repo}/git/trees", {
    ...repo,
    base_tree: base.tree.sha,
    tree,
  });
  const { data: commit } = await deps.octokit.request("POST /repos/{owner}/{repo}/git/commits", {
    ...repo,
    message,
    tree: newTree.sha,
    parents: [baseSha],
  });
  return { sha: commit.sha, tree: newTree.sha, parent: baseSha };
}

// 4. The branch: created; or, when it exists, reused if it already holds this fix, moved to the
// new commit if its tip is CodeHealer's, refused otherwise — a person's commits are never lost.
async function placeBranch(
  deps: EffectDeps,
  repo: Repo,
  { head, base }: { head: string; base: string },
  commit: Commit,
): Promise<{ placement: Placement; sha: string }> {
  try {
    await deps.octokit.request("POST /repos/{owner}/{repo}/git/refs", {
      ...repo,
      ref: `refs/heads/${head}`,
      sha: commit.sha,
    });
    return { placement: "created", sha: commit.sha };
  } catch (error) {
    // GitHub says 422 "Reference already exists"; anything else is a real failure.
    if ((error as { status?: unknown }).status !== 422) throw error;
  }
  const { data: ref } = await deps.octokit.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
    ...repo,
    ref: `heads/${head}`,
  });
  const tipSha = ref.object.sha;
  if (tipSha === commit.sha) return { placement: "reused", sha: tipSha };
  const { data: tip } = await deps.octokit.request(
    "GET /repos/{owner}/{repo}/git/commits/{commit_sha}",
    { ...repo, commit_sha: tipSha },
  );
  // Trees are content-addressed: the same tree on the same parent is this very fix.
  if (tip.tree.sha === commit.tree && tip.parents[0]?.sha === commit.parent)
    return { placement: "reused", sha: tipSha };
  if (!tip.message.includes(`\n${INCIDENT_TRAILER}: `))
    throw new ActionError(
      `The branch ${head} already exists in ${repo.owner}/${repo.repo} and its last commit (${shortSha(tipSha)}) is not CodeHealer's, so CodeHealer will not overwrite it. Delete the branch, or push the fix yourself.`,
    );
  // One branch per failure: if its open pull request goes into another branch, the same failure
  // is being fixed there, and moving the branch would move that pull request's commits.
  const { data: open } = await deps.octokit.request("GET /repos/{owner}/{repo}/pulls", {
    ...repo,
    head: `${repo.owner}:${head}`,
    state: "open",
    per_page: 1,
  });
  const other = open[0];
  if (other && other.base.ref !== base)
    throw new ActionError(
      `A CodeHealer fix for this failure is already open from ${head} into ${other.base.ref} (#${other.number}); CodeHealer will not move it to ${base}. Merge or close it first.`,
    );
  await deps.octokit.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", {
    ...repo,
    ref: `heads/${head}`,
    sha: commit.sha,
    force: true,
  });
  return { placement: "updated", sha: commit.sha };
}

export type OpenFixPullRequestInput = { step: FixPrStep; fix: FixInput; view: IncidentView };

/**
 * Proposes a fix as a pull request, through the git data API:
 * 1–3. blobs → tree (on the base commit's tree) → commit (parent: the base commit);
 * 4. the `codehealer/…` branch, created or safely reused (see `placeBranch`);
 * 5. the pull request, draft or ready as the plan says — or the open one for that branch,
 *    updated: never a second pull request.
 * If step 5 fails on a branch with no pull request, the branch is deleted: no half-made pull
 * request is left behind, and the failure is recorded.
 */
export async function openFixPullRequest(
  deps: EffectDeps,
  target: Target,
  { step, fix, view }: OpenFixPullRequestInput,
  { dryRun }: { dryRun: boolean },
): Promise<AuditOutcome> {
  const repository = fullName(target);
  const entry = auditEntry(target, "fix_pr", fixPrKey(repository, step.head, view.id));
  const pull = buildFixPullRequest(view, fix, { draft: step.draft });
  const kind = step.draft ? "draft pull request" : "pull request";
  if (dryRun)
    return recordDryRun(
      deps.db,
      entry,
      `[dry-run] Would push ${fix.files.length} changed file(s) to ${step.head} and open a ${kind} into ${step.base} in ${repository}: "${pull.title}"`,
      {
        head: step.head,
        base: step.base,
        draft: step.draft,
        files: fix.files.map((f) => f.path),
        pull,
      },
      deps.now(),
    );
  const what = `Opening the fix ${kind} ${step.head} → ${step.base} in ${repository}`;
  const repo = { owner: target.owner, repo: target.repo };
  const baseSha = fix.baseSha ?? view.headSha;
  const message = `${fix.message.trim()}\n\n${INCIDENT_TRAILER}: ${view.id}`;
  return once(
    deps.db,
    entry,
    async () => {
      let branch: { placement: Placement; sha: string } | null = null;
      let noPullRequest = false;
      try {
        refuseBadInput(step, fix, repository);
        const commit = await commitFix(deps, repo, fix, baseSha, message);
        branch = await placeBranch(deps, repo, { head: step.head, base: step.base }, commit);
        const { data: open } = await deps.octokit.request("GET /repos/{owner}/{repo}/pulls", {
          ...repo,
          head: `${target.owner}:${step.head}`,
          state: "open",
          per_page: 1,
        });
        const existing = open[0];
        noPullRequest = existing === undefined;
        const { data: pr } = existing
          ? await deps.octokit.request("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", {
              ...repo,
              pull_number: existing.number,
              ...pull,
            })
          : await deps.octokit.request("POST /repos/{owner}/{repo}/pulls", {
              ...repo,
              ...pull,
              head: step.head,
              base: step.base,
              draft: step.draft,
            });
        return {
          targetUrl: pr.html_url,
          detail: {
            pullRequest: pr.number,
            head: step.head,
            base: step.base,
            draft: pr.draft ?? step.draft,
            commitSha: branch.sha,
            branch: branch.placement,
            change: existing ? "updated" : "created",
          },
        };
      } catch (error) {
        const explainedError = explainGitHubError(what, PERMISSION, error);
        if (branch === null || (branch.placement !== "created" && !noPullRequest))
          throw explainedError;
        throw await withBranchDeleted(deps, repo, step.head, explainedError);
      }
    },
    { now: deps.now() },
  );
}

// The pull request could not be opened: take the branch away again, and say so in the error.
async function withBranchDeleted(
  deps: EffectDeps,
  repo: Repo,
  head: string,
  error: ActionError,
): Promise<ActionError> {
  let outcome: string;
  try {
    await deps.octokit.request("DELETE /repos/{owner}/{repo}/git/refs/{ref}", {
      ...repo,
      ref: `heads/${head}`,
    });
    outcome = `The branch ${head} was deleted: no half-made pull request is left behind.`;
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    outcome = `Deleting the branch ${head} failed too (${why}); delete it by hand.`;
  }
  return new ActionError(`${error.message} ${outcome}`, {
    status: error.status,
    retryable: error.retryable,
    cause: error,
  });
}
