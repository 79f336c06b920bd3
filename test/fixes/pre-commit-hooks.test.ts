import { describe, expect, it } from "vitest";
import { hookArgs } from "../../src/fixes/pre-commit-config.ts";
import {
  fixEndOfFile,
  markdownRule,
  pythonExtension,
  trimTrailingWhitespace,
} from "../../src/fixes/pre-commit-hooks.ts";
import { fixture } from "./support.ts";

const noMarkdown = markdownRule([]);

describe("the pre-commit fixers, repeated", () => {
  describe("on the files pre-commit fixed in the captured run", () => {
    it("trims trailing whitespace as the hook did, keeping CRLF", () => {
      for (const path of ["acme_ml/stats.py", "docs/usage.txt"])
        expect(trimTrailingWhitespace(path, fixture(`repo/ml/${path}`), noMarkdown)?.content).toBe(
          fixture(`repo/ml-after/${path}`),
        );
    });

    it("fixes the end of files as the hook did", () => {
      for (const path of ["README.md", "docs/meta.yaml"])
        expect(fixEndOfFile(fixture(`repo/ml/${path}`))?.content).toBe(
          fixture(`repo/ml-after/${path}`),
        );
    });

    it("leaves alone the files the hooks did not name", () => {
      expect(fixEndOfFile(fixture("repo/ml/acme_ml/stats.py"))).toBeNull();
      expect(
        trimTrailingWhitespace("README.md", fixture("repo/ml/README.md"), noMarkdown),
      ).toBeNull();
    });
  });

  describe("end-of-file-fixer", () => {
    const rows: [name: string, input: string, output: string | null][] = [
      ["an empty file", "", null],
      ["one final newline", "a\n", null],
      ["one final CRLF", "a\r\n", null],
      ["one final CR", "a\r", null],
      ["a missing newline (added as \\n even in a CRLF file)", "a\r\nb", "a\r\nb\n"],
      ["extra blank lines", "a\n\n\n", "a\n"],
      ["extra CRLF lines, the first ending kept", "a\r\n\r\n", "a\r\n"],
      ["a file of line breaks only", "\n\r\n\n", ""],
      ["a single newline", "\n", ""],
      ["trailing spaces on the last line, which are not its business", "a  ", "a  \n"],
    ];
    for (const [name, input, output] of rows)
      it(`handles ${name}`, () => expect(fixEndOfFile(input)?.content ?? null).toBe(output));
  });

  describe("trailing-whitespace", () => {
    const rows: [name: string, path: string, input: string, output: string | null][] = [
      ["spaces and tabs", "a.py", "x = 1 \t\ny = 2\n", "x = 1\ny = 2\n"],
      ["a blank line of spaces", "a.py", "a\n   \nb\n", "a\n\nb\n"],
      ["a last line without a newline", "a.py", "a  ", "a"],
      ["form feed and vertical tab (ASCII whitespace)", "a.c", "a\f\v\n", "a\n"],
      ["a no-break space, which is not ASCII whitespace", "a.txt", "a\u00a0\n", null],
      ["a lone CR before CRLF", "a.txt", "a\r\r\n", "a\r\n"],
      ["Markdown without the option: hard breaks go too", "README.md", "a  \n", "a\n"],
    ];
    for (const [name, path, input, output] of rows)
      it(`handles ${name}`, () =>
        expect(trimTrailingWhitespace(path, input, noMarkdown)?.content ?? null).toBe(output));

    it("keeps a Markdown hard break with --markdown-linebreak-ext=md, only in .md files", () => {
      const rule = markdownRule(["md"]);
      expect(trimTrailingWhitespace("docs/a.md", "a   \n  \nb \n", rule)?.content).toBe(
        "a  \n\nb\n",
      );
      expect(trimTrailingWhitespace("docs/a.MD", "a  \n", rule)).toBeNull();
      expect(trimTrailingWhitespace("docs/a.txt", "a  \n", rule)?.content).toBe("a\n");
    });

    it("keeps hard breaks everywhere with --markdown-linebreak-ext=*", () => {
      expect(trimTrailingWhitespace("x.py", "a  \n", markdownRule(["*"]))).toBeNull();
    });

    it("says how many lines it changed", () => {
      expect(trimTrailingWhitespace("a.py", "a \nb\nc \n", noMarkdown)?.what).toBe(
        "trailing whitespace removed from 2 lines",
      );
    });
  });

  it("reads extensions as Python's os.path.splitext does", () => {
    const rows: [string, string][] = [
      ["a.md", ".md"],
      ["docs/a.b.md", ".md"],
      [".bashrc", ""],
      ["..hidden", ""],
      ["..a.md", ".md"],
      ["name.", "."],
      ["v1.2/README", ""],
    ];
    for (const [path, ext] of rows) expect(pythonExtension(path), path).toBe(ext);
  });
});

