import { describe, expect, it } from "vitest";
import { type FilePatch, parseUnifiedDiff } from "../../src/fixes/unified-diff.ts";
import { fixture } from "./support.ts";

const parsed = (text: string): FilePatch[] => {
  const result = parseUnifiedDiff(text);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.value;
};

const refusal = (text: string): string => {
  const result = parseUnifiedDiff(text);
  if (result.ok) throw new Error("expected a refusal");
  return result.reason;
};

const oneHunk = (path: string) =>
  [`--- a/${path}`, `+++ b/${path}`, "@@ -1 +1 @@", "-old", "+new", ""].join("\n");

describe("parseUnifiedDiff", () => {
  describe("with patches real tools wrote", () => {
    it("reads git diff's two hunks with their positions and counts", () => {
      const [file] = parsed(fixture("patches/config-two-hunks.diff"));
      expect(file).toMatchObject({ path: "src/config.ts", create: false, mode: null });
      expect(file?.hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([
        [2, 7, 2, 7],
        [12, 6, 12, 6],
      ]);
      expect(file?.hunks[0]?.lines.filter((l) => l.op !== " ")).toEqual([
        { op: "-", text: "  databaseUrl: z.string().url(),", eol: "\n" },
        { op: "+", text: "  databaseUrl: z.string().min(1),", eol: "\n" },
      ]);
    });

    it("keeps the CR of each line of a CRLF file's patch as its line ending", () => {
      const [file] = parsed(fixture("patches/crlf.diff"));
      const lines = file?.hunks[0]?.lines ?? [];
      expect(lines).toHaveLength(5);
      expect(lines.every((l) => l.eol === "\r\n" && !l.text.includes("\r"))).toBe(true);
    });

    it("reads \\ No newline at end of file as a line without an ending", () => {
      const [file] = parsed(fixture("patches/no-newline-at-eof.diff"));
      expect(file?.hunks[0]?.lines).toEqual([
        { op: " ", text: "#!/usr/bin/env bash", eol: "\n" },
        { op: " ", text: "set -euo pipefail", eol: "\n" },
        { op: "-", text: "npm run build", eol: "" },
        { op: "+", text: "npm run build", eol: "\n" },
        { op: "+", text: "npm publish", eol: "\n" },
      ]);
    });

    it("reads every file of a format-patch email, skipping its header, diffstat and signature", () => {
      const files = parsed(fixture("patches/format-patch.patch"));
      expect(files.map((f) => [f.path, f.hunks.length])).toEqual([
        ["docs/README.txt", 1],
        ["scripts/release.sh", 1],
        ["src/config.ts", 2],
      ]);
    });

    it("reads a new file from /dev/null and a mode-only change", () => {
      expect(parsed(fixture("patches/new-file-and-mode.diff"))).toEqual([
        {
          path: "docs/env.example",
          create: true,
          mode: "100644",
          hunks: [
            {
              number: 1,
              oldStart: 0,
              oldLines: 0,
              newStart: 1,
              newLines: 1,
              lines: [{ op: "+", text: "PORT=3000", eol: "\n" }],
            },
          ],
        },
        { path: "scripts/release.sh", create: false, mode: "100755", hunks: [] },
      ]);
    });

    it("reads diff -ru output: a/ and b/ folders, timestamps after a tab", () => {
      const [file] = parsed(fixture("patches/diff-u.diff"));
      expect(file?.path).toBe("src/config.ts");
      expect(file?.hunks).toHaveLength(1);
    });
  });

  describe("when the patch does what a fix never does", () => {
    const rows: [name: string, text: string, reason: RegExp][] = [
      ["a rename (git diff -M)", fixture("patches/rename.diff"), /renames or copies/],
      ["a deletion", fixture("patches/delete.diff"), /deletes a file/],
      ["a binary change", fixture("patches/binary.diff"), /binary/],
      ["a binary literal (git diff --binary)", fixture("patches/binary-literal.diff"), /binary/],
      [
        "a plain diff between two names",
        ["--- src/a.ts", "+++ src/b.ts", "@@ -1 +1 @@", "-x", "+y"].join("\n"),
        /renames src\/a\.ts to src\/b\.ts/,
      ],
      [
        "a deletion without git's header",
        ["--- a/x.ts", "+++ /dev/null", "@@ -1 +0,0 @@", "-x"].join("\n"),
        /deletes a file/,
      ],
      [
        "a mode git does not write",
        "diff --git a/x b/x\nold mode 100644\nnew mode 100777\n",
        /mode 100777/,
      ],
    ];
    for (const [name, text, reason] of rows)
      it(`refuses ${name}`, () => expect(refusal(text)).toMatch(reason));
  });

  describe("with hostile paths", () => {
    const rows: [path: string, reason: RegExp][] = [
      ["../outside.txt", /not a plain repository path/],
      ["src/../../etc/passwd", /not a plain repository path/],
      ["/etc/passwd", /absolute path/],
      ["C:/Windows/win.ini", /absolute path/],
      ["src\\..\\x", /backslash/],
      [".git/config", /inside \.git/],
      ["src/.GIT/hooks/pre-commit", /inside \.git/],
      ["src//double.ts", /not a plain repository path/],
      ["./src/x.ts", /not a plain repository path/],
    ];
    for (const [path, reason] of rows)
      it(`refuses ${JSON.stringify(path)}`, () => {
        // Without a/ and b/ prefixes the names are taken as they are.
        const text = [`--- ${path}`, `+++ ${path}`, "@@ -1 +1 @@", "-old", "+new"].join("\n");
        expect(refusal(text)).toMatch(reason);
      });

    it("refuses a quoted name, which git writes for unusual characters", () => {
      const text = ['--- "a/odd\\tname"', '+++ "b/odd\\tname"', "@@ -1 +1 @@", "-x", "+y"];
      expect(refusal(text.join("\n"))).toMatch(/quoted path/);
    });

    it("refuses a control character smuggled into a name", () => {
      expect(refusal(oneHunk("src/a\u0007.ts"))).toMatch(/control character/);
    });
  });

  describe("with malformed hunks", () => {
    const rows: [name: string, lines: string[], reason: RegExp][] = [
      [
        "a header without numbers",
        ["@@ -a,b +c,d @@", "-x", "+y"],
        /hunk 1 of x\.ts has a malformed header/,
      ],
      ["a header without its closing @@", ["@@ -1 +1", "-x", "+y"], /malformed header/],
      [
        "fewer lines than counted",
        ["@@ -1,3 +1,3 @@", " a", "-x", "+y"],
        /ends before the lines its header counts/,
      ],
      [
        "more removals than counted",
        ["@@ -1 +1,2 @@", "-x", "-y", "+z"],
        /more lines than its header says/,
      ],
      [
        "lines after the counted ones",
        ["@@ -1 +1 @@", "-x", "+y", "+extra"],
        /no hunk header counts/,
      ],
      [
        "a line that is no hunk line",
        ["@@ -1,2 +1,2 @@", " a", "?x", "+y"],
        /not context, removal or addition/,
      ],
      [
        "a no-newline marker first",
        ["@@ -1 +1 @@", "\\ No newline at end of file", "-x", "+y"],
        /starts with a "\\" line/,
      ],
      [
        "a no-newline marker in the middle",
        ["@@ -1,2 +1,2 @@", "-a", "\\ No newline at end of file", "-b", "+c", "+d"],
        /other than the last/,
      ],
      [
        "a second hunk with a bad header",
        ["@@ -1 +1 @@", "-x", "+y", "@@ -5 +5", "-p", "+q"],
        /hunk 2 of x\.ts has a malformed header/,
      ],
    ];
    for (const [name, lines, reason] of rows)
      it(`refuses ${name}`, () => {
        expect(refusal(["--- a/x.ts", "+++ b/x.ts", ...lines].join("\n"))).toMatch(reason);
      });

    it("refuses a hunk before any file header", () => {
      expect(refusal("@@ -1 +1 @@\n-x\n+y\n")).toMatch(/before any file header/);
    });

    it("refuses text with no file in it", () => {
      expect(refusal("Bump the timeout to 30s; it fixed the flaky test.")).toMatch(
        /changes no file/,
      );
    });

    it("refuses a patch that changes the same file in two sections", () => {
      expect(refusal(oneHunk("x.ts") + oneHunk("x.ts"))).toMatch(/changes x\.ts twice/);
    });
  });

  describe("with oversized patches", () => {
    it("refuses more than 20 files", () => {
      const text = Array.from({ length: 21 }, (_, n) => oneHunk(`src/f${n}.ts`)).join("");
      expect(refusal(text)).toMatch(/more than 20 files/);
      expect(parseUnifiedDiff(text.split("--- a/src/f20.ts")[0] ?? "").ok).toBe(true);
    });

    it("refuses more than a megabyte of text before reading it", () => {
      const big = `${oneHunk("a.ts")}${"x".repeat(1_000_001)}`;
      expect(refusal(big)).toMatch(/larger than 1000000 bytes/);
    });
  });

  it("never throws on any cut of a real patch, or on line noise", () => {
    const text = fixture("patches/format-patch.patch");
    const inputs = [
      ...Array.from({ length: text.length + 1 }, (_, n) => text.slice(0, n)),
      "\\",
      "@@",
      "--- \n+++ \n@@ -0,0 +0,0 @@\n",
      "diff --git \n",
      "diff --git a/x b/y\nnew file mode 100644\n",
    ];
    for (const input of inputs) expect(() => parseUnifiedDiff(input)).not.toThrow();
  });
});
