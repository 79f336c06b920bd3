import type { Rule } from "./rule.ts";
import { RULE_PRIORITY, RULES } from "./rules.ts";

/** A compiled catalogue: returns the rules a line matches, highest priority first. */
export type LineMatcher = (text: string) => readonly Rule[];

const NONE: readonly Rule[] = [];
const escapeLiteral = (literal: string) => literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// Longest first, so that the word reported at a position is the longest one starting there.
const alternation = (words: readonly string[]) =>
  [...words]
    .sort((a, b) => b.length - a.length)
    .map(escapeLiteral)
    .join("|");

/** The distinct lowercase keywords of a set of rules: the words the prefilter looks for. */
export function keywordsOf(rules: readonly Rule[]): string[] {
  return [...new Set(rules.flatMap((rule) => rule.keywords.map((k) => k.toLowerCase())))];
}

/**
 * Compiles rules into a line matcher. A single case-insensitive regex of every rule keyword
 * is the prefilter: a line without any keyword (most lines of a log) costs one regex test.
 * On a line that has some, the same regex lists the keywords present, and only the rules
 * keyed on them have their patterns tried.
 */
export function compileRules(rules: readonly Rule[]): LineMatcher {
  const keywords = keywordsOf(rules);
  const byKeyword = new Map<string, Rule[]>();
  for (const rule of rules) {
    for (const keyword of rule.keywords) {
      const k = keyword.toLowerCase();
      const list = byKeyword.get(k) ?? [];
      if (!list.includes(rule)) list.push(rule);
      byKeyword.set(k, list);
    }
  }
  // A keyword found at some position hides the shorter keywords that are its prefixes (or
  // other substrings): finding it means they are present too.
  const implied = new Map<string, Rule[]>();
  for (const found of keywords) {
    const rulesOfFound = new Set<Rule>();
    for (const k of keywords) {
      if (found.includes(k)) for (const rule of byKeyword.get(k) ?? []) rulesOfFound.add(rule);
    }
    implied.set(found, [...rulesOfFound]);
  }
  // The quick test only needs the keywords that contain no other keyword.
  const minimal = keywords.filter(
    (k) => !keywords.some((o) => o.length < k.length && k.includes(o)),
  );
  const any = new RegExp(alternation(minimal), "i");
  const each = new RegExp(alternation(keywords), "gi");
  const order = (rule: Rule) => RULE_PRIORITY.get(rule) ?? rules.indexOf(rule);

  return (text) => {
    if (!any.test(text)) return NONE;
    const candidates = new Set<Rule>();
    each.lastIndex = 0;
    for (let found = each.exec(text); found !== null; found = each.exec(text)) {
      each.lastIndex = found.index + 1; // keywords may overlap: try every position
      for (const rule of implied.get(found[0].toLowerCase()) ?? NONE) candidates.add(rule);
    }
    const matched: Rule[] = [];
    for (const rule of candidates) {
      if (!rule.patterns.some((p) => p.test(text))) continue;
      if (rule.unless?.some((p) => p.test(text))) continue;
      matched.push(rule);
    }
    if (matched.length > 1) matched.sort((a, b) => order(a) - order(b));
    return matched;
  };
}

/** The catalogue of `rules.ts`, compiled once. */
export const matchLine: LineMatcher = compileRules(RULES);