describe("hookArgs", () => {
  const upstream = (hooks: string) =>
    `repos:\n  - repo: https://github.com/pre-commit/pre-commit-hooks\n    rev: v5.0.0\n    hooks:\n${hooks}`;

  it("reads no arguments from the captured repository's configuration", () => {
    const config = fixture("repo/ml/.pre-commit-config.yaml");
    expect(hookArgs(config, "trailing-whitespace")).toEqual({ ok: true, value: [] });
    expect(hookArgs(config, "end-of-file-fixer")).toEqual({ ok: true, value: [] });
  });

  const rows: [name: string, hooks: string, result: ReturnType<typeof hookArgs>][] = [
    [
      "a flow list",
      "      - id: trailing-whitespace\n        args: [--markdown-linebreak-ext=md]\n",
      { ok: true, value: ["--markdown-linebreak-ext=md"] },
    ],
    [
      "a block list, quoted, with a comment",
      "      - id: 'trailing-whitespace'  # keep hard breaks\n        args:\n          - \"--markdown-linebreak-ext=md,markdown\"\n        exclude: ^vendor/\n      - id: end-of-file-fixer\n",
      { ok: true, value: ["--markdown-linebreak-ext=md,markdown"] },
    ],
    [
      "another hook's arguments only",
      "      - id: trailing-whitespace\n      - id: mixed-line-ending\n        args: [--fix=lf]\n",
      { ok: true, value: [] },
    ],
  ];
  for (const [name, hooks, result] of rows)
    it(`reads ${name}`, () =>
      expect(hookArgs(upstream(hooks), "trailing-whitespace")).toEqual(result));

  const refusals: [name: string, config: string, reason: RegExp][] = [
    ["a missing hook", upstream("      - id: end-of-file-fixer\n"), /does not list the hook/],
    [
      "a hook listed twice",
      upstream("      - id: trailing-whitespace\n      - id: trailing-whitespace\n"),
      /2 times/,
    ],
    [
      "a local hook with the same id",
      "repos:\n  - repo: local\n    hooks:\n      - id: trailing-whitespace\n        name: trim\n        entry: ./trim.sh\n        language: script\n",
      /does not come from github\.com\/pre-commit\/pre-commit-hooks/,
    ],
    [
      "a mirror of the hooks",
      "repos:\n  - repo: https://gitlab.example.com/mirrors/pre-commit-hooks\n    hooks:\n      - id: trailing-whitespace\n",
      /does not come from/,
    ],
    [
      "a replaced entry",
      upstream("      - id: trailing-whitespace\n        entry: my-trimmer\n"),
      /sets entry/,
    ],
    [
      "the flow style",
      upstream("      - {id: trailing-whitespace, args: [--chars, ' ']}\n"),
      /does not list the hook/,
    ],
  ];
  for (const [name, config, reason] of refusals)
    it(`refuses ${name}`, () => {
      const result = hookArgs(config, "trailing-whitespace");
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(reason);
    });
});
