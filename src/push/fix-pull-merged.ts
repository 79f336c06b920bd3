import { and, desc, eq } from "drizzle-orm";
import type { ProbotOctokit } from "probot";
import { z } from "zod";
import { explainGitHubError } from "../actions/github-error.ts";
import { isNotFound } from "../github/responses.ts";
import type { Db } from "../store/database.ts";
import { actions } from "../store/schema.ts";

const opened = z.object({ pullRequest: z.number().int().positive() });
const pull = z.object({ merged: z.boolean().nullish() });

/** The pull request CodeHealer opened last for an incident's fix (its `fix_pr` audit row), or null. */
export async function fixPullOf(
  db: Db,
  repository: string,
  incidentId: string,
): Promise<number | null> {
  const [row] = await db
    .select({ detail: actions.detail })
    .from(actions)
    .where(
      and(
        eq(actions.kind, "fix_pr"),
        eq(actions.status, "done"),
        eq(actions.repository, repository),
        eq(actions.incidentId, incidentId),
      ),
    )
    .orderBy(desc(actions.at), desc(actions.id))
    .limit(1);
  const detail = opened.safeParse(row?.detail);
  return detail.success ? detail.data.pullRequest : null;
}

/** Whether GitHub says the pull request was merged; a pull request that is gone was not. */
export async function pullMerged(
  octokit: ProbotOctokit,
  repository: { owner: string; repo: string },
  pullRequest: number,
): Promise<boolean> {
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
      ...repository,
      pull_number: pullRequest,
    });
    return pull.safeParse(data).data?.merged === true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw explainGitHubError(
      `Reading the fix pull request #${pullRequest} of ${repository.owner}/${repository.repo}`,
      "pull_requests: read",
      error,
    );
  }
}
