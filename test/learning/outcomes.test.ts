import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import { eq } from "drizzle-orm";
import nock from "nock";
import pino from "pino";
import { Context } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { rerunKey } from "../../src/actions/rerun.ts";
import { type Diagnosis, diagnoseStream } from "../../src/diagnosis/diagnose.ts";
import { matchProbability } from "../../src/diagnosis/memory-probability.ts";
import { type MemoryDiagnosis, recall } from "../../src/diagnosis/memory-recall.ts";
import { type Embedding, embedFailure } from "../../src/diagnosis/memory-text.ts";
import { applyFilePatch } from "../../src/fixes/apply-patch.ts";
import type { StoredFix } from "../../src/fixes/types.ts";
import { parseUnifiedDiff } from "../../src/fixes/unified-diff.ts";
import type { PipelineDeps } from "../../src/handlers/types.ts";
import { onWorkflowRunCompleted } from "../../src/handlers/workflow-run-completed.ts";
import { feedbackLessonKey, learnFromFeedback } from "../../src/learning/feedback-outcome.ts";
import { recordFixEnding } from "../../src/learning/fix-outcome.ts";
import { rerunWords } from "../../src/learning/memory-lesson.ts";
import { recordRerunResult } from "../../src/learning/rerun-outcome.ts";
import { auditedAction } from "../../src/store/audit.ts";
import type { Db } from "../../src/store/database.ts";
import { getIncident } from "../../src/store/incidents.ts";
import {
  actions,
  deliveries,
  type Incident,
  incidents,
  solutions,
} from "../../src/store/schema.ts";
import {
  diagnosedIncident,
  expectNoPendingMocks,
  OWNER,
  REPO,
  REPOSITORY,
  storeIncident,
  testOctokit,
} from "../actions/support.ts";
import { serveFiles } from "../fixes/support.ts";
import { migratedDatabase } from "../support/database.ts";
import { webhookFixture } from "../support/github.ts";
import { closeTheNetwork } from "../support/nock-github.ts";

const log = pino({ level: "silent" });
const FILE = "src/routes/invoices.ts";
const BEFORE = [
  "export function total(amount: string): number {",
  "  return amount;",
  "}",
  "",
].join("\n");
const AFTER = BEFORE.replace("return amount;", "return Number(amount);");

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
afterEach(expectNoPendingMocks);

/** A fixture log diagnosed by the rules, and its vector. */
async function failure(name: string): Promise<{ rules: Diagnosis; embedding: Embedding }> {
  const rules = await diagnoseStream(
    createReadStream(new URL(`../../fixtures/logs/${name}.log`, import.meta.url)),
  );
  return { rules, embedding: await embedFailure(rules) };
}

let runId = 7_000;
/**
 * The failure seen again, as the incident stage stores it: the rules' diagnosis after memory,
 * its fingerprint and vector, acted on.
 */
async function incidentOf(
  seen: { rules: Diagnosis; embedding: Embedding },
  overrides: Partial<Incident> = {},
): Promise<{ incident: Incident; diagnosis: MemoryDiagnosis }> {
  const { rules, embedding } = seen;
  const diagnosis = await recall(db, rules, { repository: REPOSITORY, embedding });
  const incident = await storeIncident(
    db,
    diagnosedIncident({
      id: randomUUID(),
      runId: ++runId,
      status: "acted",
      category: diagnosis.category,
      transient: diagnosis.transient,
      confidence: diagnosis.confidence,
      fingerprint: rules.fingerprint,
      fingerprintVersion: rules.fingerprintVersion,
      errorLine: rules.errorLine,
      excerpt: rules.excerpt,
      embedding: embedding.vector,
      embeddingModel: embedding.model,
      diagnosis,
      ...overrides,
    }),
  );
  return { incident, diagnosis };
}

const fixFrom = (source: StoredFix["proposed"]["source"]): StoredFix => ({
  fix: {
    files: [{ path: FILE, content: AFTER }],
    title: "fix: convert the invoice amount to a number",
    message: "fix: convert the invoice amount to a number\n\n`amount` arrives as a string.",
    body: "`amount` arrives as a string.",
  },
  proposed: { kind: "patch", files: [FILE], validated: true, source },
});

