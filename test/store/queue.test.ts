import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Queue, startQueue } from "../../src/store/queue.ts";
import { driver, migratedDatabase, until } from "../support/database.ts";

let env: Awaited<ReturnType<typeof migratedDatabase>>;
let queue: Queue;
beforeAll(async () => {
  env = await migratedDatabase();
  queue = await startQueue(env.database, {
    log: pino({ level: "silent" }),
    superviseIntervalSeconds: 1,
    retry: { retryLimit: 2, retryDelay: 1, retryBackoff: true, retryDelayMax: 2 },
  });
});
afterAll(async () => {
  await queue?.stop();
  await env?.dispose();
});

const count = async (queueName: string, state: string) =>
  (await queue.counts()).find((row) => row.queue === queueName && row.state === state)?.count ?? 0;

describe(`the job queue on ${driver}`, () => {
  it("queues a key once, however often it is enqueued", async () => {
    await queue.enqueue("incident", "same-key");
    await queue.enqueue("incident", "same-key");
    expect(await count("incident", "created")).toBe(1);
  });

  it("retries a failing job with backoff, then moves it to the dead-letter queue", async () => {
    const tries: number[] = [];
    await queue.work(
      "delivery",
      async (key, job) => {
        if (key !== "poison") return;
        tries.push(job.retryCount);
        throw new Error("handler broke");
      },
      1,
    );
    await queue.enqueue("delivery", "poison");
    await until(
      async () => (await count("delivery", "failed")) === 1,
      60_000,
      "the job to fail for good",
    );
    expect(tries).toEqual([0, 1, 2]);
    await until(
      async () => (await count("delivery.dead", "created")) === 1,
      10_000,
      "the dead letter",
    );
  }, 90_000);
});
