import { z } from "zod";
import { CATEGORIES, CATEGORY_LABELS } from "../diagnosis/categories.ts";
import { redact } from "../logs/redact.ts";
import type { Incident } from "../store/schema.ts";

// The incident's `evidence` and `diagnosis` are jsonb written by the diagnosis stage; read
// here at the boundary, leniently, so that an older row still renders.
const annotationSchema = z.object({
  path: z.string().nullish(),
  line: z.number().int().nullish(),
  message: z.string().catch(""),
});
const jobSchema = z.object({
  id: z.number(),
  name: z.string(),
  htmlUrl: z.string().nullish(),
  failedSteps: z.array(z.object({ number: z.number(), name: z.string() })).catch([]),
  annotations: z.array(annotationSchema).catch([]),
});
const evidenceSchema = z.object({ jobs: z.array(jobSchema).catch([]) });
const diagnosisSchema = z.object({
  explanation: z.string().optional().catch(undefined),
  remedy: z.string().optional().catch(undefined),
  failedStep: z.string().nullish().catch(null),
  remembered: z.object({ fix: z.string() }).optional().catch(undefined),
});

/** A failed job as the effects show it. */
export type JobView = {
  id: number;
  name: string;
  htmlUrl: string | null;
  failedSteps: string[];
  annotations: { path: string | null; line: number | null; message: string }[];
};

/** What the effects render of an incident: its diagnosis, its evidence, all redacted. */
export type IncidentView = {
  id: string;
  repository: string;
  headSha: string;
  branch: string | null;
  runId: number;
  runAttempt: number;
  workflowName: string | null;
  jobName: string | null;
  htmlUrl: string | null;
  status: Incident["status"];
  createdAt: Date;
  category: string;
  /** The category in words ("Type check failed"). */
  label: string;
  summary: string;
  confidence: number | null;
  tier: Incident["tier"];
  errorLine: string;
  excerpt: string;
  fingerprint: string | null;
  explanation: string | null;
  remedy: string | null;
  /** What fixed this failure before, when memory remembered it. */
  rememberedFix: string | null;
  jobs: JobView[];
};

const isCategory = (value: string): value is (typeof CATEGORIES)[number] =>
  (CATEGORIES as readonly string[]).includes(value);

/** Reads an incident row into what the effects render. Pure. */
export function viewIncident(incident: Incident): IncidentView {
  const evidence = evidenceSchema.safeParse(incident.evidence ?? {});
  const diagnosis = diagnosisSchema.safeParse(incident.diagnosis ?? {});
  const extra = diagnosis.success ? diagnosis.data : {};
  const category = incident.category ?? "unknown";
  // Redacted again: what is posted must be clean whatever an older stage stored.
  const clean = (text: string | null | undefined) => (text ? redact(text) : "");
  return {
    id: incident.id,
    repository: incident.repository,
    headSha: incident.headSha,
    branch: incident.branch,
    runId: incident.runId,
    runAttempt: incident.runAttempt,
    workflowName: incident.workflowName,
    jobName: incident.jobName,
    htmlUrl: incident.htmlUrl,
    status: incident.status,
    createdAt: incident.createdAt,
    category,
    label: isCategory(category) ? CATEGORY_LABELS[category] : category,
    summary: clean(incident.summary),
    confidence: incident.confidence,
    tier: incident.tier,
    errorLine: clean(incident.errorLine),
    excerpt: clean(incident.excerpt),
    fingerprint: incident.fingerprint,
    explanation: extra.explanation ?? null,
    remedy: extra.remedy ?? null,
    rememberedFix: extra.remembered ? clean(extra.remembered.fix) : null,
    jobs: (evidence.success ? evidence.data.jobs : []).map((job) => ({
      id: job.id,
      name: job.name,
      htmlUrl: job.htmlUrl ?? null,
      failedSteps: job.failedSteps.map((step) => clean(step.name)),
      annotations: job.annotations.map((a) => ({
        path: a.path ?? null,
        line: a.line ?? null,
        message: clean(a.message),
      })),
    })),
  };
}

/** "CI › build", or whatever part of it is known. */
export function whereItFailed(view: Pick<IncidentView, "workflowName" | "jobName">): string {
  return [view.workflowName, view.jobName].filter(Boolean).join(" › ") || "CI";
}