// The same log again: similarity 1, an exact fingerprint.
const sameFailure = matchProbability(1, true);

const fixDeps = () => ({ db, octokit: testOctokit(), log });
const repository = { owner: OWNER, repo: REPO };
const solution = async (id: string) => {
  const [row] = await db.select().from(solutions).where(eq(solutions.id, id));
  return row;
};
const outcomeOf = async (id: string) => {
  const row = await getIncident(db, id);
  return { status: row?.status, outcome: row?.outcome };
};

describe("a fix pull request's ending", () => {
  let typeError: Awaited<ReturnType<typeof failure>>;
  let remembered: string;
  let firstProbability: number;
  beforeAll(async () => {
    typeError = await failure("typescript-type-error");
  });

  describe("when a fix memory did not have is merged", () => {
    it("resolves the incident and remembers the fix with its patch against the failing commit", async () => {
      const { incident, diagnosis } = await incidentOf(typeError, { fix: fixFrom("llm") });
      expect(diagnosis.source).toBe("rules");
      serveFiles({ [FILE]: { content: BEFORE } }, [FILE]);

      const ended = await recordFixEnding(fixDeps(), repository, incident, {
        merged: true,
        via: "#64",
      });

      expect(ended).toEqual({
        changed: true,
        learned: expect.stringMatching(/^remembered as solution \S+, with its patch$/),
      });
      expect(await outcomeOf(incident.id)).toEqual({ status: "resolved", outcome: "fix_merged" });
      const [stored] = await db
        .select()
        .from(solutions)
        .where(eq(solutions.sourceRef, incident.id));
      expect(stored).toMatchObject({
        source: "incident",
        repository: REPOSITORY,
        organization: OWNER,
        category: "type_error",
        fingerprint: typeError.rules.fingerprint,
        fix: "fix: convert the invoice amount to a number `amount` arrives as a string. (merged in #64)",
        successes: 1,
        failures: 0,
      });
      const patch = parseUnifiedDiff(stored?.patch ?? "");
      if (!patch.ok) throw new Error(patch.reason);
      expect(applyFilePatch(BEFORE, patch.value[0]!)).toMatchObject({
        ok: true,
        value: { content: AFTER },
      });
      remembered = stored!.id;
    });

    it("settles the next identical failure from memory, more surely than the rules alone", async () => {
      const next = await recall(db, typeError.rules, {
        repository: REPOSITORY,
        embedding: typeError.embedding,
      });
      expect(next.source).toBe("rules+memory");
      expect(next.remembered).toMatchObject({ solutionId: remembered, patch: expect.any(String) });
      expect(next.confidence).toBeGreaterThan(typeError.rules.confidence);
      // The same failure, certainly, times the posterior mean of one success: 2/3.
      firstProbability = next.remembered!.probability;
      expect(firstProbability).toBeCloseTo(sameFailure * (2 / 3), 5);
    });
  });

  describe("when memory's own patch is merged", () => {
    let incidentId: string;

    it("counts one more success for the solution, and the next failure is surer still", async () => {
      const { incident, diagnosis } = await incidentOf(typeError, { fix: fixFrom("memory") });
      expect(diagnosis.remembered?.solutionId).toBe(remembered);
      incidentId = incident.id;

      const ended = await recordFixEnding(fixDeps(), repository, incident, {
        merged: true,
        via: "#65",
      });

      expect(ended).toEqual({ changed: true, learned: `solution ${remembered} worked once more` });
      expect(await solution(remembered)).toMatchObject({ successes: 2, failures: 0 });
      const next = await recall(db, typeError.rules, {
        repository: REPOSITORY,
        embedding: typeError.embedding,
      });
      expect(next.remembered?.probability).toBeCloseTo(sameFailure * (3 / 4), 5);
      expect(next.remembered!.probability).toBeGreaterThan(firstProbability);
    });

    it("learns nothing twice when the ending is recorded again", async () => {
      const incident = (await getIncident(db, incidentId))!;
      const again = await recordFixEnding(fixDeps(), repository, incident, {
        merged: true,
        via: "#65",
      });
      expect(again).toEqual({ changed: false, learned: null });
      expect(await solution(remembered)).toMatchObject({ successes: 2, failures: 0 });
    });
  });

  describe("when memory's own patch is closed unmerged", () => {
    it("counts a failure for the solution", async () => {
      const { incident } = await incidentOf(typeError, { fix: fixFrom("memory") });
      const ended = await recordFixEnding(fixDeps(), repository, incident, {
        merged: false,
        via: "#66",
      });
      expect(ended).toEqual({ changed: true, learned: `solution ${remembered} failed once more` });
      expect(await outcomeOf(incident.id)).toEqual({ status: "acted", outcome: "fix_rejected" });
      expect(await solution(remembered)).toMatchObject({ successes: 2, failures: 1 });
    });
  });

  describe("when a new fix is closed unmerged", () => {
    it("records the rejection and teaches memory nothing", async () => {
      const { incident } = await incidentOf(await failure("rust-compile-error"), {
        fix: fixFrom("deterministic"),
      });
      const ended = await recordFixEnding(fixDeps(), repository, incident, {
        merged: false,
        via: "#67",
      });
      expect(ended).toEqual({
        changed: true,
        learned: "nothing learned: a new deterministic fix closed unmerged teaches nothing",
      });
      expect(await db.select().from(solutions).where(eq(solutions.sourceRef, incident.id))).toEqual(
        [],
      );
    });
  });

  describe("when GitHub cannot give the files the merged fix changed", () => {
    it("remembers the fix by its words alone", async () => {
      const { incident } = await incidentOf(await failure("python-import-error"), {
        fix: fixFrom("llm"),
      });
      nock("https://api.github.com")
        .get(`/repos/${REPOSITORY}/git/trees/${incident.headSha}`)
        .reply(502, { message: "Server Error" });
      const ended = await recordFixEnding(fixDeps(), repository, incident, {
        merged: true,
        via: "#68",
      });
      expect(ended.learned).toMatch(/^remembered as solution \S+$/);
      const [stored] = await db
        .select()
        .from(solutions)
        .where(eq(solutions.sourceRef, incident.id));
      expect(stored).toMatchObject({ patch: null, successes: 1 });
    });
  });
});

