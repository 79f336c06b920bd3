import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { grepPatterns, toPosixEre } from "../../src/diagnosis/grep-patterns.ts";
import { RULES } from "../../src/diagnosis/rules.ts";

const hasGrep = (() => {
  try {
    execFileSync("grep", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("toPosixEre", () => {
  it("spells class escapes as POSIX brackets", () => {
    expect(toPosixEre(/\d+ \S+/)).toBe("[0-9]+ [^[:space:]]+");
  });

  it("turns non-capturing groups into groups and drops lookarounds", () => {
    expect(toPosixEre(/error TS(?!1\d{3}:)(?:\d{4})/)).toBe("error TS([0-9]{4})");
  });

  it("moves `]` first and `-` last in a bracket expression", () => {
    expect(toPosixEre(/[\w.\]-]/)).toBe("[]A-Za-z0-9_.-]");
  });

  it("spells both cases of letters for a case-insensitive pattern", () => {
    expect(toPosixEre(/no space/i)).toBe("[nN][oO] [sS][pP][aA][cC][eE]");
    expect(toPosixEre(/[a-c]x/i)).toBe("[a-cA-C][xX]");
  });

  it("converts the whole catalogue", () => {
    const total = RULES.reduce((n, rule) => n + rule.patterns.length, 0);
    expect(grepPatterns(RULES)).toHaveLength(total);
  });
});

describe.skipIf(!hasGrep)("the catalogue as grep patterns", () => {
  const dir = mkdtempSync(join(tmpdir(), "codehealer-ere-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("matches in grep -E what it matches in JavaScript", () => {
    for (const rule of RULES) {
      for (const [i, pattern] of rule.patterns.entries()) {
        const matched = rule.examples.filter((e) => pattern.test(e));
        if (matched.length === 0) continue;
        const patternsFile = join(dir, "p");
        const inputFile = join(dir, "in");
        writeFileSync(patternsFile, `${toPosixEre(pattern)}\n`);
        writeFileSync(inputFile, `${matched.join("\n")}\n`);
        const count = execFileSync("grep", ["-E", "-c", "-f", patternsFile, inputFile], {
          encoding: "utf8",
        });
        expect(Number(count), `${rule.id} pattern ${i}`).toBe(matched.length);
      }
    }
  });
});
