import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { intake } from "../src/handlers/intake.ts";
import { migrate, rows } from "../src/store/database.ts";
import { createInbox } from "../src/store/inbox.ts";
import { jobId, startQueue } from "../src/store/queue.ts";
import { deliveries, incidents } from "../src/store/schema.ts";
import { type TestStore, testStore, until } from "./support/database.ts";
import { webhookFixture } from "./support/github.ts";

const marker = join(tmpdir(), `codehealer-durability-${randomUUID()}.log`);
const lines = () =>
  existsSync(marker) ? readFileSync(marker, "utf8").split("\n").filter(Boolean) : [];
let store: TestStore;

beforeAll(async () => {
  store = await testStore();
});
afterAll(async () => {
  await store?.dispose();
});

function worker(mode: "hang" | "normal"): ChildProcess {
  return spawn(process.execPath, [new URL("./support/worker-child.ts", import.meta.url).pathname], {
    env: { ...process.env, ...store.env, MODE: mode, MARKER: marker },
    stdio: ["ignore", "inherit", "inherit"],
  });
}

const exited = (child: ChildProcess) => new Promise((resolve) => child.once("exit", resolve));

describe("the durable queue", () => {
  describe("when the worker process is killed mid-job", () => {
    it("completes the job exactly once after a new worker starts", async () => {
      const deliveryId = randomUUID();
      const payload = webhookFixture("workflow_run.completed");
      // 1. A webhook is taken: the delivery is stored and its job queued, then this process lets go.
      const database = await store.open();
      await migrate(database);
      const queue = await startQueue(database, { log: pino({ level: "silent" }) });
      await intake({ inbox: createInbox(database.db, queue), log: pino({ level: "silent" }) })({
        id: deliveryId,
        name: "workflow_run",
        payload,
      } as never);
      await queue.stop();
      await database.close();

      // 2. A worker claims the job and is killed with SIGKILL while holding it.
      const doomed = worker("hang");
      await until(
        async () => lines().some((line) => line.startsWith("started")),
        30_000,
        "the first worker to claim the job",
      );
      doomed.kill("SIGKILL");
      await exited(doomed);

      // 3. A new worker takes the abandoned job over once its heartbeat lapses, and finishes it.
      const survivor = worker("normal");
      await until(
        async () => lines().some((line) => line.startsWith("settled")),
        90_000,
        "the job to complete",
      );
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      survivor.kill("SIGTERM");
      await exited(survivor);

      const after = await store.open();
      const [delivery] = await after.db
        .select()
        .from(deliveries)
        .where(eq(deliveries.id, deliveryId));
      const opened = await after.db
        .select()
        .from(incidents)
        .where(eq(incidents.deliveryId, deliveryId));
      const jobs = await rows<{ state: string; retry_count: number }>(
        after.db,
        sql`select state::text as state, retry_count from pgboss.job where id = ${jobId("delivery", deliveryId)}`,
      );
      await after.close();

      expect(lines().filter((line) => line === `started ${doomed.pid}`)).toHaveLength(1);
      expect(lines().filter((line) => line.startsWith("settled"))).toEqual([
        "settled workflow_run.completed processed",
      ]);
      expect(delivery?.status).toBe("processed");
      expect(opened).toHaveLength(1);
      expect(jobs).toEqual([{ state: "completed", retry_count: 1 }]);
    }, 150_000);
  });
});
