import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import { and, eq } from "drizzle-orm";
import nock from "nock";
import pino from "pino";
import { Context } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onRepositoryDispatch } from "../../src/handlers/repository-dispatch.ts";
import type { PipelineDeps, Verdict } from "../../src/handlers/types.ts";
import type { Db } from "../../src/store/database.ts";
import { deliveries, type Incident, incidents } from "../../src/store/schema.ts";
import { testOctokit } from "../actions/support.ts";
import { FakeRepository } from "../e2e/fake-github.ts";
import {
  APP_ID,
  type Harness,
  kinds,
  planOf,
  refusedRules,
  stable,
  startHarness,
} from "../e2e/harness.ts";
import { migratedDatabase, until } from "../support/database.ts";
import { webhookFixture } from "../support/github.ts";
import { API, closeTheNetwork } from "../support/nock-github.ts";

/**
 * `repository_dispatch` deliveries through the real app: the client_payloads the relay makes of
 * Sentry's and Alertmanager's documented webhooks (fixtures/dispatch), GitHub and the LLM
 * endpoint behind nock. Malformed payloads go to the handler directly, with no GitHub at all.
 */

const LLM = "http://llm.test";
const RELEASE = "9fceb02d0ae598e95dc970b74767f19372d61af8";
const MAIN_HEAD = "5a1e0f4c3b2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f";
const FILE = "src/pricing.ts";
const SOURCE = [
  "const RATES: Record<string, { rate: number }> = { US: { rate: 0.07 }, DE: { rate: 0.19 } };",
  "",
  "export function taxFor(cents: number, country: string) {",
  "  const { rate } = RATES[country];",
  "  return Math.round(cents * rate);",
  "}",
  "",
].join("\n");

const clientPayload = (kind: string): Record<string, unknown> =>
  JSON.parse(
    readFileSync(
      new URL(`../../fixtures/dispatch/client-payload.${kind}.json`, import.meta.url),
      "utf8",
    ),
  );

/** A dispatch as GitHub delivers it to the App installed on `repo`. */
function dispatchTo(
  repo: Pick<FakeRepository, "owner" | "repo" | "fullName">,
  kind: string,
  payload: unknown,
): Record<string, unknown> {
  const ours = kind === "error-detected" || kind === "anomaly-detected";
  const event = webhookFixture(ours ? `repository_dispatch.${kind}` : "repository_dispatch") as {
    repository: Record<string, unknown>;
  };
  return {
    ...event,
    action: kind,
    branch: "main",
    client_payload: payload,
    repository: {
      ...event.repository,
      name: repo.repo,
      full_name: repo.fullName,
      owner: { ...(event.repository.owner as object), login: repo.owner },
      default_branch: "main",
    },
    installation: { id: 4242 },
  };
}

/** A chat completion as OpenAI answers, with `answer` as the assistant's JSON. */
function completion(answer: unknown) {
  const body = JSON.parse(
    readFileSync(
      new URL("../../fixtures/llm/responses/openai-gpt-4o-mini.json", import.meta.url),
      "utf8",
    ),
  );
  body.choices[0].message.content = JSON.stringify(answer);
  return body;
}

