import type { ProbotOctokit } from "probot";
import type { Annotation } from "../diagnosis/diagnose.ts";
import { isFailedConclusion } from "../github/conclusions.ts";

type Repo = { owner: string; repo: string };

/** A failed job of a run attempt, or a failed check run of another CI, with what the API says of it. */
export type FailedJob = {
  id: number;
  name: string;
  conclusion: string | null;
  htmlUrl: string | null;
  /** The steps that failed, in order; the first is where the job broke. */
  failedSteps: { number: number; name: string }[];
  annotations: Annotation[];
  /** For checks from other CI: the text they reported (there is no log to download). */
  output?: string;
};

/** Annotations kept per job: enough to point at the lines, not a wall of warnings. */
const MAX_ANNOTATIONS = 50;

/** The failed jobs of one attempt of a workflow run, each with its failed steps and annotations. */
export async function failedActionsJobs(
  octokit: ProbotOctokit,
  { owner, repo, runId, attempt }: Repo & { runId: number; attempt: number },
): Promise<FailedJob[]> {
  const jobs = await octokit.paginate(
    "GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs",
    {
      owner,
      repo,
      run_id: runId,
      attempt_number: attempt,
      per_page: 100,
    },
  );
  const failed = jobs.filter((job) => isFailedConclusion(job.conclusion));
  return Promise.all(
    failed.map(async (job) => ({
      id: job.id,
      name: job.name,
      conclusion: job.conclusion,
      htmlUrl: job.html_url,
      failedSteps: (job.steps ?? [])
        .filter((step) => isFailedConclusion(step.conclusion))
        .map((step) => ({ number: step.number, name: step.name })),
      // An Actions job is also a check run with the same id; its annotations hold ::error lines.
      annotations: await checkRunAnnotations(octokit, { owner, repo, checkRunId: job.id }),
    })),
  );
}

/** The failed check runs of a check suite from CI other than GitHub Actions, with their reported output. */
export async function failedSuiteChecks(
  octokit: ProbotOctokit,
  { owner, repo, suiteId }: Repo & { suiteId: number },
): Promise<FailedJob[]> {
  const runs = await octokit.paginate(
    "GET /repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs",
    {
      owner,
      repo,
      check_suite_id: suiteId,
      per_page: 100,
    },
  );
  const failed = runs.filter((run) => isFailedConclusion(run.conclusion));
  return Promise.all(
    failed.map(async (run) => ({
      id: run.id,
      name: run.name,
      conclusion: run.conclusion,
      htmlUrl: run.html_url ?? run.details_url ?? null,
      failedSteps: [],
      annotations: await checkRunAnnotations(octokit, { owner, repo, checkRunId: run.id }),
      output: [run.output.title, run.output.summary, run.output.text].filter(Boolean).join("\n"),
    })),
  );
}

async function checkRunAnnotations(
  octokit: ProbotOctokit,
  { owner, repo, checkRunId }: Repo & { checkRunId: number },
): Promise<Annotation[]> {
  const annotations = await octokit.paginate(
    "GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations",
    {
      owner,
      repo,
      check_run_id: checkRunId,
      per_page: 100,
    },
  );
  return annotations
    .filter((annotation) => annotation.annotation_level === "failure")
    .slice(0, MAX_ANNOTATIONS)
    .map((annotation) => ({
      path: annotation.path,
      line: annotation.start_line,
      message: annotation.message ?? "",
    }));
}
