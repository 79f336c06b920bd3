import { readFileSync } from "node:fs";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { diagnoseText } from "../../src/diagnosis/diagnose.ts";
import {
  failureContext,
  gatherPromptEvidence,
  localPromptEvidence,
} from "../../src/llm/evidence.ts";
import { implicatedPaths, repositoryPath } from "../../src/llm/implicated-paths.ts";
import { buildPrompt } from "../../src/llm/prompt.ts";
import {
  API,
  diagnosedIncident,
  expectNoPendingMocks,
  githubFixture,
  HEAD_SHA,
  incidentRow,
  OWNER,
  REPO,
  REPO_API,
  RUN_ID,
  testOctokit,
} from "../actions/support.ts";
import { closeTheNetwork } from "../support/nock-github.ts";

beforeAll(closeTheNetwork);
afterAll(() => nock.enableNetConnect());
afterEach(expectNoPendingMocks);

// A real log of a real failing tool (see fixtures/logs/README.md), through the real diagnosis.
const logs = join(import.meta.dirname, "../../fixtures/logs");
const diagnosisOf = (fixture: string) => diagnoseText(readFileSync(join(logs, fixture), "utf8"));

const WORKFLOW_ID = 161335;
const GREEN_RUN = 15432100001;
const GREEN_SHA = "7638417db6d59f3c431d3e1f261cc637155684cd";
const BRANCH = "feature/invoice-amounts";
const INVOICES = [
  'import type { Currency } from "./currency.ts";',
  "",
  ...Array.from({ length: 12 }, (_, i) => `// ${i + 3}`),
  '    amount: body.amount ?? "0",',
  '    currency: body.currency ?? "usd",',
  "",
].join("\n");

const repository = { owner: OWNER, repo: REPO };
const incident = incidentRow(diagnosedIncident());
const diagnosis = { ...diagnosisOf("typescript-type-error.log"), similar: [] };

// Shapes from GitHub's REST reference (2022-11-28), trimmed to the fields CodeHealer reads.
const run = { id: RUN_ID, workflow_id: WORKFLOW_ID, head_branch: BRANCH, head_sha: HEAD_SHA };
const greenRuns = (sha = GREEN_SHA, branch = BRANCH) => ({
  total_count: 1,
  workflow_runs: [{ id: GREEN_RUN, head_sha: sha, head_branch: branch, conclusion: "success" }],
});
const comparison = {
  status: "ahead",
  ahead_by: 2,
  behind_by: 0,
  total_commits: 2,
  commits: [
    {
      sha: "2a4f6c8e0b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a",
      commit: { message: "feat(invoices): take amounts as sent" },
    },
    {
      sha: HEAD_SHA,
      commit: {
        message:
          "fix: lower-case currency\n\nDeploy with GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789",
      },
    },
  ],
  files: [
    {
      filename: "README.md",
      status: "modified",
      additions: 1,
      deletions: 0,
      patch: "@@ -1 +1,2 @@\n # api\n+Invoices API",
    },
    {
      filename: "src/routes/invoices.ts",
      status: "modified",
      additions: 2,
      deletions: 2,
      patch:
        '@@ -14,4 +14,4 @@\n-    amount: Number(body.amount),\n-    currency: body.currency,\n+    amount: body.amount ?? "0",\n+    currency: body.currency ?? "usd",',
    },
    { filename: "assets/logo.png", status: "added", additions: 0, deletions: 0 },
  ],
};

const github = () => nock(API);
const workflowRuns = (branch?: string) =>
  github()
    .get(`${REPO_API}/actions/workflows/${WORKFLOW_ID}/runs`)
    .query(
      branch === undefined
        ? { status: "success", per_page: "1" }
        : { branch, status: "success", per_page: "1" },
    );
const compare = () =>
  github().get(`${REPO_API}/compare/${GREEN_SHA}...${HEAD_SHA}`).query({ per_page: "50" });
// Octokit encodes the path's slashes (`src%2Froutes%2Finvoices.ts`): GitHub accepts both.
const contents = (path: string) =>
  github()
    .get(`${REPO_API}/contents/${encodeURIComponent(path)}`)
    .query({ ref: HEAD_SHA });
