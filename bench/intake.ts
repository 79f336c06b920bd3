// npm run bench:intake — signed webhook deliveries per second and acknowledgement latency on
// loopback for (a) CodeHealer on PGlite, (b) CodeHealer on Postgres (DATABASE_URL, or the local
// server scripts/setup-postgres.sh prepares), (c) a bare Probot app that does nothing.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import postgres from "postgres";
import { appEnv } from "../test/support/github.ts";

const TOTAL = Number(process.env.BENCH_DELIVERIES ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const WARMUP = 200;
const server = new URL("./intake-server.ts", import.meta.url).pathname;

type Result = { name: string; perSecond: number; p50: number; p99: number };

async function launch(
  variant: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [server, variant], {
    env: { ...process.env, ...appEnv, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${variant} server exited with ${code}`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      const match = /READY (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
  });
  return { child, port };
}

async function load(
  port: number,
  body: string,
  signature: string,
  count: number,
): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const started = performance.now();
      const response = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "workflow_run",
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": signature,
        },
        body,
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`delivery answered ${response.status}`);
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return latencies;
}

async function measure(
  name: string,
  variant: string,
  env: Record<string, string>,
): Promise<Result> {
  const body = await readFile(
    new URL("../fixtures/webhooks/workflow_run.completed.success.json", import.meta.url),
    "utf8",
  );
  const signature = await sign(appEnv.WEBHOOK_SECRET, body);
  const { child, port } = await launch(variant, env);
  try {
    await load(port, body, signature, WARMUP);
    const started = performance.now();
    const latencies = (await load(port, body, signature, TOTAL)).sort((a, b) => a - b);
    const seconds = (performance.now() - started) / 1000;
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
    return { name, perSecond: TOTAL / seconds, p50: at(0.5), p99: at(0.99) };
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  }
}

const dataDir = await mkdtemp(join(tmpdir(), "codehealer-bench-"));
const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dbName = `codehealer_bench_${process.pid}`;
const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${dbName}`);
const pgUrl = Object.assign(new URL(serverUrl), { pathname: `/${dbName}` }).toString();
try {
  const results = [
    await measure("(a) CodeHealer, PGlite", "codehealer", {
      CODEHEALER_DATA_DIR: dataDir,
      DATABASE_URL: "",
    }),
    await measure("(b) CodeHealer, Postgres", "codehealer", { DATABASE_URL: pgUrl }),
    await measure("(c) bare Probot", "bare", {}),
  ];
  const bare = results[2] as Result;
  console.log(
    `${TOTAL} signed workflow_run deliveries, ${CONCURRENCY} at a time, loopback, node ${process.version}`,
  );
  console.log("| server | deliveries/s | vs bare | p50 ack ms | p99 ack ms |");
  console.log("|---|---|---|---|---|");
  for (const r of results) {
    console.log(
      `| ${r.name} | ${r.perSecond.toFixed(0)} | ${(r.perSecond / bare.perSecond).toFixed(2)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`,
    );
  }
} finally {
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  await rm(dataDir, { recursive: true, force: true });
}
