import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diagnoseText } from "../../src/diagnosis/diagnose.ts";
import { cosine } from "../../src/diagnosis/embedding.ts";
import { reindex } from "../../src/diagnosis/memory-reindex.ts";
import { embedFailure } from "../../src/diagnosis/memory-text.ts";
import { FINGERPRINT_VERSION } from "../../src/logs/fingerprint.ts";
import type { Db } from "../../src/store/database.ts";
import { getIncident, openIncident, updateIncident } from "../../src/store/incidents.ts";
import { EMBEDDING_DIMENSIONS, solutions } from "../../src/store/schema.ts";
import { saveSolution } from "../../src/store/solutions.ts";
import { driver, migratedDatabase } from "../support/database.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/logs/${name}`, import.meta.url), "utf8");

let env: Awaited<ReturnType<typeof migratedDatabase>>;
let db: Db;
beforeAll(async () => {
  env = await migratedDatabase();
  db = env.database.db;
});
afterAll(async () => {
  await env?.dispose();
});

/** A vector an older model might have made: nothing like the local one. */
const oldVector = () => Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => (i % 7) - 3);

const LOGS = [
  "python-import-error.log",
  "rust-compile-error.log",
  "disk-full.log",
  "oom-killed.log",
  "c-compile-error.log",
];

/** Solutions stored by an older fingerprint algorithm and embedding model. */
async function rememberedLongAgo() {
  for (const name of LOGS) {
    const diagnosis = diagnoseText(fixture(name));
    await saveSolution(db, {
      fingerprint: `old-${name}`,
      fingerprintVersion: FINGERPRINT_VERSION - 1,
      embedding: oldVector(),
      embeddingModel: "local-hash-v0",
      category: diagnosis.category,
      fix: `Fixed ${name}`,
      source: "manual",
      sourceRef: `manual:old-${name}`,
      errorLine: diagnosis.errorLine,
      excerpt: diagnosis.excerpt,
    });
  }
}

describe(`reindex on ${driver}`, () => {
  it("brings old fingerprints and vectors up to date in batches, and resumes where it stopped", async () => {
    await rememberedLongAgo();
    const { incident } = await openIncident(db, {
      repository: "acme/api",
      provider: "actions",
      sourceEvent: "workflow_run",
      headSha: "e".repeat(40),
      runId: 1,
      conclusion: "failure",
    });
    const typeError = diagnoseText(fixture("typescript-type-error.log"));
    await updateIncident(db, incident.id, {
      category: typeError.category,
      fingerprint: "old",
      fingerprintVersion: FINGERPRINT_VERSION - 1,
      errorLine: typeError.errorLine,
      excerpt: typeError.excerpt,
    });

    const stop = new Error("stopped");
    await expect(
      reindex(db, {
        batch: 2,
        onBatch: () => {
          throw stop;
        },
      }),
    ).rejects.toBe(stop);
    const afterStop = await db.select().from(solutions);
    expect(afterStop.filter((s) => s.fingerprintVersion === FINGERPRINT_VERSION)).toHaveLength(2);

    const report = await reindex(db, { batch: 2 });
    expect(report).toEqual({ solutions: LOGS.length - 2, incidents: 1 });

    for (const name of LOGS) {
      const diagnosis = diagnoseText(fixture(name));
      const [row] = (await db.select().from(solutions)).filter((s) => s.fix === `Fixed ${name}`);
      expect(row).toMatchObject({
        fingerprint: diagnosis.fingerprint,
        fingerprintVersion: FINGERPRINT_VERSION,
        embeddingModel: "local-hash-v1",
        sourceRef: `manual:${diagnosis.fingerprint}`,
      });
      expect(cosine(row!.embedding, (await embedFailure(diagnosis)).vector)).toBeCloseTo(1, 5);
    }
    const reindexed = await getIncident(db, incident.id);
    expect(reindexed).toMatchObject({
      fingerprint: typeError.fingerprint,
      fingerprintVersion: FINGERPRINT_VERSION,
      embeddingModel: "local-hash-v1",
    });
    expect(await reindex(db)).toEqual({ solutions: 0, incidents: 0 });
  });

  it("re-embeds everything for a new model without touching current fingerprints", async () => {
    const before = await db.select().from(solutions);
    const model = "test-model-v2";
    const report = await reindex(db, {
      embedder: { model, embed: () => Array.from({ length: EMBEDDING_DIMENSIONS }, () => 0.5) },
    });
    expect(report).toEqual({ solutions: before.length, incidents: 1 });
    const after = await db.select().from(solutions);
    for (const row of after) {
      expect(row.embeddingModel).toBe(model);
      expect(row.fingerprint).toBe(before.find((b) => b.id === row.id)?.fingerprint);
    }
  });
});
