import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { type Database, migrate, openDatabase } from "../../src/store/database.ts";

/** Which store the suite runs on: real Postgres when DATABASE_URL is set, PGlite otherwise. */
export const driver = process.env.DATABASE_URL ? "postgres" : "pglite";

export type TestStore = {
  /** Environment that points a CodeHealer process (or child process) at this store. */
  env: { DATABASE_URL?: string; CODEHEALER_DATA_DIR: string };
  open(): Promise<Database>;
  dispose(): Promise<void>;
};

/**
 * A store of its own for one test file: a fresh database on the Postgres server named by
 * DATABASE_URL, or a fresh PGlite data folder. Nothing is shared between files.
 */
export async function testStore(): Promise<TestStore> {
  const dataDir = await mkdtemp(join(tmpdir(), "codehealer-test-"));
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    return {
      env: { CODEHEALER_DATA_DIR: dataDir },
      open: () => openDatabase({ dataDir }),
      dispose: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `codehealer_t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString(), CODEHEALER_DATA_DIR: dataDir },
    open: () => openDatabase({ url: url.toString(), dataDir }),
    async dispose() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Opens a migrated database on a fresh test store. */
export async function migratedDatabase(): Promise<{
  database: Database;
  store: TestStore;
  dispose(): Promise<void>;
}> {
  const store = await testStore();
  const database = await store.open();
  await migrate(database);
  return {
    database,
    store,
    async dispose() {
      await database.close();
      await store.dispose();
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
export async function until<T>(
  check: () => Promise<T | undefined | false>,
  ms = 20_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
