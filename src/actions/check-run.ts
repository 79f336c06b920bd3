import { type AuditOutcome, once, recordDryRun } from "../store/audit.ts";
import {
  ANNOTATIONS_PER_REQUEST,
  buildCheckRun,
  CHECK_NAME,
  type CheckAnnotation,
  type CheckRunInput,
} from "./check-run-output.ts";
import { auditEntry, type EffectDeps, fullName, type Target } from "./effect.ts";
import { explained } from "./github-error.ts";
import type { IncidentView } from "./incident-view.ts";
import { shortSha } from "./markdown.ts";

/** One check run per incident; a later update (after a button press) passes a key of its own. */
export const checkRunKey = (repository: string, incidentId: string): string =>
  `check_run:${repository}:${incidentId}`;

export type UpsertCheckRunInput = CheckRunInput & {
  view: IncidentView;
  /** The check run to update, when the caller knows it (a requested_action payload names it). */
  checkRunId?: number | null;
  /** Overrides {@link checkRunKey}, for a deliberate second write to the same check run. */
  key?: string;
};

type Existing = { id: number; annotations: number };

const batches = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );

/**
 * CodeHealer's check run on the failing commit, carrying the diagnosis, annotations at the
 * files and lines the evidence names, and the Retry / Open fix PR / Not helpful buttons:
 * 1. find the run an earlier attempt (or the caller) made — its `external_id` is the incident;
 * 2. create it, or update it, with the first 50 annotations GitHub takes per request;
 * 3. send the other annotations 50 at a time (GitHub appends them; those already there from an
 *    interrupted attempt are not sent again).
 */
export async function upsertCheckRun(
  deps: EffectDeps,
  target: Target,
  input: UpsertCheckRunInput,
  { dryRun }: { dryRun: boolean },
): Promise<AuditOutcome> {
  const repository = fullName(target);
  const { view } = input;
  const entry = auditEntry(target, "check_run", input.key ?? checkRunKey(repository, view.id));
  const { body, annotations } = buildCheckRun(view, input, deps.now());
  const verb = input.checkRunId ? "update" : "create";
  if (dryRun)
    return recordDryRun(
      deps.db,
      entry,
      `[dry-run] Would ${verb} the ${CHECK_NAME} check run (${body.conclusion}) on ${shortSha(view.headSha)} in ${repository} with ${annotations.length} annotations`,
      { request: body, annotations: annotations.length },
      deps.now(),
    );
  const what = `Writing the ${CHECK_NAME} check run on ${shortSha(view.headSha)} in ${repository}`;
  return once(
    deps.db,
    entry,
    ({ retry }) =>
      explained(what, "checks: write", async () => {
        const existing = input.checkRunId
          ? await checkRunById(deps, target, input.checkRunId)
          : retry
            ? await checkRunOfIncident(deps, target, view)
            : null;
        const fresh = annotations.slice(existing?.annotations ?? 0);
        const [first = [], ...rest] = batches(fresh, ANNOTATIONS_PER_REQUEST);
        const run = await write(deps, target, body, existing, first);
        for (const batch of rest)
          await deps.octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
            owner: target.owner,
            repo: target.repo,
            check_run_id: run.id,
            output: { title: body.output.title, summary: body.output.summary, annotations: batch },
          });
        return {
          targetUrl: run.html_url,
          detail: {
            checkRunId: run.id,
            headSha: view.headSha,
            conclusion: body.conclusion,
            annotations: fresh.length,
            updated: existing !== null,
          },
        };
      }),
    { now: deps.now() },
  );
}

async function write(
  deps: EffectDeps,
  target: Target,
  body: ReturnType<typeof buildCheckRun>["body"],
  existing: Existing | null,
  annotations: CheckAnnotation[],
): Promise<{ id: number; html_url: string | null }> {
  const output = { ...body.output, annotations };
  if (existing === null) {
    const { data } = await deps.octokit.request("POST /repos/{owner}/{repo}/check-runs", {
      owner: target.owner,
      repo: target.repo,
      ...body,
      output,
    });
    return { id: Number(data.id), html_url: data.html_url };
  }
  const { head_sha: _sha, ...update } = body;
  const { data } = await deps.octokit.request(
    "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
    { owner: target.owner, repo: target.repo, check_run_id: existing.id, ...update, output },
  );
  return { id: Number(data.id), html_url: data.html_url };
}

async function checkRunById(deps: EffectDeps, target: Target, id: number): Promise<Existing> {
  const { data } = await deps.octokit.request(
    "GET /repos/{owner}/{repo}/check-runs/{check_run_id}",
    { owner: target.owner, repo: target.repo, check_run_id: id },
  );
  return { id: Number(data.id), annotations: data.output.annotations_count };
}

// A retried attempt may have created the check run before it was interrupted: it is the
// CodeHealer run on the commit whose external_id is this incident.
async function checkRunOfIncident(
  deps: EffectDeps,
  target: Target,
  view: IncidentView,
): Promise<Existing | null> {
  const runs = await deps.octokit.paginate("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
    owner: target.owner,
    repo: target.repo,
    ref: view.headSha,
    check_name: CHECK_NAME,
    filter: "all",
    per_page: 100,
  });
  const run = runs.find((candidate) => candidate.external_id === view.id);
  return run ? { id: Number(run.id), annotations: run.output.annotations_count } : null;
}
