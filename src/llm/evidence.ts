import type { ProbotOctokit } from "probot";
import { z } from "zod";
import type { Annotation, Diagnosis } from "../diagnosis/diagnose.ts";
import type { RememberedFix, SimilarFailure } from "../diagnosis/memory-recall.ts";
import { redact } from "../logs/redact.ts";
import { ALWAYS_DENIED_PATHS } from "../policy/denied-paths.ts";
import { matchesAny } from "../policy/glob.ts";
import type { Incident } from "../store/schema.ts";
import { readImplicatedFiles } from "./file-contents.ts";
import { githubFailure } from "./github-failure.ts";
import { implicatedPaths } from "./implicated-paths.ts";
import { commitsSinceGreen } from "./last-green.ts";
import { LLM_DENIED_PATHS } from "./patch-safety.ts";
import type { PromptEvidence, PromptMemory } from "./types.ts";

/** Paths never read for a prompt: the ones a fix may never touch hold secrets or CI configuration. */
const NEVER_SENT = [...ALWAYS_DENIED_PATHS, ...LLM_DENIED_PATHS];

type Repository = { owner: string; repo: string };

/** A diagnosis by rules, or by rules and memory (`MemoryDiagnosis`). */
export type DiagnosisForPrompt = Omit<Diagnosis, "source"> & {
  source: string;
  similar?: readonly SimilarFailure[];
  remembered?: RememberedFix | undefined;
};

/** What the incident says about where the job failed, besides the diagnosis. */
export type FailureContext = {
  repository: string;
  headSha: string;
  branch: string | null;
  workflow: string | null;
  job: string | null;
  step: string | null;
  annotations: readonly Annotation[];
  /** Why files or commits are missing, when the caller knows already. */
  notes?: readonly string[];
};

const JobsEvidence = z.object({
  jobs: z.array(
    z.object({
      id: z.number(),
      name: z.string().nullish(),
      failedSteps: z.array(z.object({ name: z.string() })).default([]),
      annotations: z
        .array(
          z.object({ path: z.string().nullish(), line: z.number().nullish(), message: z.string() }),
        )
        .default([]),
    }),
  ),
});

/** The failure's context as the diagnosis stage stored it on the incident. */
export function failureContext(incident: Incident): FailureContext {
  const parsed = JobsEvidence.safeParse(incident.evidence);
  const jobs = parsed.success ? parsed.data.jobs : [];
  const job = jobs.find((j) => j.id === incident.jobId) ?? jobs[0];
  return {
    repository: incident.repository,
    headSha: incident.headSha,
    branch: incident.branch,
    workflow: incident.workflowName,
    job: job?.name ?? incident.jobName,
    step: job?.failedSteps[0]?.name ?? null,
    annotations: job?.annotations ?? [],
  };
}

// An Actions step's header: the first line of its script. The API gives only the step's name.
const RUN_GROUP = /^##\[group\]Run (.+)$/m;

/**
 * The evidence a prompt needs that needs no GitHub read: the diagnosis, its excerpt, the
 * failing step and command, what memory remembers. Everything is redacted. `gatherPromptEvidence`
 * adds the files and commits; `npm run bench:prompt` and offline callers use this alone.
 */
export function localPromptEvidence(
  diagnosis: DiagnosisForPrompt,
  context: FailureContext,
): PromptEvidence {
  const optional = (text: string | null | undefined) =>
    text === null || text === undefined || text.trim() === "" ? null : redact(text.trim());
  const step = optional(context.step);
  const command = optional(RUN_GROUP.exec(diagnosis.excerpt)?.[1] ?? diagnosis.failedStep);
  return {
    repository: context.repository,
    headSha: context.headSha,
    branch: optional(context.branch),
    workflow: optional(context.workflow),
    job: optional(context.job),
    step,
    command: command === step ? null : command,
    verdict: {
      category: diagnosis.category,
      confidence: diagnosis.confidence,
      transient: diagnosis.transient,
      ruleId: diagnosis.ruleId,
      source: diagnosis.source,
      explanation: diagnosis.explanation ?? null,
      remedy: diagnosis.remedy ?? null,
    },
    errorLine: redact(diagnosis.errorLine),
    excerpt: redact(diagnosis.excerpt),
    memory: memoryOf(diagnosis),
    files: [],
    commits: null,
    notes: [...(context.notes ?? [])],
  };
}

