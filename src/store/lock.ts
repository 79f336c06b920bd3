import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { Db } from "./database.ts";

// The keys this process holds or waits for: each waiter chains onto the one before.
const queues = new Map<string, Promise<void>>();

const isEmbedded = (db: Db): boolean => (db as { $client?: unknown }).$client instanceof PGlite;

/**
 * Runs `fn` while holding the lock `key`, so that two workers never do the same thing at once
 * (two incidents of one pull request creating two sticky comments):
 * - within this process, callers with the same key run one after the other;
 * - on Postgres, a transaction-scoped advisory lock also excludes the other worker processes.
 *   `fn` keeps using its own connections; the lock's transaction only holds the lock.
 * The embedded database serves one process, so the in-process queue is the whole lock there.
 */
export async function withLock<T>(db: Db, key: string, fn: () => Promise<T>): Promise<T> {
  const before = queues.get(key) ?? Promise.resolve();
  let release = () => {};
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const chain = before.then(() => mine);
  queues.set(key, chain);
  await before;
  try {
    if (isEmbedded(db)) return await fn();
    return await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${key}))`);
      return fn();
    });
  } finally {
    release();
    if (queues.get(key) === chain) queues.delete(key);
  }
}
