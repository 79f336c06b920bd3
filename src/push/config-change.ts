import { CONFIG_CHECK_NAME, configCheckKey, reportConfigCheck } from "../actions/config-check.ts";
import type { EffectDeps } from "../actions/effect.ts";
import { fullName } from "../actions/effect.ts";
import { type FollowUp, followUp, retryIfWorthIt } from "../actions/fix-follow-up.ts";
import { shortSha } from "../actions/markdown.ts";
import { CONFIG_PATH, readConfigFile } from "../policy/config-file.ts";
import { type AuditOutcome, auditedAction } from "../store/audit.ts";
import { LISTED_COMMITS, type Push } from "./read-push.ts";

/** Whether a commit GitHub listed adds, changes or removes `.github/codehealer.yml`. Pure. */
export const touchesConfig = (push: Push): boolean =>
  [...push.commits, push.headCommit].some(
    (c) => c !== null && [...c.added, ...c.modified, ...c.removed].includes(CONFIG_PATH),
  );

/** Why a push gets no configuration check, or null when it needs one. */
export async function noConfigCheck(
  deps: Pick<EffectDeps, "db">,
  push: Push,
): Promise<string | null> {
  if (!touchesConfig(push))
    return push.commits.length >= LISTED_COMMITS
      ? `none of the ${push.commits.length} commits GitHub listed touches ${CONFIG_PATH}; the push may have more, which are not looked at`
      : `no commit touches ${CONFIG_PATH}`;
  const key = configCheckKey(fullName(push), push.after);
  if ((await auditedAction(deps.db, key))?.status === "done")
    return `${CONFIG_PATH} at ${shortSha(push.after)} is already checked`;
  return null;
}

/**
 * The file at the pushed commit, checked and shown on that commit as a check run (in any
 * repository, or in the owner's `.github` repository, where it is every repository's default).
 */
export async function checkPushedConfig(
  deps: EffectDeps,
  push: Push,
  { dryRun }: { dryRun: boolean },
): Promise<AuditOutcome> {
  const target = { owner: push.owner, repo: push.repo, incidentId: null };
  const file = await readConfigFile(deps.octokit, { ...target, ref: push.after });
  return reportConfigCheck(
    deps,
    target,
    {
      headSha: push.after,
      branch: push.branch,
      defaultBranch: push.defaultBranch,
      orgWide: target.repo === ".github",
      file,
    },
    { dryRun },
  );
}

/** What the configuration check did, for the delivery; a failure a retry may cure is thrown. */
export function configCheckDone(outcome: AuditOutcome, sha: string): FollowUp {
  retryIfWorthIt(outcome);
  const check = `${CONFIG_CHECK_NAME} check run on ${shortSha(sha)}`;
  switch (outcome.status) {
    case "done":
      return followUp(
        true,
        outcome.replayed ? `${check} already written` : `${check}: ${outcome.detail?.conclusion}`,
      );
    case "dry-run":
      return followUp(true, outcome.message);
    case "skipped":
      return followUp(true, outcome.reason);
    case "failed":
      return followUp(true, outcome.error);
  }
}
