import type { ProbotOctokit } from "probot";
import { explained } from "./github-error.ts";

/**
 * Whether a commit is already on a branch of this repository (the branch is it, or has moved on
 * from it). A fix branch is built on the failing commit and pushed to this repository, where
 * its workflows run with the repository's secrets: that is safe only for a commit someone with
 * write access already put here. A fork's commit is not on the branch of the same name (nor on
 * any of ours), and neither is one the branch was force-pushed away from.
 * A commit or branch GitHub cannot find (404) is not on it; other failures are thrown, explained.
 */
export async function commitOnBranch(
  octokit: ProbotOctokit,
  repository: { owner: string; repo: string },
  sha: string,
  branch: string,
): Promise<boolean> {
  const what = `Checking that ${sha.slice(0, 7)} is on ${branch} in ${repository.owner}/${repository.repo}`;
  return explained(what, "contents: read", async () => {
    try {
      // base...head: "ahead" means the branch (head) contains the commit (base) and more.
      const { data } = await octokit.request("GET /repos/{owner}/{repo}/compare/{basehead}", {
        ...repository,
        basehead: `${sha}...${branch}`,
        per_page: 1,
      });
      return data.status === "identical" || data.status === "ahead";
    } catch (error) {
      if ((error as { status?: unknown }).status === 404) return false;
      throw error;
    }
  });
}
