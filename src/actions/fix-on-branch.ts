import type { ProbotOctokit } from "probot";
import type { Incident } from "../store/schema.ts";
import type { ButtonDecision, ButtonRefusal } from "./button-decision.ts";
import { commitOnBranch } from "./commit-on-branch.ts";
import { ActionError } from "./github-error.ts";
import { shortSha } from "./markdown.ts";

/**
 * A person's "open the fix" decision, checked against GitHub: the fix branch is built on the
 * failing commit, so it is refused unless that commit is on the branch here already (a fork's
 * commit is never pushed to a branch whose CI has the repository's secrets). GitHub failing to
 * say so is a refusal too, unless a later attempt may cure it (thrown).
 */
export async function fixBaseOnBranch(
  octokit: ProbotOctokit,
  repository: { owner: string; repo: string },
  incident: Incident,
  decision: Extract<ButtonDecision, { kind: "fix_pr" }>,
): Promise<Extract<ButtonDecision, { kind: "fix_pr" }> | ButtonRefusal> {
  const base = decision.fix.baseSha ?? incident.headSha;
  const branch = decision.step.base;
  try {
    if (await commitOnBranch(octokit, repository, base, branch)) return decision;
  } catch (error) {
    if (!(error instanceof ActionError) || error.retryable) throw error;
    return { kind: "refused", rule: "fork", reason: error.message };
  }
  return {
    kind: "refused",
    rule: "fork",
    reason: `The failing commit ${shortSha(base)} is not on \`${branch}\` in ${repository.owner}/${repository.repo} (the run came from a fork, or the branch is gone or moved away from it), so CodeHealer will not push a fix branch built on it.`,
  };
}
