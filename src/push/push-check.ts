import type { CheckAnnotation } from "../actions/check-run-output.ts";
import { auditEntry, type EffectDeps, fullName, type Target } from "../actions/effect.ts";
import { explained } from "../actions/github-error.ts";
import { shortSha } from "../actions/markdown.ts";
import { type AuditOutcome, once, recordDryRun } from "../store/audit.ts";

/** A check run CodeHealer writes on a pushed commit: whole, in one request. */
export type PushCheckBody = {
  name: string;
  head_sha: string;
  status: "completed";
  conclusion: "failure" | "neutral";
  completed_at: string;
  /** Marks the check run as CodeHealer's, so a retried attempt finds the one it made. */
  external_id: string;
  output: { title: string; summary: string; annotations: CheckAnnotation[] };
};

/**
 * Writes a check run on a pushed commit, at most once per `key`:
 * 1. claim the key in the audit trail (a redelivery, or the same commit pushed to another
 *    branch, stops here);
 * 2. on a retried attempt, find the check run an interrupted one may have created (by name and
 *    `external_id`) and update it;
 * 3. otherwise create it, annotations included.
 * A GitHub error is a `failed` outcome explaining it, never a throw.
 */
export async function writePushCheck(
  deps: EffectDeps,
  target: Target,
  key: string,
  body: PushCheckBody,
  { dryRun }: { dryRun: boolean },
): Promise<AuditOutcome> {
  const repository = fullName(target);
  const entry = auditEntry(target, "check_run", key);
  const at = `the ${body.name} check run (${body.conclusion}) on ${shortSha(body.head_sha)} in ${repository}`;
  const detail = {
    headSha: body.head_sha,
    conclusion: body.conclusion,
    annotations: body.output.annotations.length,
  };
  if (dryRun)
    return recordDryRun(
      deps.db,
      entry,
      `[dry-run] Would create ${at}`,
      { ...detail, request: body },
      deps.now(),
    );
  const repo = { owner: target.owner, repo: target.repo };
  return once(
    deps.db,
    entry,
    ({ retry }) =>
      explained(`Writing ${at}`, "checks: write", async () => {
        const existing = retry ? await earlierCheckRun(deps, repo, body) : null;
        // GitHub appends annotations sent in an update: the check run found has them already.
        const { head_sha: _sha, output, ...rest } = body;
        const { data } =
          existing === null
            ? await deps.octokit.request("POST /repos/{owner}/{repo}/check-runs", {
                ...repo,
                ...body,
              })
            : await deps.octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
                ...repo,
                check_run_id: existing,
                ...rest,
                output: { title: output.title, summary: output.summary },
              });
        return {
          targetUrl: data.html_url,
          detail: { ...detail, checkRunId: Number(data.id), updated: existing !== null },
        };
      }),
    { now: deps.now() },
  );
}

// An attempt interrupted after creating the check run leaves it on the commit, marked as ours.
async function earlierCheckRun(
  deps: EffectDeps,
  repo: { owner: string; repo: string },
  body: PushCheckBody,
): Promise<number | null> {
  const runs = await deps.octokit.paginate("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
    ...repo,
    ref: body.head_sha,
    check_name: body.name,
    filter: "all",
    per_page: 100,
  });
  const run = runs.find((candidate) => candidate.external_id === body.external_id);
  return run ? Number(run.id) : null;
}
