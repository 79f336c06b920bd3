/**
 * How big LLM prompts are, and how many failures need one at all.
 *
 *   node bench/prompt.ts [--budget 6000] [--corpus ../shared/corpus] [--json]
 *
 * 1. Reads the labelled logs of `--corpus` (when the folder is there) and of fixtures/logs.
 * 2. Diagnoses each with the rules (`diagnoseStream`, as the app does), then decides whether
 *    it reaches the LLM (`reachesLlm`: rules and memory unsure — unrecognised or under 0.60 —
 *    or sure of a failure in the code with no remembered patch) twice:
 *    - rules only: a fresh database, whose memory recalls nothing;
 *    - rules and memory: an in-memory PGlite database that, like a team working through
 *      the failures in order, learns each log's fix (the corpus label's `suggested_fix`) after
 *      it is diagnosed, so later logs can be settled by what was learnt from earlier ones.
 * 3. Builds each prompt (`buildPrompt`, with the memory candidates recalled) without GitHub:
 *    no implicated files and no commits, which a real prompt adds up to the budget.
 * Prints the share of failures that reach the LLM and the prompt sizes in estimated tokens
 * (median, p95, max) over the prompts that would be sent. A benchmark, not a test.
 */
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Diagnosis, diagnoseStream } from "../src/diagnosis/diagnose.ts";
import { type MemoryDiagnosis, recall, withMemory } from "../src/diagnosis/memory-recall.ts";
import { embedFailure } from "../src/diagnosis/memory-text.ts";
import { localPromptEvidence } from "../src/llm/evidence.ts";
import { buildPrompt, DEFAULT_PROMPT_BUDGET, reachesLlm } from "../src/llm/prompt.ts";
import { migrate, openDatabase } from "../src/store/database.ts";
import { saveSolution } from "../src/store/solutions.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

type Log = { set: string; file: string; path: string; fix: string | null };
type Case = {
  log: Log;
  reaches: boolean;
  tokens: number;
  cut: number;
  source: MemoryDiagnosis["source"];
  category: string;
  confidence: number;
};

/** The default `thresholds.auto`: under it CodeHealer does not act alone. */
const AUTO_THRESHOLD = 0.85;

function labelledLogs(dir: string, set: string): Log[] {
  const labels = join(dir, "labels.jsonl");
  if (!existsSync(labels)) return [];
  return readFileSync(labels, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { file: string; suggested_fix?: string })
    .map(({ file, suggested_fix }) => ({
      set,
      file,
      path: join(dir, file),
      fix: suggested_fix ?? null,
    }));
}

const context = (log: Log) => ({
  repository: "acme/api",
  headSha: "0000000000000000000000000000000000000000",
  branch: null,
  workflow: null,
  job: null,
  step: null,
  annotations: [],
  notes: [`Benchmark: ${log.file} read offline, without GitHub (no files, no commits).`],
});

