import type { ProbotOctokit } from "probot";
import { explained } from "../actions/github-error.ts";

type Repository = { owner: string; repo: string };

/** A release named by its commit: the SHA itself, or `name@<sha>` as Sentry releases often are. */
export function releaseSha(release: string | null | undefined): string | null {
  return /(?:^|@)([0-9a-f]{40})$/i.exec(release ?? "")?.[1]?.toLowerCase() ?? null;
}

// The commit GitHub has for a ref (a SHA or a branch), or null when it has none: 404 for an
// unknown branch or an empty repository, 422 for a SHA that is not in the repository.
async function commitAt(
  octokit: ProbotOctokit,
  repository: Repository,
  ref: string,
): Promise<string | null> {
  const { owner, repo } = repository;
  return explained(`Reading commit ${ref} of ${owner}/${repo}`, "contents: read", async () => {
    try {
      const { data } = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}", {
        owner,
        repo,
        ref,
      });
      return data.sha;
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (status === 404 || status === 409 || status === 422) return null;
      throw error;
    }
  });
}

/**
 * The commit a dispatch is diagnosed against: the release's commit when the release is a SHA
 * this repository has (the code that threw), else the head of the default branch (the code a
 * fix would change). Null when the branch has no commit. What GitHub fails to answer is
 * thrown, explained, and the delivery is tried again.
 */
export async function dispatchCommit(
  octokit: ProbotOctokit,
  repository: Repository,
  input: { branch: string; release?: string | null },
): Promise<{ sha: string; from: "release" | "branch" } | null> {
  const release = releaseSha(input.release);
  const released = release === null ? null : await commitAt(octokit, repository, release);
  if (released !== null) return { sha: released, from: "release" };
  const head = await commitAt(octokit, repository, input.branch);
  return head === null ? null : { sha: head, from: "branch" };
}
