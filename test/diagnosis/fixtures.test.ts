import { createReadStream, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sameErrorLine } from "../../scripts/eval-corpus.ts";
import { diagnoseStream } from "../../src/diagnosis/diagnose.ts";

// Logs of real failing tools, captured by the project (see fixtures/logs/README.md).
const dir = join(import.meta.dirname, "../../fixtures/logs");
const labelsFile = join(dir, "labels.jsonl");
type Label = { file: string; category: string; transient: boolean; error_line: string };
const labels: Label[] = existsSync(labelsFile)
  ? readFileSync(labelsFile, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Label)
  : [];

describe.skipIf(labels.length === 0)("the captured fixture logs", () => {
  for (const label of labels) {
    describe(label.file, () => {
      it(`is diagnosed as ${label.category}, quoting the telling line`, async () => {
        const diagnosis = await diagnoseStream(createReadStream(join(dir, label.file)));
        expect(diagnosis.category).toBe(label.category);
        expect(sameErrorLine(diagnosis.errorLine, label.error_line), diagnosis.errorLine).toBe(
          true,
        );
        // A rerun is only ever suggested where the label agrees.
        if (diagnosis.transient) expect(label.transient).toBe(true);
      });
    });
  }
});
