import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ANSWER_LIMITS,
  findQuotedLine,
  MIN_PARTIAL_QUOTE,
  normalizeQuotedLine,
  parseAnswer,
} from "../../src/llm/answer.ts";
import { stripLinePrefix } from "../../src/logs/line-prefix.ts";
import { redact } from "../../src/logs/redact.ts";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

/**
 * The lines of a fixture log as a prompt shows them: without timestamps and ANSI codes,
 * redacted, blank lines dropped, long lines clipped as the excerpt clips them. Every line, not
 * an excerpt's sixty: the worst case for a hostile log.
 */
const shownLines = (log: string) =>
  read(log)
    .split(/\r?\n/)
    .map((line) => redact(stripLinePrefix(line)).trimEnd())
    .filter((line) => line.trim() !== "")
    .map((line) => (line.length > 400 ? `${line.slice(0, 399)}…` : line));

const LOG_LINES = [
  "src/routes/invoices.ts(15,5): error TS2322: Type 'string' is not assignable to type 'number'.",
  "##[error]Process completed with exit code 2.",
  "…",
  "npm error 404 Not Found - GET https://registry.npmjs.org/zod-opeanpi-helpers",
];

const answer = (overrides: Record<string, unknown> = {}) => ({
  category: "type_error",
  rootCause: "The amount is a string where a number is expected.",
  logLine: LOG_LINES[0],
  confidence: 0.8,
  fix: {
    kind: "patch",
    edits: [
      { path: "src/routes/invoices.ts", search: "form.amount,", replace: "Number(form.amount)," },
    ],
    explanation: "Convert the amount.",
  },
  ...overrides,
});
const parse = (text: string, logLines: string[] = LOG_LINES) => parseAnswer(text, { logLines });
const reasonOf = (text: string, logLines?: string[]) => {
  const result = parse(text, logLines);
  if (result.ok) throw new Error("the answer was accepted");
  return result.reason;
};

