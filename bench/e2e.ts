/**
 * A memory-hit incident end to end: signed webhook in, last GitHub request out.
 *
 *   node bench/e2e.ts [--incidents 200] [--warmup 10] [--gap 1000] [--burst 40] [--concurrency 8]
 *                     [--url postgres://…] [--skip-pglite] [--skip-postgres]
 *
 * 1. A stand-in GitHub on 127.0.0.1 (`node:http`, in this process) answers what the pipeline
 *    asks for a failed run: the installation token, the run attempt's jobs, their annotations,
 *    the log (a 302 to a blob URL on itself, then fixtures/logs/npm-network-refused.log), 404
 *    for the repository's and the organisation's .github/codehealer.yml (defaults), and the
 *    two writes of a transient failure at the auto tier: rerun-failed-jobs, then a check run.
 *    It notes when each request of each run arrives; anything else it answers 404 and reports.
 * 2. For each driver (a fresh PGlite folder; a database created and dropped on the server at
 *    `--url`, DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres): migrate, remember
 *    one solution under the fingerprint and embedding of that log's diagnosis, then start the
 *    real app (`bench/intake-server.ts codehealer`, its own process) with GITHUB_API_URL
 *    pointing at the stand-in.
 * 3. Latency: `--incidents` signed workflow_run.completed deliveries, one at a time, each a
 *    new run in its own repository (so the per-repository blast radius never refuses a rerun);
 *    timed from the start of the webhook POST to the arrival of the run's last write.
 *    After each incident the next waits `--gap` ms: Probot's Octokit spaces write requests
 *    (POST, PATCH…) of the whole process at least 1 s apart (@octokit/plugin-throttling, as
 *    GitHub asks of integrations), so an incident sent sooner would wait for the previous one's
 *    last write instead of measuring its own.
 * 4. Throughput: `--burst` more incidents, `--concurrency` in flight.
 * 5. The app is stopped and the store read back: every incident `acted`, its diagnosis from
 *    memory (`rules+memory` or `memory`), and pg-boss's own timestamps for the queue waits.
 * Prints markdown tables. A benchmark, not a test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { sign } from "@octokit/webhooks-methods";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { diagnoseText } from "../src/diagnosis/diagnose.ts";
import { rememberDiagnosis } from "../src/diagnosis/memory-remember.ts";
import { type Database, migrate, openDatabase, rows } from "../src/store/database.ts";
import { jobId } from "../src/store/queue.ts";
import { appEnv } from "../test/support/github.ts";

const { values } = parseArgs({
  options: {
    incidents: { type: "string", default: "200" },
    warmup: { type: "string", default: "10" },
    gap: { type: "string", default: "1000" },
    burst: { type: "string", default: "40" },
    concurrency: { type: "string", default: "8" },
    url: { type: "string" },
    "skip-pglite": { type: "boolean", default: false },
    "skip-postgres": { type: "boolean", default: false },
  },
});
const INCIDENTS = Number(values.incidents);
const WARMUP = Number(values.warmup);
const GAP_MS = Number(values.gap);
const BURST = Number(values.burst);
const CONCURRENCY = Number(values.concurrency);
const SERVER =
  values.url ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

const OWNER = "bench-org";
const INSTALLATION = 4242;
const FAILED_STEP = "Install dependencies";
/** Writes a transient failure at the auto tier makes: the rerun, then the check run. */
const WRITES = 2;
/** Longest an incident may take before the run is abandoned as broken. */
const TIMEOUT_MS = 60_000;

const LOG = readFileSync(new URL("../fixtures/logs/npm-network-refused.log", import.meta.url));
const PAYLOAD = JSON.parse(
  readFileSync(
    new URL("../fixtures/webhooks/workflow_run.completed.json", import.meta.url),
    "utf8",
  ),
) as { repository: Record<string, unknown>; workflow_run: Record<string, unknown> };
const appServer = new URL("./intake-server.ts", import.meta.url).pathname;

/** Milliseconds on the wall clock, sub-millisecond, comparable with the database's timestamps. */
const clock = () => performance.timeOrigin + performance.now();
const log = (line: string) => process.stderr.write(`${line}\n`);
const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/** When the stand-in GitHub saw each request of one run. */
type RunTimes = { jobs?: number; config?: number; writes: number[] };

type FakeGitHub = {
  url: string;
  /** Resolves with the run's times once its last write arrived. */
  done(runId: number): Promise<RunTimes>;
  unexpected: string[];
  close(): Promise<void>;
};

const json = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
};

