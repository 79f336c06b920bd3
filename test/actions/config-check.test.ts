import { readFileSync } from "node:fs";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CONFIG_CHECK_NAME,
  configCheckKey,
  formatConfigProblems,
  reportConfigCheck,
} from "../../src/actions/config-check.ts";
import {
  buildConfigCheck,
  type ConfigCheckInput,
  changesFromDefaults,
} from "../../src/actions/config-check-output.ts";
import { ActionError } from "../../src/actions/github-error.ts";
import { DEFAULT_CONFIG, parseConfig } from "../../src/policy/config.ts";
import { checkConfigText } from "../../src/policy/config-file.ts";
import { auditedAction } from "../../src/store/audit.ts";
import type { Db } from "../../src/store/database.ts";
import { actions } from "../../src/store/schema.ts";
import { migratedDatabase } from "../support/database.ts";
import { closeTheNetwork } from "../support/nock-github.ts";
import {
  API,
  bodies,
  expectNoPendingMocks,
  githubFixture,
  HEAD_SHA,
  NOW,
  OWNER,
  REPO,
  REPO_API,
  REPOSITORY,
  testDeps,
} from "./support.ts";

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, "../../fixtures/config", name), "utf8");

const CHECK_RUN_ID = 28193829931;
const checkRun = () =>
  githubFixture("check-run", {
    id: CHECK_RUN_ID,
    name: CONFIG_CHECK_NAME,
    external_id: "codehealer-config",
  });
const target = { owner: OWNER, repo: REPO, incidentId: null };
const input = (text: string, overrides: Partial<ConfigCheckInput> = {}): ConfigCheckInput => ({
  headSha: HEAD_SHA,
  branch: "main",
  defaultBranch: "main",
  orgWide: false,
  file: checkConfigText(text),
  ...overrides,
});

describe("formatConfigProblems", () => {
  it("lists each problem as `path`: message", () => {
    const { problems } = parseConfig({ reruns_budget: 5, thresholds: { auto: 2 } });
    expect(formatConfigProblems(problems)).toBe(
      [
        "- `thresholds.auto`: must be at most 1, not 2",
        "- `reruns_budget`: is not a setting; did you mean `rerun_budget`?",
      ].join("\n"),
    );
  });

  it("keeps the file's own text from becoming markup or mentions", () => {
    const text = formatConfigProblems([
      { path: "a`b<img src=x>", message: 'must be text, not "@octocat <script>|x|\nnext"' },
    ]);
    expect(text).toBe(
      '- ``a`b<img src=x>``: must be text, not "@\u200boctocat &lt;script&gt;\\|x\\| next"',
    );
  });
});

describe("changesFromDefaults", () => {
  it("says nothing of a file that changes nothing", () => {
    expect(changesFromDefaults(DEFAULT_CONFIG)).toEqual([]);
  });

  it("names the switches, thresholds and actions, then the other settings", () => {
    const { config } = parseConfig({
      enabled: false,
      dry_run: true,
      thresholds: { auto: 0.9 },
      actions: { fix_pr: false, comment: false },
      rerun_budget: 1,
      quiet_hours: [{ timezone: "UTC", start: "22:00", end: "06:00" }],
    });
    expect(changesFromDefaults(config)).toEqual([
      "- **`enabled: false`**: CodeHealer does nothing here, reports included.",
      "- **`dry_run: true`**: every action is planned and logged, none performed.",
      "- `thresholds.auto`: 0.9 (default 0.85)",
      "- actions turned off: `fix_pr`, `comment`",
      "- also set: `rerun_budget`, `quiet_hours`",
    ]);
  });
});

describe("buildConfigCheck", () => {
  it("fails with a title counting the problems and an annotation at each line", () => {
    const body = buildConfigCheck(input(fixture("nested-problems.yml")), OWNER, NOW);
    expect(body).toMatchObject({
      conclusion: "failure",
      output: { title: "3 problems in .github/codehealer.yml" },
    });
    expect(body.output.annotations.map((a) => [a.path, a.start_line, a.title])).toEqual([
      [".github/codehealer.yml", 7, "environments[0].thresholds.auto"],
      [".github/codehealer.yml", 13, "actions.fix_prs"],
      [".github/codehealer.yml", 9, "quiet_hours[0].end"],
    ]);
    expect(body.output.summary).toContain(
      "Until it is fixed CodeHealer runs on safe defaults in this repository: reports only, no reruns or fix pull requests.",
    );
  });

  it("says one problem in the singular", () => {
    const body = buildConfigCheck(input(fixture("typo.yml")), OWNER, NOW);
    expect(body.output.title).toBe("1 problem in .github/codehealer.yml");
  });

  it("on another branch, says the file applies once merged into the default branch", () => {
    const body = buildConfigCheck(
      input(fixture("typo.yml"), { branch: "tune-codehealer" }),
      OWNER,
      NOW,
    );
    expect(body.output.summary).toMatchSnapshot();
  });

  it("for the owner's .github repository, speaks of every repository without a file", () => {
    const body = buildConfigCheck(input(fixture("typo.yml"), { orgWide: true }), OWNER, NOW);
    expect(body.output.summary).toContain(
      "in every repository of `acme` without a `.github/codehealer.yml` of its own",
    );
  });

  it("says a broken file's kill switch still holds", () => {
    const body = buildConfigCheck(input(fixture("stopped-but-broken.yml")), OWNER, NOW);
    expect(body.output.summary).toContain("Its `enabled: false` holds even so");
  });

  it("passes a valid file, saying what it changes", () => {
    const body = buildConfigCheck(input(fixture("example.yml")), OWNER, NOW);
    expect(body).toMatchObject({
      conclusion: "success",
      output: { title: ".github/codehealer.yml is valid", annotations: [] },
    });
    expect(body.output.summary).toMatchSnapshot();
  });

  it("passes a removed file: the defaults apply", () => {
    const body = buildConfigCheck({ ...input(""), file: { state: "removed" } }, OWNER, NOW);
    expect(body).toMatchObject({
      conclusion: "success",
      output: { title: ".github/codehealer.yml removed: defaults apply" },
    });
  });
});

