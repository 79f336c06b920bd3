import type { Category } from "./categories.ts";

/**
 * One known failure signature. Rules are data: the catalogue in `rules.ts` lists them in
 * priority order and `match-line.ts` applies them; nothing else knows what they say.
 */
export type Rule = {
  /** Stable `family/what` id, stored with incidents: never reuse or rename one. */
  id: string;
  category: Category;
  /** Would a plain rerun likely pass? Only true for failures outside the code's control. */
  transient: boolean;
  /** How often a match is the real cause of the failure, 0..1, before position is weighed. */
  confidence: number;
  /**
   * Lowercase literals, at least one of which is in every line a pattern matches. They are
   * the prefilter that lets the catalogue skip most lines of a log without running a regex.
   */
  keywords: readonly string[];
  /** Linear-time patterns (no nested quantifiers); any one matching is a hit. */
  patterns: readonly RegExp[];
  /** A line matching one of these is not a hit, e.g. the same words in a warning. */
  unless?: readonly RegExp[];
  /** The message worth quoting is on the next line (`CMake Error at …:`, `TSError: …`). */
  detailBelow?: boolean;
  /** A summary or a wrapper of the real error, quoted only when nothing better is found. */
  symptom?: boolean;
  /** One line saying what went wrong, for people. */
  explanation: string;
  /** What usually fixes it. */
  remedy: string;
  /** Lines this rule recognises, written from each tool's real output; checked by tests. */
  examples: readonly string[];
};
