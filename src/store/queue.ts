import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { fromDrizzle, fromPglite, type Job, type JobResult, PgBoss } from "pg-boss";
import type { Logger } from "pino";
import { type Database, type Db, rows } from "./database.ts";

/** The queues of the pipeline; each has a dead-letter twin named `<queue>.dead`. */
export const QUEUE_NAMES = ["delivery", "incident"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export type QueueOptions = {
  log: Logger;
  /**
   * How long a job may go without a heartbeat from its worker before it is handed to another
   * worker: this is how a job held by a crashed process gets retried. pg-boss's floor is 10 s.
   */
  heartbeatSeconds?: number;
  /** How often the supervisor looks for jobs whose worker stopped heart-beating. */
  superviseIntervalSeconds?: number;
  /** Overrides of the retry policy below. */
  retry?: Partial<RetryPolicy>;
};

export type RetryPolicy = {
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
  retryDelayMax: number;
};

/** A durable job queue in the app's own database (pg-boss on PGlite or Postgres). */
export type Queue = {
  /** The retry policy in force: a job whose `retryCount` reached `retryLimit` is on its last try. */
  retry: RetryPolicy;
  enqueue(queue: QueueName, key: string): Promise<void>;
  /** Queues many keys in one statement, inside the caller's transaction when `tx` is given. */
  enqueueMany(queue: QueueName, keys: string[], tx?: Db): Promise<void>;
  work(
    queue: QueueName,
    handler: (key: string, job: Job<JobData>) => Promise<void>,
    concurrency: number,
  ): Promise<void>;
  counts(): Promise<JobCount[]>;
  stop(): Promise<void>;
};

export type JobData = { key: string };
export type JobCount = { queue: string; state: string; count: number };

/**
 * Retries with exponential backoff (5 s, 10 s, 20 s … capped at 10 min), then the job moves to
 * the dead-letter queue where it stays visible (`codehealer jobs`, /metrics) until someone acts.
 */
export const RETRY: RetryPolicy = {
  retryLimit: 6,
  retryDelay: 5,
  retryBackoff: true,
  retryDelayMax: 600,
};

/**
 * Starts pg-boss on the store. Jobs carry only a key (a delivery or incident id): the data
 * itself lives in our own tables, so a job is cheap and a replayed job re-reads fresh state.
 */
export async function startQueue(database: Database, options: QueueOptions): Promise<Queue> {
  const { log, heartbeatSeconds = 30, superviseIntervalSeconds = 15 } = options;
  const retry = { ...RETRY, ...options.retry };
  const connection =
    database.driver === "pglite"
      ? { db: fromPglite(database.pglite) }
      : { connectionString: database.url, max: 5 };
  const boss = new PgBoss({
    ...connection,
    useListenNotify: true,
    superviseIntervalSeconds,
    monitorIntervalSeconds: superviseIntervalSeconds,
    queueCacheIntervalSeconds: superviseIntervalSeconds,
  });
  boss.on("error", (error: unknown) => log.error({ err: error }, "job queue error"));
  await boss.start();
  for (const name of QUEUE_NAMES) {
    await boss.createQueue(`${name}.dead`, { retryLimit: 0 });
    await boss.createQueue(name, {
      ...retry,
      heartbeatSeconds,
      deadLetter: `${name}.dead`,
      notify: true,
    });
  }

  return {
    retry,
    async enqueue(queue, key) {
      // The job id is derived from the key, so enqueueing the same key twice is a no-op
      // (pg-boss returns null for a duplicate id) — a redelivered webhook never queues twice.
      await boss.send(queue, { key } satisfies JobData, { id: jobId(queue, key) });
    },
    async enqueueMany(queue, keys, tx) {
      const jobs = keys.map((key) => ({ id: jobId(queue, key), data: { key } satisfies JobData }));
      await boss.insert(queue, jobs, {
        returnId: false,
        ...(tx ? { db: fromDrizzle(tx as never, sql) } : {}),
      });
    },
    async work(queue, handler, concurrency) {
      const options = {
        localConcurrency: concurrency,
        // Jobs are fetched and settled ten at a time, each settled on its own: one failing
        // job is retried without its batch-mates, and the queue's bookkeeping is paid per batch.
        batchSize: 10,
        perJobResults: true,
        // NOTIFY wakes workers for new jobs, but a retry becomes due silently: poll often enough
        // that a retried (or abandoned) job waits seconds, not the 30 s default backstop.
        notifyPollingIntervalSeconds: 5,
      } as const;
      await boss.work<JobData>(queue, options, async (jobs) => {
        const results: JobResult[] = [];
        for (const job of jobs) {
          try {
            await handler(job.data.key, job);
            results.push({ id: job.id, status: "completed" });
          } catch (error) {
            log.warn(
              { err: error, queue, key: job.data.key, retryCount: job.retryCount },
              "job failed",
            );
            results.push({ id: job.id, status: "failed", output: { message: String(error) } });
          }
        }
        return results;
      });
    },
    counts: () => jobCounts(database),
    stop: () => boss.stop({ graceful: true, timeout: 10_000, close: database.driver !== "pglite" }),
  };
}

/** Jobs by queue and state, read straight from pg-boss's table for an up-to-date view. */
export async function jobCounts(database: Database): Promise<JobCount[]> {
  const exists = await rows<{ present: boolean }>(
    database.db,
    sql`select to_regclass('pgboss.job') is not null as present`,
  );
  if (!exists[0]?.present) return [];
  const result = await rows<{ queue: string; state: string; count: number | string }>(
    database.db,
    sql`select name as queue, state::text as state, count(*) as count from pgboss.job group by 1, 2 order by 1, 2`,
  );
  return result.map((row) => ({ ...row, count: Number(row.count) }));
}

/** pg-boss ids must be UUIDs; a name-based (v5-style) UUID of queue and key keeps them stable. */
export function jobId(queue: string, key: string): string {
  const hex = createHash("sha1").update(`${queue}\0${key}`).digest("hex");
  const variant = ((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}
