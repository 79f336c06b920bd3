import { z } from "zod";
import type { RunOrigin } from "./pull-request.ts";

/** What the act stage reads from the event that opened an incident. */
export type RunContext = {
  origin: RunOrigin;
  defaultBranch: string | null;
  /** The workflow's file, for environment overrides; null for other CI. */
  workflowPath: string | null;
};

const numbered = z.array(z.object({ number: z.number().int().positive() })).catch([]);
const repository = z.object({ default_branch: z.string().nullish() }).catch({});

const workflowRunEvent = z.object({
  workflow_run: z.object({
    event: z.string().optional(),
    head_branch: z.string().nullable(),
    head_sha: z.string(),
    path: z.string().nullish(),
    head_repository: z.object({ full_name: z.string() }).nullish().catch(null),
    pull_requests: numbered,
  }),
  repository,
});

const suite = z.object({
  head_branch: z.string().nullish(),
  head_sha: z.string(),
  pull_requests: numbered,
});
const checkEvent = z.union([
  z.object({ check_suite: suite, repository }),
  z.object({
    check_run: z.object({ head_sha: z.string(), check_suite: suite.partial({ head_sha: true }) }),
    repository,
  }),
]);

/**
 * Reads the stored webhook payload of the event that opened an incident: which pull request
 * the run was for, the default branch and the workflow file. The payload was signed by GitHub
 * but is read leniently: a field GitHub left out reads as unknown, never as a crash. Null when
 * the payload has none of it (an incident opened by another way).
 */
export function readRunContext(event: string, payload: unknown): RunContext | null {
  if (event === "workflow_run") {
    const parsed = workflowRunEvent.safeParse(payload);
    if (!parsed.success) return null;
    const run = parsed.data.workflow_run;
    return {
      origin: {
        event: run.event,
        headBranch: run.head_branch,
        headSha: run.head_sha,
        headRepository: run.head_repository?.full_name ?? null,
        pullRequests: run.pull_requests.map((pull) => pull.number),
      },
      defaultBranch: parsed.data.repository.default_branch ?? null,
      workflowPath: run.path ?? null,
    };
  }
  const parsed = checkEvent.safeParse(payload);
  if (!parsed.success) return null;
  const data = parsed.data;
  const checkSuite =
    "check_suite" in data
      ? data.check_suite
      : { ...data.check_run.check_suite, head_sha: data.check_run.head_sha };
  return {
    origin: {
      headBranch: checkSuite.head_branch ?? null,
      headSha: checkSuite.head_sha ?? "",
      headRepository: null,
      pullRequests: checkSuite.pull_requests.map((pull) => pull.number),
    },
    defaultBranch: data.repository.default_branch ?? null,
    workflowPath: null,
  };
}
