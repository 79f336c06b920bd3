/**
 * Speed and recall of memory retrieval, on PGlite and on Postgres in one run.
 *
 *   node bench/memory.ts [--solutions 100000] [--pglite-solutions 100000] [--queries 1000]
 *                        [--ef 40,100,200] [--url postgres://…] [--skip-pglite] [--skip-postgres]
 *
 * 1. Generates `--solutions` failure texts from templates of real tools' error lines with
 *    varied packages, paths, symbols and numbers, and embeds them with the local embedder.
 * 2. Generates `--queries` queries: four in five are a remembered failure seen again (other
 *    line numbers, durations, one word of context changed), one in five a new failure.
 * 3. Computes the exact top 5 of every query in JS (a full scan by cosine similarity).
 * 4. For each driver: a fresh database (a temporary PGlite folder; a database created and
 *    dropped on the server at `--url`, DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres),
 *    migrated; solutions inserted 1,000 rows per statement; the HNSW index built after the
 *    load; then every query through `findSolutions` (the production path: a transaction with
 *    ef_search and the iterative scan, the top-5 query) for each `--ef` value, and the same
 *    queries scoped to one repository, without and then with the schema's btree indexes on
 *    the repository and organisation columns.
 * 5. Times a memory-hit diagnosis end to end: log text → rules → embedding → recall(), which
 *    searches the exact fingerprint, then the repository, the organisation and everywhere.
 * Prints markdown tables. A benchmark, not a test.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { diagnoseText } from "../src/diagnosis/diagnose.ts";
import { DEFAULT_EF_SEARCH, findSolutions } from "../src/diagnosis/memory.ts";
import { recall } from "../src/diagnosis/memory-recall.ts";
import { rememberDiagnosis } from "../src/diagnosis/memory-remember.ts";
import { embedFailure, localEmbedder } from "../src/diagnosis/memory-text.ts";
import { type Database, migrate, openDatabase } from "../src/store/database.ts";
import { solutions } from "../src/store/schema.ts";
import { type Failure, failures, seeded, variant } from "./memory-failures.ts";

const { values } = parseArgs({
  options: {
    solutions: { type: "string", default: "100000" },
    "pglite-solutions": { type: "string" },
    queries: { type: "string", default: "1000" },
    ef: { type: "string", default: "40,100,200" },
    url: { type: "string" },
    "skip-pglite": { type: "boolean", default: false },
    "skip-postgres": { type: "boolean", default: false },
  },
});
const N = Number(values.solutions);
const PGLITE_N = Number(values["pglite-solutions"] ?? N);
const Q = Number(values.queries);
const EF = values.ef.split(",").map(Number);
const SERVER =
  values.url ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const K = 5;
/** The ef_search of the scoped rows: the default of findSolutions. */
const SCOPED_EF = DEFAULT_EF_SEARCH;
const BATCH = 1000;

type Stored = Failure & { vector: Float32Array; ref: string };
type Query = { vector: Float32Array; repository: string };

const log = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function embedAll(items: Failure[], prefix: string): Promise<Stored[]> {
  const out: Stored[] = [];
  for (const [i, item] of items.entries()) {
    const { vector } = await embedFailure(item);
    out.push({ ...item, vector: Float32Array.from(vector), ref: `${prefix}${i}` });
  }
  return out;
}

// The exact top k of every query by cosine similarity (unit vectors: a dot product), over the
// given solutions, optionally only those of the query's repository. Computed once per size.
const truthCache = new Map<string, string[][]>();
function exactTopK(stored: readonly Stored[], queries: readonly Query[], scoped: boolean) {
  const key = `${stored.length}:${scoped}`;
  const cached = truthCache.get(key);
  if (cached) return cached;
  const D = stored[0]?.vector.length ?? 0;
  // One flat matrix: a full scan is ~40 billion multiply-adds at 100,000 × 1,000 × 384.
  const matrix = new Float32Array(stored.length * D);
  for (const [i, s] of stored.entries()) matrix.set(s.vector, i * D);
  const rowsOf = new Map<string, number[]>();
  for (const [i, s] of stored.entries()) {
    const list = rowsOf.get(s.repository) ?? [];
    list.push(i);
    rowsOf.set(s.repository, list);
  }
  const all = stored.map((_, i) => i);
  const truth = queries.map(({ vector, repository }) => {
    const best: { row: number; score: number }[] = [];
    for (const row of scoped ? (rowsOf.get(repository) ?? []) : all) {
      let dot = 0;
      for (let d = 0, at = row * D; d < D; d++, at++)
        dot += (vector[d] as number) * (matrix[at] as number);
      if (best.length < K || dot > (best[K - 1]?.score ?? -2)) {
        best.push({ row, score: dot });
        best.sort((a, b) => b.score - a.score);
        if (best.length > K) best.pop();
      }
    }
    return best.map((b) => (stored[b.row] as Stored).ref);
  });
  truthCache.set(key, truth);
  return truth;
}