// The remembered fix that settled the diagnosis comes with its patch; the others as listed.
function memoryOf(diagnosis: DiagnosisForPrompt): PromptMemory[] {
  const remembered = diagnosis.remembered;
  return (diagnosis.similar ?? []).map((s) => ({
    category: s.category,
    fix: redact(s.fix),
    patch:
      remembered?.solutionId === s.solutionId && remembered.patch ? redact(remembered.patch) : null,
    similarity: s.similarity,
    probability: s.probability,
    scope: s.scope,
    source: s.source,
    exact: s.exact,
  }));
}

/**
 * Everything a prompt is built from, for one diagnosed incident:
 * 1. the local evidence (`localPromptEvidence`);
 * 2. the files the error line, annotations and excerpt point at, read at the head SHA;
 * 3. the commits since the last successful run of the workflow (Actions runs only).
 * Steps 2 and 3 are optional: whatever GitHub answers (404, 403, 5xx, a network error), the
 * prompt goes without that part and `notes` says why, since rules and memory have answered
 * already and a lesser prompt beats none. Only errors that are not GitHub's are thrown.
 * `workflowId` is the run's `workflow_run.workflow_id` when the caller has the delivery;
 * otherwise the run is asked for it.
 */
export async function gatherPromptEvidence(
  octokit: ProbotOctokit,
  input: {
    repository: Repository;
    incident: Incident;
    diagnosis: DiagnosisForPrompt;
    workflowId?: number | null;
  },
): Promise<PromptEvidence> {
  const { repository, incident, diagnosis } = input;
  const context = failureContext(incident);
  const local = localPromptEvidence(diagnosis, context);
  // The log names the files, and the log is a stranger's text: a path that holds secrets or CI
  // configuration is never read for the prompt, whatever the log says.
  const named = implicatedPaths(
    { errorLine: local.errorLine, annotations: context.annotations, excerpt: local.excerpt },
    repository.repo,
  );
  const paths = named.filter((p) => !matchesAny(p.path, NEVER_SENT));
  const withheld = named
    .filter((p) => matchesAny(p.path, NEVER_SENT))
    .map((p) => `${p.path}: not read, a path that may hold secrets or CI configuration.`);
  const [files, commits] = await Promise.all([
    readImplicatedFiles(octokit, repository, incident.headSha, paths),
    incidentCommits(
      octokit,
      repository,
      incident,
      input.workflowId ?? null,
      paths.map((p) => p.path),
    ),
  ]);
  return {
    ...local,
    files: files.files,
    commits: commits.commits,
    notes: [...local.notes, ...withheld, ...files.notes, ...commits.notes],
  };
}

async function incidentCommits(
  octokit: ProbotOctokit,
  repository: Repository,
  incident: Incident,
  knownWorkflowId: number | null,
  implicated: string[],
) {
  if (incident.provider !== "actions")
    return {
      commits: null,
      notes: ["Not a GitHub Actions run: there is no workflow history to compare with."],
    };
  let workflowId = knownWorkflowId;
  let branch = incident.branch;
  if (workflowId === null) {
    try {
      const { data } = await octokit.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}", {
        ...repository,
        run_id: incident.runId,
      });
      workflowId = data.workflow_id;
      branch ??= data.head_branch;
    } catch (error) {
      return {
        commits: null,
        notes: [githubFailure(error, `Run ${incident.runId}'s workflow is unknown`)],
      };
    }
  }
  return commitsSinceGreen(
    octokit,
    repository,
    { headSha: incident.headSha, branch, workflowId },
    implicated,
  );
}
