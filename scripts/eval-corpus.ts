/**
 * Measures the rules-only diagnosis on a labelled corpus of real CI logs.
 *
 *   node scripts/eval-corpus.ts [dir] [--json]
 *
 * `dir` (default ../shared/corpus next to the repository) holds `labels.jsonl` and the logs
 * it names. Prints category accuracy, transient precision and recall, the error-line hit
 * rate and a table of misses; `--json` prints the figures as JSON instead.
 */
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { CATEGORIES } from "../src/diagnosis/categories.ts";
import { type Diagnosis, diagnoseStream } from "../src/diagnosis/diagnose.ts";
import { splitColumns, stripLinePrefix } from "../src/logs/line-prefix.ts";

/** Where the corpus lives when no folder is given: beside the repository. */
export const DEFAULT_CORPUS_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../shared/corpus",
);

const Label = z.object({
  file: z.string(),
  category: z.enum(CATEGORIES),
  transient: z.boolean(),
  error_line: z.string(),
});

/** One labelled log and what CodeHealer made of it. */
export type CorpusCase = {
  file: string;
  expected: { category: string; transient: boolean; errorLine: string };
  actual: Pick<Diagnosis, "category" | "transient" | "confidence" | "errorLine" | "ruleId">;
  categoryOk: boolean;
  errorLineOk: boolean;
};

/** The figures of one evaluation run. */
export type CorpusReport = {
  total: number;
  categoryAccuracy: number;
  transientPrecision: number;
  transientRecall: number;
  errorLineHitRate: number;
  cases: CorpusCase[];
};

// Timestamps, CI columns and ANSI codes differ between a label and a log line as printed;
// whitespace may have been altered where a log was pasted into an issue.
const comparable = (line: string) =>
  stripLinePrefix(splitColumns(line)?.rest ?? line)
    .replace(/\s+/g, " ")
    .trim();

/** Whether a predicted error line names the labelled one (either contains the other). */
export function sameErrorLine(predicted: string, labelled: string): boolean {
  const a = comparable(predicted);
  const b = comparable(labelled);
  return a !== "" && b !== "" && (a.includes(b) || b.includes(a));
}

const ratio = (part: number, whole: number) => (whole === 0 ? 1 : part / whole);

/** Diagnoses every labelled log of `dir` and scores the results. */
export async function evaluateCorpus(dir: string = DEFAULT_CORPUS_DIR): Promise<CorpusReport> {
  const text = await readFile(join(dir, "labels.jsonl"), "utf8");
  const labels = text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => {
      const parsed = Label.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`labels.jsonl line ${i + 1}: ${parsed.error.message}`);
      return parsed.data;
    });
  const cases: CorpusCase[] = [];
  for (const label of labels) {
    const diagnosis = await diagnoseStream(createReadStream(join(dir, label.file)));
    cases.push({
      file: label.file,
      expected: {
        category: label.category,
        transient: label.transient,
        errorLine: label.error_line,
      },
      actual: {
        category: diagnosis.category,
        transient: diagnosis.transient,
        confidence: diagnosis.confidence,
        errorLine: diagnosis.errorLine,
        ruleId: diagnosis.ruleId,
      },
      categoryOk: diagnosis.category === label.category,
      errorLineOk: sameErrorLine(diagnosis.errorLine, label.error_line),
    });
  }
  const predicted = cases.filter((c) => c.actual.transient);
  const actual = cases.filter((c) => c.expected.transient);
  const both = predicted.filter((c) => c.expected.transient);
  return {
    total: cases.length,
    categoryAccuracy: ratio(cases.filter((c) => c.categoryOk).length, cases.length),
    transientPrecision: ratio(both.length, predicted.length),
    transientRecall: ratio(both.length, actual.length),
    errorLineHitRate: ratio(cases.filter((c) => c.errorLineOk).length, cases.length),
    cases,
  };
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
const cut = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

/** The report as people read it. */
export function formatReport(report: CorpusReport): string {
  const lines = [
    `logs: ${report.total}`,
    `category accuracy:   ${percent(report.categoryAccuracy)}`,
    `transient precision: ${percent(report.transientPrecision)}`,
    `transient recall:    ${percent(report.transientRecall)}`,
    `error-line hit rate: ${percent(report.errorLineHitRate)}`,
    "",
    "misses:",
  ];
  for (const c of report.cases) {
    const transientOk = c.actual.transient === c.expected.transient;
    if (c.categoryOk && transientOk && c.errorLineOk) continue;
    const marks = `${c.categoryOk ? " " : "C"}${transientOk ? " " : "T"}${c.errorLineOk ? " " : "L"}`;
    lines.push(
      `${marks} ${c.file}`,
      `     expected ${c.expected.category}${c.expected.transient ? " (transient)" : ""}, got ${c.actual.category}${c.actual.transient ? " (transient)" : ""} ${c.actual.confidence} [${c.actual.ruleId ?? "no rule"}]`,
      `     line: ${cut(comparable(c.actual.errorLine), 150)}`,
    );
    if (!c.errorLineOk) lines.push(`     want: ${cut(comparable(c.expected.errorLine), 150)}`);
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith("--")) ?? DEFAULT_CORPUS_DIR;
  const report = await evaluateCorpus(resolve(dir));
  if (args.includes("--json")) {
    const { cases, ...figures } = report;
    const misses = cases.filter(
      (c) => !c.categoryOk || !c.errorLineOk || c.actual.transient !== c.expected.transient,
    );
    console.log(JSON.stringify({ ...figures, misses }, null, 2));
  } else {
    console.log(formatReport(report));
  }
}
