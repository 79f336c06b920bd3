import { buildExcerpt } from "../logs/excerpt.ts";
import { FINGERPRINT_VERSION, fingerprint } from "../logs/fingerprint.ts";
import {
  createLogReader,
  type LogEvidence,
  type LogLine,
  readLog,
  readLogText,
} from "../logs/read-log.ts";
import { redact } from "../logs/redact.ts";
import { CATEGORY_LABELS, type Category } from "./categories.ts";
import { type Classification, classify, type DiagnoseContext } from "./classify.ts";
import { matchLine } from "./match-line.ts";
import type { Rule } from "./rule.ts";

export type { Annotation, DiagnoseContext } from "./classify.ts";

/** What CodeHealer concludes from a failed job's log, by rules alone. */
export type Diagnosis = {
  category: Category;
  /** Would a plain rerun likely pass? Deliberately conservative. */
  transient: boolean;
  /** Probability the diagnosis is right, 0..1; at most 0.3 when nothing was recognised. */
  confidence: number;
  /** The line that tells, as it appears in the log minus timestamp, ANSI codes and secrets. */
  errorLine: string;
  /** One sentence for people. */
  summary: string;
  ruleId: string | null;
  fingerprint: string;
  fingerprintVersion: number;
  /** The telling lines with context, redacted and bounded (≤ 60 lines, ≤ 8 KB). */
  excerpt: string;
  failedStep: string | null;
  explanation?: string;
  remedy?: string;
  source: "rules";
};

const READ_OPTIONS = { classifyLine: matchLine };
const SUMMARY_LINE_LENGTH = 200;

// The lines worth showing, most important first: the deciding line with its context, other
// strong hits of the failing step, the error annotations, then the lines before the end.
function excerptGroups(evidence: LogEvidence<Rule>, verdict: Classification): LogLine[][] {
  const groups: LogLine[][] = [];
  const [winner, ...others] = verdict.support;
  if (winner !== undefined)
    groups.push([...winner.hit.before, winner.hit.line, ...winner.hit.after]);
  for (const { hit } of others.slice(0, 4)) {
    groups.push([...hit.before.slice(-1), hit.line, ...hit.after.slice(0, 2)]);
  }
  if (verdict.errorLine !== null) groups.push([verdict.errorLine]);
  groups.push(evidence.errors.slice(-5).map((e) => e.line));
  const tail = evidence.failure?.tail ?? evidence.tail;
  groups.push(tail.slice(-10));
  return groups;
}

// The telling lines of an unrecognised failure are its last lines before the failure point,
// so that two different unknown failures do not share the runner's generic last words.
function tellingLines(
  evidence: LogEvidence<Rule>,
  verdict: Classification,
  errorLine: string,
): string[] {
  if (verdict.rule !== null) return [errorLine];
  const tail = (evidence.failure?.tail ?? evidence.tail).filter((l) => l.text.trim() !== "");
  return [errorLine, ...tail.slice(-4, -1).map((l) => redact(l.text))];
}

function summarise(category: Category, failedStep: string | null, errorLine: string): string {
  const where = failedStep ? ` in step "${failedStep.slice(0, 80)}"` : "";
  const line = errorLine.trim();
  const quoted =
    line.length > SUMMARY_LINE_LENGTH ? `${line.slice(0, SUMMARY_LINE_LENGTH - 1)}…` : line;
  return quoted === ""
    ? `${CATEGORY_LABELS[category]}${where}.`
    : `${CATEGORY_LABELS[category]}${where}: ${quoted}`;
}

/** Turns what the reader kept into a Diagnosis. Pure. */
export function diagnoseEvidence(
  evidence: LogEvidence<Rule>,
  context: DiagnoseContext = {},
): Diagnosis {
  const verdict = classify(evidence, context);
  const errorLine = redact(verdict.errorLine?.text ?? "");
  // A step name is a command line, and command lines carry secrets too.
  const failedStep = verdict.failedStep === null ? null : redact(verdict.failedStep);
  const keys = [verdict.category, verdict.rule?.id ?? ""];
  const diagnosis: Diagnosis = {
    category: verdict.category,
    transient: verdict.transient,
    confidence: verdict.confidence,
    errorLine,
    summary: summarise(verdict.category, failedStep, errorLine),
    ruleId: verdict.rule?.id ?? null,
    fingerprint: fingerprint(tellingLines(evidence, verdict, errorLine), keys),
    fingerprintVersion: FINGERPRINT_VERSION,
    excerpt: buildExcerpt(excerptGroups(evidence, verdict)),
    failedStep,
    source: "rules",
  };
  if (verdict.rule !== null) {
    diagnosis.explanation = verdict.rule.explanation;
    diagnosis.remedy = verdict.rule.remedy;
  }
  return diagnosis;
}

/**
 * Diagnoses a failed job's log from a stream (a Node Readable, a fetch body, a file
 * stream), offline and in bounded memory whatever the size of the log.
 */
export async function diagnoseStream(
  input: AsyncIterable<string | Uint8Array>,
  context: DiagnoseContext = {},
): Promise<Diagnosis> {
  return diagnoseEvidence(await readLog(input, READ_OPTIONS), context);
}

/** Diagnoses a log held in a string. */
export function diagnoseText(text: string, context: DiagnoseContext = {}): Diagnosis {
  return diagnoseEvidence(readLogText(text, READ_OPTIONS), context);
}

/** A reader to feed chunk by chunk (for callers that push rather than pull). */
export function createDiagnosisReader(context: DiagnoseContext = {}) {
  const reader = createLogReader(READ_OPTIONS);
  return {
    write: (chunk: string | Uint8Array) => reader.write(chunk),
    end: (): Diagnosis => diagnoseEvidence(reader.end(), context),
  };
}
