import { createHitStore } from "./hit-store.ts";
import { splitColumns, stripLinePrefix } from "./line-prefix.ts";
import { createLineRing, detach, keepLine } from "./line-ring.ts";
import { createLineSplitter } from "./lines.ts";
import { type LogFormat, type Marker, parseMarker } from "./markers.ts";
import { createPemMasker } from "./redact.ts";

/** One line of a log: its 1-based number and its text without timestamp or ANSI codes. */
export type LogLine = { n: number; text: string };

/** What a line classifier says about a line; the reader only needs an id and a weight. */
export type LineMatch = { id: string; confidence: number };

/** A line a classifier matched, where it is, and the lines around it. */
export type Hit<M extends LineMatch> = {
  line: LogLine;
  match: M;
  /** Index into {@link LogEvidence.steps}. */
  step: number;
  /** The line is an error annotation (`##[error]`, `::error`), which weighs more. */
  annotated: boolean;
  before: LogLine[];
  after: LogLine[];
};

/** A step of the job as the log delimits it (a GitHub Actions step, a Travis command…). */
export type Step = {
  index: number;
  /** Empty for the part of a log before any step header, or for a log without steps. */
  name: string;
  startLine: number;
  endLine: number;
  failed: boolean;
  exitCode: number | null;
  /** Cleanup or a skipped stage: a failure reported here belongs to an earlier step. */
  housekeeping: boolean;
  /** How many times each classifier id matched in this step, including hits not kept. */
  counts: Map<string, number>;
};

/** An error annotation seen in the log, with the file position `::error` gave, if any. */
export type ErrorAnnotation = {
  line: LogLine;
  step: number;
  message: string;
  path: string | null;
  fileLine: number | null;
};

/** Where the job failed, and the lines leading up to it. */
export type Failure = {
  line: LogLine;
  step: number;
  exitCode: number | null;
  /** True when no CI marker said so and the failure point is a guess (last error, end of log). */
  inferred: boolean;
  tail: LogLine[];
};

/** Everything the reader keeps from a log: bounded whatever the size of the log. */
export type LogEvidence<M extends LineMatch> = {
  format: LogFormat;
  lines: number;
  bytes: number;
  /** Lines cut at the maximum line length. */
  cutLines: number;
  steps: Step[];
  /** Kept hits in log order: per step and classifier id, the first few and the last. */
  hits: Hit<M>[];
  errors: ErrorAnnotation[];
  failure: Failure | null;
  /** The last lines of the log. */
  tail: LogLine[];
  /**
   * Numbers of the last lines that matched with some confidence (at least
   * {@link DENSE_MATCH}), ascending, at most {@link MAX_HIT_LINES}: where the errors cluster.
   */
  hitLines: number[];
};

/** How to read: the line classifier, and bounds that tests may lower. */
export type ReadOptions<M extends LineMatch> = {
  classifyLine: (text: string) => readonly M[];
  /** Context lines kept before and after each hit. */
  context?: { before: number; after: number };
  /** Lines kept at the end of the log and before the failure point. */
  tailLines?: number;
  /** All kept hits together. */
  maxHits?: number;
};

/** Matches at least this confident count as "an error here" for {@link LogEvidence.hitLines}. */
export const DENSE_MATCH = 0.3;
/** How many matching line numbers the reader remembers. */
export const MAX_HIT_LINES = 4096;
const MAX_STEPS = 500;
// Steps that run after the work, whatever happened: GitLab's and Jenkins' post sections,
// GitHub's post steps. A CI reports the job's failure during them, not because of them.
const HOUSEKEEPING =
  /^(?:Declarative: Post Actions|Post |after_script|after_failure|upload_artifacts|archive_cache|cleanup_file_variables|Complete job)/i;
const MAX_ERRORS = 40;
const MAX_CONTEXT_LENGTH = 1024;

/** Takes a log chunk by chunk; `end` returns what was kept. */
export type LogReader<M extends LineMatch> = {
  write: (chunk: string | Uint8Array) => void;
  end: () => LogEvidence<M>;
};

/**
 * Reads a CI log line by line, in bounded memory and one pass: it follows the steps, notes
 * where the job failed, and keeps the lines `classifyLine` recognises with a little
 * context. Nothing of the log is held beyond those bounds, so a gigabyte log or a single
 * endless line costs no more memory than a short one.
 */
