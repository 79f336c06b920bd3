import type { Db } from "./database.ts";
import type { DeliveryInput } from "./deliveries.ts";
import type { Queue } from "./queue.ts";
import { deliveries } from "./schema.ts";

/** Stores deliveries durably and queues their jobs; resolves to whether each was new. */
export type Inbox = { accept(delivery: DeliveryInput): Promise<boolean> };

export type InboxOptions = {
  /** Most deliveries written by one statement. */
  maxBatch?: number;
  /** Batches written at once: more than one only helps a server with several connections. */
  inFlight?: number;
};

type Waiting = {
  delivery: DeliveryInput;
  resolve(isNew: boolean): void;
  reject(error: unknown): void;
};

/**
 * Group commit for webhook intake. Deliveries that arrive while writes are in flight wait for
 * the next write, which stores them all with one INSERT and queues their jobs with another;
 * each webhook is answered only once its own delivery is committed and queued. At low load a
 * batch is one delivery and nothing waits; under load the database sees a few large writes
 * instead of many small ones (figures in docs/benchmarks.md).
 *
 * The two writes are not one transaction (pg-boss's insert cannot join a PGlite transaction
 * without deadlocking on its single connection); a crash between them leaves a stored,
 * unqueued delivery, which the worker's sweep re-queues and a redelivery re-queues at once.
 */
export function createInbox(
  db: Db,
  queue: Pick<Queue, "enqueueMany">,
  options: InboxOptions = {},
): Inbox {
  const { maxBatch = 100, inFlight = 1 } = options;
  let pending: Waiting[] = [];
  let writers = 0;

  async function write(batch: Waiting[]): Promise<void> {
    try {
      const inserted = await db
        .insert(deliveries)
        .values(unique(batch.map((waiting) => waiting.delivery)))
        .onConflictDoNothing({ target: deliveries.id })
        .returning({ id: deliveries.id });
      // Every id is queued, redeliveries too: if an earlier process stored a delivery and died
      // before queueing it, the redelivery is what gets it processed. Duplicate jobs are dropped.
      await queue.enqueueMany("delivery", [
        ...new Set(batch.map((waiting) => waiting.delivery.id)),
      ]);
      const stored = new Set(inserted.map((row) => row.id));
      for (const waiting of batch) waiting.resolve(stored.delete(waiting.delivery.id)); // a GUID twice in one batch is new once
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  }

  async function drain(): Promise<void> {
    writers++;
    while (pending.length > 0) {
      const batch = pending.slice(0, maxBatch);
      pending = pending.slice(batch.length);
      await write(batch);
    }
    writers--;
  }

  return {
    accept(delivery) {
      return new Promise<boolean>((resolve, reject) => {
        pending.push({ delivery, resolve, reject });
        if (writers < inFlight) void drain();
      });
    },
  };
}

/** One row per GUID: Postgres refuses an INSERT … ON CONFLICT that names the same key twice. */
function unique(batch: DeliveryInput[]): DeliveryInput[] {
  return [...new Map(batch.map((delivery) => [delivery.id, delivery])).values()];
}
