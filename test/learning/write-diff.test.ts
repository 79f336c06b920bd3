import { describe, expect, it } from "vitest";
import { applyFilePatch } from "../../src/fixes/apply-patch.ts";
import { parseUnifiedDiff } from "../../src/fixes/unified-diff.ts";
import { type FileState, fileDiff } from "../../src/learning/write-diff.ts";

const text = (content: string): FileState => ({ content, mode: "100644" });
const LETTERS = "abcdefghijklmn".split("").join("\n");

/** The diff read back and applied to `before`: what memory would do with it next time. */
function roundTrip(before: FileState | null, after: FileState): string {
  const diff = fileDiff("src/file.txt", before, after);
  const parsed = parseUnifiedDiff(diff);
  if (!parsed.ok) throw new Error(`refused: ${parsed.reason}\n${diff}`);
  const [patch] = parsed.value;
  if (!patch) throw new Error("no file in the diff");
  expect(patch.mode ?? before?.mode ?? "100644").toBe(after.mode);
  const applied = applyFilePatch(before?.content ?? null, patch);
  if (!applied.ok) throw new Error(`does not apply: ${applied.reason}\n${diff}`);
  return applied.value.content;
}

describe("fileDiff", () => {
  describe("compared with git diff", () => {
    it("writes the hunks git writes: three lines of context, far changes apart, no newline marked", () => {
      const before = `${LETTERS}\n`;
      const after = `${LETTERS.replace("d", "D")}\nextra`;
      expect(fileDiff("before", text(before), text(after))).toBe(
        [
          "diff --git a/before b/before",
          "--- a/before",
          "+++ b/before",
          "@@ -1,7 +1,7 @@",
          " a",
          " b",
          " c",
          "-d",
          "+D",
          " e",
          " f",
          " g",
          "@@ -12,3 +12,4 @@",
          " l",
          " m",
          " n",
          "+extra",
          "\\ No newline at end of file",
          "",
        ].join("\n"),
      );
    });

    it("joins changes closer than twice the context into one hunk", () => {
      expect(fileDiff("b2", text("one\ntwo\nthree\n"), text("one\n2\nthree\nfour\n"))).toBe(
        [
          "diff --git a/b2 b/b2",
          "--- a/b2",
          "+++ b/b2",
          "@@ -1,3 +1,4 @@",
          " one",
          "-two",
          "+2",
          " three",
          "+four",
          "",
        ].join("\n"),
      );
    });
  });

  describe("when nothing changed", () => {
    it("is empty", () => {
      expect(fileDiff("a.txt", text("same\n"), text("same\n"))).toBe("");
    });
  });

  describe("when only the mode changed", () => {
    it("says so with git's mode lines, and no hunk", () => {
      const diff = fileDiff("run.sh", text("#!/bin/sh\n"), {
        content: "#!/bin/sh\n",
        mode: "100755",
      });
      expect(diff).toBe("diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n");
      expect(roundTrip(text("#!/bin/sh\n"), { content: "#!/bin/sh\n", mode: "100755" })).toBe(
        "#!/bin/sh\n",
      );
    });
  });

  describe("read back and applied to the old content", () => {
    const cases: [string, string | null, string][] = [
      ["a new file", null, "first\nsecond\n"],
      ["a new file without a final newline", null, "only"],
      ["an emptied file", "a\nb\n", ""],
      ["a line changed in the middle", `${LETTERS}\n`, `${LETTERS.replace("g", "G")}\n`],
      ["lines added at the top", "x\ny\n", "new\nx\ny\n"],
      ["the final newline removed", "a\nb\n", "a\nb"],
      ["the final newline added", "a\nb", "a\nb\n"],
      ["CRLF lines kept", "a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n"],
      ["repeated lines", "x\nx\nx\nx\n", "x\nx\ny\nx\nx\n"],
      ["a file rewritten", "one\ntwo\nthree\n", "uno\ndos\ntres\ncuatro\n"],
      [
        "many scattered changes",
        Array.from({ length: 60 }, (_, i) => `line ${i}`).join("\n"),
        Array.from({ length: 60 }, (_, i) => (i % 9 === 4 ? `changed ${i}` : `line ${i}`)).join(
          "\n",
        ),
      ],
    ];
    it.each(cases)("gives the new content exactly: %s", (_, before, after) => {
      expect(roundTrip(before === null ? null : text(before), text(after))).toBe(after);
    });
  });
});