describe("repository_dispatch", () => {
  describe("through the app", () => {
    let h: Harness;
    const prompts: string[] = [];
    beforeAll(async () => {
      h = await startHarness({
        OPENAI_BASE_URL: `${LLM}/v1`,
        OPENAI_API_KEY: "sk-test-key-never-logged",
        CODEHEALER_LLM_MODEL: "gpt-4o-mini",
        CODEHEALER_LLM_MAX_RETRIES: "0",
      });
    });
    afterAll(() => h?.stop());

    const incidentsOf = (repo: FakeRepository) =>
      h.app.database.db
        .select()
        .from(incidents)
        .where(and(eq(incidents.repository, repo.fullName), eq(incidents.provider, "external")))
        .orderBy(incidents.createdAt);

    const settled = (id: string) =>
      until(
        async () => {
          const [row] = await h.app.database.db
            .select()
            .from(deliveries)
            .where(eq(deliveries.id, id));
          return row && row.status !== "received" ? row : undefined;
        },
        30_000,
        `delivery ${id} to settle`,
      );

    /** Delivers a dispatch and waits until CodeHealer has acted on the incident it opened. */
    async function dispatch(
      repo: FakeRepository,
      kind: string,
      payload: Record<string, unknown>,
      count = 1,
    ): Promise<Incident[]> {
      const id = randomUUID();
      const response = await h.deliver("repository_dispatch", dispatchTo(repo, kind, payload), id);
      expect(response.status).toBe(200);
      expect((await settled(id)).status).toBe("processed");
      return until(
        async () => {
          const rows = await incidentsOf(repo);
          return rows.length === count && rows.every((r) => r.status === "acted")
            ? rows
            : undefined;
        },
        30_000,
        `CodeHealer to act on ${count} incident(s) of ${repo.fullName}`,
      );
    }

    function answerWith(answer: unknown): nock.Scope {
      return nock(LLM)
        .post("/v1/chat/completions", (body: { messages: { content: string }[] }) => {
          prompts.push(body.messages.map((m) => m.content).join("\n"));
          return true;
        })
        .reply(200, completion(answer));
    }

    describe("error-detected from Sentry", () => {
      it("opens a draft fix pull request against the file and line at the release's commit", async () => {
        const repo = new FakeRepository("sentry-org", "api", APP_ID);
        repo.commitsAt({ [RELEASE]: RELEASE, main: MAIN_HEAD });
        repo.files.set(FILE, SOURCE);
        const llm = answerWith({
          category: "runtime_error",
          rootCause: "taxFor assumes every country has a rate; a checkout from elsewhere has none.",
          logLine:
            "TypeError: Cannot destructure property 'rate' of 'RATES[country]' as it is undefined.",
          confidence: 0.9,
          fix: {
            kind: "patch",
            explanation: "Countries without a rate are taxed at 0.",
            edits: [
              {
                path: FILE,
                search: "const { rate } = RATES[country];",
                replace: "const { rate } = RATES[country] ?? { rate: 0 };",
              },
            ],
          },
        });

        const [incident] = await dispatch(repo, "error-detected", clientPayload("error-detected"));

        expect(llm.isDone()).toBe(true);
        expect(incident).toMatchObject({
          provider: "external",
          sourceEvent: "repository_dispatch",
          headSha: RELEASE,
          branch: "main",
          workflowName: "Sentry (production)",
          jobName: "Sentry error",
          category: "runtime_error",
          tier: "review",
        });
        expect(incident?.evidence).toMatchObject({
          external: { source: "Sentry error", path: FILE, line: 19 },
          jobs: [{ annotations: [{ path: FILE, line: 19 }] }],
        });
        // The model read the error and the file the frame points at, as it was at the release.
        expect(prompts.at(-1)).toContain("Cannot destructure property 'rate'");
        expect(prompts.at(-1)).toContain("const { rate } = RATES[country];");
        expect(kinds(repo.writes)).toEqual([
          "POST /git/blobs",
          "POST /git/trees",
          "POST /git/commits",
          "POST /git/refs",
          "POST /pulls",
          "POST /check-runs",
        ]);
        const [blob] = repo.writesTo("POST", /\/git\/blobs$/);
        expect(blob?.body.content).toBe(
          SOURCE.replace("RATES[country];", "RATES[country] ?? { rate: 0 };"),
        );
        const [commit] = repo.writesTo("POST", /\/git\/commits$/);
        expect(commit?.body.parents).toEqual([RELEASE]);
        expect(repo.opened).toEqual([expect.objectContaining({ draft: true, base: "main" })]);
        expect(repo.writesTo("POST", /rerun-failed-jobs$/)).toEqual([]);
        expect(h.unmatched).toEqual([]);
      });

      it("never reruns a transient error: a dispatch is no run", async () => {
        const repo = new FakeRepository("sentry-dns-org", "api", APP_ID);
        repo.commitsAt({ main: MAIN_HEAD });
        const payload = {
          source: "sentry",
          message: "Error: getaddrinfo EAI_AGAIN payments.internal",
          // A release that is no commit of this repository: the default branch's head is read.
          release: "api@1.4.0",
          trace_id: "5b8efff798038103d269b633813fc60c",
        };

        const [incident] = await dispatch(repo, "error-detected", payload);

        expect(incident).toMatchObject({
          headSha: MAIN_HEAD,
          category: "network_transient",
          transient: true,
          tier: "report",
        });
        expect(refusedRules(incident!)).toEqual(["not_rerunnable"]);
        expect(kinds(repo.writes)).toEqual(["POST /check-runs", "POST /issues"]);
        expect(h.unmatched).toEqual([]);
      });

      it("is the same incident when the same trace is dispatched again", async () => {
        const repo = new FakeRepository("sentry-again-org", "api", APP_ID);
        repo.commitsAt({ main: MAIN_HEAD });
        // No stack trace, no file: only the message, which the LLM cannot place; it says so.
        const payload = {
          source: "logfire",
          message: "ValueError: invoice 8812 has no currency",
          trace_id: "0af7651916cd43dd8448eb211c80319c",
          url: "https://logfire.pydantic.dev/acme/api?q=trace_id%3D%270af7651916cd43dd8448eb211c80319c%27",
        };
        const llm = answerWith({
          category: "runtime_error",
          rootCause: "An invoice was stored without a currency.",
          logLine: "ValueError: invoice 8812 has no currency",
          confidence: 0.5,
          fix: { kind: "none", explanation: "The data needs a look; no code change is sure." },
        });

        const [first] = await dispatch(repo, "error-detected", payload);
        expect(llm.isDone()).toBe(true);
        expect(first).toMatchObject({
          headSha: MAIN_HEAD,
          workflowName: "Logfire",
          tier: "report",
        });
        expect(kinds(repo.writes)).toEqual(["POST /check-runs", "POST /issues"]);
        expect(stable(repo.writes[1]!)).toMatchSnapshot("the error's issue");

        const again = randomUUID();
        await h.deliver("repository_dispatch", dispatchTo(repo, "error-detected", payload), again);
        expect(await settled(again)).toMatchObject({
          status: "processed",
          statusReason: `incident ${first?.id} already open for this error-detected`,
        });
        expect(await incidentsOf(repo)).toHaveLength(1);
        expect(repo.issues).toHaveLength(1);
        expect(h.unmatched).toEqual([]);
      });
    });

    describe("anomaly-detected from Prometheus", () => {
      it("files one issue and a notification, never a fix, a rerun or a question to the LLM", async () => {
        const repo = new FakeRepository("prometheus-org", "api", APP_ID);
        repo.commitsAt({ main: MAIN_HEAD });
        const alert = clientPayload("anomaly-detected");

        const [incident] = await dispatch(repo, "anomaly-detected", alert);

        expect(incident).toMatchObject({
          headSha: MAIN_HEAD,
          workflowName: "Prometheus",
          jobName: "Prometheus alert",
          conclusion: "firing",
          tier: "report",
          fix: null,
        });
        expect(incident?.diagnosis).toMatchObject({
          reportOnly: "an alert from Prometheus is reported, never fixed automatically.",
        });
        expect(incident?.diagnosis).not.toHaveProperty("llm");
        expect(planOf(incident!).reasons).toContain(
          "Report only: an alert from Prometheus is reported, never fixed automatically.",
        );
        expect(planOf(incident!).steps.map((s) => s.kind)).toEqual([
          "check_run",
          "issue",
          "notify",
        ]);
        expect(kinds(repo.writes)).toEqual(["POST /check-runs", "POST /issues"]);
        expect(repo.issues[0]?.body).toContain(
          'Prometheus alert HighErrorRate: job:http_requests_errors:ratio_rate5m{job="api"} is 0.125 (threshold > 0.05)',
        );
        expect(repo.opened).toEqual([]);
        expect(stable(repo.writes[1]!)).toMatchSnapshot("the alert's issue");

        // Alertmanager repeats a firing alert: the same incident. A new firing: a new incident,
        // an occurrence on the same issue.
        const repeat = randomUUID();
        await h.deliver("repository_dispatch", dispatchTo(repo, "anomaly-detected", alert), repeat);
        expect((await settled(repeat)).statusReason).toContain("already open");
        const refired = { ...alert, value: 0.31, starts_at: "2025-06-05T08:10:00Z" };
        const both = await dispatch(repo, "anomaly-detected", refired, 2);
        expect(both[1]?.fingerprint).toBe(incident?.fingerprint);
        expect(repo.issues).toHaveLength(1);
        expect(kinds(repo.writes)).toEqual([
          "POST /check-runs",
          "POST /issues",
          "POST /check-runs",
          `POST /issues/${repo.issues[0]?.number}/comments`,
        ]);
        expect(repo.writesTo("POST", /rerun-failed-jobs$|\/pulls$|\/git\//)).toEqual([]);
        // No LLM interceptor was set: a request to it would be listed here.
        expect(h.unmatched).toEqual([]);
      });
    });

    describe("when the client_payload breaks its contract", () => {
      it("settles the delivery ignored with the reason and opens nothing", async () => {
        const repo = new FakeRepository("malformed-org", "api", APP_ID);
        const id = randomUUID();
        const payload = { ...clientPayload("error-detected"), line: "19" };
        await h.deliver("repository_dispatch", dispatchTo(repo, "error-detected", payload), id);
        expect(await settled(id)).toMatchObject({
          status: "ignored",
          statusReason:
            "client_payload rejected: client_payload.line: Invalid input: expected number, received string",
        });
        expect(await incidentsOf(repo)).toEqual([]);
        expect(repo.writes).toEqual([]);
        expect(h.unmatched).toEqual([]);
      });
    });
  });

  describe("the handler, on payloads it refuses", () => {
    let db: Db;
    let dispose: () => Promise<void>;
    const queued: string[] = [];
    beforeAll(async () => {
      closeTheNetwork();
      const store = await migratedDatabase();
      db = store.database.db;
      dispose = store.dispose;
    });
    afterAll(async () => {
      await dispose();
      nock.enableNetConnect();
    });

    const repo = { owner: "acme", repo: "api", fullName: "acme/api" };
    const deps = (): PipelineDeps => ({
      db,
      queue: { enqueue: async (_queue, id) => void queued.push(id) },
      log: pino({ level: "silent" }),
      appId: APP_ID,
    });
    // No GitHub interceptor is set: a handler that asked GitHub anything would fail.
    // The delivery is stored first, as the intake does: an incident names the delivery it came from.
    async function receive(kind: string, payload: unknown): Promise<Verdict> {
      const id = randomUUID();
      const event = dispatchTo(repo, kind, payload);
      await db
        .insert(deliveries)
        .values({ id, event: "repository_dispatch", action: kind, payload: event });
      return onRepositoryDispatch(
        new Context<"repository_dispatch">(
          {
            id,
            name: "repository_dispatch",
            payload: event,
          } as unknown as EmitterWebhookEvent<"repository_dispatch">,
          testOctokit(),
          pino({ level: "silent" }),
        ),
        deps(),
      );
    }

    const error = clientPayload("error-detected");
    const anomaly = clientPayload("anomaly-detected");
    const { message: _message, ...withoutMessage } = error;
    const { value: _value, ...withoutValue } = anomaly;
    const cases: [string, string, unknown, string][] = [
      [
        "a missing message",
        "error-detected",
        withoutMessage,
        "client_payload.message: Invalid input: expected string, received undefined",
      ],
      ["a missing value", "anomaly-detected", withoutValue, "client_payload.value: Invalid input"],
      [
        "a line that is text",
        "error-detected",
        { ...error, line: "19" },
        "client_payload.line: Invalid input: expected number, received string",
      ],
      [
        "a negative line",
        "error-detected",
        { ...error, line: -1 },
        "client_payload.line: Too small: expected number to be >0",
      ],
      [
        "labels that are not strings",
        "anomaly-detected",
        { ...anomaly, labels: { job: 1 } },
        "client_payload.labels.job: Invalid input: expected string, received number",
      ],
      [
        "a javascript: link",
        "error-detected",
        { ...error, url: "javascript:alert(1)" },
        "client_payload.url: Invalid URL",
      ],
      [
        "a start that is not a time",
        "anomaly-detected",
        { ...anomaly, starts_at: "yesterday" },
        "client_payload.starts_at: Invalid ISO datetime",
      ],
      [
        "a message of 5000 characters",
        "error-detected",
        { ...error, message: "x".repeat(5000) },
        "client_payload.message: Too big: expected string to have <=4000 characters",
      ],
      [
        "a stack trace of 40 KB",
        "error-detected",
        { ...error, stacktrace: "at f (a.js:1)\n".repeat(3000) },
        "client_payload.stacktrace: Too big: expected string to have <=32768 characters",
      ],
      [
        "an unknown key",
        "error-detected",
        { ...error, severity: "high" },
        'client_payload: Unrecognized key: "severity"',
      ],
      [
        "11 top-level keys",
        "error-detected",
        { ...error, a: 1, b: 2 },
        "client_payload: 11 top-level keys; GitHub's dispatch API allows 10",
      ],
      [
        "no object at all",
        "anomaly-detected",
        ["HighErrorRate"],
        "client_payload: must be an object",
      ],
      [
        "a source with markup",
        "error-detected",
        { ...error, source: "<img src=x>" },
        "client_payload.source: must be a plain name such as sentry, logfire or prometheus",
      ],
    ];
    for (const [what, kind, payload, reason] of cases)
      it(`ignores ${what}, saying why`, async () => {
        const verdict = await receive(kind, payload);
        expect(verdict).toEqual({
          status: "ignored",
          reason: `client_payload rejected: ${reason}`,
        });
        expect(await db.select().from(incidents)).toEqual([]);
        expect(queued).toEqual([]);
      });

    it("opens nothing in a repository without a commit to diagnose against", async () => {
      const github = nock(API).get("/repos/acme/api/commits/main").reply(409, {
        message: "Git Repository is empty.",
      });
      expect(await receive("anomaly-detected", anomaly)).toEqual({
        status: "ignored",
        reason: "acme/api has no commit on main to diagnose against",
      });
      expect(github.isDone()).toBe(true);
      expect(await db.select().from(incidents)).toEqual([]);
    });

    it("opens nothing and throws, to be tried again, when GitHub fails to answer", async () => {
      const github = nock(API)
        .get(`/repos/acme/api/commits/${RELEASE}`)
        .reply(502, { message: "Server Error" });
      await expect(receive("error-detected", error)).rejects.toThrow(
        `Reading commit ${RELEASE} of acme/api failed: GitHub answered 502`,
      );
      expect(github.isDone()).toBe(true);
      expect(await db.select().from(incidents)).toEqual([]);
      expect(queued).toEqual([]);
    });

    it("ignores an event_type it does not act on, for a workflow's own dispatches", async () => {
      expect(await receive("deploy", { ref: "main" })).toEqual({
        status: "ignored",
        reason:
          'event_type "deploy" is not one CodeHealer acts on (error-detected, anomaly-detected)',
      });
      expect(await db.select().from(incidents)).toEqual([]);
    });

    // Last: it opens the incident the others must not.
    it("pins an error to the default branch's head when its release is no commit here", async () => {
      const github = nock(API)
        .get(`/repos/acme/api/commits/${RELEASE}`)
        .reply(422, { message: `No commit found for SHA: ${RELEASE}` })
        .get("/repos/acme/api/commits/main")
        .reply(200, { sha: MAIN_HEAD });
      const verdict = await receive("error-detected", error);
      const [incident] = await db.select().from(incidents);
      expect(verdict).toEqual({
        status: "processed",
        reason: `incident ${incident?.id} opened for error-detected at 5a1e0f4 (branch)`,
      });
      expect(incident).toMatchObject({ headSha: MAIN_HEAD, branch: "main", status: "open" });
      expect(queued).toEqual([incident?.id]);
      expect(github.isDone()).toBe(true);
    });
  });
});
