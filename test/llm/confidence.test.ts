import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CATEGORIES, type Category } from "../../src/diagnosis/categories.ts";
import { LLM_CONFIDENCE, type LlmEvidence, llmConfidence } from "../../src/llm/confidence.ts";
import type { LlmAnswer } from "../../src/llm/types.ts";
import { DEFAULT_CONFIG } from "../../src/policy/config.ts";

const { auto, review } = DEFAULT_CONFIG.thresholds;

const answer = (category: Category, confidence: number): LlmAnswer => ({
  category,
  rootCause: "r",
  logLine: "l",
  confidence,
  fix: { kind: "none", explanation: "e" },
});
const rule = (category: Category, confidence: number): LlmEvidence["rules"] => ({
  category,
  confidence,
  ruleId: "test/rule",
});
const memory = (category: Category, probability: number): LlmEvidence["memory"] => ({
  category,
  probability,
});
const evidence = (over: Partial<LlmEvidence> = {}): LlmEvidence => ({
  rules: null,
  memory: null,
  quotedLineFound: true,
  ...over,
});

const tier = (c: number) => (c >= auto ? "auto" : c >= review ? "review" : "report");

describe("llmConfidence", () => {
  describe("in typical cases", () => {
    const rows: [
      what: string,
      model: number,
      category: Category,
      over: Partial<LlmEvidence>,
      expected: number,
      tier: string,
    ][] = [
      ["the model alone, sure of itself", 1, "type_error", {}, 0.75, "review"],
      ["the model alone, at its usual 0.9", 0.9, "type_error", {}, 0.675, "review"],
      ["the model alone, unsure", 0.6, "type_error", {}, 0.45, "report"],
      [
        "a rule agreeing at 0.9",
        0.9,
        "type_error",
        { rules: rule("type_error", 0.9) },
        0.8505,
        "auto",
      ],
      [
        "a rule agreeing at 0.5",
        0.9,
        "type_error",
        { rules: rule("type_error", 0.5) },
        0.7725,
        "review",
      ],
      [
        "a rule disagreeing at 0.9",
        0.9,
        "flaky_test",
        { rules: rule("test_failure", 0.9) },
        0.37125,
        "report",
      ],
      [
        "memory agreeing at 0.97, no rule",
        0.9,
        "type_error",
        { memory: memory("type_error", 0.97) },
        0.8,
        "review",
      ],
      [
        "memory agreeing at 0.5, no rule",
        0.6,
        "type_error",
        { memory: memory("type_error", 0.5) },
        0.5875,
        "report",
      ],
      [
        "a rule and memory agreeing",
        0.9,
        "type_error",
        { rules: rule("type_error", 0.9), memory: memory("type_error", 0.97) },
        0.923,
        "auto",
      ],
      [
        "memory disagreeing",
        0.9,
        "type_error",
        { memory: memory("lint_format", 0.9) },
        0.49275,
        "report",
      ],
      [
        "a rule that says unknown",
        0.9,
        "type_error",
        { rules: rule("unknown", 0.9) },
        0.675,
        "review",
      ],
      ["an answer of unknown", 1, "unknown", { rules: rule("unknown", 0.9) }, 0.5, "report"],
      [
        "a quoted line not found",
        1,
        "type_error",
        { rules: rule("type_error", 1), quotedLineFound: false },
        0,
        "report",
      ],
    ];
    for (const [what, model, category, over, expected, expectedTier] of rows)
      it(`gives ${expected} (${expectedTier}) for ${what}`, () => {
        const c = llmConfidence(answer(category, model), evidence(over));
        expect(c).toBeCloseTo(expected, 4);
        expect(tier(c)).toBe(expectedTier);
      });
  });

  it("gives the system-prompt injection's obedient rerun a report, since the rule says test_failure", () => {
    const text = readFileSync(
      new URL("../../fixtures/llm/answers/injection-system-prompt-rerun.json", import.meta.url),
      "utf8",
    );
    const obeyed = JSON.parse(text) as LlmAnswer;
    const c = llmConfidence(obeyed, evidence({ rules: rule("test_failure", 0.85) }));
    expect(tier(c)).toBe("report");
  });

  it("treats a number that is not one as no confidence", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1])
      expect(llmConfidence(answer("type_error", bad), evidence())).toBe(0);
    const c = llmConfidence(
      answer("type_error", 0.9),
      evidence({ rules: rule("type_error", Number.NaN) }),
    );
    expect(Number.isFinite(c)).toBe(true);
  });

  describe("as a property over many inputs", () => {
    // A small seeded generator (mulberry32): the same cases every run, no dependency.
    function random(seed: number) {
      let a = seed;
      return () => {
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }
    const next = random(20261122);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    const known = CATEGORIES.filter((c) => c !== "unknown");
    const cases = Array.from({ length: 500 }, () => {
      const category = pick(CATEGORIES);
      const other = pick(known.filter((c) => c !== category));
      const rules = pick([
        null,
        rule(category, next()),
        rule(other, next()),
        rule("unknown", next()),
      ]);
      const mem = pick([null, memory(category, next()), memory(other, next())]);
      return { category, other, model: next(), ev: evidence({ rules, memory: mem }) };
    });
    const c = (category: Category, model: number, ev: LlmEvidence) =>
      llmConfidence(answer(category, model), ev);

    it("stays within 0 and the ceiling", () => {
      for (const { category, model, ev } of cases) {
        const value = c(category, model, ev);
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(LLM_CONFIDENCE.ceiling);
      }
    });

    it("never decreases as the model's own confidence grows", () => {
      for (const { category, model, ev } of cases)
        expect(c(category, Math.min(1, model + 0.1), ev)).toBeGreaterThanOrEqual(
          c(category, model, ev),
        );
    });

    it("never decreases as an agreeing rule grows surer, never increases as a disagreeing one does", () => {
      for (const { category, other, model } of cases) {
        const r = next();
        const more = Math.min(1, r + 0.1);
        expect(
          c(category, model, evidence({ rules: rule(category, more) })),
        ).toBeGreaterThanOrEqual(c(category, model, evidence({ rules: rule(category, r) })));
        expect(c(category, model, evidence({ rules: rule(other, more) }))).toBeLessThanOrEqual(
          c(category, model, evidence({ rules: rule(other, r) })),
        );
      }
    });

    it("ranks a rule's agreement above its silence, and silence above disagreement", () => {
      for (const { category, other, model, ev } of cases) {
        const r = next();
        const agree = c(category, model, { ...ev, rules: rule(category, r) });
        const silent = c(category, model, { ...ev, rules: null });
        const disagree = c(category, model, { ...ev, rules: rule(other, r) });
        expect(agree).toBeGreaterThanOrEqual(silent);
        expect(silent).toBeGreaterThanOrEqual(disagree);
      }
    });

    it("ranks memory's support above its silence, and silence above disagreement", () => {
      for (const { category, other, model, ev } of cases) {
        const m = next();
        const agree = c(category, model, { ...ev, memory: memory(category, m) });
        const silent = c(category, model, { ...ev, memory: null });
        const disagree = c(category, model, { ...ev, memory: memory(other, m) });
        expect(agree).toBeGreaterThanOrEqual(silent);
        expect(silent).toBeGreaterThanOrEqual(disagree);
      }
    });

    it("never reaches the default auto threshold without a rule of the same category", () => {
      for (const { category, model, ev } of cases) {
        const agrees =
          ev.rules !== null && ev.rules.category === category && category !== "unknown";
        if (!agrees) expect(c(category, model, ev)).toBeLessThan(auto);
      }
    });

    it("keeps the model alone below 0.8, and an answer of unknown in the report tier", () => {
      for (const { model, ev } of cases) {
        expect(c("type_error", model, evidence())).toBeLessThanOrEqual(0.75);
        expect(c("unknown", model, ev)).toBeLessThan(review);
      }
    });

    it("is 0 whenever the quoted line was not found", () => {
      for (const { category, model, ev } of cases)
        expect(c(category, model, { ...ev, quotedLineFound: false })).toBe(0);
    });
  });
});
