import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { embed } from "../../src/diagnosis/embedding.ts";
import { findSolutions, type MemoryQuery } from "../../src/diagnosis/memory.ts";
import { MATCH_THRESHOLD } from "../../src/diagnosis/memory-probability.ts";
import type { Db } from "../../src/store/database.ts";
import { EMBEDDING_DIMENSIONS, solutions } from "../../src/store/schema.ts";
import { type SolutionInput, saveSolution } from "../../src/store/solutions.ts";
import { driver, migratedDatabase } from "../support/database.ts";

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

const MODEL = "local-hash-v1";

/** A unit vector at cosine similarity `s` to the first axis, turned towards axis `side`. */
const at = (s: number, side = 1) =>
  Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) =>
    i === 0 ? s : i === side ? Math.sqrt(1 - s * s) : 0,
  );

let refs = 0;
const remember = (overrides: Partial<SolutionInput> = {}) =>
  saveSolution(db, {
    fingerprint: `other-${refs}`,
    fingerprintVersion: 1,
    embedding: at(0.95),
    embeddingModel: MODEL,
    category: "dependency_missing",
    fix: "Add the package to package.json",
    source: "manual",
    sourceRef: `ref-${++refs}`,
    successes: 1,
    ...overrides,
  });

const query = (overrides: Partial<MemoryQuery> = {}): MemoryQuery => ({
  embedding: at(1),
  embeddingModel: MODEL,
  ...overrides,
});

const refsOf = async (q: MemoryQuery) =>
  (await findSolutions(db, q)).map((c) => c.solution.sourceRef);

