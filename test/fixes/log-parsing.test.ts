import { describe, expect, it } from "vitest";
import { diagnoseText } from "../../src/diagnosis/diagnose.ts";
import { deniedScripts } from "../../src/fixes/executable-bit.ts";
import { failedFixers } from "../../src/fixes/pre-commit-output.ts";
import { fixture, logLines } from "./support.ts";

const diagnosed = (file: string) => diagnoseText(fixture(`logs/${file}`));

describe("deniedScripts", () => {
  describe("with the diagnosis of a captured log", () => {
    const rows: [file: string, path: string | null][] = [
      ["permission-denied-bash.log", "scripts/build.sh"],
      ["permission-denied-npm-script.log", "scripts/build.sh"],
      ["permission-denied-make.log", "scripts/build.sh"],
      // The same words from a redirection into a read-only file, exit code 1: not an exec.
      ["permission-denied-redirect.log", null],
    ];
    for (const [file, path] of rows)
      it(`${path ? `finds ${path} in` : "finds nothing in"} ${file}`, () => {
        expect(deniedScripts(diagnosed(file), "api").map((s) => s.path)).toEqual(
          path ? [path] : [],
        );
      });
  });

  it("quotes the line that says so", () => {
    expect(deniedScripts(diagnosed("permission-denied-npm-script.log"), "api")).toEqual([
      { path: "scripts/build.sh", line: "sh: 1: ./scripts/build.sh: Permission denied" },
    ]);
  });

  const exit126 = "##[error]Process completed with exit code 126.";
  const rows: [name: string, line: string, path: string | null][] = [
    [
      "an absolute path in this repository's checkout",
      "/home/runner/work/_temp/x.sh: line 1: /home/runner/work/api/api/bin/run: Permission denied",
      "bin/run",
    ],
    [
      "an absolute path in a container job's checkout",
      "/__w/_temp/x.sh: line 1: /__w/api/api/gradlew: Permission denied",
      "gradlew",
    ],
    ["GNU env's quotes", "env: ‘./tools/lint.sh’: Permission denied", "tools/lint.sh"],
    [
      "an absolute path in another repository's checkout",
      "bash: /home/runner/work/web/web/run.sh: Permission denied",
      null,
    ],
    ["an absolute path outside any checkout", "bash: /usr/local/bin/tool: Permission denied", null],
    [
      "a bare name found on PATH",
      "/home/runner/work/_temp/x.sh: line 1: gradlew: Permission denied",
      null,
    ],
    ["a path leaving the workspace", "sh: 1: ../shared/build.sh: Permission denied", null],
    ["ssh's publickey refusal", "git@github.com: Permission denied (publickey).", null],
    [
      "an npm EACCES",
      "npm error Error: EACCES: permission denied, mkdir '/usr/local/lib/node_modules/x'",
      null,
    ],
  ];
  for (const [name, line, path] of rows)
    it(`${path ? "accepts" : "refuses"} ${name}`, () => {
      const scripts = deniedScripts({ errorLine: line, excerpt: `${line}\n${exit126}` }, "api");
      expect(scripts.map((s) => s.path)).toEqual(path ? [path] : []);
    });

  it("needs the exit code 126 beside a shell's line", () => {
    const line = "/home/runner/work/_temp/x.sh: line 1: ./scripts/build.sh: Permission denied";
    expect(deniedScripts({ errorLine: line, excerpt: line }, "api")).toEqual([]);
    expect(
      deniedScripts({ errorLine: line, excerpt: "make: *** [Makefile:3: all] Error 126" }, "api"),
    ).toHaveLength(1);
  });
});

describe("failedFixers", () => {
  describe("with the diagnosis of a captured pre-commit log", () => {
    it("refuses the plain run: its excerpt lost trailing-whitespace's files", () => {
      expect(failedFixers(diagnosed("pre-commit-plain.log").excerpt)).toEqual({
        ok: false,
        reason: "the excerpt does not show which files trailing-whitespace fixed",
      });
    });

    it("refuses the run with --show-diff-on-failure: its excerpt lost which hook failed first", () => {
      expect(failedFixers(diagnosed("pre-commit-show-diff.log").excerpt)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/^the excerpt does not say which hook failed/),
      });
    });

    it("finds nothing when the excerpt shows no hook (check-json's traceback took it)", () => {
      expect(failedFixers(diagnosed("pre-commit-check-json-too.log").excerpt)).toBeNull();
    });
  });

  describe("with the whole of pre-commit's output in the excerpt", () => {
    // The pre-commit lines of the captured log: its status lines through "check yaml … Passed".
    const output = logLines("pre-commit-plain.log", 36, 52);

    it("finds both fixers and the files each fixed, in the order they ran", () => {
      expect(failedFixers(output)).toEqual({
        ok: true,
        value: [
          {
            id: "trailing-whitespace",
            files: ["acme_ml/stats.py", "docs/usage.txt"],
            lines: [
              "- hook id: trailing-whitespace",
              "Fixing acme_ml/stats.py",
              "Fixing docs/usage.txt",
            ],
          },
          {
            id: "end-of-file-fixer",
            files: ["README.md", "docs/meta.yaml"],
            lines: ["- hook id: end-of-file-fixer", "Fixing README.md", "Fixing docs/meta.yaml"],
          },
        ],
      });
    });

    it("reads the lines as the excerpt has them: blank lines and repeats left out, with gaps", () => {
      const excerpt = output
        .split("\n")
        .map((l) =>
          l === "" || l === "- exit code: 1" || l === "- files were modified by this hook"
            ? "…"
            : l,
        )
        .filter((l, n, all) => !(l === "…" && all[n - 1] === "…"))
        .join("\n");
      expect(failedFixers(excerpt)).toMatchObject({ ok: true, value: [{}, {}] });
    });

    it("refuses a list with a gap inside: a file may be missing", () => {
      const gapped = output.replace("Fixing acme_ml/stats.py\n", "Fixing acme_ml/stats.py\n…\n");
      expect(failedFixers(gapped)).toEqual({
        ok: false,
        reason: "the excerpt may not show every file trailing-whitespace fixed",
      });
    });

    it("refuses a list cut before the next hook's line", () => {
      const cut = output.split("\n").slice(0, 7).join("\n");
      expect(failedFixers(`${cut}\n…`)).toMatchObject({ ok: false });
    });

    it("refuses when another hook failed too", () => {
      const json = logLines("pre-commit-check-json-too.log", 36, 58);
      expect(failedFixers(json)).toEqual({
        ok: false,
        reason: "the hook check-json failed too, and CodeHealer cannot repeat it",
      });
    });
  });
});
