import type { Hit, LogEvidence, LogLine } from "../logs/read-log.ts";
import type { Category } from "./categories.ts";
import { EXIT_CODE_RULES } from "./exit-codes.ts";
import { matchLine } from "./match-line.ts";
import type { Rule } from "./rule.ts";
import { RULE_PRIORITY, RULES_BY_ID } from "./rules.ts";
import { hintFromStepName } from "./step-hints.ts";
import { type ScoredHit, WARNING, weighHits } from "./weigh-hits.ts";

export type { ScoredHit } from "./weigh-hits.ts";

/** An annotation from the CI API (a check-run annotation), outside the log text. */
export type Annotation = { path?: string | null; line?: number | null; message: string };

/** What the caller knows about the failed job besides its log. */
export type DiagnoseContext = {
  /** Exit code of the failed step, when the API reports it. */
  exitCode?: number | null;
  /** Name of the failed step, when the API reports it. */
  failedStep?: string | null;
  /** Error annotations of the failed job (check-run annotations). */
  annotations?: readonly Annotation[];
};

/** The classifier's verdict, before it is dressed as a Diagnosis. */
export type Classification = {
  category: Category;
  transient: boolean;
  confidence: number;
  /** The deciding rule; null when nothing was recognised. */
  rule: Rule | null;
  /** The line that tells, as it appears in the log (ANSI and timestamp removed). */
  errorLine: LogLine | null;
  failedStep: string | null;
  /** The strongest hits, best first, for the excerpt and the fingerprint. */
  support: ScoredHit[];
};

// A hit this much weaker than the best still wins when it came first: the first cause of a
// failure usually outranks its later symptoms.
const FIRST_CAUSE_MARGIN = 0.03;
const UNKNOWN_CEILING = 0.3;
const STEP_HINT_CONFIDENCE = 0.35;
// Failing tests a single timeout may come with and still be called a flake (runners often
// print a failing test twice: a mark as it runs, then a header over its error).
const FLAKE_MAX_FAILED_TESTS = 2;

const isGeneric = (rule: Rule) => rule.category === "unknown" && rule.symptom === true;
const earliest = (a: ScoredHit, b: ScoredHit) => (b.hit.line.n < a.hit.line.n ? b : a);

function failingStepIndex(evidence: LogEvidence<Rule>, context: DiagnoseContext): number | null {
  const wanted = context.failedStep?.trim().toLowerCase();
  if (wanted) {
    const named = evidence.steps.find((s) => {
      const name = s.name.toLowerCase();
      return name !== "" && (name.includes(wanted) || wanted.includes(name));
    });
    if (named !== undefined) return named.index;
  }
  return evidence.failure?.step ?? null;
}

// Evidence outside the log lines, placed at the failure point: the exit code and the API's
// annotations.
function extraHits(evidence: LogEvidence<Rule>, context: DiagnoseContext, failing: number | null) {
  const hits: Hit<Rule>[] = [];
  const at = evidence.failure?.line ?? { n: evidence.lines, text: "" };
  const pseudo = (match: Rule, line: LogLine, annotated: boolean): Hit<Rule> => ({
    line,
    match,
    step: failing ?? 0,
    annotated,
    before: [],
    after: [],
  });
  const exitCode = context.exitCode ?? evidence.failure?.exitCode ?? null;
  const exitRule = exitCode === null ? undefined : EXIT_CODE_RULES.get(exitCode);
  if (exitRule !== undefined) hits.push(pseudo(exitRule, at, false));
  for (const annotation of context.annotations ?? []) {
    const line = { n: at.n, text: annotation.message.split("\n")[0] ?? "" };
    for (const rule of matchLine(line.text)) hits.push(pseudo(rule, line, true));
  }
  return hits;
}

// The most telling line when no rule decided: the last error annotation of the failing
// step that is not the runner's own "exit code" message, else its last error-looking line.
function fallbackLine(
  evidence: LogEvidence<Rule>,
  failing: number | null,
  generic: ScoredHit[],
): LogLine | null {
  const inStep = (step: number) => failing === null || step === failing;
  const annotation = evidence.errors.filter((e) => inStep(e.step)).at(-1);
  if (annotation !== undefined) return annotation.line;
  const before = evidence.failure?.line.n ?? Number.POSITIVE_INFINITY;
  const lastGeneric = generic
    .map((s) => s.hit)
    .filter((h) => inStep(h.step) && h.line.n <= before)
    .sort((a, b) => b.line.n - a.line.n)[0];
  if (lastGeneric !== undefined) return lastGeneric.line;
  // Else the last words printed before the failure, or the failure line itself.
  const failureAt = evidence.failure?.line.n;
  const lines = evidence.failure?.tail ?? evidence.tail;
  const lastWords = [...lines]
    .reverse()
    .find((l) => l.n !== failureAt && l.text.trim() !== "" && !l.text.startsWith("##["));
  return lastWords ?? evidence.failure?.line ?? null;
}