describe(`memory retrieval on ${driver}`, () => {
  it("returns a solution remembered under the same fingerprint first, even over a closer vector", async () => {
    await remember({ sourceRef: "closer", embedding: at(0.99) });
    await remember({ sourceRef: "same fingerprint", fingerprint: "fp", embedding: at(0.4) });
    await remember({ sourceRef: "old version", fingerprint: "fp", fingerprintVersion: 0 });
    const found = await findSolutions(db, query({ fingerprint: "fp", fingerprintVersion: 1 }));
    expect(found.map((c) => c.solution.sourceRef)).toEqual([
      "same fingerprint",
      "closer",
      "old version",
    ]);
    expect(found[0]).toMatchObject({ exact: true, similarity: expect.closeTo(0.4, 5) });
    // The exact match needs no similarity; the other version is only a similar vector.
    expect(found[2]?.exact).toBe(false);
  });

  it("ranks the same repository before the same organisation before anywhere", async () => {
    await remember({
      sourceRef: "anywhere",
      embedding: at(0.99),
      repository: "else/where",
      organization: "else",
    });
    await remember({
      sourceRef: "organisation",
      embedding: at(0.9),
      repository: "acme/web",
      organization: "acme",
    });
    await remember({
      sourceRef: "repository",
      embedding: at(0.8),
      repository: "acme/api",
      organization: "acme",
    });
    await remember({ sourceRef: "no repository", embedding: at(0.98) });
    const found = await findSolutions(
      db,
      query({ repository: "acme/api", organization: "acme", limit: 3 }),
    );
    expect(found.map((c) => [c.solution.sourceRef, c.scope])).toEqual([
      ["repository", "repository"],
      ["organisation", "organization"],
      ["anywhere", "global"],
    ]);
  });

  it("searches wider only while the narrower scopes have fewer than asked for", async () => {
    await remember({ sourceRef: "api 1", repository: "acme/api", organization: "acme" });
    await remember({
      sourceRef: "api 2",
      repository: "acme/api",
      organization: "acme",
      embedding: at(0.9),
    });
    await remember({ sourceRef: "anywhere", embedding: at(0.99) });
    expect(await refsOf(query({ repository: "acme/api", organization: "acme", limit: 2 }))).toEqual(
      ["api 1", "api 2"],
    );
    expect(await refsOf(query({ limit: 2 }))).toEqual(["anywhere", "api 1"]);
  });

  it("keeps only the category asked for", async () => {
    await remember({ sourceRef: "missing", embedding: at(0.99) });
    await remember({ sourceRef: "timeout", category: "timeout", embedding: at(0.8) });
    expect(await refsOf(query({ category: "timeout" }))).toEqual(["timeout"]);
  });

  it("leaves out solutions under the minimum success rate", async () => {
    await remember({ sourceRef: "proven", successes: 8, failures: 1 });
    await remember({ sourceRef: "untried", successes: 0, failures: 0 });
    await remember({ sourceRef: "failing", successes: 0, failures: 3 });
    expect((await refsOf(query({ minSuccessRate: 0.5 }))).sort()).toEqual(["proven", "untried"]);
    expect(await refsOf(query({ minSuccessRate: 0.8 }))).toEqual(["proven"]);
  });

  it(`drops matches under the similarity threshold (${MATCH_THRESHOLD})`, async () => {
    await remember({ sourceRef: "match", embedding: at(MATCH_THRESHOLD + 0.02) });
    await remember({ sourceRef: "no match", embedding: at(MATCH_THRESHOLD - 0.02) });
    expect(await refsOf(query())).toEqual(["match"]);
    expect(await refsOf(query({ threshold: 0 }))).toEqual(["match", "no match"]);
  });

  it("gives a probability that rises with successes, falls with failures, and rises with similarity", async () => {
    await remember({ sourceRef: "s0 f0", embedding: at(0.9, 1), successes: 0, failures: 0 });
    await remember({ sourceRef: "s5 f0", embedding: at(0.9, 2), successes: 5, failures: 0 });
    await remember({ sourceRef: "s0 f5", embedding: at(0.9, 3), successes: 0, failures: 5 });
    await remember({
      sourceRef: "s0 f0 closer",
      embedding: at(0.99, 4),
      successes: 0,
      failures: 0,
    });
    await remember({
      sourceRef: "s0 f0 farther",
      embedding: at(0.75, 5),
      successes: 0,
      failures: 0,
    });
    const found = await findSolutions(db, query({ limit: 10 }));
    const p = Object.fromEntries(found.map((c) => [c.solution.sourceRef, c.probability]));
    expect(p["s5 f0"]).toBeGreaterThan(p["s0 f0"]!);
    expect(p["s0 f5"]).toBeLessThan(p["s0 f0"]!);
    expect(p["s0 f0 closer"]).toBeGreaterThan(p["s0 f0"]!);
    expect(p["s0 f0 farther"]).toBeLessThan(p["s0 f0"]!);
    for (const c of found) expect(c.probability).toBeGreaterThan(0);
    for (const c of found) expect(c.probability).toBeLessThan(1);
  });

  describe("across embedding models", () => {
    it("never compares a vector of another model, even under the same fingerprint", async () => {
      await remember({
        sourceRef: "other model",
        fingerprint: "fp",
        embedding: at(1),
        embeddingModel: "openai-3-small",
      });
      expect(
        await refsOf(query({ fingerprint: "fp", fingerprintVersion: 1, threshold: 0 })),
      ).toEqual([]);
    });

    it("finds nothing for a query made by a model memory has no vectors of", async () => {
      await remember({ sourceRef: "local", fingerprint: "fp", embedding: at(1) });
      const other = query({
        embeddingModel: "openai-3-small",
        fingerprint: "fp",
        fingerprintVersion: 1,
      });
      expect(await refsOf(other)).toEqual([]);
    });
  });

  describe("a bad query", () => {
    it.each([
      [
        "a vector of the wrong length",
        { embedding: [1, 0, 0] },
        /embedding must have 384 dimensions, not 3/,
      ],
      [
        "a NaN in the vector",
        { embedding: at(1).with(3, Number.NaN) },
        /embedding\.3 must be a finite number/,
      ],
      [
        "an infinite value",
        { embedding: at(1).with(0, Number.POSITIVE_INFINITY) },
        /embedding\.0 must be a finite number/,
      ],
      [
        "a zero vector",
        { embedding: new Float32Array(EMBEDDING_DIMENSIONS) },
        /embedding is all zeros/,
      ],
      ["no model", { embeddingModel: "" }, /embeddingModel must name the model/],
      ["a limit of 0", { limit: 0 }, /limit/],
    ])("is refused with a clear error: %s", async (_, overrides, message) => {
      await expect(findSolutions(db, query(overrides as Partial<MemoryQuery>))).rejects.toThrow(
        message,
      );
    });

    it("accepts a Float32Array, as embed() returns", async () => {
      await remember({ sourceRef: "float32" });
      expect(await refsOf(query({ embedding: Float32Array.from(at(1)) }))).toEqual(["float32"]);
    });
  });

  it("returns k rows under a selective filter among many closer solutions", async () => {
    const missing = (i: number) =>
      `npm error 404 Not Found - GET https://registry.npmjs.org/left-pad-${i}`;
    const timedOut = (i: number) =>
      `npm error code ETIMEDOUT request to https://registry.npmjs.org/pkg-${i}`;
    const crowd = Array.from({ length: 400 }, (_, i) => ({
      fingerprint: `crowd-${i}`,
      fingerprintVersion: 1,
      embedding: Array.from(embed(missing(i))),
      embeddingModel: MODEL,
      category: "dependency_missing",
      fix: "Publish the package",
      source: "manual" as const,
      sourceRef: `crowd-${i}`,
    }));
    await db.insert(solutions).values(crowd);
    for (let i = 0; i < 5; i++)
      await remember({
        sourceRef: `rare-${i}`,
        category: "timeout",
        embedding: Array.from(embed(timedOut(i))),
      });
    const found = await findSolutions(
      db,
      query({ embedding: embed(missing(1000)), category: "timeout", threshold: 0, efSearch: 10 }),
    );
    expect(found.map((c) => c.solution.sourceRef).sort()).toEqual([
      "rare-0",
      "rare-1",
      "rare-2",
      "rare-3",
      "rare-4",
    ]);
  });
});
