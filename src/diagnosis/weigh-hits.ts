import { type Hit, type LogEvidence, MAX_HIT_LINES } from "../logs/read-log.ts";
import type { Rule } from "./rule.ts";

/** A hit with the weight the classifier gave it. */
export type ScoredHit = { hit: Hit<Rule>; score: number };

// Errors separated by more than this many quiet lines belong to different episodes.
const EPISODE_GAP = 500;

/**
 * A line that presents itself as a warning rarely failed the job, even when it names a real
 * problem; the same message printed as an error is the better quote.
 */
export const WARNING =
  /^(?:\[WARN(?:ING)?\]|WARN(?:ING)?\b|warning:|##\[warning\]|npm WARN|npm warn)/i;

// What a hit's weight depends on besides its rule.
type Place = {
  failing: number | null;
  failureLine: number;
  /** The failing step holds a specific explanation of its own. */
  selfExplained: boolean;
  /** First line of the last run of errors before the failure point. */
  episodeStart: number;
};

// Distance decay: a cause is usually close to where the step failed. Transient causes decay
// faster, because a network blip long before the end was most likely retried and survived.
function proximity(distance: number, transient: boolean): number {
  if (distance <= 30) return 1;
  const decades = Math.log10(distance / 30);
  return transient ? Math.max(0.4, 1 - 0.3 * decades) : Math.max(0.85, 1 - 0.06 * decades);
}

// Where the final episode of errors begins: walking back from the failure point over the
// lines that matched, until a long stretch without any. An error followed by a long run of
// successful work (a type check that did not fail the build, a retried download) is less
// likely to be what failed the job than one in the final episode.
function finalEpisodeStart(evidence: LogEvidence<Rule>, failureLine: number): number {
  let start = failureLine;
  const lines = evidence.hitLines;
  for (let i = lines.length - 1; i >= 0; i--) {
    const n = lines[i] as number;
    if (n > failureLine) continue;
    if (start - n > EPISODE_GAP) return start;
    start = n;
  }
  // Every remembered line is in the episode; if some were forgotten it may reach further.
  return lines.length >= MAX_HIT_LINES ? 0 : start;
}

// Whether the failing step holds a specific explanation of its own, not just an exit code,
// a summary or a generic error line.
function selfExplained(hits: readonly Hit<Rule>[], failing: number | null, failureLine: number) {
  return hits.some(
    (h) =>
      h.step === failing &&
      h.line.n <= failureLine &&
      !h.match.symptom &&
      !h.match.id.startsWith("exit-code/") &&
      h.match.confidence >= 0.6,
  );
}

function weigh(hit: Hit<Rule>, evidence: LogEvidence<Rule>, place: Place): number {
  const { failing, failureLine } = place;
  let weight = hit.match.confidence;
  if (evidence.steps.length > 1 && failing !== null && hit.step !== failing) {
    const step = evidence.steps[hit.step];
    // Earlier steps that did not fail the job explain it only when the failing step does
    // not explain itself (a clone that failed quietly, then "command not found"); later
    // steps are cleanup and reporting.
    const earlier = place.selfExplained ? (step?.failed ? 0.7 : 0.5) : 0.85;
    weight *= hit.step < failing ? earlier : 0.3;
  } else if (hit.line.n > failureLine) {
    weight *= 0.35;
  } else {
    weight *= proximity(failureLine - hit.line.n, hit.match.transient);
    if (hit.line.n < place.episodeStart) weight *= 0.75;
  }
  if (hit.annotated) weight *= 1.08;
  if (WARNING.test(hit.line.text)) weight *= 0.8;
  return Math.min(1, weight);
}

/**
 * Weighs each hit by its rule's confidence and by where it is: in the failing step or not,
 * before or after the failure point, how far before it, in the final episode of errors or
 * not, an error annotation or a warning.
 */
export function weighHits(
  evidence: LogEvidence<Rule>,
  hits: readonly Hit<Rule>[],
  failing: number | null,
): ScoredHit[] {
  const failureLine = evidence.failure?.line.n ?? evidence.lines;
  const place: Place = {
    failing,
    failureLine,
    selfExplained: selfExplained(hits, failing, failureLine),
    episodeStart: finalEpisodeStart(evidence, failureLine),
  };
  return hits.map((hit) => ({ hit, score: weigh(hit, evidence, place) }));
}
