import { mkdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema.ts";

/** The one query interface the rest of the app uses, whichever driver is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** An open store: PGlite in a data folder (the embedded default) or an external Postgres. */
export type Database =
  | { driver: "pglite"; db: Db; pglite: PGlite; dataDir: string; close(): Promise<void> }
  | { driver: "postgres"; db: Db; url: string; close(): Promise<void> };

export type DatabaseOptions = {
  /** A `postgres://` URL; when absent the embedded PGlite database is used. */
  url?: string | undefined;
  /** The PGlite data folder, used only without `url`. */
  dataDir: string;
  /** Postgres connections at most (default 10). */
  poolSize?: number;
};

const migrationsFolder = fileURLToPath(new URL("../../drizzle", import.meta.url));

/** Opens the store: Postgres when a URL is given, otherwise PGlite (with pgvector) in `dataDir`. */
export async function openDatabase({
  url,
  dataDir,
  poolSize = 10,
}: DatabaseOptions): Promise<Database> {
  if (url) {
    // notice messages (e.g. "extension already exists") are routine; they would only add log noise.
    const client = postgres(url, { onnotice: () => {}, max: poolSize });
    const db = drizzlePostgres({ client, schema }) as unknown as Db;
    return { driver: "postgres", db, url, close: () => client.end({ timeout: 5 }) };
  }
  if (dataDir !== "memory://") await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, { extensions: { vector } }).catch(
    (error: unknown) => {
      throw new Error(
        `Could not open the embedded database in ${dataDir}. Another CodeHealer process may be using it ` +
          "(the embedded database serves one process; set DATABASE_URL to share a Postgres), " +
          "or the folder is not a PGlite data folder.",
        { cause: error },
      );
    },
  );
  const db = drizzlePglite({ client: pglite, schema }) as unknown as Db;
  return { driver: "pglite", db, pglite, dataDir, close: () => pglite.close() };
}

/**
 * Applies the migrations in drizzle/ with drizzle's programmatic migrator — the same files on
 * both drivers. On Postgres an advisory lock keeps replicas that start together from racing.
 */
export async function migrate(database: Database): Promise<void> {
  if (database.driver === "pglite") {
    await migratePglite(database.db as never, { migrationsFolder });
    return;
  }
  const client = postgres(database.url, { onnotice: () => {}, max: 1 });
  try {
    await client`select pg_advisory_lock(hashtext('codehealer:migrate'))`;
    await migratePostgres(drizzlePostgres({ client }), { migrationsFolder });
  } finally {
    await client.end({ timeout: 5 });
  }
}

/** How many migrations the code ships and how many the database has applied. */
export async function migrationStatus(
  database: Database,
): Promise<{ expected: number; applied: number; current: boolean }> {
  const journal = JSON.parse(await readFile(`${migrationsFolder}/meta/_journal.json`, "utf8")) as {
    entries: unknown[];
  };
  const expected = journal.entries.length;
  const exists = await rows<{ present: boolean }>(
    database.db,
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  );
  const applied = exists[0]?.present
    ? Number(
        (
          await rows<{ n: number | string }>(
            database.db,
            sql`select count(*) as n from drizzle.__drizzle_migrations`,
          )
        )[0]?.n ?? 0,
      )
    : 0;
  return { expected, applied, current: applied >= expected };
}

/**
 * Runs raw SQL and returns its rows. The two drivers shape `execute()` results differently
 * (PGlite: `{ rows }`, postgres.js: an array), so raw queries go through here.
 */
export async function rows<T>(db: Db, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return (result as { rows: T[] }).rows;
}
