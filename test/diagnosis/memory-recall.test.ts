import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Diagnosis, diagnoseText } from "../../src/diagnosis/diagnose.ts";
import type { MemoryCandidate } from "../../src/diagnosis/memory.ts";
import { recall, withMemory } from "../../src/diagnosis/memory-recall.ts";
import { rememberDiagnosis } from "../../src/diagnosis/memory-remember.ts";
import { embedFailure } from "../../src/diagnosis/memory-text.ts";
import type { Db } from "../../src/store/database.ts";
import { solutions } from "../../src/store/schema.ts";
import { saveSolution } from "../../src/store/solutions.ts";
import { driver, migratedDatabase } from "../support/database.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/logs/${name}`, import.meta.url), "utf8");

/** The same log as if the job had run again an hour and a few minutes later. */
const rerun = (log: string) =>
  log.replace(
    /T(\d\d):(\d\d):/g,
    (_, h: string, m: string) =>
      `T${String((Number(h) + 1) % 24).padStart(2, "0")}:${String((Number(m) + 7) % 60).padStart(2, "0")}:`,
  );

const rules = (overrides: Partial<Diagnosis> = {}): Diagnosis => ({
  ...diagnoseText(fixture("npm-network-refused.log")),
  ...overrides,
});

const candidate = (overrides: {
  probability: number;
  category?: string;
  exact?: boolean;
}): MemoryCandidate => ({
  solution: {
    id: "3f1c1e6e-0000-4000-8000-000000000001",
    fingerprint: "fp",
    fingerprintVersion: 1,
    embeddingModel: "local-hash-v1",
    category: overrides.category ?? "network_transient",
    repository: "acme/api",
    organization: "acme",
    fix: "Point npm at the internal mirror",
    patch: null,
    source: "manual",
    sourceRef: "manual:fp",
    errorLine: "npm error FetchError",
    successes: 3,
    failures: 0,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  },
  similarity: 0.93,
  probability: overrides.probability,
  exact: overrides.exact ?? true,
  scope: "repository",
});

describe("withMemory", () => {
  it("settles a recognised failure with a remembered fix that agrees, raising confidence", () => {
    const diagnosis = withMemory(rules({ confidence: 0.8 }), [candidate({ probability: 0.75 })]);
    expect(diagnosis).toMatchObject({
      source: "rules+memory",
      category: "network_transient",
      remembered: { fix: "Point npm at the internal mirror", probability: 0.75 },
    });
    expect(diagnosis.confidence).toBeCloseTo(1 - 0.2 * 0.25, 10);
  });

  it("names the category from memory when the rules did not recognise the failure", () => {
    const unknown = diagnoseText("Run ./deploy.sh\nhandshake with edge-7 refused\nexit 3\n");
    expect(unknown.category).toBe("unknown");
    const diagnosis = withMemory(unknown, [
      candidate({ probability: 0.7, category: "config_invalid" }),
    ]);
    expect(diagnosis).toMatchObject({
      source: "memory",
      category: "config_invalid",
      confidence: 0.7,
    });
    expect(diagnosis.summary).toMatch(/^Invalid configuration/);
  });

  it("only lists a weak hit as similar, leaving the rules' answer as it was", () => {
    const before = rules();
    const diagnosis = withMemory(before, [candidate({ probability: 0.3, exact: false })]);
    expect(diagnosis).toMatchObject({ source: "rules", confidence: before.confidence });
    expect(diagnosis.remembered).toBeUndefined();
    expect(diagnosis.similar).toEqual([
      expect.objectContaining({ ref: "manual:fp", probability: 0.3, similarity: 0.93 }),
    ]);
  });

  it("keeps the rules' answer when memory names another category", () => {
    const diagnosis = withMemory(rules(), [candidate({ probability: 0.9, category: "timeout" })]);
    expect(diagnosis).toMatchObject({ source: "rules", category: "network_transient" });
    expect(diagnosis.remembered).toBeUndefined();
    expect(diagnosis.similar).toHaveLength(1);
  });

  it("says the answer came from the rules when memory had nothing", () => {
    expect(withMemory(rules(), [])).toMatchObject({ source: "rules", similar: [] });
  });
});

describe(`recall on ${driver}`, () => {
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

  it("recalls the fix of a failure remembered before from a new run of it", async () => {
    const log = fixture("typescript-type-error.log");
    await rememberDiagnosis(db, diagnoseText(log), {
      fix: "Parse the amount with Number() before assigning it",
      repository: "acme/api",
    });
    const again = diagnoseText(rerun(log));
    const diagnosis = await recall(db, again, { repository: "acme/api" });
    expect(diagnosis).toMatchObject({
      source: "rules+memory",
      category: "type_error",
      remembered: { fix: "Parse the amount with Number() before assigning it" },
      similar: [expect.objectContaining({ exact: true, scope: "repository", source: "manual" })],
    });
    expect(diagnosis.confidence).toBeGreaterThan(again.confidence);
  });

  it("settles a failure the rules do not recognise with the category memory holds", async () => {
    const log =
      "Run ./deploy.sh\nhandshake with edge-7 refused: certificate pinned to old CA\nexit 3\n";
    const unknown = diagnoseText(log);
    const embedding = await embedFailure(unknown);
    await saveSolution(db, {
      fingerprint: unknown.fingerprint,
      fingerprintVersion: unknown.fingerprintVersion,
      embedding: embedding.vector,
      embeddingModel: embedding.model,
      category: "config_invalid",
      fix: "Rotate the pinned CA in deploy/edge.pem",
      source: "slack",
      sourceRef: "https://acme.slack.com/archives/C1/p2",
      successes: 4,
    });
    const diagnosis = await recall(db, diagnoseText(rerun(log)));
    expect(diagnosis).toMatchObject({
      source: "memory",
      category: "config_invalid",
      remembered: { fix: "Rotate the pinned CA in deploy/edge.pem" },
    });
  });

  it("does not look up a failure with nothing to compare", async () => {
    const diagnosis = await recall(db, diagnoseText(""));
    expect(diagnosis).toMatchObject({ source: "rules", similar: [] });
  });
});
