import { type AuditOutcome, once, recordDryRun } from "../store/audit.ts";
import {
  buildConfigCheck,
  CONFIG_CHECK_EXTERNAL_ID,
  CONFIG_CHECK_NAME,
  type ConfigCheckBody,
  type ConfigCheckInput,
} from "./config-check-output.ts";
import { auditEntry, type EffectDeps, fullName, type Target } from "./effect.ts";
import { explained } from "./github-error.ts";
import { shortSha } from "./markdown.ts";

export {
  CONFIG_CHECK_NAME,
  type ConfigCheckInput,
  formatConfigProblems,
} from "./config-check-output.ts";

/** One configuration check run per commit, whichever branches the commit is pushed to. */
export const configCheckKey = (repository: string, sha: string): string =>
  `config_check:${repository}:${sha}`;

/**
 * Shows on the commit whether its `.github/codehealer.yml` is valid, at most once per commit:
 * 1. claim `config_check:<repo>:<sha>` in the audit trail (a redelivery stops here);
 * 2. on a retried attempt, find the check run an interrupted one may have created;
 * 3. create it with an annotation at each problem's line, or update the one found.
 * A GitHub error is a `failed` outcome explaining it, never a throw.
 */
export async function reportConfigCheck(
  deps: EffectDeps,
  target: Target,
  input: ConfigCheckInput,
  { dryRun }: { dryRun: boolean },
): Promise<AuditOutcome> {
  const repository = fullName(target);
  const entry = auditEntry(target, "check_run", configCheckKey(repository, input.headSha));
  const body = buildConfigCheck(input, target.owner, deps.now());
  const detail = {
    headSha: input.headSha,
    conclusion: body.conclusion,
    problems: input.file.state === "invalid" ? input.file.problems.length : 0,
  };
  if (dryRun)
    return recordDryRun(
      deps.db,
      entry,
      `[dry-run] Would create the ${CONFIG_CHECK_NAME} check run (${body.conclusion}) on ${shortSha(input.headSha)} in ${repository}`,
      { ...detail, request: body },
      deps.now(),
    );
  const what = `Writing the ${CONFIG_CHECK_NAME} check run on ${shortSha(input.headSha)} in ${repository}`;
  return once(
    deps.db,
    entry,
    ({ retry }) =>
      explained(what, "checks: write", async () => {
        const existing = retry ? await earlierCheckRun(deps, target, input.headSha) : null;
        const { data } =
          existing === null
            ? await deps.octokit.request("POST /repos/{owner}/{repo}/check-runs", {
                owner: target.owner,
                repo: target.repo,
                ...body,
              })
            : await deps.octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
                owner: target.owner,
                repo: target.repo,
                check_run_id: existing,
                ...withoutSha(body),
              });
        return {
          targetUrl: data.html_url,
          detail: { ...detail, checkRunId: Number(data.id), updated: existing !== null },
        };
      }),
    { now: deps.now() },
  );
}

// The check run found was created whole, annotations included: GitHub appends annotations sent
// in an update, so they are not sent again.
const withoutSha = ({
  head_sha: _sha,
  output: { annotations: _sent, ...output },
  ...rest
}: ConfigCheckBody) => ({
  ...rest,
  output,
});

// An attempt interrupted after creating the check run leaves it on the commit, marked as ours.
async function earlierCheckRun(
  deps: EffectDeps,
  target: Target,
  sha: string,
): Promise<number | null> {
  const runs = await deps.octokit.paginate("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
    owner: target.owner,
    repo: target.repo,
    ref: sha,
    check_name: CONFIG_CHECK_NAME,
    filter: "all",
    per_page: 100,
  });
  const run = runs.find((candidate) => candidate.external_id === CONFIG_CHECK_EXTERNAL_ID);
  return run ? Number(run.id) : null;
}