describe("reportConfigCheck", () => {
  let db: Db;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    closeTheNetwork();
    const opened = await migratedDatabase();
    db = opened.database.db;
    dispose = opened.dispose;
  });
  afterAll(async () => {
    await dispose?.();
    nock.enableNetConnect();
  });
  beforeEach(() => db.delete(actions));
  afterEach(expectNoPendingMocks);

  const key = configCheckKey(REPOSITORY, HEAD_SHA);

  it("creates a failing check run on the commit, with the problems at their lines", async () => {
    const sent = bodies();
    nock(API).post(`${REPO_API}/check-runs`, sent.take).reply(201, checkRun());
    const outcome = await reportConfigCheck(
      testDeps(db),
      target,
      input(fixture("wrong-types.yml")),
      { dryRun: false },
    );
    expect(outcome).toMatchObject({
      status: "done",
      targetUrl: `https://github.com/${REPOSITORY}/runs/${CHECK_RUN_ID}`,
    });
    expect(sent.seen).toHaveLength(1);
    expect(sent.seen[0]).toMatchSnapshot();
    expect(await auditedAction(db, key)).toMatchObject({
      kind: "check_run",
      status: "done",
      incidentId: null,
      detail: { checkRunId: CHECK_RUN_ID, headSha: HEAD_SHA, conclusion: "failure", problems: 5 },
    });
  });

  it("creates a passing check run for a valid file", async () => {
    const sent = bodies();
    nock(API).post(`${REPO_API}/check-runs`, sent.take).reply(201, checkRun());
    await reportConfigCheck(testDeps(db), target, input(fixture("full.yml")), { dryRun: false });
    expect(sent.seen[0]).toMatchSnapshot();
  });

  it("writes once per commit, however often it is asked", async () => {
    nock(API).post(`${REPO_API}/check-runs`).once().reply(201, checkRun());
    const file = input(fixture("typo.yml"));
    await reportConfigCheck(testDeps(db), target, file, { dryRun: false });
    const again = await reportConfigCheck(testDeps(db), target, file, { dryRun: false });
    expect(again).toMatchObject({ status: "done", replayed: true });
  });

  it("records a 403 as a failure naming the checks permission, without throwing", async () => {
    nock(API).post(`${REPO_API}/check-runs`).reply(403, githubFixture("error.forbidden"));
    const outcome = await reportConfigCheck(testDeps(db), target, input(fixture("typo.yml")), {
      dryRun: false,
    });
    expect(outcome.status === "failed" && outcome.error).toContain('"checks: write"');
    expect(await auditedAction(db, key)).toMatchObject({
      status: "failed",
      error: expect.stringContaining("GitHub answered 403 to POST /repos/acme/api/check-runs"),
    });
  });

  it("records a 422 as a failure that will not be retried", async () => {
    nock(API)
      .post(`${REPO_API}/check-runs`)
      .reply(422, {
        message: "Validation Failed",
        errors: [{ field: "head_sha", code: "invalid" }],
      });
    const outcome = await reportConfigCheck(testDeps(db), target, input(fixture("typo.yml")), {
      dryRun: false,
    });
    expect(outcome.status === "failed" && outcome.cause).toMatchObject({
      status: 422,
      retryable: false,
    });
  });

  it("after an interrupted attempt, updates the check run it left instead of adding one", async () => {
    const file = input(fixture("typo.yml"));
    nock(API).post(`${REPO_API}/check-runs`).reply(502, githubFixture("error.server"));
    const failed = await reportConfigCheck(testDeps(db), target, file, { dryRun: false });
    expect(failed.status === "failed" && failed.cause).toBeInstanceOf(ActionError);
    expect(failed.status === "failed" && (failed.cause as ActionError).retryable).toBe(true);

    // GitHub had created it before failing to answer.
    const listed = githubFixture<{ check_runs: Record<string, unknown>[] }>("check-runs.for-ref");
    listed.check_runs[0]!.name = CONFIG_CHECK_NAME;
    listed.check_runs[0]!.external_id = "codehealer-config";
    const sent = bodies();
    nock(API)
      .get(`${REPO_API}/commits/${HEAD_SHA}/check-runs`)
      .query({ check_name: CONFIG_CHECK_NAME, filter: "all", per_page: 100 })
      .reply(200, listed)
      .patch(`${REPO_API}/check-runs/${CHECK_RUN_ID}`, sent.take)
      .reply(200, checkRun());
    const outcome = await reportConfigCheck(testDeps(db), target, file, { dryRun: false });
    expect(outcome).toMatchObject({ status: "done", detail: { updated: true } });
    expect(sent.seen[0]).not.toHaveProperty("head_sha");
    // Annotations sent again would be appended a second time.
    expect(sent.seen[0]?.output).not.toHaveProperty("annotations");
  });

  it("in a dry run calls nothing and records what it would have sent", async () => {
    const outcome = await reportConfigCheck(testDeps(db), target, input(fixture("typo.yml")), {
      dryRun: true,
    });
    expect(outcome).toMatchObject({
      status: "dry-run",
      message: `[dry-run] Would create the CodeHealer configuration check run (failure) on 9fceb02 in ${REPOSITORY}`,
      detail: { request: { conclusion: "failure" } },
    });
  });
});
