import { readFileSync } from "node:fs";
import { and, eq } from "drizzle-orm";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MemoryDiagnosis } from "../../src/diagnosis/memory-recall.ts";
import type { StoredFix } from "../../src/fixes/types.ts";
import { actions, type Incident, incidents, solutions } from "../../src/store/schema.ts";
import { until } from "../support/database.ts";
import { webhookFixture } from "../support/github.ts";
import {
  type FakeCheckSuite,
  FakeRepository,
  serveCheckSuites,
  serveFixPulls,
  serveGitReads,
} from "./fake-github.ts";
import { APP_ID, type Harness, planOf, sha, startHarness } from "./harness.ts";

/**
 * The learning loop, end to end, through the real app: a failure the rules cannot fix gets the
 * LLM's patch as a draft pull request; its CI passes on the fix branch; a person merges it (the
 * merge is the approval: the fix stayed a draft in the review tier, waiting for a person); the
 * outcome is recorded and the fix remembered with its patch. The same failure then comes back
 * twice: memory settles it and its own patch is proposed, merged again, and the third time
 * memory is surer — sure enough for the auto tier. (Approval here is the merge itself; the
 * Slack approval and the check run's buttons have tests of their own.)
 */

const LLM = "http://llm.test";
const FILE = "scripts/check-manifest.mjs";
const SOURCE = [
  'import { readFileSync } from "node:fs";',
  "",
  "const EXPECTED = 41;",
  "",
  "export function checkManifest(bundle) {",
  '  const manifest = JSON.parse(readFileSync("config/manifest.json", "utf8"));',
  "  if (manifest.entries.length !== EXPECTED || bundle.length !== EXPECTED) {",
  '    throw new Error("manifest drift: config/manifest.json and the bundle disagree");',
  "  }",
  "}",
  "",
].join("\n");
const LOG = [
  "2025-06-04T11:57:01.0000000Z ##[group]Run node scripts/check-manifest.mjs",
  "2025-06-04T11:57:02.0000000Z Error: manifest drift: config/manifest.json lists 41 entries, the bundle has 39",
  "2025-06-04T11:57:02.0000000Z     at checkManifest (file:///home/runner/work/app/app/scripts/check-manifest.mjs:9:11)",
  "2025-06-04T11:57:02.1000000Z ##[error]Process completed with exit code 1.",
].join("\n");

/** The model's answer, in the shape OpenAI returns (fixtures/llm/responses/README.md). */
function completion() {
  const body = JSON.parse(
    readFileSync(
      new URL("../../fixtures/llm/responses/openai-gpt-4o-mini.json", import.meta.url),
      "utf8",
    ),
  );
  body.choices[0].message.content = JSON.stringify({
    category: "runtime_error",
    rootCause:
      "The manifest check still expects 41 entries, but two were removed from the bundle on purpose.",
    logLine: "Error: manifest drift: config/manifest.json lists 41 entries, the bundle has 39",
    confidence: 0.9,
    fix: {
      kind: "patch",
      explanation: "Expect the 39 entries the bundle now has.",
      edits: [{ path: FILE, search: "const EXPECTED = 41;", replace: "const EXPECTED = 39;" }],
    },
  });
  return body;
}

const CI_PASSED: FakeCheckSuite = {
  id: 26834571200,
  status: "completed",
  conclusion: "success",
  latest_check_runs_count: 3,
  app: { id: 15368, name: "GitHub Actions" },
};

const OWNER = "loop-org";
const NAME = "app";
const pulls = new Map<number, { headSha: string; head: string; draft: boolean }>();
// Registered before the repository: it answers for the fix pull requests its routes do not know.
const fixPulls = serveFixPulls(`${OWNER}/${NAME}`, pulls);
const repo = new FakeRepository(OWNER, NAME, APP_ID);
const suites = new Map<string, FakeCheckSuite[]>();

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    OPENAI_BASE_URL: `${LLM}/v1`,
    OPENAI_API_KEY: "sk-test-key-never-logged",
    CODEHEALER_LLM_MODEL: "gpt-4o-mini",
    CODEHEALER_LLM_MAX_RETRIES: "0",
  });
  repo.files.set(FILE, SOURCE);
  serveGitReads(repo);
  serveCheckSuites(repo, suites);
});
afterAll(async () => {
  fixPulls.persist(false);
  await h?.stop();
});

/** The fix pull request CodeHealer opened for an incident, as its audit row says. */
async function openedFix(incident: Incident) {
  const [row] = await h.app.database.db
    .select()
    .from(actions)
    .where(and(eq(actions.incidentId, incident.id), eq(actions.kind, "fix_pr")));
  const detail = row?.detail as { pullRequest: number; head: string; commitSha: string };
  const opened = repo.opened.find((p) => p.number === detail.pullRequest);
  if (!opened) throw new Error(`no pull request was opened for incident ${incident.id}`);
  return { ...detail, body: opened.body, draft: opened.draft };
}

const incident = async (id: string) => {
  const [row] = await h.app.database.db.select().from(incidents).where(eq(incidents.id, id));
  return row;
};
const outcomeReached = (id: string, outcome: string) =>
  until(
    async () => ((await incident(id))?.outcome === outcome ? true : undefined),
    30_000,
    `incident ${id} to reach ${outcome}`,
  );

