/**
 * Throughput and memory of the log pipeline against grep.
 *
 *   node bench/logs.ts [--mb 100] [--source dir]
 *
 * 1. Builds a log of about `--mb` megabytes in a temporary file, in the GitHub Actions
 *    format, by repeating the logs of fixtures/logs (or `--source`), or synthetic lines
 *    when there are none.
 * 2. Times `grep -E -c -f <patterns>` with the rule catalogue converted to POSIX ERE.
 * 3. Times CodeHealer's whole pipeline (stream → read → excerpt → fingerprint → classify)
 *    in a child process, which reports its peak RSS.
 * Prints MB/s for both, their ratio and the peak RSS. A benchmark, not a test.
 */
import { execFile, spawnSync } from "node:child_process";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  readdirSync,
  readFileSync,
} from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { diagnoseStream } from "../src/diagnosis/diagnose.ts";
import { grepPatterns } from "../src/diagnosis/grep-patterns.ts";
import { RULES } from "../src/diagnosis/rules.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

// A plausible job: steps, passing tests, warnings, and a failure now and then.
function* syntheticLines(): Generator<string> {
  const steps = ["actions/checkout@v4", "npm ci", "npm run lint", "npm test"];
  for (let i = 0; ; i++) {
    if (i % 5000 === 0) yield `##[group]Run ${steps[(i / 5000) % steps.length]}`;
    if (i % 997 === 0) yield "npm WARN deprecated inflight@1.0.6: This module is not supported";
    if (i % 4999 === 0) yield "  ● Cart › applies discounts";
    if (i % 7919 === 0)
      yield "src/cart.ts(12,5): error TS2322: Type 'string' is not assignable to type 'number'.";
    yield `  ✓ case ${i} renders the component with props ${i % 97} (${i % 13} ms)`;
  }
}

function sourceText(dir: string | undefined): string {
  const folder = dir ?? join(root, "fixtures/logs");
  const files = existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith(".log")) : [];
  if (files.length > 0) return files.map((f) => readFileSync(join(folder, f), "utf8")).join("\n");
  const lines: string[] = [];
  const gen = syntheticLines();
  while (lines.length < 50_000) lines.push(gen.next().value as string);
  return `${lines.join("\n")}\n`;
}

// Timestamps each line the way the Actions log download does.
function asActionsLog(text: string, offset: number): string {
  const base = Date.UTC(2026, 10, 20, 10, 0, 0) + offset * 1000;
  return text
    .split("\n")
    .map((line, i) => {
      const stamped = /^\d{4}-\d\d-\d\dT/.test(line);
      return stamped ? line : `${new Date(base + i).toISOString().replace("Z", "0000Z")} ${line}`;
    })
    .join("\n");
}

async function buildLog(path: string, megabytes: number, source: string | undefined) {
  const text = sourceText(source);
  const out = createWriteStream(path);
  let written = 0;
  for (let round = 0; written < megabytes * 1024 * 1024; round++) {
    const chunk = `${asActionsLog(text, round)}\n`;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
    written += Buffer.byteLength(chunk);
  }
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
}

async function child(path: string) {
  const started = performance.now();
  const diagnosis = await diagnoseStream(createReadStream(path));
  const ms = performance.now() - started;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({
      ms,
      rssMb,
      category: diagnosis.category,
      excerptBytes: diagnosis.excerpt.length,
    }),
  );
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === "--child") return child(args[1] as string);
  const mbArg = args.indexOf("--mb");
  const megabytes = mbArg >= 0 ? Number(args[mbArg + 1]) : 100;
  const srcArg = args.indexOf("--source");
  const source = srcArg >= 0 ? resolve(args[srcArg + 1] as string) : undefined;

  const dir = await mkdtemp(join(tmpdir(), "codehealer-bench-"));
  try {
    const log = join(dir, "job.log");
    const patterns = join(dir, "patterns.ere");
    await buildLog(log, megabytes, source);
    await writeFile(patterns, `${grepPatterns(RULES).join("\n")}\n`);
    const size = (await stat(log)).size / (1024 * 1024);
    spawnSync("cat", [log], { stdio: "ignore" }); // both runs read from the page cache

    const grepStart = performance.now();
    const { stdout } = await promisify(execFile)("grep", ["-E", "-c", "-f", patterns, log], {
      env: { ...process.env, LC_ALL: "C" },
    }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "0" }));
    const grepMs = performance.now() - grepStart;

    const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", log], {
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`pipeline child failed: ${run.stderr}`);
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1) as string);

    const grepRate = size / (grepMs / 1000);
    const ourRate = size / (result.ms / 1000);
    console.log(`log: ${size.toFixed(1)} MB, ${grepPatterns(RULES).length} patterns`);
    console.log(
      `grep -E -c -f:        ${grepRate.toFixed(1)} MB/s (${stdout.trim()} matching lines)`,
    );
    console.log(`CodeHealer pipeline:  ${ourRate.toFixed(1)} MB/s (diagnosed ${result.category})`);
    console.log(`ratio (ours / grep):  ${(ourRate / grepRate).toFixed(2)}`);
    console.log(`pipeline peak RSS:    ${result.rssMb.toFixed(0)} MB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
