import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offlineOctokit, readOnlyOctokit } from "../src/cli/replay-sources.ts";

const cli = new URL("../src/cli.ts", import.meta.url).pathname;
const fixture = (path: string) => new URL(`../fixtures/${path}`, import.meta.url).pathname;
const failedRun = fixture("webhooks/workflow_run.completed.json");
const registryRefused = fixture("logs/npm-network-refused.log");
const typeError = fixture("logs/typescript-type-error.log");

/** A cold start on a shared two-core machine: Node, the pipeline's modules, PGlite and migrations. */
const COLD_START = 90_000;

const json = (res: import("node:http").ServerResponse, body: unknown, status = 200) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

async function standIn(
  handler: Parameters<typeof createServer>[1],
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// A stand-in GitHub on loopback: replay is pointed at it, and must never call it without a token.
const requests: string[] = [];
let github: Server;
let githubUrl: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "codehealer-replay-test-"));
  github = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => github.listen(0, "127.0.0.1", resolve));
  githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => github?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/**
 * A user with no GitHub access: no token, GitHub's API on the loopback stand-in, and a
 * DATABASE_URL nothing listens on — replay must use neither.
 */
function userEnv(): NodeJS.ProcessEnv {
  const { GITHUB_TOKEN, GHE_HOST, LOG_LEVEL, ...rest } = process.env;
  return {
    ...rest,
    GITHUB_API_URL: githubUrl,
    DATABASE_URL: "postgres://replay-must-not-connect@127.0.0.1:1/production",
  };
}

type Result = { status: number | null; stdout: string; stderr: string };

/** Runs `codehealer replay …` as a child process (asynchronously: the stand-in must answer meanwhile). */
function replay(...args: string[]): Promise<Result> {
  return replayWith(userEnv(), args);
}

function replayWith(env: NodeJS.ProcessEnv, args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "replay", ...args], { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}

async function replayJson(...args: string[]) {
  const result = await replay(...args, "--json");
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout);
}

