import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_CORPUS_DIR, evaluateCorpus } from "../../scripts/eval-corpus.ts";

// Real logs of other projects, kept outside the repository; the test runs where they are.
describe.skipIf(!existsSync(DEFAULT_CORPUS_DIR))("the labelled corpus of real CI logs", () => {
  it("is diagnosed accurately, and never suggests a rerun that would not help", async () => {
    const report = await evaluateCorpus(DEFAULT_CORPUS_DIR);
    expect(report.total).toBeGreaterThan(0);
    expect(report.categoryAccuracy).toBeGreaterThanOrEqual(0.85);
    expect(report.transientPrecision).toBeGreaterThanOrEqual(0.95);
  });
});
