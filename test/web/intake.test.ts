import { randomUUID } from "node:crypto";
import { count, eq } from "drizzle-orm";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEnv } from "../../src/env.ts";
import { type Running, start } from "../../src/start.ts";
import { deliveries, incidents } from "../../src/store/schema.ts";
import { type TestStore, testStore, until } from "../support/database.ts";
import { appEnv, deliver, webhookFixture } from "../support/github.ts";
import { closeTheNetwork } from "../support/nock-github.ts";

let store: TestStore;
let app: Running;
let baseUrl: string;

beforeAll(async () => {
  // The incident stage after intake would call GitHub; here it fails against the closed network.
  closeTheNetwork();
  store = await testStore();
  app = await start(readEnv({ ...store.env, ...appEnv, PORT: "0", HOST: "127.0.0.1" }));
  baseUrl = `http://127.0.0.1:${app.port}`;
});

afterAll(async () => {
  await app?.stop();
  await store?.dispose();
  nock.cleanAll();
  nock.enableNetConnect();
});

const db = () => app.database.db;
const deliveryRows = async (id: string) =>
  db().select().from(deliveries).where(eq(deliveries.id, id));
const settled = (id: string) =>
  until(
    async () => {
      const [row] = await deliveryRows(id);
      return row && row.status !== "received" ? row : undefined;
    },
    20_000,
    `delivery ${id} to settle`,
  );