async function tempFile(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function failedRunAt(attempt: number): Promise<string> {
  const payload = JSON.parse(await readFile(failedRun, "utf8"));
  payload.workflow_run.run_attempt = attempt;
  return tempFile(`attempt-${attempt}.json`, JSON.stringify(payload));
}

describe("codehealer replay", () => {
  describe("workflow_run.completed", () => {
    describe("when the log shows the registry refusing connections", () => {
      it(
        "plans a rerun in the auto tier and, in a dry run, lists the calls it would make",
        async () => {
          const result = await replay(failedRun, "--log", registryRefused, "--dry-run");
          expect(result.stderr).toBe("");
          expect(result.status).toBe(0);
          expect(result.stdout).toContain(
            "Diagnosis: network_transient (transient), confidence 0.88",
          );
          expect(result.stdout).toMatch(/^Tier: auto /m);
          expect(result.stdout).toMatch(/^ {2}1\. rerun: /m);
          expect(result.stdout).toContain(
            "[dry-run] Would rerun the failed jobs of run 289782451 (attempt 1) in octo-org/octo-repo",
          );
          expect(result.stdout).toMatch(/\[dry-run\] Would create the CodeHealer check run/);
          expect(result.stdout).toContain("Configuration: the defaults");
          expect(result.stdout).toContain("memory: not consulted");
          expect(result.stdout).toContain("Nothing was performed: replay never writes to GitHub.");
        },
        COLD_START,
      );

      it(
        "prints the plan as JSON: tier, confidence, steps and refused first, then the rest",
        async () => {
          const plan = await replayJson(failedRun, "--log", registryRefused);
          expect(Object.keys(plan).slice(0, 4)).toEqual(["tier", "confidence", "steps", "refused"]);
          expect(plan).toMatchObject({
            tier: "auto",
            confidence: 0.88,
            refused: [],
            diagnosis: {
              category: "network_transient",
              transient: true,
              confidence: 0.88,
              ruleId: "network/package-fetch",
              errorLine: expect.stringContaining("ECONNREFUSED"),
              summary: expect.any(String),
            },
            // Without --dry-run the calls are not listed.
            dryRun: [],
            config: { source: "defaults", file: null, problems: [] },
          });
          expect(plan.steps[0]).toEqual({ kind: "rerun", failedJobsOnly: true });
          expect(plan.reasons.length).toBeGreaterThan(0);
        },
        COLD_START,
      );
    });

    describe("when the log shows a type error", () => {
      it(
        "reports, refusing the rerun as a deterministic failure",
        async () => {
          const plan = await replayJson(failedRun, "--log", typeError, "--dry-run");
          expect(plan.tier).toBe("report");
          expect(plan.diagnosis.category).toBe("type_error");
          expect(plan.steps.map((step: { kind: string }) => step.kind)).toContain("issue");
          expect(plan.steps.map((step: { kind: string }) => step.kind)).not.toContain("rerun");
          expect(plan.refused).toEqual([
            expect.objectContaining({ step: "rerun", rule: "deterministic_failure" }),
          ]);
          expect(plan.dryRun).toContainEqual(
            expect.stringMatching(/^\[dry-run\] Would open the issue for fingerprint /),
          );
        },
        COLD_START,
      );
    });

    describe("when the run is at its third attempt", () => {
      it(
        "refuses the rerun: two reruns spent the budget — and, without --dry-run, lists no calls",
        async () => {
          const result = await replay(await failedRunAt(3), "--log", registryRefused);
          expect(result.status).toBe(0);
          expect(result.stdout).toMatch(/^ {2}- rerun \(rerun_budget\): .*attempt 3/m);
          expect(result.stdout).toMatch(/^Tier: report /m);
          expect(result.stdout).toContain("the run is at attempt 3, so 2 reruns");
          expect(result.stdout).not.toContain("[dry-run]");
          expect(result.stdout).toContain("Add --dry-run to see the calls");
        },
        COLD_START,
      );
    });

    describe("with --config", () => {
      it(
        "obeys the kill switch: no step at all",
        async () => {
          const off = await tempFile("off.yml", "enabled: false\n");
          const plan = await replayJson(failedRun, "--log", registryRefused, "--config", off);
          expect(plan.steps).toEqual([]);
          expect(plan.refused).toEqual([
            expect.objectContaining({ step: "all", rule: "kill_switch" }),
          ]);
          expect(plan.config).toEqual({ source: "file", file: off, problems: [] });
        },
        COLD_START,
      );

      it(
        "falls back to reports only on an invalid file, and prints each problem at its line",
        async () => {
          const wrong = fixture("config/wrong-types.yml");
          const result = await replay(failedRun, "--log", registryRefused, "--config", wrong);
          expect(result.status).toBe(0);
          expect(result.stdout).toContain(`Configuration: ${wrong} — invalid`);
          expect(result.stdout).toContain(
            'line 2: enabled must be `true` or `false`, not the text "yes"',
          );
          expect(result.stdout).toContain(
            'line 3: rerun_budget must be a number, not the text "two"',
          );
          expect(result.stdout).toMatch(/^ {2}- rerun \(invalid_config\): /m);
          expect(result.stdout).toMatch(/^Tier: report /m);
        },
        COLD_START,
      );
    });
  });

  describe("check_suite.completed from other CI", () => {
    it(
      "reads a delivery as GitHub's Recent deliveries shows it: headers, and the body as text",
      async () => {
        const payload = await readFile(fixture("webhooks/check_suite.completed.json"), "utf8");
        const delivery = await tempFile(
          "delivery.json",
          JSON.stringify({
            headers: { "X-GitHub-Event": "check_suite", "X-GitHub-Delivery": "72d3162e-cc78" },
            body: payload,
          }),
        );
        const plan = await replayJson(delivery, "--log", typeError, "--dry-run");
        expect(plan.event).toBe("check_suite.completed");
        expect(plan.diagnosis.category).toBe("type_error");
        expect(plan.tier).toBe("report");
        // Other CI cannot be rerun by CodeHealer.
        expect(plan.steps.map((step: { kind: string }) => step.kind)).not.toContain("rerun");
      },
      COLD_START,
    );
  });

  describe("bad input", () => {
    const cases: [string, () => Promise<string[]>, RegExp][] = [
      [
        "a file that is not JSON",
        async () => [registryRefused, "--log", registryRefused],
        /is not JSON/,
      ],
      [
        "a file that does not exist",
        async () => [join(dir, "missing.json"), "--log", registryRefused],
        /cannot read .*missing\.json: no such file/,
      ],
      [
        "a run that succeeded",
        async () => [
          fixture("webhooks/workflow_run.completed.success.json"),
          "--log",
          registryRefused,
        ],
        /nothing to do: the run did not fail \(conclusion: success\)/,
      ],
      [
        "an event CodeHealer does not heal",
        async () => [fixture("webhooks/push.json"), "--log", registryRefused],
        /is not a workflow_run, check_run or check_suite payload/,
      ],
      [
        "an event named by --event that replay does not run",
        async () => [failedRun, "--event", "push", "--log", registryRefused],
        /replay runs workflow_run, check_run and check_suite events, not push/,
      ],
      [
        "a check run action other than completed",
        async () => [fixture("webhooks/check_run.requested_action.json"), "--log", registryRefused],
        /check_run\.requested_action, which CodeHealer does not heal/,
      ],
      [
        "a payload missing the run's fields",
        async () => [
          await tempFile(
            "partial.json",
            JSON.stringify({ workflow_run: { conclusion: "failure" } }),
          ),
          "--log",
          registryRefused,
        ],
        /the pipeline ignored this event: payload lacks what a workflow run needs: workflow_run\.id/,
      ],
      [
        "a file larger than a webhook can be",
        async () => {
          const huge = await tempFile("huge.json", "");
          await truncate(huge, 26 * 1024 * 1024);
          return [huge, "--log", registryRefused];
        },
        /is 26\.0 MB; a webhook delivery is at most 25 MB/,
      ],
      [
        "a --log file that does not exist",
        async () => [failedRun, "--log", join(dir, "missing.log")],
        /cannot read --log .*missing\.log: no such file/,
      ],
      ["no webhook file", async () => ["--log", registryRefused], /replay needs one webhook file/],
    ];
    it.each(cases)(
      "refuses %s with one line and exit code 2",
      async (_name, args, message) => {
        const result = await replay(...(await args()));
        expect(result.stderr).toMatch(message);
        expect(result.stderr.trim().split("\n")).toHaveLength(1);
        expect(result.stderr).toMatch(/^codehealer: replay: /);
        expect(result.stdout).toBe("");
        expect(result.status).toBe(2);
      },
      COLD_START,
    );
  });

  describe("without --log", () => {
    it(
      "says there is no token to download the log, and sends no request",
      async () => {
        const before = requests.length;
        const result = await replay(failedRun);
        expect(result.stderr).toBe(
          "codehealer: replay: no --log given and no GITHUB_TOKEN to download it: pass the failed job's log with --log <file>\n",
        );
        expect(result.status).toBe(2);
        expect(requests.slice(before)).toEqual([]);
      },
      COLD_START,
    );
  });

  describe("with GITHUB_TOKEN and no --log", () => {
    it(
      "downloads the failed job's log and reads the configuration, and only ever reads",
      async () => {
        const log = await readFile(registryRefused);
        const seen: string[] = [];
        const base = "/repos/octo-org/octo-repo";
        const answers: Record<string, (res: import("node:http").ServerResponse) => void> = {
          [`GET ${base}/actions/runs/289782451/attempts/1/jobs?per_page=100`]: (res) =>
            json(res, {
              total_count: 1,
              jobs: [
                {
                  id: 7,
                  name: "build",
                  conclusion: "failure",
                  html_url: null,
                  steps: [{ number: 3, name: "npm install", conclusion: "failure" }],
                },
              ],
            }),
          [`GET ${base}/check-runs/7/annotations?per_page=100`]: (res) => json(res, []),
          [`GET ${base}/actions/jobs/7/logs`]: (res) =>
            res.writeHead(302, { location: `${stand.url}/blobs/job-7.log` }).end(),
          "GET /blobs/job-7.log": (res) =>
            res.writeHead(200, { "content-length": log.length }).end(log),
        };
        const stand = await standIn((req, res) => {
          const key = `${req.method} ${req.url}`;
          seen.push(key);
          const answer = answers[key];
          if (answer) answer(res);
          else json(res, { message: "Not Found" }, 404);
        });
        try {
          const { GITHUB_TOKEN, ...env } = userEnv();
          const result = await replayWith(
            { ...env, GITHUB_TOKEN: "ghp_replaytest", GITHUB_API_URL: stand.url },
            [failedRun, "--json", "--dry-run"],
          );
          expect(result.stderr).toBe("");
          expect(result.status).toBe(0);
          const plan = JSON.parse(result.stdout);
          expect(plan).toMatchObject({ tier: "auto", config: { source: "github" } });
          expect(plan.diagnosis.category).toBe("network_transient");
          expect(plan.assumptions).toContain("logs: downloaded from GitHub");
          expect(seen).toContain(`GET ${base}/contents/.github%2Fcodehealer.yml`);
          expect(seen).toContain(`GET ${base}/actions/jobs/7/logs`);
          expect(seen).toContain("GET /blobs/job-7.log");
          expect(seen.filter((request) => request.startsWith("GET ")).length).toBe(seen.length);
        } finally {
          await stand.close();
        }
      },
      COLD_START,
    );
  });

  describe("its GitHub clients", () => {
    it("refuses every write before it is sent, with a token", async () => {
      const before = requests.length;
      const octokit = readOnlyOctokit("ghp_replaytest", githubUrl);
      await expect(
        octokit.request("POST /repos/{owner}/{repo}/issues", { owner: "o", repo: "r", title: "x" }),
      ).rejects.toThrow("replay never writes to GitHub: refused POST /repos/{owner}/{repo}/issues");
      await expect(octokit.graphql("mutation { x }")).rejects.toThrow(/refused POST \/graphql/);
      expect(requests.slice(before)).toEqual([]);
    });

    it("sends nothing at all without a token", async () => {
      await expect(
        offlineOctokit().request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" }),
      ).rejects.toThrow(/no GitHub access/);
    });
  });

  it(
    "explains itself, and its safety, in --help",
    async () => {
      const result = await replay("--help");
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("Usage: codehealer replay <webhook.json>");
      expect(result.stdout).toContain("never writes to GitHub");
      expect(result.stdout).toContain("DATABASE_URL is ignored");
    },
    COLD_START,
  );

  it("sent GitHub nothing in any of these replays", () => {
    expect(requests).toEqual([]);
  });
});