function measure(log: Log, diagnosis: MemoryDiagnosis, budget: number): Case {
  const prompt = buildPrompt(localPromptEvidence(diagnosis, context(log)), { budget });
  return {
    log,
    reaches: reachesLlm(diagnosis, { fixKnown: Boolean(diagnosis.remembered?.patch) }),
    tokens: prompt.tokens,
    cut: prompt.sections.filter((s) => s.status !== "kept").length,
    source: diagnosis.source,
    category: diagnosis.category,
    confidence: diagnosis.confidence,
  };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

function summary(name: string, cases: Case[]) {
  const sent = cases.filter((c) => c.reaches);
  const sizes = sent.map((c) => c.tokens).sort((a, b) => a - b);
  const all = cases.map((c) => c.tokens).sort((a, b) => a - b);
  return {
    scenario: name,
    logs: cases.length,
    reachLlm: sent.length,
    share: sent.length / Math.max(cases.length, 1),
    settledByMemory: cases.filter((c) => c.source !== "rules").length,
    tokens: { median: quantile(sizes, 0.5), p95: quantile(sizes, 0.95), max: sizes.at(-1) ?? 0 },
    tokensAll: { median: quantile(all, 0.5), p95: quantile(all, 0.95), max: all.at(-1) ?? 0 },
    cutPrompts: cases.filter((c) => c.cut > 0).length,
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      budget: { type: "string", default: String(DEFAULT_PROMPT_BUDGET) },
      corpus: { type: "string", default: resolve(root, "../shared/corpus") },
      json: { type: "boolean", default: false },
    },
  });
  const budget = Number(values.budget);
  const logs = [
    ...labelledLogs(resolve(values.corpus), "corpus"),
    ...labelledLogs(join(root, "fixtures/logs"), "fixtures"),
  ];
  if (logs.length === 0) throw new Error("no labelled logs found: nothing to measure");

  const diagnosed: { log: Log; diagnosis: Diagnosis }[] = [];
  for (const log of logs)
    diagnosed.push({ log, diagnosis: await diagnoseStream(createReadStream(log.path)) });

  const rulesOnly = diagnosed.map(({ log, diagnosis }) =>
    measure(log, withMemory(diagnosis, []), budget),
  );

  const database = await openDatabase({ dataDir: "memory://" });
  const withLearning: Case[] = [];
  try {
    await migrate(database);
    for (const { log, diagnosis } of diagnosed) {
      const embedding = await embedFailure(diagnosis);
      const recalled = await recall(database.db, diagnosis, { embedding });
      withLearning.push(measure(log, recalled, budget));
      if (diagnosis.errorLine.trim() === "" && diagnosis.excerpt.trim() === "") continue;
      await saveSolution(database.db, {
        fingerprint: diagnosis.fingerprint,
        fingerprintVersion: diagnosis.fingerprintVersion,
        embedding: embedding.vector,
        embeddingModel: embedding.model,
        category: diagnosis.category,
        fix: log.fix ?? `What fixed ${log.file}.`,
        source: "manual",
        sourceRef: `${log.set}:${log.file}`,
        errorLine: diagnosis.errorLine,
        excerpt: diagnosis.excerpt,
        successes: 1,
      });
    }
  } finally {
    await database.close();
  }

  const sets = [...new Set(logs.map((l) => l.set))];
  const rows = [
    summary("rules only (fresh database)", rulesOnly),
    summary("rules + memory learning in order", withLearning),
    ...sets.map((set) =>
      summary(
        `rules only, ${set}`,
        rulesOnly.filter((c) => c.log.set === set),
      ),
    ),
  ];
  if (values.json) {
    console.log(JSON.stringify({ budget, rows }, null, 2));
    return;
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const sizes = (t: { median: number; p95: number; max: number }) =>
    Number.isNaN(t.median) ? "–" : `${t.median} / ${t.p95} / ${t.max}`;
  const counts = sets.map((s) => `${s} ${logs.filter((l) => l.set === s).length}`).join(", ");
  console.log(`budget: ${budget} tokens; logs: ${counts}\n`);
  console.log(
    "| scenario | logs | reach the LLM | tokens of those prompts (median / p95 / max) | tokens of every log's prompt | cut for the budget |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const r of rows)
    console.log(
      `| ${r.scenario} | ${r.logs} | ${r.reachLlm} (${pct(r.share)}) | ${sizes(r.tokens)} | ${sizes(r.tokensAll)} | ${r.cutPrompts} |`,
    );
  const unsure = rulesOnly.filter((c) => c.confidence < AUTO_THRESHOLD).length;
  console.log(
    `\nSettled or confirmed by memory: ${rows[1]?.settledByMemory} of ${logs.length}. Under the auto threshold (${AUTO_THRESHOLD}), rules only: ${unsure} of ${logs.length}.`,
  );
  for (const c of rulesOnly.filter((c) => c.reaches))
    console.log(`reaches the LLM: ${c.log.set}/${c.log.file} (${c.category}, ${c.confidence})`);
}

await main();