function detailOf(hit: Hit<Rule>): LogLine {
  if (!hit.match.detailBelow) return hit.line;
  return hit.after.find((l) => l.text.trim() !== "") ?? hit.line;
}

// A transient verdict must survive any strong, non-transient explanation of the failure in
// the same step: a rerun of a real bug that happens to pass is the worst outcome.
function contradictsTransient(ranked: ScoredHit[], category: Category, failing: number | null) {
  return ranked.some(
    ({ hit, score }) =>
      (failing === null || hit.step === failing) &&
      !hit.match.transient &&
      !hit.match.symptom &&
      hit.match.category !== category &&
      hit.match.confidence >= 0.85 &&
      score >= 0.6,
  );
}

function failedTests(evidence: LogEvidence<Rule>, failing: number | null): number {
  const step = failing === null ? undefined : evidence.steps[failing];
  let count = 0;
  for (const [id, n] of step?.counts ?? []) {
    const rule = RULES_BY_ID.get(id);
    if (rule?.category === "test_failure" && !rule.symptom) count += n;
  }
  return count;
}

/**
 * Decides what a log says, purely from what the reader kept:
 * 1. find the failing step (named by the caller, or where the job failed);
 * 2. gather the hits: the log's, the exit code's, the annotations';
 * 3. weigh each by its rule's confidence and its place (see `weigh-hits.ts`);
 * 4. pick the first strong cause, and quote its first occurrence;
 * 5. temper the verdict: no rerun against strong contrary evidence, a timeout is a flake
 *    only alone, rival explanations and the exit code move the confidence.
 */
export function classify(
  evidence: LogEvidence<Rule>,
  context: DiagnoseContext = {},
): Classification {
  const failing = failingStepIndex(evidence, context);
  const failedStep = failing === null ? null : evidence.steps[failing]?.name || null;
  const failureLine = evidence.failure?.line.n ?? evidence.lines;
  const scored = weighHits(
    evidence,
    [...evidence.hits, ...extraHits(evidence, context, failing)],
    failing,
  );
  const generic = scored.filter((s) => isGeneric(s.hit.match));
  const ranked = scored
    .filter((s) => !isGeneric(s.hit.match))
    .sort(
      (a, b) =>
        b.score - a.score ||
        a.hit.line.n - b.hit.line.n ||
        (RULE_PRIORITY.get(a.hit.match) ?? 0) - (RULE_PRIORITY.get(b.hit.match) ?? 0),
    );
  const best = ranked[0];
  if (best === undefined) {
    const hinted = hintFromStepName(failedStep);
    const top = [...generic].sort((a, b) => b.score - a.score)[0];
    return {
      category: hinted ?? "unknown",
      transient: false,
      confidence: hinted ? STEP_HINT_CONFIDENCE : Math.min(UNKNOWN_CEILING, top?.score ?? 0.1),
      rule: null,
      errorLine: fallbackLine(evidence, failing, generic),
      failedStep,
      support: generic.slice(0, 5),
    };
  }

  const winner = ranked.filter((s) => s.score >= best.score - FIRST_CAUSE_MARGIN).reduce(earliest);
  const rule = winner.hit.match;
  // The first occurrence of the deciding message in its step is the one to quote: later
  // ones are usually the same error again, or its consequences.
  const quoted = ranked
    .filter(
      (s) =>
        s.hit.match === rule &&
        s.hit.step === winner.hit.step &&
        s.hit.line.n <= Math.max(failureLine, winner.hit.line.n) &&
        (WARNING.test(winner.hit.line.text) || !WARNING.test(s.hit.line.text)),
    )
    .reduce(earliest, winner);

  let category = rule.category;
  let transient = rule.transient;
  let confidence = winner.score;
  if (transient && contradictsTransient(ranked, category, failing)) {
    transient = false;
    confidence *= 0.85;
  }
  if (rule.id === "flaky/test-timeout" && failedTests(evidence, failing) > FLAKE_MAX_FAILED_TESTS) {
    category = "test_failure";
    transient = false;
  }
  const rival = ranked.find((s) => s.hit.match.category !== category);
  if (rival !== undefined && rival.score >= 0.5 && rival.score >= winner.score - 0.1) {
    confidence -= 0.1;
  }
  const exitCode = context.exitCode ?? evidence.failure?.exitCode ?? null;
  const exitHint = exitCode === null ? undefined : EXIT_CODE_RULES.get(exitCode);
  if (exitHint !== undefined && exitHint !== rule && exitHint.category === category) {
    confidence += 0.05;
  }
  if (category === "unknown" && rule.confidence < 0.5) {
    confidence = Math.min(confidence, UNKNOWN_CEILING);
  }

  return {
    category,
    transient,
    confidence: Math.round(Math.min(0.99, Math.max(0.05, confidence)) * 100) / 100,
    rule,
    errorLine: detailOf(quoted.hit),
    failedStep,
    support: [quoted, ...ranked.filter((s) => s !== quoted)].slice(0, 8),
  };
}
