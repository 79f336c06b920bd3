import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { and, eq } from "drizzle-orm";
import nock from "nock";
import { expect } from "vitest";
import { readEnv } from "../../src/env.ts";
import type { Plan } from "../../src/policy/steps.ts";
import { type Running, start } from "../../src/start.ts";
import { type Incident, incidents } from "../../src/store/schema.ts";
import { type TestStore, testStore, until } from "../support/database.ts";
import { appEnv, deliver, webhookFixture } from "../support/github.ts";
import { API, closeTheNetwork } from "../support/nock-github.ts";
import type { FailedJob, FakeRepository, Write } from "./fake-github.ts";

/**
 * The real app for end-to-end tests: started on a test store, with GitHub (and any LLM) behind
 * nock, driven by signed webhook deliveries over HTTP.
 */

export const APP_ID = Number(appEnv.APP_ID);
const INSTALLATION = 4242;

/** A log from fixtures/logs, by name. */
export const fixtureLog = (name: string) =>
  readFileSync(new URL(`../../fixtures/logs/${name}.log`, import.meta.url));

export type RunOptions = {
  runId: number;
  attempt?: number;
  sha?: string;
  branch?: string;
  event?: string;
  pullRequests?: number[];
  headRepository?: string;
  jobs: FailedJob[];
  deliveryId?: string;
};

/** A commit SHA made from a number, unique per number. */
export const sha = (n: number) => n.toString(16).padEnd(40, "0");

export type Harness = {
  app: Running;
  /** Requests nock could not answer, other than to the app itself. */
  unmatched: string[];
  runPayload(repo: FakeRepository, options: RunOptions): Record<string, unknown>;
  incidentOf(repo: FakeRepository, runId: number, attempt: number): Promise<Incident | undefined>;
  /** Delivers a failed run and waits until CodeHealer has acted on it. */
  fail(repo: FakeRepository, options: RunOptions): Promise<Incident>;
  deliver(event: string, payload: Record<string, unknown>, id?: string): Promise<Response>;
  stop(): Promise<void>;
};

/** Starts the app; `env` adds to the test environment (an LLM endpoint, say). */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const unmatched: string[] = [];
  closeTheNetwork();
  nock.emitter.on("no match", (req: { method?: string; path?: string; url?: string }) => {
    const url = String(req.url ?? req.path);
    if (!url.startsWith("http://127.0.0.1")) unmatched.push(`${req.method} ${url}`);
  });
  nock(API)
    .persist()
    .post(`/app/installations/${INSTALLATION}/access_tokens`)
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
  const store: TestStore = await testStore();
  const app = await start(
    readEnv({ ...store.env, ...appEnv, PORT: "0", HOST: "127.0.0.1", ...env }),
  );
  const baseUrl = `http://127.0.0.1:${app.port}`;

  function runPayload(repo: FakeRepository, options: RunOptions): Record<string, unknown> {
    const payload = structuredClone(webhookFixture("workflow_run.completed")) as {
      repository: Record<string, unknown>;
      workflow_run: Record<string, unknown>;
    };
    const repository = {
      ...payload.repository,
      name: repo.repo,
      full_name: repo.fullName,
      owner: { ...(payload.repository.owner as object), login: repo.owner },
      default_branch: "main",
    };
    return {
      ...payload,
      repository,
      workflow_run: {
        ...payload.workflow_run,
        id: options.runId,
        run_attempt: options.attempt ?? 1,
        name: "CI",
        path: ".github/workflows/ci.yml",
        head_sha: options.sha ?? sha(options.runId),
        head_branch: options.branch ?? "main",
        event: options.event ?? "push",
        conclusion: "failure",
        html_url: `https://github.com/${repo.fullName}/actions/runs/${options.runId}`,
        pull_requests: (options.pullRequests ?? []).map((number) => ({ number })),
        head_repository: { full_name: options.headRepository ?? repo.fullName },
      },
    };
  }

  async function incidentOf(repo: FakeRepository, runId: number, attempt: number) {
    const [row] = await app.database.db
      .select()
      .from(incidents)
      .where(
        and(
          eq(incidents.repository, repo.fullName),
          eq(incidents.runId, runId),
          eq(incidents.runAttempt, attempt),
        ),
      );
    return row;
  }

  async function fail(repo: FakeRepository, options: RunOptions): Promise<Incident> {
    const reads = repo.failedRun(options.runId, options.attempt ?? 1, options.jobs);
    const response = await deliver(baseUrl, "workflow_run", runPayload(repo, options), {
      id: options.deliveryId ?? randomUUID(),
    });
    expect(response.status).toBe(200);
    const incident = await until(
      async () => {
        const row = await incidentOf(repo, options.runId, options.attempt ?? 1);
        return row?.status === "acted" ? row : undefined;
      },
      30_000,
      `CodeHealer to act on run ${options.runId} of ${repo.fullName}`,
    );
    expect(reads.pendingMocks()).toEqual([]);
    return incident;
  }

  return {
    app,
    unmatched,
    runPayload,
    incidentOf,
    fail,
    deliver: (event, payload, id) => deliver(baseUrl, event, payload, { id: id ?? randomUUID() }),
    async stop() {
      await app.stop();
      await store.dispose();
      nock.cleanAll();
      nock.enableNetConnect();
    },
  };
}

/** The plan stored on an incident. */
export const planOf = (incident: Incident) => incident.plan as Plan;

/** The guardrails that refused something, in order. */
export const refusedRules = (incident: Incident) => planOf(incident).refused.map((r) => r.rule);

/** `METHOD /path` of each write, the repository prefix taken off. */
export const kinds = (writes: Write[]) =>
  writes.map((w) => `${w.method} ${w.path.replace(/^\/repos\/[^/]+\/[^/]+/, "")}`);

/** A body as GitHub received it, with what changes from run to run (times, ids) replaced. */
export function stable(write: Write): unknown {
  return JSON.parse(
    JSON.stringify(write.body)
      .replace(/"completed_at":"[^"]+"/g, '"completed_at":"<now>"')
      .replace(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/g, "<time>")
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<incident>"),
  );
}
