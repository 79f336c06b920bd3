import type { Logger } from "pino";
import type { ProbotOctokit } from "probot";
import { z } from "zod";
import { type JobLog, openJobLog } from "../logs/download.ts";
import { type FailedJob, failedActionsJobs, failedSuiteChecks } from "../logs/evidence.ts";
import { redact } from "../logs/redact.ts";
import type { Db } from "../store/database.ts";
import { updateIncident } from "../store/incidents.ts";
import type { Incident } from "../store/schema.ts";
import { type Diagnosis, diagnoseStream, diagnoseText } from "./diagnose.ts";
import { type MemoryDiagnosis, recall } from "./memory-recall.ts";
import { type Embedder, embedFailure } from "./memory-text.ts";

export type IncidentDeps = {
  db: Db;
  octokit: ProbotOctokit;
  log: Logger;
  /** Per-job log cap; the tail is kept. */
  maxLogBytes?: number;
  /** Makes the vectors memory compares; the local embedder when absent. */
  embedder?: Embedder;
  /** Where the failed jobs and their logs come from: GitHub unless given (`codehealer replay` reads files). */
  jobs?: JobSource;
};

/** The failed jobs of an incident's run, and a way to open each one's log. */
export type JobSource = {
  /** The failed jobs of the run attempt, or the failed checks of the suite with their output. */
  failedJobs: (incident: Incident) => Promise<FailedJob[]>;
  /** A failed Actions job's log, streamed, its tail kept when it is over `maxBytes`. */
  openLog: (incident: Incident, job: FailedJob, maxBytes?: number) => Promise<JobLog>;
};

/** The failed jobs and logs of an incident as GitHub has them: what the app reads. */
export function githubJobSource(octokit: ProbotOctokit): JobSource {
  const repositoryOf = (incident: Incident) => {
    const [owner = "", repo = ""] = incident.repository.split("/");
    return { owner, repo };
  };
  return {
    failedJobs: async (incident) =>
      incident.provider === "external"
        ? externalJobs(incident)
        : incident.provider === "actions"
          ? failedActionsJobs(octokit, {
              ...repositoryOf(incident),
              runId: incident.runId,
              attempt: incident.runAttempt,
            })
          : failedSuiteChecks(octokit, { ...repositoryOf(incident), suiteId: incident.runId }),
    openLog: (incident, job, maxBytes) =>
      openJobLog(octokit, { ...repositoryOf(incident), jobId: job.id }, { maxBytes }),
  };
}

/**
 * What an incident reported from outside CI carries (`evidence.external`, written when it was
 * opened): a Sentry error, an issue labelled `codehealer`. Diagnosed as text, like a check's
 * output; its file and line become an annotation.
 */
export const externalEvidence = z.object({
  /** Where it came from, as a person reads it: "Sentry error", "issue #12". */
  source: z.string().min(1).max(200),
  text: z.string().max(256 * 1024),
  url: z.string().nullish(),
  path: z.string().nullish(),
  line: z.number().int().positive().nullish(),
  /**
   * Why it may only ever be reported, whatever the diagnosis: a Prometheus alert is reported,
   * never fixed. Copied onto the diagnosis, where the plan reads `reportOnly`.
   */
  reportOnly: z.string().min(1).max(300).nullish(),
});
export type ExternalEvidence = z.infer<typeof externalEvidence>;

function externalOf(incident: Incident): ExternalEvidence | null {
  const parsed = z.object({ external: externalEvidence }).safeParse(incident.evidence);
  return parsed.success ? parsed.data.external : null;
}

function externalJobs(incident: Incident): FailedJob[] {
  const external = externalOf(incident);
  if (external === null) return [];
  const { source, text, url, path, line } = external;
  const annotations = path
    ? [{ path, line: line ?? null, message: text.split("\n")[0] ?? "" }]
    : [];
  return [
    {
      id: 0,
      name: source,
      conclusion: "failure",
      htmlUrl: url ?? null,
      failedSteps: [],
      annotations,
      output: text,
    },
  ];
}

/** Jobs whose logs are read per incident: a matrix of 40 identical failures says nothing more after a few. */
const MAX_JOBS = 5;