const raw = { "content-type": "application/vnd.github.raw+json; charset=utf-8" };

const gather = (overrides: Partial<Parameters<typeof gatherPromptEvidence>[1]> = {}) =>
  gatherPromptEvidence(testOctokit(), {
    repository,
    incident,
    diagnosis,
    workflowId: WORKFLOW_ID,
    ...overrides,
  });

describe("gatherPromptEvidence", () => {
  describe("when GitHub answers everything", () => {
    it("reads the implicated file at the failing commit and the commits since the last green run", async () => {
      workflowRuns(BRANCH).reply(200, greenRuns());
      compare().reply(200, comparison);
      contents("src/routes/invoices.ts").reply(200, INVOICES, raw);

      const evidence = await gather();

      expect(evidence.files).toEqual([
        { path: "src/routes/invoices.ts", content: INVOICES, lines: [15, 16, 30] },
      ]);
      expect(evidence.commits).toMatchObject({
        base: GREEN_SHA,
        baseBranch: BRANCH,
        runId: GREEN_RUN,
        total: 2,
        totalFiles: 3,
      });
      expect(evidence.commits?.commits[1]?.message).toBe(
        "fix: lower-case currency\n\nDeploy with GITHUB_TOKEN=[REDACTED:github-token]",
      );
      // The implicated file's diff first, then GitHub's order; a binary file has no patch.
      expect(evidence.commits?.files.map((f) => [f.path, f.patch !== null])).toEqual([
        ["src/routes/invoices.ts", true],
        ["README.md", true],
        ["assets/logo.png", false],
      ]);
      expect(evidence.notes).toEqual([]);
    });

    it("never reads a file that may hold secrets or CI configuration, whatever the log names", async () => {
      workflowRuns(BRANCH).reply(200, greenRuns());
      compare().reply(200, comparison);
      contents("src/routes/invoices.ts").reply(200, INVOICES, raw);
      const hostile = {
        ...diagnosis,
        excerpt: `${diagnosis.excerpt}\nError at .env:1\nError at config/credentials.yml:3\nError at .github/workflows/ci.yml:9`,
      };

      const evidence = await gather({ diagnosis: hostile });

      expect(evidence.files.map((f) => f.path)).toEqual(["src/routes/invoices.ts"]);
      // The workflow is named with a line and withheld; the others are not read either (nock
      // would fail on an unexpected request).
      expect(evidence.notes).toEqual([
        ".github/workflows/ci.yml: not read, a path that may hold secrets or CI configuration.",
      ]);
    });

    it("takes the job, step and command from the incident and the log", async () => {
      workflowRuns(BRANCH).reply(200, greenRuns());
      compare().reply(200, comparison);
      contents("src/routes/invoices.ts").reply(200, INVOICES, raw);

      const evidence = await gather();

      expect(evidence).toMatchObject({
        repository: "acme/api",
        headSha: HEAD_SHA,
        branch: BRANCH,
        workflow: "CI",
        job: "typecheck",
        step: "npm run typecheck",
        command: null,
        errorLine: diagnosis.errorLine,
        excerpt: diagnosis.excerpt,
        verdict: { category: "type_error", ruleId: "typescript/type-error", source: "rules" },
      });
    });

    it("makes a prompt that shows the file and the diff", async () => {
      workflowRuns(BRANCH).reply(200, greenRuns());
      compare().reply(200, comparison);
      contents("src/routes/invoices.ts").reply(200, INVOICES, raw);

      const prompt = buildPrompt(await gather(), { budget: 6_000 });
      const user = prompt.messages[1]?.content ?? "";

      expect(prompt.sections.every((s) => s.status === "kept")).toBe(true);
      expect(user).toContain('15|     amount: body.amount ?? "0",');
      expect(user).toContain(`Run ${GREEN_RUN} on ${BRANCH} passed at ${GREEN_SHA.slice(0, 12)}`);
      expect(user).toContain('+    amount: body.amount ?? "0",');
      expect(user).not.toContain("ghp_abcdefghijklmnopqrstuvwxyz0123456789");
      expect(prompt.files).toEqual([{ path: "src/routes/invoices.ts", content: INVOICES }]);
    });

    it("asks the run for its workflow when the caller does not know it", async () => {
      github().get(`${REPO_API}/actions/runs/${RUN_ID}`).reply(200, run);
      workflowRuns(BRANCH).reply(200, greenRuns());
      compare().reply(200, comparison);
      contents("src/routes/invoices.ts").reply(200, INVOICES, raw);

      const evidence = await gather({ workflowId: null });

      expect(evidence.commits?.runId).toBe(GREEN_RUN);
    });
  });

  describe("when the branch has no green run yet", () => {
    it("compares with the last green run on any branch", async () => {
      workflowRuns(BRANCH).reply(200, { total_count: 0, workflow_runs: [] });
      workflowRuns().reply(200, greenRuns(GREEN_SHA, "main"));
      compare().reply(200, comparison);
      contents("src/routes/invoices.ts").reply(200, INVOICES, raw);

      const evidence = await gather();

      expect(evidence.commits).toMatchObject({ base: GREEN_SHA, baseBranch: "main" });
    });

    it("says so when the workflow never passed", async () => {
      workflowRuns(BRANCH).reply(200, { total_count: 0, workflow_runs: [] });
      workflowRuns().reply(200, { total_count: 0, workflow_runs: [] });
      contents("src/routes/invoices.ts").reply(200, INVOICES, raw);

      const evidence = await gather();

      expect(evidence.commits).toBeNull();
      expect(evidence.notes).toEqual([
        "No successful run of this workflow is on record: no commits to compare.",
      ]);
    });
  });

  describe("when the same commit passed before", () => {
    it("compares nothing, and the prompt says the code did not change", async () => {
      workflowRuns(BRANCH).reply(200, greenRuns(HEAD_SHA));
      contents("src/routes/invoices.ts").reply(200, INVOICES, raw);

      const evidence = await gather();

      expect(evidence.commits).toMatchObject({ base: HEAD_SHA, total: 0, commits: [] });
      const user = buildPrompt(evidence, { budget: 6_000 }).messages[1]?.content;
      expect(user).toContain("passed on this very commit: the code did not change");
    });
  });

  describe("when GitHub fails", () => {
    it("goes without a file GitHub does not have, saying so", async () => {
      workflowRuns(BRANCH).reply(200, greenRuns());
      compare().reply(200, comparison);
      contents("src/routes/invoices.ts").reply(404, githubFixture("error.not-found"));

      const evidence = await gather();

      expect(evidence.files).toEqual([]);
      expect(evidence.notes).toEqual([
        "src/routes/invoices.ts: not in the repository at 9fceb02d0ae5",
      ]);
    });

    it("goes without the commits when the comparison fails, and still reads the file", async () => {
      workflowRuns(BRANCH).reply(200, greenRuns());
      compare().reply(502, githubFixture("error.server"));
      contents("src/routes/invoices.ts").reply(200, INVOICES, raw);

      const evidence = await gather();

      expect(evidence.commits).toBeNull();
      expect(evidence.files).toHaveLength(1);
      expect(evidence.notes).toEqual([
        "Comparing 7638417db6d5...9fceb02d0ae5 failed: GitHub answered 502: Server Error",
      ]);
      const prompt = buildPrompt(evidence, { budget: 6_000 });
      expect(prompt.messages[1]?.content).toContain(
        "Comparing 7638417db6d5...9fceb02d0ae5 failed: GitHub answered 502: Server Error",
      );
    });

    it("goes without the commits when the App may not read the runs", async () => {
      workflowRuns(BRANCH).reply(403, githubFixture("error.forbidden"));
      contents("src/routes/invoices.ts").reply(500, githubFixture("error.server"));

      const evidence = await gather();

      expect(evidence.commits).toBeNull();
      expect(evidence.files).toEqual([]);
      expect(evidence.notes).toEqual([
        "src/routes/invoices.ts: not read: GitHub answered 500: Server Error",
        "The last successful run is unknown: GitHub answered 403: Resource not accessible by integration",
      ]);
    });

    it("goes without the commits when GitHub cannot be reached", async () => {
      github().get(`${REPO_API}/actions/runs/${RUN_ID}`).replyWithError("socket hang up");
      contents("src/routes/invoices.ts").reply(200, INVOICES, raw);

      const evidence = await gather({ workflowId: null });

      expect(evidence.commits).toBeNull();
      expect(evidence.notes).toEqual([
        `Run ${RUN_ID}'s workflow is unknown: the request to GitHub failed (socket hang up)`,
      ]);
    });
  });

  describe("when an implicated path is not a text file", () => {
    const withPaths = (...paths: string[]) =>
      ({
        ...diagnosis,
        excerpt: paths.map((p) => `${p}:3:1: error: something broke`).join("\n"),
      }) as typeof diagnosis;

    it("skips binary files, folders and files too large to patch, saying why", async () => {
      workflowRuns(BRANCH).reply(200, greenRuns(HEAD_SHA));
      contents("src/routes/invoices.ts").reply(200, INVOICES, raw);
      contents("assets/logo.png").reply(200, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]), raw);
      contents("src/routes.ts").reply(200, [{ type: "file", name: "a.ts" }], {
        "content-type": "application/json; charset=utf-8",
      });
      contents("data/huge.json").reply(200, "x".repeat(1_000_001), raw);
      contents("src/latin1.ts").reply(200, Buffer.from([0x63, 0x61, 0x66, 0xe9]), raw);

      const evidence = await gather({
        diagnosis: withPaths("assets/logo.png", "src/routes.ts", "data/huge.json", "src/latin1.ts"),
      });

      expect(evidence.files.map((f) => f.path)).toEqual(["src/routes/invoices.ts"]);
      expect(evidence.notes).toEqual([
        "assets/logo.png: binary, not text",
        "src/routes.ts: a folder or a submodule, not a file",
        "data/huge.json: larger than 1000000 bytes",
        "src/latin1.ts: not UTF-8 text",
      ]);
    });

    it("never asks for a path outside the repository", async () => {
      workflowRuns(BRANCH).reply(200, greenRuns(HEAD_SHA));
      contents("src/routes/invoices.ts").reply(200, INVOICES, raw);
      contents("src/x.ts").reply(200, "export {};\n", raw);

      const evidence = await gather({
        diagnosis: withPaths(
          "../../../etc/passwd.ts",
          "src/../../secrets.ts",
          "/etc/shadow.ts",
          "/home/runner/work/api/api/src/x.ts",
          "/home/runner/work/api/api/node_modules/zod/index.js",
          ".git/config.ts",
        ),
      });

      expect(evidence.files.map((f) => f.path)).toEqual(["src/routes/invoices.ts", "src/x.ts"]);
    });
  });

  describe("when the run is not a GitHub Actions run", () => {
    it("reads the files and notes there is no workflow history", async () => {
      contents("src/routes/invoices.ts").reply(200, INVOICES, raw);

      const evidence = await gather({ incident: { ...incident, provider: "checks" } });

      expect(evidence.commits).toBeNull();
      expect(evidence.notes).toEqual([
        "Not a GitHub Actions run: there is no workflow history to compare with.",
      ]);
    });
  });
});

