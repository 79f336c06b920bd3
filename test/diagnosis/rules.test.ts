import { describe, expect, it } from "vitest";
import { CATEGORIES } from "../../src/diagnosis/categories.ts";
import { EXIT_CODE_RULES } from "../../src/diagnosis/exit-codes.ts";
import { compileRules, keywordsOf, matchLine } from "../../src/diagnosis/match-line.ts";
import type { Rule } from "../../src/diagnosis/rule.ts";
import { RULES, RULES_BY_ID } from "../../src/diagnosis/rules.ts";

// An alternative that starts with an unanchored quantified class (`\S+ was not found`,
// `\d+ files`) is tried at every position of a line: quadratic on long lines.
const QUADRATIC_START = /^(?:\(\?:)?(?:\\[SsWwDd]|\.|\[[^\]]*\])[+*]/;

function topLevelAlternatives(source: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === "\\") i++;
    else if (ch === "[")
      while (i < source.length && source[i] !== "]") i += source[i] === "\\" ? 2 : 1;
    else if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "|" && depth === 0) {
      out.push(source.slice(start, i));
      start = i + 1;
    }
  }
  out.push(source.slice(start));
  return out;
}

describe("the rule catalogue", () => {
  it("has unique ids in `family/what` form", () => {
    expect(RULES_BY_ID.size).toBe(RULES.length);
    for (const rule of RULES) expect(rule.id).toMatch(/^[a-z0-9-]+\/[a-z0-9-]+$/);
  });

  it("uses only the known categories and confidences between 0 and 1", () => {
    for (const rule of [...RULES, ...EXIT_CODE_RULES.values()]) {
      expect(CATEGORIES).toContain(rule.category);
      expect(rule.confidence).toBeGreaterThan(0);
      expect(rule.confidence).toBeLessThanOrEqual(1);
    }
  });

  it("explains every rule and says how to fix it", () => {
    for (const rule of RULES) {
      expect(rule.explanation.length, rule.id).toBeGreaterThan(10);
      expect(rule.remedy.length, rule.id).toBeGreaterThan(10);
    }
  });

  it("gives every rule lowercase keywords, patterns and examples", () => {
    for (const rule of RULES) {
      expect(rule.keywords.length, rule.id).toBeGreaterThan(0);
      for (const k of rule.keywords) expect(k, rule.id).toBe(k.toLowerCase());
      expect(rule.patterns.length, rule.id).toBeGreaterThan(0);
      expect(rule.examples.length, rule.id).toBeGreaterThan(0);
    }
  });

  it("recognises every example it documents, through the keyword prefilter", () => {
    for (const rule of RULES) {
      for (const example of rule.examples) {
        expect(
          matchLine(example).map((r) => r.id),
          `${rule.id}: ${example}`,
        ).toContain(rule.id);
      }
    }
  });

  it("finds a keyword of the rule in every example it matches", () => {
    for (const rule of RULES) {
      for (const example of rule.examples) {
        const lower = example.toLowerCase();
        expect(
          rule.keywords.some((k) => lower.includes(k)),
          `${rule.id}: ${example}`,
        ).toBe(true);
      }
    }
  });

  it("keeps its patterns stateless and linear-time", () => {
    for (const rule of RULES) {
      for (const pattern of [...rule.patterns, ...(rule.unless ?? [])]) {
        expect(pattern.global || pattern.sticky, `${rule.id} ${pattern}`).toBe(false);
        for (const alternative of topLevelAlternatives(pattern.source)) {
          expect(QUADRATIC_START.test(alternative), `${rule.id} ${pattern}`).toBe(false);
        }
      }
    }
  });

  it("lets transient rules name only failures outside the code's control", () => {
    const transient = new Set(RULES.filter((r) => r.transient).map((r) => r.category));
    expect([...transient].sort()).toEqual([
      "flaky_test",
      "network_transient",
      "rate_limited",
      "unknown",
    ]);
  });
});

describe("matchLine", () => {
  it("returns nothing for an ordinary line", () => {
    expect(matchLine("Compiling serde v1.0.200")).toEqual([]);
  });

  it("returns every rule a line matches, highest priority first", () => {
    const ids = matchLine("E   ModuleNotFoundError: No module named 'yaml'").map((r) => r.id);
    expect(ids[0]).toBe("python/module-not-found");
    expect(ids).toContain("pytest/assertion");
  });

  it("honours `unless`", () => {
    expect(
      matchLine("npm WARN ERESOLVE overriding peer dependency").map((r) => r.id),
    ).not.toContain("npm/eresolve");
  });

  it("finds keywords that overlap in a line", () => {
    const rules: Rule[] = [
      {
        ...(RULES_BY_ID.get("generic/error-line") as Rule),
        id: "t/a",
        keywords: ["abc"],
        patterns: [/abc/],
        unless: [],
      },
      {
        ...(RULES_BY_ID.get("generic/error-line") as Rule),
        id: "t/b",
        keywords: ["bcd"],
        patterns: [/bcd/],
        unless: [],
      },
    ];
    expect(compileRules(rules)("xabcdx").map((r) => r.id)).toEqual(["t/a", "t/b"]);
  });

  it("reports keywords that contain one another", () => {
    const base = RULES_BY_ID.get("generic/error-line") as Rule;
    const rules: Rule[] = [
      { ...base, id: "t/short", keywords: ["lock"], patterns: [/lock/], unless: [] },
      { ...base, id: "t/long", keywords: ["lock file"], patterns: [/lock file/], unless: [] },
    ];
    expect(compileRules(rules)("the lock file is stale").map((r) => r.id)).toEqual([
      "t/short",
      "t/long",
    ]);
  });

  it("compiles a prefilter over every keyword", () => {
    expect(keywordsOf(RULES).length).toBeGreaterThan(100);
  });
});
