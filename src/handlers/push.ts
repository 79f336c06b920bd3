import { z } from "zod";
import { CONFIG_CHECK_NAME, configCheckKey, reportConfigCheck } from "../actions/config-check.ts";
import { fullName } from "../actions/effect.ts";
import { ActionError } from "../actions/github-error.ts";
import { shortSha } from "../actions/markdown.ts";
import { CONFIG_PATH, readConfigFile } from "../policy/config-file.ts";
import { loadRepositoryConfig } from "../policy/load-config.ts";
import { type AuditOutcome, auditedAction } from "../store/audit.ts";
import { type Handler, ignored, processed, type Verdict } from "./types.ts";

const BRANCH = "refs/heads/";

/**
 * Most commits a push webhook lists. GitHub's docs also say 20, but that limit is for timeline
 * events only (`@octokit/openapi-webhooks-types`, `webhook-push.commits`).
 */
const LISTED_COMMITS = 2048;

// Webhook commits list the files they touched; the copy GitHub Actions gets does not.
const files = z.array(z.string()).default([]);
const commit = z.object({ added: files, modified: files, removed: files });

/** The fields this handler needs; anything else in the payload is GitHub's business. */
const pushPayload = z.object({
  ref: z.string(),
  after: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/),
  deleted: z.boolean().default(false),
  commits: z.array(commit).default([]),
  head_commit: commit.nullable().default(null),
  repository: z.object({
    name: z.string().min(1),
    owner: z.object({ login: z.string().min(1) }),
    default_branch: z.string().min(1),
  }),
});

type Push = z.infer<typeof pushPayload>;

const touchesConfig = (push: Push): boolean =>
  [...push.commits, push.head_commit].some(
    (c) => c !== null && [...c.added, ...c.modified, ...c.removed].includes(CONFIG_PATH),
  );

/**
 * A push to a branch that changes `.github/codehealer.yml` (in any repository, or in the
 * owner's `.github` repository, where it is every repository's default): the file at the
 * pushed commit is checked and the result shown on that commit as a check run.
 */
export const onPush: Handler<"push"> = async (context, deps) => {
  const parsed = pushPayload.safeParse(context.payload);
  if (!parsed.success)
    return ignored(`payload lacks what a push needs: ${parsed.error.issues[0]?.path.join(".")}`);
  const push = parsed.data;
  if (push.deleted) return ignored(`${push.ref} was deleted`);
  if (!push.ref.startsWith(BRANCH)) return ignored(`${push.ref} is not a branch`);
  if (!touchesConfig(push))
    return ignored(
      push.commits.length >= LISTED_COMMITS
        ? `none of the ${push.commits.length} commits GitHub listed touches ${CONFIG_PATH}; the push may have more, which are not looked at`
        : `no commit touches ${CONFIG_PATH}`,
    );
  const target = {
    owner: push.repository.owner.login,
    repo: push.repository.name,
    incidentId: null,
  };
  const key = configCheckKey(fullName(target), push.after);
  if ((await auditedAction(deps.db, key))?.status === "done")
    return ignored(`${CONFIG_PATH} at ${shortSha(push.after)} is already checked`);
  // The configuration in force says whether CodeHealer may report here, and for real.
  const { config } = await loadRepositoryConfig(context.octokit, target);
  if (!config.enabled) return ignored("CodeHealer is turned off here (`enabled: false`)");
  const file = await readConfigFile(context.octokit, { ...target, ref: push.after });
  const outcome = await reportConfigCheck(
    { octokit: context.octokit, db: deps.db, now: () => new Date() },
    target,
    {
      headSha: push.after,
      branch: push.ref.slice(BRANCH.length),
      defaultBranch: push.repository.default_branch,
      orgWide: target.repo === ".github",
      file,
    },
    { dryRun: config.dry_run },
  );
  return verdict(outcome, push.after);
};

// A failure a later attempt may get past (5xx, rate limit) is thrown, so that the queue retries.
function verdict(outcome: AuditOutcome, sha: string): Verdict {
  const check = `${CONFIG_CHECK_NAME} check run on ${shortSha(sha)}`;
  switch (outcome.status) {
    case "done":
      return processed(
        outcome.replayed ? `${check} already written` : `${check}: ${outcome.detail?.conclusion}`,
      );
    case "dry-run":
      return processed(outcome.message);
    case "skipped":
      return processed(outcome.reason);
    case "failed":
      if (outcome.cause instanceof ActionError && outcome.cause.retryable) throw outcome.cause;
      return processed(outcome.error);
  }
}