describe("localPromptEvidence", () => {
  it("takes the command from the log's step header when the excerpt has it", () => {
    const evidence = localPromptEvidence(
      { ...diagnosis, excerpt: `##[group]Run npm run typecheck -- --pretty\n${diagnosis.excerpt}` },
      { ...failureContext(incident), step: "Typecheck" },
    );
    expect(evidence).toMatchObject({ step: "Typecheck", command: "npm run typecheck -- --pretty" });
  });

  it("redacts what the incident says of the job", () => {
    const evidence = localPromptEvidence(diagnosis, {
      ...failureContext(incident),
      step: "curl -u deploy:hunter2secret https://example.com",
    });
    expect(evidence.step).toBe("curl -u deploy:[REDACTED:basic-auth] https://example.com");
  });
});

describe("implicatedPaths", () => {
  const cases: { fixture: string; repo: string; paths: { path: string; lines: number[] }[] }[] = [
    {
      fixture: "typescript-type-error.log",
      repo: "api",
      paths: [{ path: "src/routes/invoices.ts", lines: [15, 16, 30] }],
    },
    {
      fixture: "java-compile-error.log",
      repo: "acme-ledger",
      paths: [{ path: "src/main/java/com/acme/ledger/LedgerService.java", lines: [19] }],
    },
    {
      fixture: "jenkins-maven-compile-error.log",
      repo: "acme-ledger",
      paths: [{ path: "src/main/java/com/acme/ledger/LedgerService.java", lines: [19] }],
    },
    {
      fixture: "python-import-error.log",
      repo: "acme-ml",
      paths: [
        { path: "scripts/build_features.py", lines: [4] },
        { path: "acme_ml/features.py", lines: [4] },
      ],
    },
    {
      fixture: "rust-compile-error.log",
      repo: "acme-cli",
      paths: [{ path: "src/config.rs", lines: [16] }],
    },
    {
      fixture: "node-test-failure.log",
      repo: "api",
      paths: [{ path: "test/slug.test.js", lines: [10] }],
    },
    { fixture: "npm-network-refused.log", repo: "api", paths: [] },
  ];
  for (const { fixture, repo, paths } of cases) {
    it(`finds ${paths.map((p) => p.path).join(", ") || "nothing"} in ${fixture}`, () => {
      const d = diagnosisOf(fixture);
      expect(
        implicatedPaths({ errorLine: d.errorLine, annotations: [], excerpt: d.excerpt }, repo),
      ).toEqual(paths);
    });
  }

  it("reads the file URLs of Node's ESM stack traces as paths", () => {
    const excerpt =
      "Error: manifest drift\n    at checkManifest (file:///home/runner/work/app/app/scripts/check.mjs:9:11)";
    expect(
      implicatedPaths({ errorLine: "Error: manifest drift", annotations: [], excerpt }, "app"),
    ).toEqual([{ path: "scripts/check.mjs", lines: [9] }]);
  });

  it("puts the error line's file first and skips GitHub's annotation on .github", () => {
    const found = implicatedPaths(
      {
        errorLine: "src/b.ts(3,1): error TS1005",
        annotations: [
          { path: ".github", line: 1, message: "Process completed with exit code 2." },
          { path: "src/a.ts", line: 9, message: "x" },
        ],
        excerpt: "src/a.ts(2,1): error\nsrc/b.ts(3,1): error TS1005",
      },
      "api",
    );
    expect(found).toEqual([
      { path: "src/b.ts", lines: [3] },
      { path: "src/a.ts", lines: [2, 9] },
    ]);
  });
});

describe("repositoryPath", () => {
  const cases: [string, string | null][] = [
    ["/home/runner/work/api/api/src/a.ts", "src/a.ts"],
    ["/Users/runner/work/api/api/src/a.ts", "src/a.ts"],
    ["D:\\a\\api\\api\\src\\a.ts", "src/a.ts"],
    ["/__w/api/api/src/a.ts", "src/a.ts"],
    ["/github/workspace/src/a.ts", "src/a.ts"],
    ["/builds/acme/backend/api/src/a.ts", "src/a.ts"],
    ["/var/jenkins_home/workspace/api_main/src/a.ts", "src/a.ts"],
    ["./src/a.ts", "src/a.ts"],
    ["src/../../etc/passwd", null],
    ["../a.ts", null],
    ["/etc/passwd", null],
    ["node_modules/zod/index.js", null],
    ["/usr/lib/python3/site-packages/x.py", null],
    [".git/hooks/pre-commit", null],
  ];
  for (const [raw, expected] of cases) {
    it(`makes ${raw} ${expected ?? "nothing"}`, () => {
      expect(repositoryPath(raw, "api")).toBe(expected);
    });
  }
});
