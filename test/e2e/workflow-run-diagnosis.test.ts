import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { eq } from "drizzle-orm";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEnv } from "../../src/env.ts";
import { type Running, start } from "../../src/start.ts";
import { incidents } from "../../src/store/schema.ts";
import { type TestStore, testStore, until } from "../support/database.ts";
import { appEnv, deliver, webhookFixture } from "../support/github.ts";
import { API, BLOBS, closeTheNetwork, installationToken } from "../support/nock-github.ts";

const log = readFileSync(new URL("../../fixtures/logs/typescript-type-error.log", import.meta.url));
let store: TestStore;
let app: Running;

beforeAll(async () => {
  closeTheNetwork();
  store = await testStore();
  app = await start(readEnv({ ...store.env, ...appEnv, PORT: "0", HOST: "127.0.0.1" }));
});
afterAll(async () => {
  await app?.stop();
  await store?.dispose();
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("workflow_run.completed", () => {
  describe("when a run fails on a type error", () => {
    it("opens an incident and fills it with the failed job's evidence and diagnosis", async () => {
      const payload = webhookFixture("workflow_run.completed");
      const run = payload.workflow_run as { id: number };
      const jobId = 399444496;
      const repo = "/repos/octo-org/octo-repo";
      installationToken(4242);
      const github = nock(API)
        .get(`${repo}/actions/runs/${run.id}/attempts/1/jobs`)
        .query({ per_page: 100 })
        .reply(200, {
          total_count: 2,
          jobs: [
            { id: 1, name: "lint", conclusion: "success", html_url: null, steps: [] },
            {
              id: jobId,
              name: "build",
              conclusion: "failure",
              html_url: `https://github.com/octo-org/octo-repo/actions/runs/${run.id}/job/${jobId}`,
              steps: [
                { number: 1, name: "Set up job", conclusion: "success" },
                { number: 4, name: "npm run typecheck", conclusion: "failure" },
              ],
            },
          ],
        })
        .get(`${repo}/check-runs/${jobId}/annotations`)
        .query({ per_page: 100 })
        .reply(200, [
          {
            path: "src/routes/invoices.ts",
            start_line: 15,
            annotation_level: "failure",
            message: "Type 'string' is not assignable to type 'number'. token=hunter2hunter2",
          },
          {
            path: ".github",
            start_line: 1,
            annotation_level: "warning",
            message: "Node 20 is deprecated",
          },
        ])
        .get(`${repo}/actions/jobs/${jobId}/logs`)
        .reply(302, "", { location: `${BLOBS}/logs/${jobId}.txt?sig=short-lived` });
      // The blob URL is fetched without the installation token: it must not leave GitHub's API.
      const blob = nock(BLOBS, { badheaders: ["authorization"] })
        .get(`/logs/${jobId}.txt`)
        .query({ sig: "short-lived" })
        .reply(200, log, { "content-length": String(log.length) });

      const id = randomUUID();
      await deliver(`http://127.0.0.1:${app.port}`, "workflow_run", payload, { id });
      const incident = await until(
        async () => {
          const [row] = await app.database.db
            .select()
            .from(incidents)
            .where(eq(incidents.deliveryId, id));
          return row?.status === "diagnosed" ? row : undefined;
        },
        30_000,
        "the incident to be diagnosed",
      );

      expect(github.isDone() && blob.isDone()).toBe(true);
      expect(incident).toMatchObject({
        category: "type_error",
        transient: false,
        jobId,
        jobName: "build",
        ruleId: expect.any(String),
        fingerprintVersion: 1,
        embeddingModel: "local-hash-v1",
      });
      expect(incident.errorLine).toContain("TS2322");
      expect(incident.confidence).toBeGreaterThanOrEqual(0.85);
      expect(incident.embedding).toHaveLength(384);
      expect(incident.excerpt).toContain("TS2322");
      const evidence = incident.evidence as {
        jobs: { failedSteps: unknown[]; annotations: { message: string }[]; log: unknown }[];
      };
      expect(evidence.jobs).toHaveLength(1);
      expect(evidence.jobs[0]?.failedSteps).toEqual([{ number: 4, name: "npm run typecheck" }]);
      expect(evidence.jobs[0]?.log).toEqual({ bytes: log.length, truncated: false });
      expect(evidence.jobs[0]?.annotations).toHaveLength(1);
      expect(evidence.jobs[0]?.annotations[0]?.message).not.toContain("hunter2");
    });
  });
});