describe("a rerun's result", () => {
  let timeout: Awaited<ReturnType<typeof failure>>;
  beforeAll(async () => {
    timeout = await failure("npm-network-refused");
  });

  /** A transient failure CodeHealer reran: its incident and the `rerun` audit row. */
  async function reran(status: "done" | "dry-run" = "done") {
    const { incident, diagnosis } = await incidentOf(timeout);
    await db.insert(actions).values({
      incidentId: incident.id,
      repository: REPOSITORY,
      kind: "rerun",
      idempotencyKey: rerunKey(REPOSITORY, incident.runId, 1),
      status,
      detail: { runId: incident.runId, attempt: 1 },
    });
    return { incident, diagnosis };
  }
  const attempt2 = (incident: Incident, result: "passed" | "failed") =>
    recordRerunResult(db, { repository: REPOSITORY, runId: incident.runId, attempt: 2, result });

  let rerunSolution: string;

  it("passed: the incident is resolved and the rerun remembered as the transient failure's fix", async () => {
    const { incident, diagnosis } = await reran();
    expect(diagnosis).toMatchObject({ transient: true, source: "rules" });

    const result = await attempt2(incident, "passed");

    expect(result).toMatchObject({
      incidentId: incident.id,
      outcome: "rerun_passed",
      changed: true,
    });
    expect(await outcomeOf(incident.id)).toEqual({ status: "resolved", outcome: "rerun_passed" });
    const [stored] = await db.select().from(solutions).where(eq(solutions.sourceRef, incident.id));
    expect(stored).toMatchObject({
      category: "network_transient",
      fix: rerunWords(2),
      patch: null,
      successes: 1,
    });
    rerunSolution = stored!.id;
  });

  it("passed again: the remembered rerun that settled the next one worked once more, once", async () => {
    const { incident, diagnosis } = await reran();
    expect(diagnosis.remembered?.solutionId).toBe(rerunSolution);

    expect((await attempt2(incident, "passed"))?.learned).toBe(
      `solution ${rerunSolution} worked once more`,
    );
    expect(await attempt2(incident, "passed")).toMatchObject({ changed: false, learned: null });
    expect(await solution(rerunSolution)).toMatchObject({ successes: 2, failures: 0 });
  });

  it("failed: the outcome is rerun_failed and the remembered rerun failed once", async () => {
    const { incident } = await reran();
    expect(await attempt2(incident, "failed")).toMatchObject({
      outcome: "rerun_failed",
      changed: true,
    });
    expect(await outcomeOf(incident.id)).toEqual({ status: "acted", outcome: "rerun_failed" });
    expect(await solution(rerunSolution)).toMatchObject({ successes: 2, failures: 1 });
  });

  it("is nobody's business when CodeHealer did not rerun the attempt (a person did, or a dry run)", async () => {
    const { incident } = await reran("dry-run");
    expect(await attempt2(incident, "passed")).toBeNull();
    expect(await outcomeOf(incident.id)).toEqual({ status: "acted", outcome: null });
  });

  describe("workflow_run.completed", () => {
    const deps = (): PipelineDeps => ({
      db,
      queue: { enqueue: async () => {} },
      log,
      appId: 123,
    });
    async function completed(incident: Incident, conclusion: string, attempt: number) {
      const payload = webhookFixture("workflow_run.completed.success") as {
        workflow_run: Record<string, unknown>;
        repository: Record<string, unknown>;
      };
      Object.assign(payload.workflow_run, { id: incident.runId, run_attempt: attempt, conclusion });
      payload.repository.full_name = REPOSITORY;
      const event = { id: randomUUID(), name: "workflow_run", payload };
      // As the intake stores every delivery before a handler sees it.
      await db.insert(deliveries).values({ id: event.id, event: "workflow_run", payload });
      return onWorkflowRunCompleted(
        new Context<"workflow_run.completed">(
          event as unknown as EmitterWebhookEvent<"workflow_run.completed">,
          testOctokit(),
          log,
        ),
        deps(),
      );
    }

    it("routes a success on the attempt after CodeHealer's rerun to the rerun's outcome", async () => {
      const { incident } = await reran();
      expect(await completed(incident, "success", 2)).toMatchObject({
        status: "processed",
        reason: expect.stringContaining(`rerun of incident ${incident.id}: rerun_passed`),
      });
      expect((await getIncident(db, incident.id))?.outcome).toBe("rerun_passed");
    });

    it("records a failure on that attempt as rerun_failed, and still opens its own incident", async () => {
      const { incident } = await reran();
      expect(await completed(incident, "failure", 2)).toMatchObject({ status: "processed" });
      expect((await getIncident(db, incident.id))?.outcome).toBe("rerun_failed");
      const opened = await db.select().from(incidents).where(eq(incidents.runId, incident.runId));
      expect(opened.map((row) => row.runAttempt).sort()).toEqual([1, 2]);
    });

    it("still ignores a success that no rerun of CodeHealer's preceded", async () => {
      const { incident } = await incidentOf(timeout);
      expect(await completed(incident, "success", 1)).toEqual({
        status: "ignored",
        reason: "conclusion success is not a failure",
      });
      expect(await completed(incident, "success", 2)).toMatchObject({ status: "ignored" });
    });
  });
});

describe("feedback", () => {
  it('counts a "bad" on an incident memory settled as a failure of its solution, once', async () => {
    const typeError = await failure("typescript-type-error");
    const { incident, diagnosis } = await incidentOf(typeError);
    const id = diagnosis.remembered?.solutionId ?? "";
    const before = await solution(id);

    expect(await learnFromFeedback(db, incident, "bad")).toBe(`solution ${id} failed once more`);
    expect(await learnFromFeedback(db, incident, "bad")).toBe(
      "nothing learned: memory learned from this incident's feedback before",
    );

    expect(await solution(id)).toMatchObject({ failures: (before?.failures ?? 0) + 1 });
    expect(await auditedAction(db, feedbackLessonKey(incident.id))).toMatchObject({
      kind: "feedback",
      status: "done",
    });
  });

  it('learns nothing from a "good", or from a "bad" on what memory did not settle', async () => {
    const { incident } = await incidentOf(await failure("disk-full"));
    expect(await learnFromFeedback(db, incident, "good")).toMatch(/^nothing learned/);
    expect(await learnFromFeedback(db, incident, "bad")).toMatch(/^nothing learned/);
  });
});
