/**
 * Cosine similarity below which a remembered failure is not the same failure. On the labelled
 * corpus (50 real logs; 75 with the fixtures) the most similar pair of *different* causes
 * scores 0.61 (0.66 with the fixtures) and 99% of such pairs score under 0.40; five of the
 * eight later runs of a remembered failure score 0.81 to 1.00. 0.70 sits between, with room
 * on both sides. (Of the other three, one shares its fingerprint, and two — the same disk
 * filling up, told by different tools — score 0.38 and 0.58: rank first, but no match.)
 */
export const MATCH_THRESHOLD = 0.7;

/**
 * Similarity at which a match is a coin toss, and how fast certainty grows around it: the
 * logistic below gives 0.27 at 0.65, 0.5 at 0.70, 0.88 at 0.80 and 0.98 at 0.90. A prior
 * chosen from the corpus figures above, to be replaced by calibration on outcomes.
 */
const MATCH_MIDPOINT = MATCH_THRESHOLD;
const MATCH_SCALE = 0.05;

/**
 * How sure an exact fingerprint match is at least: the same category, rule and normalised
 * telling line. Not 1, because a terse line ("404 Not Found") can tell two causes apart badly.
 */
export const EXACT_MATCH_PROBABILITY = 0.97;

/** The least probability at which a remembered fix settles a diagnosis; below it, it is only shown. */
export const SETTLE_PROBABILITY = 0.5;

/** Probability that a remembered failure is the same failure as the query, from their similarity. */
export function matchProbability(similarity: number, exact: boolean): number {
  const bySimilarity = 1 / (1 + Math.exp(-(similarity - MATCH_MIDPOINT) / MATCH_SCALE));
  return exact ? Math.max(EXACT_MATCH_PROBABILITY, bySimilarity) : bySimilarity;
}

/**
 * Probability that a fix works when it is the right failure: the mean of the Beta(successes + 1,
 * failures + 1) posterior, so an untried fix starts at 0.5 and each outcome moves it.
 */
export function successRate(record: { successes: number; failures: number }): number {
  return (record.successes + 1) / (record.successes + record.failures + 2);
}

/**
 * Probability that a remembered fix applies to the failure in hand: it must be the same
 * failure (similarity) and the fix must work (success record).
 */
export function fixProbability(candidate: {
  similarity: number;
  exact: boolean;
  successes: number;
  failures: number;
}): number {
  return matchProbability(candidate.similarity, candidate.exact) * successRate(candidate);
}