async function load(database: Database, stored: readonly Stored[]) {
  const { db } = database;
  // Built once after the load, as a bulk build, rather than grown row by row.
  // The scope indexes come back after the first scoped measurement, to show what they do.
  await db.execute(sql`drop index if exists solutions_embedding_hnsw`);
  await db.execute(sql`drop index if exists solutions_repository_idx`);
  await db.execute(sql`drop index if exists solutions_organization_idx`);
  const started = performance.now();
  for (let i = 0; i < stored.length; i += BATCH) {
    await db.insert(solutions).values(
      stored.slice(i, i + BATCH).map((s) => ({
        fingerprint: s.ref,
        fingerprintVersion: 1,
        embedding: Array.from(s.vector),
        embeddingModel: localEmbedder.model,
        category: s.category,
        repository: s.repository,
        organization: s.repository.split("/")[0],
        fix: s.fix,
        source: "manual" as const,
        sourceRef: s.ref,
        errorLine: s.errorLine,
        excerpt: s.excerpt,
        successes: s.successes,
        failures: s.failures,
      })),
    );
  }
  const loaded = performance.now();
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local maintenance_work_mem = '1GB'`);
    await tx.execute(
      sql`create index solutions_embedding_hnsw on solutions using hnsw (embedding vector_cosine_ops)`,
    );
  });
  const built = performance.now();
  await db.execute(sql`analyze solutions`);
  return { loadMs: loaded - started, buildMs: built - loaded };
}

async function measure(
  database: Database,
  stored: readonly Stored[],
  queries: readonly Query[],
  ef: number,
  scoped: boolean,
) {
  const times: number[] = [];
  const truths = exactTopK(stored, queries, scoped);
  let hits = 0;
  let expected = 0;
  for (const [i, query] of queries.entries()) {
    const repository = scoped ? query.repository : undefined;
    const started = performance.now();
    const found = await findSolutions(database.db, {
      embedding: query.vector,
      embeddingModel: localEmbedder.model,
      repository,
      // Only the repository scope: the organisation and global searches would fill the rest.
      organization: undefined,
      limit: K,
      threshold: 0,
      efSearch: ef,
    });
    times.push(performance.now() - started);
    const truth = truths[i] ?? [];
    const got = new Set(
      found.filter((c) => !scoped || c.scope === "repository").map((c) => c.solution.sourceRef),
    );
    expected += truth.length;
    hits += truth.filter((ref) => got.has(ref)).length;
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), recall: hits / expected };
}

async function endToEnd(database: Database, runs: number) {
  const text = await readFile(
    new URL("../fixtures/logs/python-import-error.log", import.meta.url),
    "utf8",
  );
  await rememberDiagnosis(database.db, diagnoseText(text), {
    fix: "Add pandas to requirements.txt",
    repository: "acme/ml",
  });
  const later = text.replaceAll("T01:57:", "T03:12:");
  // Not timed: the first call warms the statement cache and the rules' regexes.
  await recall(database.db, diagnoseText(later), { repository: "acme/ml" });
  const times: number[] = [];
  let source = "";
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const diagnosis = await recall(database.db, diagnoseText(later), { repository: "acme/ml" });
    times.push(performance.now() - started);
    source = diagnosis.source;
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), source };
}

type Row = string[];

async function bench(
  driver: "pglite" | "postgres",
  open: () => Promise<Database>,
  stored: readonly Stored[],
  queries: readonly Query[],
  rows: { search: Row[]; e2e: Row[]; load: string[] },
) {
  const database = await open();
  try {
    await migrate(database);
    log(`${driver}: loading ${stored.length} solutions`);
    const { loadMs, buildMs } = await load(database, stored);
    log(`${driver}: loaded in ${seconds(loadMs)} s, HNSW built in ${seconds(buildMs)} s`);
    log(`${driver}: exact top ${K} of every query`);
    const loadBefore = loadavg()[0] ?? 0;
    exactTopK(stored, queries, false);
    exactTopK(stored, queries, true);
    await measure(database, stored, queries.slice(0, 50), EF[0] ?? 40, false);
    const row = (scope: string, ef: number, r: { p50: number; p99: number; recall: number }) =>
      rows.search.push([
        driver,
        stored.length.toLocaleString("en"),
        seconds(loadMs),
        seconds(buildMs),
        scope,
        String(ef),
        r.p50.toFixed(2),
        r.p99.toFixed(2),
        r.recall.toFixed(3),
      ]);
    for (const ef of EF) row("anywhere", ef, await measure(database, stored, queries, ef, false));
    // A repository holds a few dozen of the solutions: the index walk must pass thousands of
    // others to find them, unless the planner can go by an index on the repository instead.
    row("same repository", SCOPED_EF, await measure(database, stored, queries, SCOPED_EF, true));
    const before = await endToEnd(database, 200);
    rows.e2e.push([driver, "no", before.p50.toFixed(2), before.p99.toFixed(2), before.source]);
    // As migration 0004 creates them.
    await database.db.execute(sql`create index solutions_repository_idx on solutions (repository)`);
    await database.db.execute(
      sql`create index solutions_organization_idx on solutions (organization)`,
    );
    await database.db.execute(sql`analyze solutions`);
    row(
      "same repository, btree on repository",
      SCOPED_EF,
      await measure(database, stored, queries, SCOPED_EF, true),
    );
    const after = await endToEnd(database, 200);
    rows.e2e.push([driver, "yes", after.p50.toFixed(2), after.p99.toFixed(2), after.source]);
    // Latency percentiles mean little on a busy machine: say how busy it was.
    rows.load.push(
      `${driver}: load average ${loadBefore.toFixed(1)} before the queries, ${(loadavg()[0] ?? 0).toFixed(1)} after`,
    );
  } finally {
    await database.close();
  }
}

async function withServerDatabase<T>(run: (url: string) => Promise<T>): Promise<T> {
  const name = `codehealer_bench_${process.pid}`;
  const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  try {
    const url = new URL(SERVER);
    url.pathname = `/${name}`;
    return await run(url.toString());
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

const table = (header: Row, rows: Row[]) =>
  [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");

const random = seeded(20261122);
const size = Math.max(values["skip-pglite"] ? 0 : PGLITE_N, values["skip-postgres"] ? 0 : N);
log(`embedding ${size} failures and ${Q} queries`);
const stored = await embedAll(failures(random, size), "s");
const queries: Query[] = [];
for (let i = 0; i < Q; i++) {
  const seen = random() < 0.8;
  const base = stored[Math.floor(random() * Math.min(stored.length, PGLITE_N))] as Stored;
  const failure = seen ? variant(random, base) : (failures(random, 1)[0] as Failure);
  const { vector } = await embedFailure(failure);
  queries.push({ vector: Float32Array.from(vector), repository: base.repository });
}

const rows = { search: [] as Row[], e2e: [] as Row[], load: [] as string[] };
if (!values["skip-pglite"]) {
  const dir = await mkdtemp(join(tmpdir(), "codehealer-bench-memory-"));
  try {
    await bench(
      "pglite",
      () => openDatabase({ dataDir: dir }),
      stored.slice(0, PGLITE_N),
      queries,
      rows,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
if (!values["skip-postgres"]) {
  await withServerDatabase((url) =>
    bench("postgres", () => openDatabase({ url, dataDir: "" }), stored.slice(0, N), queries, rows),
  );
}

process.stdout.write(
  `${table(
    [
      "driver",
      "solutions",
      "load s",
      "HNSW build s",
      "scope",
      "ef_search",
      "top-5 p50 ms",
      "top-5 p99 ms",
      "recall@5",
    ],
    rows.search,
  )}\n\n${table(["driver", "btree on repository", "log → MemoryDiagnosis p50 ms", "p99 ms", "source"], rows.e2e)}\n\n${rows.load.join("\n")} (${cpus().length} cores)\n`,
);