describe("parseAnswer", () => {
  describe("when a recorded good answer arrives", () => {
    const rows: [answer: string, log: string, category: string, kind: string][] = [
      ["good-rust-one-line.json", "fixtures/logs/rust-compile-error.log", "compile_error", "patch"],
      [
        "good-typescript-four-edits.json",
        "fixtures/logs/typescript-type-error.log",
        "type_error",
        "patch",
      ],
      ["good-pytest-approx.txt", "fixtures/logs/pytest-assertion.log", "test_failure", "patch"],
      [
        "good-rerun-network.json",
        "fixtures/logs/npm-network-refused.log",
        "network_transient",
        "rerun",
      ],
    ];
    for (const [file, log, category, kind] of rows)
      it(`accepts ${file}`, () => {
        const result = parse(read(`fixtures/llm/answers/${file}`), shownLines(log));
        expect(result.ok && [result.answer.category, result.answer.fix.kind]).toEqual([
          category,
          kind,
        ]);
      });

    it("keeps the whole shown line the answer quotes, not the model's copy of it", () => {
      const result = parse(
        read("fixtures/llm/answers/good-rust-one-line.json"),
        shownLines("fixtures/logs/rust-compile-error.log"),
      );
      expect(result.ok && result.answer.logLine).toBe("  --> src/config.rs:16:28");
    });
  });

  describe("when the JSON object is wrapped", () => {
    const json = JSON.stringify(answer(), null, 2);
    const rows: [string, string][] = [
      ["alone", json],
      ["with whitespace around it", `\n\n  ${json}\n`],
      ["in a ```json fence", `\`\`\`json\n${json}\n\`\`\``],
      ["in a bare ``` fence", `\`\`\`\n${json}\n\`\`\``],
      ["in prose before and after", `Here is my analysis.\n${json}\nI hope this helps.`],
      [
        "in a fence after prose that has a brace",
        `The type {a: string} is wrong:\n\`\`\`json\n${json}\n\`\`\``,
      ],
      ["in one line", JSON.stringify(answer())],
    ];
    for (const [how, text] of rows)
      it(`accepts an answer ${how}`, () => expect(parse(text).ok).toBe(true));

    it("reads braces and quotes inside strings as text", () => {
      const tricky = answer({
        rootCause: 'A "quoted" } brace and a \\ backslash { in the cause.',
      });
      const result = parse(`Answer: ${JSON.stringify(tricky)} — done.`);
      expect(result.ok && result.answer.rootCause).toBe(
        'A "quoted" } brace and a \\ backslash { in the cause.',
      );
    });

    it("drops keys the schema does not name", () => {
      const result = parse(JSON.stringify(answer({ notes: "extra" })));
      expect(result.ok && Object.keys(result.answer)).not.toContain("notes");
    });
  });

  describe("when the reply is not one JSON object", () => {
    const good = JSON.stringify(answer());
    const rows: [string, string, RegExp][] = [
      ["empty", "  \n", /^the answer is empty$/],
      ["prose only", "It looks like a type error in invoices.ts.", /holds no JSON object/],
      ["an object never closed", good.slice(0, -1), /never closed/],
      ["single-quoted", good.replaceAll('"', "'"), /does not parse/],
      ["with a trailing comma", good.replace(/}$/, ",}"), /does not parse/],
      ["two answers", `${good}\n\nOr perhaps:\n${good}`, /more than one JSON object/],
      [
        "an answer followed by a fenced one",
        `${good}\n\nOr, fenced:\n\`\`\`json\n${good}\n\`\`\``,
        /more than one JSON object/,
      ],
      [
        "longer than the limit",
        `${good}${" ".repeat(ANSWER_LIMITS.text)}`,
        /characters long, more than the 524288/,
      ],
    ];
    for (const [what, text, reason] of rows)
      it(`discards ${what}`, () => expect(reasonOf(text)).toMatch(reason));
  });

  describe("when the object does not fit the schema", () => {
    const edit = { path: "a.ts", search: "x", replace: "y" };
    const patch = (edits: unknown[]) => ({ kind: "patch", edits, explanation: "e" });
    const rows: [string, Record<string, unknown>, RegExp][] = [
      [
        "an unknown category",
        { category: "build_failure" },
        /category: "build_failure" is not one of CodeHealer's categories/,
      ],
      [
        "a confidence given as text",
        { confidence: "0.9" },
        /confidence: invalid input: expected number/,
      ],
      ["a confidence in percent", { confidence: 90 }, /confidence: too big/],
      ["a missing quoted line", { logLine: undefined }, /logLine: invalid input: expected string/],
      ["an empty root cause", { rootCause: "   " }, /rootCause: is empty/],
      [
        "a root cause over 2 KB",
        { rootCause: "x".repeat(2049) },
        /rootCause: is longer than 2048 bytes/,
      ],
      [
        "a root cause over 2 KB in bytes, not characters",
        { rootCause: "€".repeat(700) },
        /rootCause: is longer than 2048 bytes/,
      ],
      [
        "an explanation over 4 KB",
        { fix: { kind: "none", explanation: "x".repeat(4097) } },
        /fix\.explanation: is longer than 4096 bytes/,
      ],
      [
        "an unknown kind of fix",
        { fix: { kind: "merge", explanation: "e" } },
        /fix\.kind: invalid/,
      ],
      ["a patch without edits", { fix: patch([]) }, /fix\.edits: is empty/],
      ["eleven edits", { fix: patch(Array(11).fill(edit)) }, /fix\.edits: too big: .*<=10 items/],
      [
        "a search over 20 KB",
        { fix: patch([{ ...edit, search: "x".repeat(20 * 1024 + 1) }]) },
        /fix\.edits\[0\]\.search: is longer than 20480 bytes/,
      ],
      [
        "a replacement over 20 KB",
        { fix: patch([{ ...edit, replace: "x".repeat(20 * 1024 + 1) }]) },
        /fix\.edits\[0\]\.replace: is longer than 20480 bytes/,
      ],
      [
        "an empty search",
        { fix: patch([{ ...edit, search: "" }]) },
        /fix\.edits\[0\]\.search: is empty/,
      ],
      [
        "a path over 300 characters",
        { fix: patch([{ ...edit, path: `${"d/".repeat(150)}a.ts` }]) },
        /fix\.edits\[0\]\.path: too big/,
      ],
      ["a path given as a number", { fix: patch([{ ...edit, path: 7 }]) }, /path: invalid input/],
    ];
    for (const [what, overrides, reason] of rows)
      it(`discards ${what}`, () =>
        expect(reasonOf(JSON.stringify(answer(overrides)))).toMatch(reason));

    it("says how many more problems there are", () => {
      expect(reasonOf(JSON.stringify(answer({ category: "x", confidence: 2 })))).toMatch(
        /\(and 1 more problems\)$/,
      );
    });
  });

  describe("when the quoted line is checked against the log", () => {
    const found = (logLine: string, lines = LOG_LINES) =>
      parse(JSON.stringify(answer({ logLine })), lines);
    const rows: [string, string][] = [
      ["exactly as shown", LOG_LINES[0] as string],
      ["with its CI timestamp", `2026-11-22T01:54:46.4382438Z ${LOG_LINES[0]}`],
      ["with ANSI colours", `\u001b[31m${LOG_LINES[0]}\u001b[0m`],
      ["without the ##[error] prefix", "Process completed with exit code 2."],
      [
        "with runs of spaces and a trailing newline",
        "npm error   404 Not Found -  GET https://registry.npmjs.org/zod-opeanpi-helpers\n",
      ],
      ["in part, at least 20 characters long", "error TS2322: Type 'string' is not assignable"],
    ];
    for (const [how, quote] of rows)
      it(`finds a line quoted ${how}`, () => expect(found(quote).ok).toBe(true));

    const missing: [string, string][] = [
      ["a paraphrase", "TypeScript says a string is not assignable to a number"],
      ["a part shorter than 20 characters", "exit code 2."],
      ["a line in another case", LOG_LINES[0]!.toUpperCase()],
      ["the gap marker", "…"],
      ["a line nobody printed", "error: toolchain not found on runner"],
      ["two lines run together", `${LOG_LINES[0]}\n${LOG_LINES[1]}`],
    ];
    for (const [what, quote] of missing)
      it(`discards ${what}`, () => {
        const result = found(quote);
        expect(!result.ok && result.reason).toMatch(/^the quoted line is not in the log: "/);
      });

    it("finds the beginning of a line the excerpt clipped", () => {
      const long = `error: ${"x".repeat(420)}`;
      const shown = [`${long.slice(0, 399)}…`];
      expect(found(long.slice(0, 120), shown).ok).toBe(true);
    });

    it(`takes a part only from ${MIN_PARTIAL_QUOTE} characters`, () => {
      expect(findQuotedLine("a".repeat(MIN_PARTIAL_QUOTE), [`x ${"a".repeat(30)}`])).not.toBeNull();
      expect(findQuotedLine("a".repeat(MIN_PARTIAL_QUOTE - 1), [`x ${"a".repeat(30)}`])).toBeNull();
    });

    it("prefers a whole line over a line that merely contains it", () => {
      const lines = [
        "npm error 404 Not Found - GET https://x/y (retrying)",
        "npm error 404 Not Found - GET https://x/y",
      ];
      expect(findQuotedLine("npm error 404 Not Found - GET https://x/y", lines)).toBe(lines[1]);
    });
  });

  describe("the reason it gives", () => {
    const token = `ghp_${"A1b2C3d4E5".repeat(3)}123456`;

    it("is redacted", () => {
      const reason = reasonOf(
        JSON.stringify(answer({ logLine: `git push https://${token}@github.com/o/r` })),
      );
      expect(reason).toMatch(/\[REDACTED:[a-z-]+\]/);
      expect(reason).not.toContain(token);
    });

    it("is one bounded line, however long the quote", () => {
      const reason = reasonOf(JSON.stringify(answer({ logLine: `a\n${"b".repeat(1500)}` })));
      expect(reason.length).toBeLessThanOrEqual(300);
      expect(reason).not.toContain("\n");
    });

    it("quotes an unknown category only in part", () => {
      const reason = reasonOf(JSON.stringify(answer({ category: "c".repeat(500) })));
      expect(reason.length).toBeLessThanOrEqual(300);
    });
  });
});

describe("normalizeQuotedLine", () => {
  const rows: [string, string][] = [
    ["2026-11-22T01:57:16.5084332Z ##[error]AssertionError: boom", "AssertionError: boom"],
    ["\uFEFF2026-11-22T01:54:46.4382438Z  tab\tand  spaces ", "tab and spaces"],
    [
      "\u001b[1m\u001b[31mE       assert 0.6666666666666666 == 0.667\u001b[0m",
      "E assert 0.6666666666666666 == 0.667",
    ],
    ["a clipped line…", "a clipped line"],
  ];
  for (const [line, normalised] of rows)
    it(`reads ${JSON.stringify(line)} as ${JSON.stringify(normalised)}`, () =>
      expect(normalizeQuotedLine(line)).toBe(normalised));
});