export function createLogReader<M extends LineMatch>(options: ReadOptions<M>): LogReader<M> {
  const { classifyLine } = options;
  const before = options.context?.before ?? 3;
  const after = options.context?.after ?? 4;
  const tailSize = Math.max(options.tailLines ?? 40, before);
  const ring = createLineRing(tailSize);
  const store = createHitStore<M>({
    firstsPerBucket: 2,
    maxHits: options.maxHits ?? 2000,
    keptOfQuietStep: 3,
  });
  const maskPem = createPemMasker();

  let format: LogFormat = "plain";
  const steps: Step[] = [];
  const errors: ErrorAnnotation[] = [];
  const stepsWithErrors = new Set<number>();
  let pending: Hit<M>[] = [];
  const hitRing = new Float64Array(MAX_HIT_LINES);
  let hitCount = 0;
  let failure: Failure | null = null;
  let lastError: Failure | null = null;
  let columnSteps = false; // steps come from a `gh run view` column, not from group markers
  let n = 0;
  let previous = "";

  const openStep = (name: string) => {
    const last = steps.at(-1);
    if (last !== undefined) {
      last.endLine = n - 1;
      store.close(last, !last.failed && !stepsWithErrors.has(last.index));
      if (steps.length >= MAX_STEPS) return; // further steps fold into the last one
    }
    steps.push({
      index: steps.length,
      name: detach(name.trim().slice(0, 200)),
      startLine: n,
      endLine: n,
      failed: false,
      exitCode: null,
      housekeeping: HOUSEKEEPING.test(name.trim()),
      counts: new Map(),
    });
  };
  const current = (): Step => {
    if (steps.length === 0) openStep("");
    return steps.at(-1) as Step;
  };

  const onMarker = (marker: Marker, text: string) => {
    if (marker.format !== "plain" && format === "plain") format = marker.format;
    const step = current();
    if (marker.kind === "step") {
      if (!columnSteps) openStep(marker.name);
    } else if (marker.kind === "skipped") {
      step.housekeeping = true;
    } else if (marker.kind === "failure") {
      // Reported during cleanup, the failure belongs to the last step that did real work.
      const failed = step.housekeeping
        ? ([...steps].reverse().find((s) => !s.housekeeping) ?? step)
        : step;
      failed.failed = true;
      failed.exitCode ??= marker.exitCode;
      failure ??= {
        line: keepLine(n, text),
        step: failed.index,
        exitCode: marker.exitCode,
        inferred: false,
        tail: [...ring.recent(tailSize - 1), keepLine(n, text)],
      };
    } else if (marker.kind === "error") {
      const line = keepLine(n, text);
      // Keep the first errors and the latest ones.
      if (errors.length >= MAX_ERRORS) errors.splice(MAX_ERRORS / 2, 1);
      errors.push({
        line,
        step: step.index,
        message: detach(marker.message),
        path: marker.path === null ? null : detach(marker.path),
        fileLine: marker.line,
      });
      stepsWithErrors.add(step.index);
      // The tail before the last error, in case no marker ever says where the job failed;
      // extended rather than copied again when errors come in a burst.
      if (lastError !== null && lastError.step === step.index && lastError.line.n >= n - tailSize) {
        lastError.tail = [...lastError.tail, line].slice(-tailSize);
        lastError.line = line;
      } else {
        const tail = [...ring.recent(tailSize - 1), line];
        lastError = { line, step: step.index, exitCode: null, inferred: true, tail };
      }
    }
  };

  const onLine = (raw: string) => {
    n++;
    const columns = splitColumns(raw);
    const text = maskPem(stripLinePrefix(columns === null ? raw : columns.rest));
    if (columns !== null) {
      columnSteps = true;
      if (format === "plain") format = "github-actions";
      const name = columns.step.trim().slice(0, 200);
      if (steps.length === 0 || current().name !== name) openStep(name);
    }

    if (pending.length > 0) {
      const context = keepLine(n, text, MAX_CONTEXT_LENGTH);
      pending = pending.filter((hit) => hit.after.push(context) < after);
    }

    const marker = text.length > 0 ? parseMarker(text, format, previous) : null;
    previous = text;
    if (marker !== null) onMarker(marker, text);
    const step = current();
    step.endLine = n;

    const matches = classifyLine(text);
    if (matches.length > 0) {
      let line: LogLine | null = null;
      let context: LogLine[] | null = null;
      const annotated = marker?.kind === "error" || marker?.kind === "failure";
      for (const match of matches) {
        step.counts.set(match.id, (step.counts.get(match.id) ?? 0) + 1);
        if (!store.wants(step.index, match.id)) continue;
        line ??= keepLine(n, text);
        context ??= ring.recent(before, MAX_CONTEXT_LENGTH);
        const hit: Hit<M> = {
          line,
          match,
          step: step.index,
          annotated,
          before: context,
          after: [],
        };
        store.add(hit);
        pending.push(hit);
      }
      if (matches.some((m) => m.confidence >= DENSE_MATCH)) hitRing[hitCount++ % MAX_HIT_LINES] = n;
    }
    ring.push(n, text);
  };

  const splitter = createLineSplitter(onLine);
  return {
    write: (chunk) => splitter.write(chunk),
    end() {
      const stats = splitter.end();
      const last = steps.at(-1);
      if (last !== undefined) last.endLine = n;
      const tail = ring.recent(tailSize);
      return {
        format,
        lines: stats.lines,
        bytes: stats.bytes,
        cutLines: stats.cutLines,
        steps,
        hits: store.all(),
        errors,
        failure: failure ?? inferFailure(lastError, tail, steps),
        tail,
        hitLines: [...hitRing.subarray(0, Math.min(hitCount, MAX_HIT_LINES))].sort((a, b) => a - b),
      };
    },
  };
}

// Without a CI marker the job failed at its last error annotation, else at its last line.
function inferFailure(lastError: Failure | null, tail: LogLine[], steps: Step[]): Failure | null {
  if (lastError !== null) {
    const step = steps[lastError.step];
    if (step !== undefined) step.failed = true;
    return lastError;
  }
  const end = tail.at(-1);
  if (end === undefined) return null;
  return { line: end, step: Math.max(0, steps.length - 1), exitCode: null, inferred: true, tail };
}

/** Reads a whole stream with {@link createLogReader}. */
export async function readLog<M extends LineMatch>(
  input: AsyncIterable<string | Uint8Array>,
  options: ReadOptions<M>,
): Promise<LogEvidence<M>> {
  const reader = createLogReader(options);
  for await (const chunk of input) reader.write(chunk);
  return reader.end();
}

/** Reads a log held in a string with {@link createLogReader}. */
export function readLogText<M extends LineMatch>(
  text: string,
  options: ReadOptions<M>,
): LogEvidence<M> {
  const reader = createLogReader(options);
  reader.write(text);
  return reader.end();
}
