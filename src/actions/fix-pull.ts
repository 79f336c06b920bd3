import type { ProbotOctokit } from "probot";
import { z } from "zod";
import type { Config } from "../policy/config.ts";
import { ActionError, explainGitHubError } from "./github-error.ts";
import { shortSha } from "./markdown.ts";

/** A fix pull request as it is now. */
export type FixPull = {
  number: number;
  /** The GraphQL node id, which the draft/ready mutations take. */
  nodeId: string;
  htmlUrl: string;
  state: string;
  draft: boolean;
  headSha: string;
};

const pullSchema = z.object({
  number: z.number().int(),
  node_id: z.string(),
  html_url: z.string(),
  state: z.string(),
  draft: z.boolean().optional(),
  head: z.object({ sha: z.string() }),
});

/** The pull request as GitHub has it now; null when it is gone. Other failures are thrown, explained. */
export async function currentPullRequest(
  octokit: ProbotOctokit,
  repository: { owner: string; repo: string },
  pullRequest: number,
): Promise<FixPull | null> {
  const what = `Reading the fix pull request #${pullRequest} of ${repository.owner}/${repository.repo}`;
  let data: unknown;
  try {
    ({ data } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
      ...repository,
      pull_number: pullRequest,
    }));
  } catch (error) {
    if ((error as { status?: unknown }).status === 404) return null;
    throw explainGitHubError(what, "pull_requests: read", error);
  }
  const pull = pullSchema.safeParse(data);
  if (!pull.success) throw new ActionError(`${what}: GitHub's answer lacks a field.`);
  const { number, node_id, html_url, state, draft, head } = pull.data;
  return {
    number,
    nodeId: node_id,
    htmlUrl: html_url,
    state,
    draft: draft ?? false,
    headSha: head.sha,
  };
}

/**
 * Why CodeHealer leaves a fix pull request alone after CI on `sha`; null when it may change
 * it. The kill switch stops everything; a pull request closed, gone, or carrying a newer
 * commit (someone pushed to it) is no longer the one this CI result speaks for. Pure.
 */
export function pullRequestBlocked(
  pull: FixPull | null,
  sha: string,
  config: Pick<Config, "enabled">,
): string | null {
  if (!config.enabled)
    return "CodeHealer is turned off in this repository (`enabled: false`): the pull request is left alone";
  if (pull === null) return "its pull request is gone";
  if (pull.state !== "open") return `its pull request #${pull.number} is ${pull.state}`;
  if (pull.headSha !== sha)
    return `its pull request #${pull.number} has moved on to ${shortSha(pull.headSha)}, which this CI result does not speak for`;
  return null;
}