/** The stand-in GitHub: see step 1 above. Repositories are named `r<run id>`. */
async function fakeGitHub(): Promise<FakeGitHub> {
  const runs = new Map<number, RunTimes>();
  const waiting = new Map<number, (times: RunTimes) => void>();
  const unexpected: string[] = [];
  const timesOf = (runId: number) => {
    const times = runs.get(runId) ?? { writes: [] };
    runs.set(runId, times);
    return times;
  };
  let base = "";

  const route = (req: IncomingMessage, res: ServerResponse, at: number) => {
    const { pathname } = new URL(req.url ?? "/", base);
    const method = req.method ?? "GET";
    const repo = /^\/repos\/[^/]+\/r(\d+)\//.exec(pathname);
    const runId = Number(repo?.[1]);
    if (method === "POST" && /^\/app\/installations\/\d+\/access_tokens$/.test(pathname))
      return json(res, 201, {
        token: "ghs_bench",
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        permissions: {},
      });
    if (method === "GET" && /\/contents\//.test(pathname)) {
      if (repo) timesOf(runId).config ??= at;
      return json(res, 404, { message: "Not Found" });
    }
    if (repo && method === "GET" && /\/actions\/runs\/\d+\/attempts\/\d+\/jobs$/.test(pathname)) {
      timesOf(runId).jobs = at;
      return json(res, 200, {
        total_count: 1,
        jobs: [
          {
            id: runId,
            name: "install",
            conclusion: "failure",
            html_url: `https://github.com/${OWNER}/r${runId}/actions/runs/${runId}/job/${runId}`,
            steps: [
              { number: 1, name: "Set up job", conclusion: "success" },
              { number: 3, name: FAILED_STEP, conclusion: "failure" },
            ],
          },
        ],
      });
    }
    if (repo && method === "GET" && /\/check-runs\/\d+\/annotations$/.test(pathname))
      return json(res, 200, []);
    if (repo && method === "GET" && /\/actions\/jobs\/\d+\/logs$/.test(pathname)) {
      // As on github.com: a redirect to a short-lived blob URL, fetched without the token.
      res.writeHead(302, { location: `${base}/blobs/${OWNER}/r${runId}/${runId}.txt` });
      return res.end();
    }
    if (method === "GET" && pathname.startsWith("/blobs/")) {
      res.writeHead(200, { "content-type": "text/plain", "content-length": LOG.length });
      return res.end(LOG);
    }
    if (repo && method === "POST" && /\/actions\/runs\/\d+\/rerun-failed-jobs$/.test(pathname))
      return write(runId, at, () => json(res, 201, {}));
    if (repo && method === "POST" && /\/check-runs$/.test(pathname))
      return write(runId, at, () =>
        json(res, 201, {
          id: runId,
          html_url: `https://github.com/${OWNER}/r${runId}/runs/${runId}`,
          output: { annotations_count: 0 },
        }),
      );
    unexpected.push(`${method} ${pathname}`);
    return json(res, 404, { message: "Not Found" });
  };

  const write = (runId: number, at: number, answer: () => void) => {
    const times = timesOf(runId);
    times.writes.push(at);
    answer();
    if (times.writes.length === WRITES) waiting.get(runId)?.(times);
  };

  const server = createServer((req, res) => {
    const at = clock();
    // Bodies are read to the end before answering, as a real server does.
    req.resume();
    req.once("end", () => route(req, res, at));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return {
    url: base,
    unexpected,
    done(runId) {
      const times = runs.get(runId);
      if (times && times.writes.length >= WRITES) return Promise.resolve(times);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`run ${runId}: no last write after ${TIMEOUT_MS} ms`)),
          TIMEOUT_MS,
        );
        waiting.set(runId, (done) => {
          clearTimeout(timer);
          waiting.delete(runId);
          resolve(done);
        });
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A signed workflow_run.completed delivery for a failed run in its own repository. */
async function delivery(runId: number) {
  const fullName = `${OWNER}/r${runId}`;
  const body = JSON.stringify({
    ...PAYLOAD,
    repository: {
      ...PAYLOAD.repository,
      name: `r${runId}`,
      full_name: fullName,
      owner: { ...(PAYLOAD.repository.owner as object), login: OWNER },
      default_branch: "main",
    },
    workflow_run: {
      ...PAYLOAD.workflow_run,
      id: runId,
      run_attempt: 1,
      name: "CI",
      path: ".github/workflows/ci.yml",
      head_sha: runId.toString(16).padEnd(40, "0"),
      head_branch: "main",
      event: "push",
      conclusion: "failure",
      html_url: `https://github.com/${fullName}/actions/runs/${runId}`,
      pull_requests: [],
      head_repository: { full_name: fullName },
    },
    installation: { id: INSTALLATION },
  });
  return { id: randomUUID(), body, signature: await sign(appEnv.WEBHOOK_SECRET, body) };
}

/** One incident's timeline, in ms from the start of its webhook POST. */
type Sample = {
  runId: number;
  deliveryId: string;
  sent: number;
  ack: number;
  jobs: number;
  config: number;
  firstWrite: number;
  lastWrite: number;
};

async function incident(app: string, github: FakeGitHub, runId: number): Promise<Sample> {
  const { id, body, signature } = await delivery(runId);
  const finished = github.done(runId);
  const sent = clock();
  const response = await fetch(`${app}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "workflow_run",
      "x-github-delivery": id,
      "x-hub-signature-256": signature,
    },
    body,
  });
  await response.arrayBuffer();
  const ack = clock() - sent;
  if (response.status !== 200) throw new Error(`run ${runId}: webhook answered ${response.status}`);
  const times = await finished;
  const since = (at: number | undefined) => (at ?? Number.NaN) - sent;
  return {
    runId,
    deliveryId: id,
    sent,
    ack,
    jobs: since(times.jobs),
    config: since(times.config),
    firstWrite: since(times.writes[0]),
    lastWrite: since(times.writes.at(-1)),
  };
}

async function launch(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [appServer, "codehealer"], {
    env: { ...process.env, ...appEnv, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`app exited with ${code}`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      const match = /READY (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function stop(child: ChildProcess) {
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
}

/** One solution remembered under the fingerprint and embedding the pipeline will compute. */
async function seed(database: Database) {
  await migrate(database);
  const diagnosis = diagnoseText(LOG.toString("utf8"), {
    failedStep: FAILED_STEP,
    annotations: [],
  });
  await rememberDiagnosis(database.db, diagnosis, {
    fix: "The npm registry refused connections for a few minutes; rerunning the job fixed it.",
    repository: `${OWNER}/seed`,
  });
}

type Readback = {
  acted: number;
  sources: Map<string, number>;
  /** Per sample: delivery queue wait, handler, incident queue wait (ms). */
  queue: Map<string, { deliveryWait: number; handler: number; incidentWait: number }>;
};

/** Step 5: what the store says about the incidents of `samples`, after the app stopped. */
async function readBack(database: Database, samples: readonly Sample[]): Promise<Readback> {
  const incidents = await rows<{
    id: string;
    run_id: number | string;
    status: string;
    source: string;
  }>(database.db, sql`select id, run_id, status, diagnosis->>'source' as source from incidents`);
  const byRun = new Map(incidents.map((row) => [Number(row.run_id), row]));
  const sources = new Map<string, number>();
  let acted = 0;
  for (const sample of samples) {
    const row = byRun.get(sample.runId);
    if (row?.status === "acted") acted++;
    const source = row?.source ?? "(none)";
    sources.set(source, (sources.get(source) ?? 0) + 1);
  }
  const jobs = await rows<{ id: string; created: number; started: number; completed: number }>(
    database.db,
    sql`select id::text as id,
          extract(epoch from created_on) * 1000 as created,
          extract(epoch from started_on) * 1000 as started,
          extract(epoch from completed_on) * 1000 as completed
        from pgboss.job where name in ('delivery', 'incident')`,
  );
  const job = new Map(jobs.map((row) => [row.id, row]));
  const queue = new Map<string, { deliveryWait: number; handler: number; incidentWait: number }>();
  for (const sample of samples) {
    const incidentId = byRun.get(sample.runId)?.id;
    const d = job.get(jobId("delivery", sample.deliveryId));
    const i = incidentId ? job.get(jobId("incident", incidentId)) : undefined;
    if (!d || !i) continue;
    queue.set(sample.deliveryId, {
      deliveryWait: Number(d.started) - Number(d.created),
      handler: Number(d.completed) - Number(d.started),
      incidentWait: Number(i.started) - Number(i.created),
    });
  }
  return { acted, sources, queue };
}

type Result = {
  driver: string;
  sequential: Sample[];
  burst: { samples: Sample[]; seconds: number };
  readback: Readback;
  unexpected: string[];
};

async function bench(
  driver: "PGlite" | "Postgres",
  open: () => Promise<Database>,
  env: Record<string, string>,
): Promise<Result> {
  const seeding = await open();
  await seed(seeding);
  await seeding.close();

  const github = await fakeGitHub();
  const { child, url } = await launch({ ...env, GITHUB_API_URL: github.url });
  let runId = driver === "PGlite" ? 1_000_000 : 2_000_000;
  const sequential: Sample[] = [];
  let burst: Result["burst"];
  try {
    for (let i = 0; i < WARMUP + INCIDENTS; i++) {
      const sample = await incident(url, github, ++runId);
      if (i >= WARMUP) sequential.push(sample);
      if ((i + 1) % 50 === 0) log(`${driver}: ${i + 1} of ${WARMUP + INCIDENTS} incidents`);
      await sleep(GAP_MS);
    }
    const burstSamples: Sample[] = [];
    const first = runId + 1;
    let next = first;
    const started = clock();
    const worker = async () => {
      while (next < first + BURST) burstSamples.push(await incident(url, github, next++));
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    burst = { samples: burstSamples, seconds: (clock() - started) / 1000 };
  } finally {
    await stop(child);
    await github.close();
  }
  const reading = await open();
  try {
    const readback = await readBack(reading, [...sequential, ...burst.samples]);
    return { driver, sequential, burst, readback, unexpected: github.unexpected };
  } finally {
    await reading.close();
  }
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(value < 10 ? 1 : 0) : "–");
const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return [0.5, 0.95, 0.99, 1].map((q) => ms(quantile(sorted, q)));
};

function report(results: readonly Result[]) {
  const [load1, load5] = loadavg();
  console.log(
    `${INCIDENTS} memory-hit incidents one at a time (after ${WARMUP} warm-up, ${GAP_MS} ms apart), ` +
      `then ${BURST} with ${CONCURRENCY} in flight; loopback; ${cpus().length} cores, ` +
      `load ${load1?.toFixed(1)}/${load5?.toFixed(1)}, node ${process.version}`,
  );
  console.log("");
  console.log(
    "| driver | webhook → last write p50 | p95 | p99 | max | → first write (rerun) p50 | p95 |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const r of results) {
    const last = stats(r.sequential.map((s) => s.lastWrite));
    const firstWrite = stats(r.sequential.map((s) => s.firstWrite));
    console.log(`| ${r.driver} | ${last.join(" | ")} | ${firstWrite[0]} | ${firstWrite[1]} |`);
  }
  console.log("");
  console.log("Where the time goes, p50 (p95) ms of the sequential incidents:");
  console.log("");
  console.log(
    "| driver | 200 answer | delivery queue wait | handler | incident queue wait | → jobs request | diagnosis (jobs → config) | act: config → rerun | rerun → check run |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    const part = (values: number[]) => {
      const [p50, p95] = stats(values);
      return `${p50} (${p95})`;
    };
    const queue = r.sequential
      .map((s) => r.readback.queue.get(s.deliveryId))
      .filter((q) => q !== undefined);
    console.log(
      `| ${r.driver} | ${[
        part(r.sequential.map((s) => s.ack)),
        part(queue.map((q) => q.deliveryWait)),
        part(queue.map((q) => q.handler)),
        part(queue.map((q) => q.incidentWait)),
        part(r.sequential.map((s) => s.jobs)),
        part(r.sequential.map((s) => s.config - s.jobs)),
        part(r.sequential.map((s) => s.firstWrite - s.config)),
        part(r.sequential.map((s) => s.lastWrite - s.firstWrite)),
      ].join(" | ")} |`,
    );
  }
  console.log("");
  console.log("| driver | burst incidents/s | p50 | p95 | max |");
  console.log("|---|---|---|---|---|");
  for (const r of results) {
    const [p50, p95, , max] = stats(r.burst.samples.map((s) => s.lastWrite));
    console.log(
      `| ${r.driver} | ${(r.burst.samples.length / r.burst.seconds).toFixed(2)} | ${p50} | ${p95} | ${max} |`,
    );
  }
  console.log("");
  for (const r of results) {
    const total = r.sequential.length + r.burst.samples.length;
    const sources = [...r.readback.sources]
      .map(([source, count]) => `${source} ${count}`)
      .join(", ");
    console.log(
      `${r.driver}: ${r.readback.acted} of ${total} incidents acted; diagnosis source: ${sources}; ` +
        `unexpected GitHub requests: ${r.unexpected.length === 0 ? "none" : [...new Set(r.unexpected)].join(", ")}`,
    );
  }
}

const results: Result[] = [];
if (!values["skip-pglite"]) {
  const dataDir = await mkdtemp(join(tmpdir(), "codehealer-e2e-"));
  try {
    results.push(
      await bench("PGlite", () => openDatabase({ dataDir }), {
        CODEHEALER_DATA_DIR: dataDir,
        DATABASE_URL: "",
      }),
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
if (!values["skip-postgres"]) {
  const dbName = `codehealer_e2e_${process.pid}`;
  const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const url = Object.assign(new URL(SERVER), { pathname: `/${dbName}` }).toString();
  try {
    results.push(
      await bench("Postgres", () => openDatabase({ url, dataDir: "" }), { DATABASE_URL: url }),
    );
  } finally {
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}
report(results);
