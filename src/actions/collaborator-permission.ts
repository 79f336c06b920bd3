import type { ProbotOctokit } from "probot";
import { explained } from "./github-error.ts";

/** What GitHub answers for a person's access to a repository: `admin`, `write`, `read` or `none`. */
export type Permission = { permission: string; mayWrite: boolean };

// The legacy `permission` field folds `maintain` into `write` and `triage` into `read`;
// `role_name` names the role itself (or a custom role built on one of these).
const WRITER_PERMISSIONS = ["admin", "write"];
const WRITER_ROLES = ["admin", "maintain", "write"];

/**
 * Whether a person may write to a repository, as GitHub says it now: the check run's buttons
 * are shown only to people with write access, but the webhook is the only word CodeHealer has
 * that they were. Someone GitHub does not know in the repository (404) has no access; any
 * other failure is thrown, explained (a 5xx or a rate limit is `retryable`).
 */
export async function collaboratorPermission(
  octokit: ProbotOctokit,
  repository: { owner: string; repo: string },
  username: string,
): Promise<Permission> {
  const what = `Checking @${username}'s permission on ${repository.owner}/${repository.repo}`;
  return explained(what, "metadata: read", async () => {
    try {
      const { data } = await octokit.request(
        "GET /repos/{owner}/{repo}/collaborators/{username}/permission",
        { ...repository, username },
      );
      const mayWrite =
        WRITER_PERMISSIONS.includes(data.permission) || WRITER_ROLES.includes(data.role_name);
      return { permission: data.role_name || data.permission, mayWrite };
    } catch (error) {
      if ((error as { status?: unknown }).status === 404)
        return { permission: "none", mayWrite: false };
      throw error;
    }
  });
}
