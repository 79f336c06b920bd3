import type { Category } from "../diagnosis/categories.ts";
import type { LlmAnswer } from "./types.ts";

/**
 * The weights of {@link llmConfidence}. Priors chosen by reasoning, not fitted: calibration on
 * outcomes (`codehealer calibrate`) moves the thresholds the result is compared with.
 */
export const LLM_CONFIDENCE = {
  /**
   * The model's own number is multiplied by this. Models say 0.9 for nearly everything, right
   * or wrong; scaled, a model alone reaches at most 0.75: the review tier at the default
   * thresholds, never auto.
   */
  model: 0.75,
  /** How much of a rule's confidence counts for the model when the rule names the same category. */
  ruleAgrees: 0.6,
  /** How much of a rule's confidence counts against the model when it names another category. */
  ruleDisagrees: 0.5,
  /** The same for memory: a past incident of the same category whose outcome is known. */
  memoryAgrees: 0.5,
  /** Memory naming another category: weaker than a rule, since similarity is not a signature. */
  memoryDisagrees: 0.3,
  /**
   * The most an answer gets without a rule of the same category, memory or not: below the
   * default auto threshold (0.85). What no rule recognises, a person reviews.
   */
  withoutRule: 0.8,
  /** The most for an answer whose category is `unknown`: a patch for a failure it cannot name is a guess. */
  unknownCategory: 0.5,
  /** Never certain: the patch is unvalidated until a fix pull request's CI passes. */
  ceiling: 0.95,
} as const;

/** What else the diagnosis knows, to weigh the model's answer against. */
export type LlmEvidence = {
  /** The rules' diagnosis, if a rule matched. */
  rules: { category: Category; confidence: number; ruleId?: string | null } | null;
  /** Memory's best match, with the probability that it is the same failure and its fix works. */
  memory: { category: Category; probability: number } | null;
  /** The answer's `logLine` is a line the model was shown (`parseAnswer` checks it). */
  quotedLineFound: boolean;
};

const unit = (n: number) => (Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0);
// Independent-ish support: the chance that neither is right shrinks (a noisy OR).
const raise = (p: number, weight: number, evidence: number) =>
  1 - (1 - p) * (1 - weight * unit(evidence));
const lower = (p: number, weight: number, evidence: number) => p * (1 - weight * unit(evidence));

type Verdict = "agrees" | "disagrees" | "silent";

// A source that names `unknown`, or an answer that does, neither supports nor contradicts.
function verdict(answer: Category, other: { category: Category } | null): Verdict {
  if (other === null || other.category === "unknown" || answer === "unknown") return "silent";
  return other.category === answer ? "agrees" : "disagrees";
}

/**
 * The calibrated confidence the plan uses for an LLM answer, 0..1. The model's number is an
 * input, discounted, and the evidence moves it:
 * 1. no quoted line found → 0: an answer that rests on no line of the log rests on nothing;
 * 2. start from `model × confidence` (at most 0.75);
 * 3. a rule naming the same category raises it as a noisy OR, `1 − (1 − p)(1 − 0.6 r)`; one
 *    naming another lowers it, `p (1 − 0.5 r)`, r being the rule's confidence;
 * 4. memory does the same with its probability m (0.5 for, 0.3 against);
 * 5. caps: 0.5 when the answer's category is `unknown`, 0.8 without an agreeing rule, 0.95
 *    always.
 * So the result never decreases as the model's number, an agreeing rule's or memory's
 * confidence grows, never increases as a contradicting one's grows, and agreement always
 * counts for more than silence, silence for more than contradiction.
 */
export function llmConfidence(answer: LlmAnswer, evidence: LlmEvidence): number {
  if (!evidence.quotedLineFound) return 0;
  let p = LLM_CONFIDENCE.model * unit(answer.confidence);
  const rules = verdict(answer.category, evidence.rules);
  if (rules === "agrees") p = raise(p, LLM_CONFIDENCE.ruleAgrees, evidence.rules?.confidence ?? 0);
  if (rules === "disagrees")
    p = lower(p, LLM_CONFIDENCE.ruleDisagrees, evidence.rules?.confidence ?? 0);
  const memory = verdict(answer.category, evidence.memory);
  if (memory === "agrees")
    p = raise(p, LLM_CONFIDENCE.memoryAgrees, evidence.memory?.probability ?? 0);
  if (memory === "disagrees")
    p = lower(p, LLM_CONFIDENCE.memoryDisagrees, evidence.memory?.probability ?? 0);
  let cap: number = LLM_CONFIDENCE.ceiling;
  if (rules !== "agrees") cap = Math.min(cap, LLM_CONFIDENCE.withoutRule);
  if (answer.category === "unknown") cap = Math.min(cap, LLM_CONFIDENCE.unknownCategory);
  return Math.min(cap, p);
}
