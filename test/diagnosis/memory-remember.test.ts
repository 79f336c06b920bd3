import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { diagnoseText } from "../../src/diagnosis/diagnose.ts";
import { findSolutions } from "../../src/diagnosis/memory.ts";
import { rememberDiagnosis, rememberIncident } from "../../src/diagnosis/memory-remember.ts";
import { embedFailure } from "../../src/diagnosis/memory-text.ts";
import type { Db } from "../../src/store/database.ts";
import { getIncident, openIncident, updateIncident } from "../../src/store/incidents.ts";
import { solutions } from "../../src/store/schema.ts";
import { driver, migratedDatabase } from "../support/database.ts";

const log = readFileSync(
  new URL("../../fixtures/logs/python-import-error.log", import.meta.url),
  "utf8",
);

let env: Awaited<ReturnType<typeof migratedDatabase>>;
let db: Db;
beforeAll(async () => {
  env = await migratedDatabase();
  db = env.database.db;
});
afterAll(async () => {
  await env?.dispose();
});
beforeEach(async () => {
  await db.delete(solutions);
});

const stored = () => db.select().from(solutions);

describe(`remembering on ${driver}`, () => {
  describe("what a person says fixed a failure", () => {
    it("is stored under manual:<fingerprint>, with one success and its secrets redacted", async () => {
      const diagnosis = diagnoseText(log);
      const solution = await rememberDiagnosis(db, diagnosis, {
        fix: "Add pandas to requirements.txt (installed with token=ghp_abcdefghijklmnopqrstuvwxyz0123456789)",
        patch: "--- a/requirements.txt\n+++ b/requirements.txt\n+pandas==2.2.3\n",
        repository: "acme/ml",
      });
      expect(solution).toMatchObject({
        source: "manual",
        sourceRef: `manual:${diagnosis.fingerprint}`,
        fingerprint: diagnosis.fingerprint,
        category: "dependency_missing",
        repository: "acme/ml",
        organization: "acme",
        errorLine: diagnosis.errorLine,
        successes: 1,
        failures: 0,
      });
      expect(solution.fix).not.toContain("ghp_");
      expect(solution.patch).toContain("+pandas==2.2.3");
    });

    it("updates the one solution when told again about the same failure", async () => {
      await rememberDiagnosis(db, diagnoseText(log), { fix: "Add pandas" });
      await rememberDiagnosis(db, diagnoseText(log), { fix: "Add pandas to requirements.txt" });
      const all = await stored();
      expect(all).toHaveLength(1);
      expect(all[0]?.fix).toBe("Add pandas to requirements.txt");
    });
  });

  describe("a failure that cannot be remembered", () => {
    it.each([
      ["an empty log", ""],
      ["a log of blank lines", "\n\n  \n"],
    ])("is refused for %s, and nothing is stored", async (_, text) => {
      await expect(rememberDiagnosis(db, diagnoseText(text), { fix: "Something" })).rejects.toThrow(
        /not remembered: the log shows no failure/,
      );
      expect(await stored()).toHaveLength(0);
    });

    it("is refused without a fix, and nothing is stored", async () => {
      await expect(rememberDiagnosis(db, diagnoseText(log), { fix: "   " })).rejects.toThrow(
        /not remembered: the fix is empty/,
      );
      expect(await stored()).toHaveLength(0);
    });

    it("is refused with a vector of the wrong length, and nothing is stored", async () => {
      const embedding = { vector: [0.5, 0.5], model: "local-hash-v1" };
      await expect(
        rememberDiagnosis(db, diagnoseText(log), { fix: "Add pandas", embedding }),
      ).rejects.toThrow(/384 dimensions, not 2/);
      expect(await stored()).toHaveLength(0);
    });
  });

  it("keeps a solution from another embedding model apart: it is never found by local vectors", async () => {
    const diagnosis = diagnoseText(log);
    const local = await embedFailure(diagnosis);
    await rememberDiagnosis(db, diagnosis, {
      fix: "Add pandas",
      embedding: { vector: local.vector, model: "openai/text-embedding-3-small" },
    });
    const found = await findSolutions(db, {
      embedding: local.vector,
      embeddingModel: local.model,
      fingerprint: diagnosis.fingerprint,
      fingerprintVersion: diagnosis.fingerprintVersion,
      threshold: 0,
    });
    expect(found).toEqual([]);
  });

  describe("how an incident was resolved", () => {
    it("is stored with the incident's own fingerprint and vector, and its outcome as the record", async () => {
      const diagnosis = diagnoseText(log);
      const embedding = await embedFailure(diagnosis);
      const { incident } = await openIncident(db, {
        repository: "acme/ml",
        provider: "actions",
        sourceEvent: "workflow_run",
        headSha: "c".repeat(40),
        runId: 9,
        conclusion: "failure",
      });
      await updateIncident(db, incident.id, {
        category: diagnosis.category,
        fingerprint: diagnosis.fingerprint,
        fingerprintVersion: diagnosis.fingerprintVersion,
        errorLine: diagnosis.errorLine,
        excerpt: diagnosis.excerpt,
        embedding: embedding.vector,
        embeddingModel: embedding.model,
      });
      const diagnosed = await getIncident(db, incident.id);
      const solution = await rememberIncident(db, diagnosed!, {
        fix: "Added pandas",
        succeeded: false,
      });
      expect(solution).toMatchObject({
        source: "incident",
        sourceRef: incident.id,
        fingerprint: diagnosis.fingerprint,
        successes: 0,
        failures: 1,
      });
    });

    it("is refused for an incident not diagnosed yet", async () => {
      const { incident } = await openIncident(db, {
        repository: "acme/ml",
        provider: "actions",
        sourceEvent: "workflow_run",
        headSha: "d".repeat(40),
        runId: 10,
        conclusion: "failure",
      });
      await expect(rememberIncident(db, incident, { fix: "x", succeeded: true })).rejects.toThrow(
        /has not been diagnosed/,
      );
      expect(await stored()).toHaveLength(0);
    });
  });
});