describe("POST /api/github/webhooks", () => {
  describe("when the signature is wrong or missing", () => {
    it("answers 400 and stores nothing", async () => {
      const payload = webhookFixture("workflow_run.completed");
      const forged = await deliver(baseUrl, "workflow_run", payload, {
        id: randomUUID(),
        secret: "not-the-secret",
      });
      const unsigned = await deliver(baseUrl, "workflow_run", payload, {
        id: randomUUID(),
        signature: null,
      });
      expect(forged.status).toBe(400);
      expect(unsigned.status).toBe(400);
      const [stored] = await db().select({ n: count() }).from(deliveries);
      expect(stored?.n).toBe(0);
    });
  });

  describe("when a failed workflow run is delivered three times", () => {
    it("keeps one delivery and opens one incident", async () => {
      const id = randomUUID();
      const payload = webhookFixture("workflow_run.completed");
      for (let i = 0; i < 3; i++) {
        const response = await deliver(baseUrl, "workflow_run", payload, { id });
        expect(response.status).toBe(200);
      }
      const row = await settled(id);
      expect(row.status).toBe("processed");
      expect(await deliveryRows(id)).toHaveLength(1);
      const opened = await db().select().from(incidents).where(eq(incidents.deliveryId, id));
      expect(opened).toHaveLength(1);
      expect(opened[0]).toMatchObject({
        repository: "octo-org/octo-repo",
        provider: "actions",
        conclusion: "failure",
        runAttempt: 1,
      });
    });

    it("opens no second incident when the same run attempt comes in a new delivery", async () => {
      const payload = webhookFixture("workflow_run.completed");
      const id = randomUUID();
      await deliver(baseUrl, "workflow_run", payload, { id });
      expect((await settled(id)).statusReason).toMatch(/already open/);
      const runId = (payload.workflow_run as { id: number }).id;
      const found = await db().select().from(incidents).where(eq(incidents.runId, runId));
      expect(found).toHaveLength(1);
    });
  });

  describe("when the run succeeded", () => {
    it("stores the delivery and settles it as ignored, with the reason", async () => {
      const id = randomUUID();
      await deliver(baseUrl, "workflow_run", webhookFixture("workflow_run.completed.success"), {
        id,
      });
      expect(await settled(id)).toMatchObject({
        status: "ignored",
        statusReason: "conclusion success is not a failure",
      });
    });
  });

  describe("when a check from CI outside GitHub Actions fails", () => {
    it("opens one incident for the check suite, shared by its check run", async () => {
      const run = randomUUID();
      const suite = randomUUID();
      await deliver(baseUrl, "check_run", webhookFixture("check_run.completed"), { id: run });
      await settled(run);
      const suitePayload = webhookFixture("check_suite.completed");
      const checkRun = webhookFixture("check_run.completed").check_run as {
        check_suite: { id: number };
      };
      (suitePayload.check_suite as { id: number }).id = checkRun.check_suite.id;
      await deliver(baseUrl, "check_suite", suitePayload, { id: suite });
      await settled(suite);
      const found = await db()
        .select()
        .from(incidents)
        .where(eq(incidents.runId, checkRun.check_suite.id));
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        provider: "checks",
        sourceEvent: "check_run",
        workflowName: "Travis CI",
      });
    });

    it("leaves GitHub Actions' own checks to workflow_run", async () => {
      const id = randomUUID();
      await deliver(baseUrl, "check_run", webhookFixture("check_run.completed.actions"), { id });
      expect(await settled(id)).toMatchObject({ status: "ignored" });
      expect((await settled(id)).statusReason).toMatch(/workflow_run/);
    });
  });

  describe("when the event is one CodeHealer does not act on yet", () => {
    it("stores it and answers 2xx", async () => {
      const id = randomUUID();
      const response = await deliver(
        baseUrl,
        "star",
        { action: "created", starred_at: null },
        { id },
      );
      expect(response.status).toBe(200);
      expect(await settled(id)).toMatchObject({ event: "star", status: "ignored" });
    });
  });

  describe("when the body is hostile", () => {
    it("answers 400 to signed malformed JSON and stores nothing", async () => {
      const id = randomUUID();
      const response = await deliver(baseUrl, "workflow_run", '{"action": "completed", ', { id });
      expect(response.status).toBe(400);
      expect(await deliveryRows(id)).toHaveLength(0);
    });

    it("refuses a body over 25 MB with 413 and stores nothing", async () => {
      const id = randomUUID();
      const huge = JSON.stringify({ action: "completed", padding: "x".repeat(25 * 1024 * 1024) });
      const response = await deliver(baseUrl, "workflow_run", huge, { id, signature: "sha256=00" });
      expect(response.status).toBe(413);
      expect(await deliveryRows(id)).toHaveLength(0);
    });

    it("stores a payload that lacks the fields a handler needs and ignores it with the reason", async () => {
      const id = randomUUID();
      const response = await deliver(
        baseUrl,
        "workflow_run",
        { action: "completed", workflow_run: { id: "nope" } },
        { id },
      );
      expect(response.status).toBe(200);
      const row = await settled(id);
      expect(row.status).toBe("ignored");
      expect(row.statusReason).toMatch(/payload lacks .*workflow_run/);
    });

    it("still takes a valid delivery after all of the above", async () => {
      const id = randomUUID();
      await deliver(baseUrl, "ping", webhookFixture("ping"), { id });
      expect(await settled(id)).toMatchObject({ event: "ping", status: "ignored" });
    });
  });
});

describe("ops endpoints", () => {
  it("answers /health/live and /health/ready", async () => {
    expect((await fetch(`${baseUrl}/health/live`)).status).toBe(200);
    const ready = await fetch(`${baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ready",
      checks: { database: "ok", migrations: "ok", github: "ok" },
    });
  });

  it("exposes deliveries, jobs, incidents and latency in Prometheus format", async () => {
    const body = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(body).toMatch(
      /codehealer_deliveries_received_total\{event="workflow_run",redelivery="true"\} [1-9]/,
    );
    expect(body).toMatch(/codehealer_jobs\{queue="delivery",state="completed"\} [1-9]/);
    expect(body).toMatch(/codehealer_incidents\{status="open"\} [1-9]/);
    expect(body).toMatch(
      /codehealer_processing_seconds_bucket\{le="\+Inf",event="workflow_run.completed",status="processed"\} [1-9]/,
    );
  });
});
