import { readFileSync } from "node:fs";
import nock from "nock";
import pino from "pino";
import { ProbotOctokit } from "probot";
import { expect } from "vitest";
import type { ExecuteDeps } from "../../src/actions/execute.ts";
import type { Db } from "../../src/store/database.ts";
import { type Incident, incidents, type NewIncident } from "../../src/store/schema.ts";
import { API } from "../support/nock-github.ts";

export { API };

/** When every test's clock stands: a Wednesday, 12:00 UTC. */
export const NOW = new Date("2025-06-04T12:00:00Z");
export const OWNER = "acme";
export const REPO = "api";
export const REPOSITORY = `${OWNER}/${REPO}`;
/** Where the repository's endpoints live. */
export const REPO_API = `/repos/${OWNER}/${REPO}`;
/** The failing commit of the fixtures. */
export const HEAD_SHA = "9fceb02d0ae598e95dc970b74767f19372d61af8";
export const RUN_ID = 15432108765;
export const JOB_ID = 43211234567;
export const FINGERPRINT = "415775e25088b1349148e4d261e97cf4";

/** A recorded GitHub response from fixtures/github (see its README), with fields overridden. */
export function githubFixture<T = Record<string, unknown>>(
  name: string,
  overrides: Record<string, unknown> = {},
): T {
  const text = readFileSync(new URL(`../../fixtures/github/${name}.json`, import.meta.url), "utf8");
  const parsed = JSON.parse(text) as unknown;
  return (Array.isArray(parsed) ? parsed : { ...(parsed as object), ...overrides }) as T;
}

/** Probot's Octokit with its retries and throttling off: each mocked answer is final. */
export const testOctokit = () =>
  new ProbotOctokit({ auth: "ghs_token", retry: { enabled: false }, throttle: { enabled: false } });

export function testDeps(db: Db, overrides: Partial<ExecuteDeps> = {}): ExecuteDeps {
  return {
    octokit: testOctokit(),
    db,
    now: () => NOW,
    log: pino({ level: "silent" }),
    appId: 123,
    ...overrides,
  };
}

const TYPE_ERROR_EXCERPT = [
  "> api@1.4.0 typecheck",
  "> tsc --noEmit",
  "",
  "src/routes/invoices.ts(15,5): error TS2322: Type 'string' is not assignable to type 'number'.",
  "Error: Process completed with exit code 2.",
].join("\n");

/** A diagnosed incident: `tsc` failing on a pull request's commit, with its evidence. */
export function diagnosedIncident(overrides: Partial<NewIncident> = {}): NewIncident {
  const jobUrl = `https://github.com/${REPOSITORY}/actions/runs/${RUN_ID}/job/${JOB_ID}`;
  return {
    id: "0b7e6a52-3f1c-4d7e-9a51-6c2f8e1d4b90",
    repository: REPOSITORY,
    installationId: 4242,
    provider: "actions",
    sourceEvent: "workflow_run",
    headSha: HEAD_SHA,
    branch: "feature/invoice-amounts",
    runId: RUN_ID,
    runAttempt: 1,
    jobId: JOB_ID,
    jobName: "typecheck",
    workflowName: "CI",
    conclusion: "failure",
    htmlUrl: `https://github.com/${REPOSITORY}/actions/runs/${RUN_ID}`,
    status: "diagnosed",
    createdAt: new Date("2025-06-04T11:58:00Z"),
    category: "type_error",
    transient: false,
    fingerprint: FINGERPRINT,
    fingerprintVersion: 1,
    confidence: 0.92,
    tier: "review",
    errorLine:
      "src/routes/invoices.ts(15,5): error TS2322: Type 'string' is not assignable to type 'number'.",
    summary:
      "Type check failed in step \"npm run typecheck\": src/routes/invoices.ts(15,5): error TS2322: Type 'string' is not assignable to type 'number'.",
    ruleId: "typescript/tsc",
    excerpt: TYPE_ERROR_EXCERPT,
    diagnosis: {
      explanation: "The TypeScript compiler rejected the code: a value's type does not fit.",
      remedy: "Fix the type at the reported line, or the declaration it is checked against.",
      failedStep: "npm run typecheck",
    },
    evidence: {
      jobs: [
        {
          id: JOB_ID,
          name: "typecheck",
          conclusion: "failure",
          htmlUrl: jobUrl,
          failedSteps: [{ number: 4, name: "npm run typecheck" }],
          annotations: [
            {
              path: "src/routes/invoices.ts",
              line: 15,
              message: "Type 'string' is not assignable to type 'number'.",
            },
            { path: ".github", line: 1, message: "Process completed with exit code 2." },
          ],
          log: { bytes: 4211, truncated: false },
          diagnosis: {},
        },
      ],
    },
    ...overrides,
  };
}

/** An incident as the database would return it, without storing it (for pure build tests). */
export function incidentRow(incident: NewIncident): Incident {
  return {
    id: incident.id ?? "00000000-0000-4000-8000-000000000000",
    installationId: null,
    deliveryId: null,
    jobId: null,
    jobName: null,
    workflowName: null,
    branch: null,
    htmlUrl: null,
    runAttempt: 1,
    status: "open",
    createdAt: NOW,
    updatedAt: NOW,
    category: null,
    transient: null,
    fingerprint: null,
    fingerprintVersion: null,
    confidence: null,
    tier: null,
    errorLine: null,
    summary: null,
    ruleId: null,
    excerpt: null,
    embedding: null,
    embeddingModel: null,
    evidence: null,
    diagnosis: null,
    outcome: null,
    ...incident,
  } as Incident;
}

/** Stores an incident and returns its row. */
export async function storeIncident(db: Db, incident: NewIncident): Promise<Incident> {
  const [row] = await db.insert(incidents).values(incident).returning();
  if (!row) throw new Error("incident not stored");
  return row;
}

/** Records the JSON bodies a nock interceptor receives, in order. */
export function bodies(): { seen: Record<string, unknown>[]; take: (body: unknown) => boolean } {
  const seen: Record<string, unknown>[] = [];
  return {
    seen,
    take: (body) => {
      seen.push(body as Record<string, unknown>);
      return true;
    },
  };
}

/** Every test ends with each mocked GitHub answer used, and none left over. */
export function expectNoPendingMocks(): void {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
}