/** What is kept of each failed job on the incident (the evidence), beside the chosen diagnosis. */
export type JobEvidence = Omit<FailedJob, "output"> & {
  log: { bytes: number | null; truncated: boolean } | null;
  diagnosis: Diagnosis;
};

/**
 * The incident stage:
 * 1. find the failed jobs of the run attempt (or the failed checks of the suite);
 * 2. diagnose each one's log, streamed and size-capped, with its failed step and annotations;
 * 3. choose the diagnosis that tells the most (the surest recognised one);
 * 4. consult memory: a failure seen before (in this repository first, then in the
 *    organisation, then anywhere) raises or settles the diagnosis and brings the fix that worked;
 * 5. store the evidence, the combined diagnosis and its embedding on the incident.
 */
export async function diagnoseIncident(
  deps: IncidentDeps,
  incident: Incident,
): Promise<MemoryDiagnosis | null> {
  const source = deps.jobs ?? githubJobSource(deps.octokit);
  const jobs = await source.failedJobs(incident);
  if (jobs.length === 0) {
    deps.log.info(
      { incident: incident.id },
      "no failed job found; the run may have been re-run or deleted",
    );
    await updateIncident(deps.db, incident.id, {
      status: "diagnosed",
      evidence: { jobs: [] },
      category: "unknown",
    });
    return null;
  }

  const evidence: JobEvidence[] = [];
  for (const job of jobs.slice(0, MAX_JOBS)) {
    const context = { failedStep: job.failedSteps[0]?.name ?? null, annotations: job.annotations };
    const { output, ...kept } = job;
    if (incident.provider !== "actions") {
      evidence.push({ ...kept, log: null, diagnosis: diagnoseText(output ?? "", context) });
      continue;
    }
    const log = await source.openLog(incident, job, deps.maxLogBytes);
    const diagnosis = await diagnoseStream(log.body, context);
    evidence.push({ ...kept, log: { bytes: log.bytes, truncated: log.truncated }, diagnosis });
  }

  const rules = chooseDiagnosis(evidence);
  const job = evidence.find((entry) => entry.diagnosis === rules);
  const embedding = await embedFailure(rules, deps.embedder);
  const recalled = await recall(deps.db, rules, { repository: incident.repository, embedding });
  // An incident opened as report-only (an alert) stays so, whatever rules and memory say.
  const external = incident.provider === "external" ? externalOf(incident) : null;
  const chosen = external?.reportOnly ? { ...recalled, reportOnly: external.reportOnly } : recalled;
  await updateIncident(deps.db, incident.id, {
    status: "diagnosed",
    jobId: job?.id ?? incident.jobId,
    jobName: job?.name ?? incident.jobName,
    category: chosen.category,
    transient: chosen.transient,
    confidence: chosen.confidence,
    fingerprint: chosen.fingerprint,
    fingerprintVersion: chosen.fingerprintVersion,
    errorLine: chosen.errorLine,
    summary: chosen.summary,
    ruleId: chosen.ruleId,
    excerpt: chosen.excerpt,
    embedding: embedding.vector,
    embeddingModel: embedding.model,
    diagnosis: chosen,
    evidence: {
      // What an incident from outside CI was opened with stays beside what was read.
      ...(incident.provider === "external" ? { external } : {}),
      jobs: evidence.map((entry) => ({
        ...entry,
        annotations: entry.annotations.map(redactAnnotation),
      })),
    },
  });
  deps.log.info(
    {
      incident: incident.id,
      category: chosen.category,
      confidence: chosen.confidence,
      rule: chosen.ruleId,
      source: chosen.source,
      remembered: chosen.remembered?.solutionId,
    },
    "incident diagnosed",
  );
  return chosen;
}

/** The surest recognised diagnosis; an unrecognised one only when nothing was recognised. */
export function chooseDiagnosis(evidence: readonly { diagnosis: Diagnosis }[]): Diagnosis {
  const ranked = evidence
    .map((entry) => entry.diagnosis)
    .sort(
      (a, b) =>
        Number(b.category !== "unknown") - Number(a.category !== "unknown") ||
        b.confidence - a.confidence,
    );
  const best = ranked[0];
  if (!best) throw new Error("chooseDiagnosis needs at least one diagnosis");
  return best;
}

function redactAnnotation<A extends { message: string }>(annotation: A): A {
  return { ...annotation, message: redact(annotation.message) };
}