/** The fix's CI passes on its branch: workflow_run.completed, success, on CodeHealer's commit. */
async function ciPasses(fix: Awaited<ReturnType<typeof openedFix>>, runId: number) {
  pulls.set(fix.pullRequest, { headSha: fix.commitSha, head: fix.head, draft: true });
  suites.set(fix.commitSha, [CI_PASSED]);
  const payload = h.runPayload(repo, { runId, sha: fix.commitSha, branch: fix.head, jobs: [] });
  (payload.workflow_run as Record<string, unknown>).conclusion = "success";
  expect((await h.deliver("workflow_run", payload)).status).toBe(200);
}

/** A person merges the fix pull request. */
async function merged(fix: Awaited<ReturnType<typeof openedFix>>) {
  const payload = webhookFixture("pull_request.closed.fix-merged") as {
    pull_request: Record<string, unknown> & { head: Record<string, unknown> };
    repository: Record<string, unknown>;
  };
  Object.assign(payload.pull_request, { number: fix.pullRequest, body: fix.body, merged: true });
  Object.assign(payload.pull_request.head, {
    ref: fix.head,
    sha: fix.commitSha,
    repo: { ...(payload.pull_request.head.repo as object), full_name: repo.fullName },
  });
  Object.assign(payload.repository, {
    name: NAME,
    full_name: repo.fullName,
    owner: { ...(payload.repository.owner as object), login: OWNER },
  });
  pulls.set(fix.pullRequest, { headSha: fix.commitSha, head: fix.head, draft: true });
  expect((await h.deliver("pull_request", payload)).status).toBe(200);
}

const solutionOf = async (id: string) => {
  const [row] = await h.app.database.db.select().from(solutions).where(eq(solutions.id, id));
  return row;
};

describe("the learning loop, end to end", { timeout: 120_000 }, () => {
  let first: Incident;
  let remembered: string;
  let second: Incident;

  it("proposes the LLM's patch as a draft fix pull request in the review tier", async () => {
    const llm = nock(LLM).post("/v1/chat/completions").reply(200, completion());
    first = await h.fail(repo, { runId: 9401, jobs: [{ id: 151, name: "manifest", log: LOG }] });
    expect(llm.isDone()).toBe(true);
    expect(first).toMatchObject({ category: "runtime_error", tier: "review" });
    expect((first.fix as StoredFix).proposed.source).toBe("llm");
    expect((await openedFix(first)).draft).toBe(true);
  });

  it("validates the fix when its CI passes, and leaves it a draft for a person to approve", async () => {
    const fix = await openedFix(first);
    await ciPasses(fix, 9402);
    await outcomeReached(first.id, "fix_validated");
    const said = await until(
      async () => repo.writesTo("POST", new RegExp(`/issues/${fix.pullRequest}/comments$`))[0],
      30_000,
      "the comment on the fix pull request",
    );
    expect(String(said.body.body)).toContain("only a fix in the auto tier is marked ready");
  });

  it("records the merge as the outcome and remembers the fix with its patch", async () => {
    await merged(await openedFix(first));
    await outcomeReached(first.id, "fix_merged");
    expect((await incident(first.id))?.status).toBe("resolved");
    const [stored] = await h.app.database.db
      .select()
      .from(solutions)
      .where(eq(solutions.sourceRef, first.id));
    expect(stored).toMatchObject({
      source: "incident",
      repository: repo.fullName,
      successes: 1,
      failures: 0,
      patch: expect.stringContaining("-const EXPECTED = 41;\n+const EXPECTED = 39;\n"),
    });
    remembered = stored!.id;
  });

  it("settles the same failure from memory next time, and proposes memory's own patch", async () => {
    second = await h.fail(repo, {
      runId: 9411,
      sha: sha(9411),
      jobs: [{ id: 152, name: "manifest", log: LOG }],
    });
    const diagnosis = second.diagnosis as MemoryDiagnosis;
    expect(diagnosis.source).toBe("rules+memory");
    expect(diagnosis.remembered?.solutionId).toBe(remembered);
    expect((second.fix as StoredFix).proposed.source).toBe("memory");
    expect(second.tier).toBe("review");
    const [blob] = repo.writesTo("POST", /\/git\/blobs$/).slice(-1);
    expect(blob?.body.content).toBe(SOURCE.replace("= 41;", "= 39;"));
  });

  it("counts one more success for the solution when that fix is merged too", async () => {
    const fix = await openedFix(second);
    await ciPasses(fix, 9412);
    await outcomeReached(second.id, "fix_validated");
    await merged(fix);
    await outcomeReached(second.id, "fix_merged");
    expect(await solutionOf(remembered)).toMatchObject({ successes: 2, failures: 0 });
  });

  it("settles the third occurrence at a higher confidence: now the auto tier's", async () => {
    const third = await h.fail(repo, {
      runId: 9421,
      sha: sha(9421),
      jobs: [{ id: 153, name: "manifest", log: LOG }],
    });
    const before = (second.diagnosis as MemoryDiagnosis).remembered!.probability;
    const after = (third.diagnosis as MemoryDiagnosis).remembered!.probability;
    expect(after).toBeGreaterThan(before);
    expect(third.confidence).toBeGreaterThan(second.confidence ?? 1);
    // By confidence alone (the fix, not yet validated, still opens as a draft): once its CI
    // passes, a fix in the auto tier is marked ready without waiting for a person.
    expect([planOf(second).confidenceTier, planOf(third).confidenceTier]).toEqual([
      "review",
      "auto",
    ]);
    expect(planOf(third).reasons).toContain(
      `Confidence ${third.confidence?.toFixed(2)} reaches the auto threshold 0.85: CodeHealer may act on its own.`,
    );
  });

  it("asked GitHub nothing it did not expect", () => {
    expect(h.unmatched).toEqual([]);
  });
});
