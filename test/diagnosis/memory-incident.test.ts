import { readFileSync } from "node:fs";
import nock from "nock";
import pino from "pino";
import { ProbotOctokit } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diagnoseText } from "../../src/diagnosis/diagnose.ts";
import { diagnoseIncident } from "../../src/diagnosis/incident.ts";
import { rememberDiagnosis } from "../../src/diagnosis/memory-remember.ts";
import type { Db } from "../../src/store/database.ts";
import { getIncident, openIncident } from "../../src/store/incidents.ts";
import { driver, migratedDatabase } from "../support/database.ts";
import { API, BLOBS, closeTheNetwork } from "../support/nock-github.ts";

const log = readFileSync(new URL("../../fixtures/logs/typescript-type-error.log", import.meta.url));
const octokit = new ProbotOctokit({
  auth: "ghs_token",
  retry: { enabled: false },
  throttle: { enabled: false },
});

let env: Awaited<ReturnType<typeof migratedDatabase>>;
let db: Db;
beforeAll(async () => {
  closeTheNetwork();
  env = await migratedDatabase();
  db = env.database.db;
});
afterAll(async () => {
  await env?.dispose();
  nock.cleanAll();
  nock.enableNetConnect();
});

/** GitHub's answers for run 77 of acme/api: one failed job whose log is the fixture. */
function githubServesTheFailedRun(): () => boolean {
  const repo = "/repos/acme/api";
  const api = nock(API)
    .get(`${repo}/actions/runs/77/attempts/1/jobs`)
    .query({ per_page: 100 })
    .reply(200, {
      total_count: 1,
      jobs: [
        {
          id: 5,
          name: "typecheck",
          conclusion: "failure",
          html_url: null,
          steps: [{ number: 3, name: "npm run typecheck", conclusion: "failure" }],
        },
      ],
    })
    .get(`${repo}/check-runs/5/annotations`)
    .query({ per_page: 100 })
    .reply(200, [])
    .get(`${repo}/actions/jobs/5/logs`)
    .reply(302, "", { location: `${BLOBS}/logs/5.txt` });
  const blob = nock(BLOBS).get("/logs/5.txt").reply(200, log);
  return () => api.isDone() && blob.isDone();
}

describe(`the incident stage with memory, on ${driver}`, () => {
  describe("when the failure was fixed before in the same organisation", () => {
    it("stores the diagnosis settled by memory, with its source and the remembered fix", async () => {
      await rememberDiagnosis(db, diagnoseText(log.toString("utf8")), {
        fix: "Convert the amount with Number() in src/routes/invoices.ts",
        repository: "acme/web",
      });
      const { incident } = await openIncident(db, {
        repository: "acme/api",
        provider: "actions",
        sourceEvent: "workflow_run",
        headSha: "b".repeat(40),
        runId: 77,
        runAttempt: 1,
        conclusion: "failure",
      });
      const done = githubServesTheFailedRun();

      const returned = await diagnoseIncident(
        { db, octokit, log: pino({ level: "silent" }) },
        incident,
      );

      expect(done()).toBe(true);
      const stored = await getIncident(db, incident.id);
      expect(stored?.diagnosis).toEqual(JSON.parse(JSON.stringify(returned)));
      expect(stored?.diagnosis).toMatchObject({
        source: "rules+memory",
        remembered: { fix: "Convert the amount with Number() in src/routes/invoices.ts" },
        similar: [expect.objectContaining({ exact: true, scope: "organization" })],
      });
      const rulesAlone = diagnoseText(log.toString("utf8"));
      expect(stored?.category).toBe("type_error");
      expect(stored?.confidence).toBeCloseTo(returned?.confidence ?? 0, 5);
      expect(stored?.confidence).toBeGreaterThan(rulesAlone.confidence);
      expect(stored?.embeddingModel).toBe("local-hash-v1");
    });
  });
});
