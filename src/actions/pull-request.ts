import type { ProbotOctokit } from "probot";
import { z } from "zod";
import { isNotFound } from "../github/responses.ts";
import type { PlanPullRequest } from "../policy/plan-input.ts";

/** Authors GitHub says have write access: their pull requests may be acted on. */
const TRUSTED_ASSOCIATIONS = ["OWNER", "MEMBER", "COLLABORATOR"];

/** The pull request a failing run belongs to, as the plan and the sticky comment need it. */
export type RunPullRequest = PlanPullRequest & { headSha: string };

/** What of a run's webhook payload says which pull request it ran for. */
export const runOrigin = z.object({
  /** `pull_request`, `push`, `pull_request_target`…; absent on check suites. */
  event: z.string().optional(),
  headBranch: z.string().nullable(),
  headSha: z.string(),
  /** The repository the head commit lives in: a fork's for a fork pull request. */
  headRepository: z.string().nullable(),
  /** GitHub's own list: same-repository pull requests only, empty for forks. */
  pullRequests: z.array(z.number().int().positive()),
});
export type RunOrigin = z.infer<typeof runOrigin>;

const pullSchema = z.object({
  number: z.number().int(),
  state: z.string(),
  author_association: z.string(),
  head: z.object({ sha: z.string(), repo: z.object({ full_name: z.string() }).nullable() }),
});
type Pull = z.infer<typeof pullSchema>;

const asRunPullRequest = (pull: Pull, repository: string): RunPullRequest => ({
  number: pull.number,
  headSha: pull.head.sha,
  // A deleted fork leaves `head.repo` null: still a stranger's code.
  fromFork: pull.head.repo?.full_name !== repository,
  authorTrusted: TRUSTED_ASSOCIATIONS.includes(pull.author_association),
});

/**
 * Finds the open pull request a failing run belongs to:
 * - GitHub lists same-repository pull requests on the run: the first is read for its author;
 * - a fork's pull request is not listed (`pull_requests` is empty for forks), so for a run of a
 *   `pull_request` event whose head lives in another repository, the open pull requests from
 *   that fork's branch are searched for the run's commit.
 * Null for a push, a schedule, or a pull request that is gone. GitHub failing otherwise is thrown.
 */
export async function findRunPullRequest(
  octokit: ProbotOctokit,
  repository: { owner: string; repo: string },
  origin: RunOrigin,
): Promise<RunPullRequest | null> {
  const fullName = `${repository.owner}/${repository.repo}`;
  try {
    const listed = origin.pullRequests[0];
    if (listed !== undefined) {
      const { data } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
        ...repository,
        pull_number: listed,
      });
      const pull = pullSchema.parse(data);
      return pull.state === "open" ? asRunPullRequest(pull, fullName) : null;
    }
    const fork = origin.headRepository;
    const fromPullRequest = origin.event?.startsWith("pull_request") ?? false;
    if (!fromPullRequest || fork === null || fork === fullName || origin.headBranch === null)
      return null;
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/pulls", {
      ...repository,
      head: `${fork.split("/")[0]}:${origin.headBranch}`,
      state: "open",
      per_page: 10,
    });
    const pulls = z.array(pullSchema).parse(data);
    const pull = pulls.find((candidate) => candidate.head.sha === origin.headSha) ?? pulls[0];
    return pull ? asRunPullRequest(pull, fullName) : null;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
