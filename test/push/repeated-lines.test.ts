import { describe, expect, it } from "vitest";
import type { DiffFile } from "../../src/push/diff-files.ts";
import { meaningful, removedLines, repeatedMistakes } from "../../src/push/repeated-lines.ts";
import type { SolutionPatch } from "../../src/store/solution-patches.ts";

const REPOSITORY = "acme/api";
const patch = (path: string, removed: string[], added: string[]) =>
  [
    `--- a/${path}`,
    `+++ b/${path}`,
    `@@ -1,${removed.length + 1} +1,${added.length + 1} @@`,
    " context line stays",
    ...removed.map((l) => `-${l}`),
    ...added.map((l) => `+${l}`),
    "",
  ].join("\n");

const solution = (overrides: Partial<SolutionPatch> & { patch: string }): SolutionPatch => ({
  id: "s1",
  source: "incident",
  sourceRef: "5c1d7e0a-8b2f-4e6d-9c3a-1f7b2d4e6a80",
  repository: REPOSITORY,
  errorLine: "error",
  fix: "fixed",
  updatedAt: new Date("2025-06-01T00:00:00Z"),
  ...overrides,
});

const pushed = (path: string, added: string[], removed: string[] = []): DiffFile => ({
  path,
  added: added.map((text, i) => ({ line: 10 + i, text })),
  removed,
});

describe("removedLines", () => {
  it("keeps meaningful removed lines, not those re-added with other whitespace", () => {
    const lines = removedLines(
      solution({
        patch: patch(
          "ci.sh",
          ["npm install --legacy-peer-deps", "  exit 0", "  set -euo   pipefail", "}"],
          ["npm ci", "set -euo pipefail"],
        ),
      }),
    );
    expect(lines.map((l) => l.key)).toEqual(["npm install --legacy-peer-deps"]);
  });

  it("gives nothing for a patch that is not a unified diff, nor for masked lines", () => {
    expect(removedLines(solution({ patch: "replace foo with bar" }))).toEqual([]);
    expect(
      removedLines(solution({ patch: patch("a.env", ['TOKEN="[REDACTED:github-token]"'], []) })),
    ).toEqual([]);
  });
});

describe("meaningful", () => {
  it("refuses short or punctuation-heavy lines", () => {
    expect(meaningful("});")).toBe(false);
    expect(meaningful("return null;")).toBe(false);
    expect(meaningful("[1, 2, 3, 4, 5, 6, 7]")).toBe(false);
    expect(meaningful('"node-sass": "^4.14.1",')).toBe(true);
  });
});

describe("repeatedMistakes", () => {
  const nodeSass = solution({
    patch: patch("package.json", ['    "node-sass": "^4.14.1",'], ['    "sass": "^1.77.0",']),
  });

  it("matches a removed line coming back, whitespace aside", () => {
    const found = repeatedMistakes(
      [pushed("package.json", ['  "node-sass":   "^4.14.1",'])],
      [nodeSass],
      REPOSITORY,
    );
    expect(found).toEqual([
      {
        path: "package.json",
        line: 10,
        shown: '"node-sass": "^4.14.1",',
        solution: nodeSass,
        fixedPath: "package.json",
      },
    ]);
  });

  it("matches in another file of the same repository, and says where the fix removed it", () => {
    const found = repeatedMistakes(
      [pushed("packages/web/package.json", ['"node-sass": "^4.14.1",'])],
      [nodeSass],
      REPOSITORY,
    );
    expect(found.map((m) => [m.path, m.fixedPath])).toEqual([
      ["packages/web/package.json", "package.json"],
    ]);
  });

  it("matches another repository's fix only in a file of the same name", () => {
    const elsewhere = { ...nodeSass, repository: "acme/web" };
    expect(
      repeatedMistakes(
        [pushed("package.json", ['"node-sass": "^4.14.1",'])],
        [elsewhere],
        REPOSITORY,
      ),
    ).toHaveLength(1);
    expect(
      repeatedMistakes([pushed("deps.txt", ['"node-sass": "^4.14.1",'])], [elsewhere], REPOSITORY),
    ).toEqual([]);
  });

  it("ignores a line the push moves within the file", () => {
    expect(
      repeatedMistakes(
        [pushed("package.json", ['"node-sass": "^4.14.1",'], ['    "node-sass": "^4.14.1",'])],
        [nodeSass],
        REPOSITORY,
      ),
    ).toEqual([]);
  });

  it("prefers the fix that removed the line from the same file", () => {
    const other = solution({
      id: "s2",
      sourceRef: "other",
      patch: patch("Makefile", ['"node-sass": "^4.14.1",'], []),
    });
    const [found] = repeatedMistakes(
      [pushed("package.json", ['"node-sass": "^4.14.1",'])],
      [other, nodeSass],
      REPOSITORY,
    );
    expect(found?.solution.id).toBe("s1");
  });
});
