import { describe, expect, it } from "vitest";
import { globProblem, matchesGlob } from "../../src/policy/glob.ts";

describe("matchesGlob", () => {
  const rows: [subject: string, pattern: string, matches: boolean][] = [
    ["main", "main", true],
    ["main", "mai", false],
    ["release/1.2", "release/*", true],
    ["release/1.2/hotfix", "release/*", false],
    ["release/1.2/hotfix", "release/**", true],
    ["release", "release/**", true],
    ["dependabot/npm_and_yarn/pino-9", "dependabot/**", true],
    [".github/workflows/ci.yml", ".github/workflows/**", true],
    ["db/migrations/001_init.sql", "**/migrations/**", true],
    ["migrations/001_init.sql", "**/migrations/**", true],
    ["src/migrations.ts", "**/migrations/**", false],
    ["config/.secrets.json", "**/*secret*", true],
    [".env", "**/.env*", true],
    ["apps/web/.env.local", "**/.env*", true],
    ["src/environment.ts", "**/.env*", false],
    ["a/b/c.pem", "**/*.pem", true],
    ["a.pem.bak", "**/*.pem", false],
    ["Deploy production", "Deploy*", true],
    ["file1.txt", "file?.txt", true],
    ["file10.txt", "file?.txt", false],
    ["a/b", "a?b", false],
    ["app/[id]/page.tsx", "app/[id]/*", true],
    ["", "**", true],
  ];
  for (const [subject, pattern, matches] of rows)
    it(`${matches ? "matches" : "does not match"} ${JSON.stringify(subject)} with ${pattern}`, () => {
      expect(matchesGlob(subject, pattern)).toBe(matches);
    });

  it("answers a hostile pattern without exponential backtracking", () => {
    // A backtracking regex would try every way to split the a's between the stars.
    const pattern = `${"*a".repeat(30)}*b`;
    expect(matchesGlob("a".repeat(5000), pattern)).toBe(false);
    const deep = `${"**/a/".repeat(30)}b`;
    expect(matchesGlob(Array(3000).fill("a").join("/"), deep)).toBe(false);
  });
});

describe("globProblem", () => {
  it("accepts the globs the docs show", () => {
    for (const ok of ["main", "release/*", "**/migrations/**", "*.tfstate", "infra/", "Deploy*"])
      expect(globProblem(ok), ok).toBeNull();
  });

  it("refuses syntax other dialects give a meaning to", () => {
    expect(globProblem("")).toBe("must not be empty");
    expect(globProblem("!main")).toContain("negation");
    expect(globProblem("*.{yml,yaml}")).toContain("{a,b}");
    expect(globProblem("src**")).toContain("stand alone");
    expect(globProblem(".github\\workflows\\*")).toContain("`/`");
  });
});
