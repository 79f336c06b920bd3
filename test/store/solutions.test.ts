import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { embed } from "../../src/diagnosis/embedding.ts";
import { type Db, rows } from "../../src/store/database.ts";
import { EMBEDDING_DIMENSIONS, solutions } from "../../src/store/schema.ts";
import {
  nearestSolutions,
  recordSolutionOutcome,
  type SolutionInput,
  saveSolution,
  solutionsToReindex,
  withVectorSearch,
} from "../../src/store/solutions.ts";
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

/** A unit vector at cosine similarity `s` to the first axis. */
const at = (s: number) =>
  Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) =>
    i === 0 ? s : i === 1 ? Math.sqrt(1 - s * s) : 0,
  );

const vector = (text: string) => Array.from(embed(text));

const solution = (overrides: Partial<SolutionInput> = {}): SolutionInput => ({
  fingerprint: "f".repeat(32),
  fingerprintVersion: 1,
  embedding: at(1),
  embeddingModel: "local-hash-v1",
  category: "network_transient",
  fix: "Rerun: the registry was down",
  source: "slack",
  sourceRef: "https://acme.slack.com/archives/C1/p1",
  ...overrides,
});

const count = async () => (await db.select().from(solutions)).length;

describe(`solutions on ${driver}`, () => {
  describe("saveSolution", () => {
    it("remembers a solution once per source, updating it and keeping its record", async () => {
      const first = await saveSolution(db, solution({ successes: 2, failures: 1 }));
      const again = await saveSolution(db, solution({ fix: "Pin the mirror", successes: 0 }));
      expect(again.id).toBe(first.id);
      expect(again).toMatchObject({ fix: "Pin the mirror", successes: 2, failures: 1 });
      expect(await count()).toBe(1);
    });

    it.each([
      ["a vector of the wrong width", { embedding: [1, 0, 0] }, /384 dimensions, not 3/],
      ["a NaN in the vector", { embedding: at(1).with(7, Number.NaN) }, /not a finite number/],
      ["a zero vector", { embedding: at(0).with(1, 0) }, /all zeros/],
      ["an unnamed model", { embeddingModel: " " }, /model is not named/],
      ["an empty fix", { fix: "  " }, /fix is empty/],
    ])("refuses %s and stores nothing", async (_, overrides, message) => {
      await expect(saveSolution(db, solution(overrides))).rejects.toThrow(message);
      expect(await count()).toBe(0);
    });
  });

  it("counts each outcome of applying a solution", async () => {
    const { id } = await saveSolution(db, solution());
    await recordSolutionOutcome(db, id, true);
    await recordSolutionOutcome(db, id, true);
    await recordSolutionOutcome(db, id, false);
    const [row] = await db.select().from(solutions);
    expect(row).toMatchObject({ successes: 2, failures: 1 });
  });

  describe("nearestSolutions", () => {
    it("returns the nearest first, with their cosine distance, of the same model only", async () => {
      await saveSolution(db, solution({ sourceRef: "far", embedding: at(0.5) }));
      await saveSolution(db, solution({ sourceRef: "near", embedding: at(0.9) }));
      await saveSolution(db, solution({ sourceRef: "other model", embeddingModel: "other" }));
      const found = await nearestSolutions(db, {
        vector: at(1),
        embeddingModel: "local-hash-v1",
        limit: 5,
      });
      expect(found.map((s) => s.sourceRef)).toEqual(["near", "far"]);
      expect(found[0]?.distance).toBeCloseTo(0.1, 5);
      expect(found[0]).not.toHaveProperty("embedding");
    });

    it("walks the HNSW cosine index (the planner can use it for the query as written)", async () => {
      const plan = await withVectorSearch(db, 100, async (tx) => {
        // Few rows make a sequential scan cheaper; forbid it to see whether the index fits.
        await tx.execute(sql`set local enable_seqscan = off`);
        const query = nearestSolutions(tx, {
          vector: at(1),
          embeddingModel: "local-hash-v1",
          category: "timeout",
          limit: 5,
        });
        return rows<Record<string, string>>(tx, sql`explain ${query}`);
      });
      expect(plan.map((row) => Object.values(row)[0]).join("\n")).toMatch(
        /Index Scan using solutions_embedding_hnsw/,
      );
    });

    it("keeps walking the index under a selective filter until it has k rows", async () => {
      // 300 close neighbours of another category fill the first candidates of the index walk.
      const missing = (i: number) =>
        `npm error 404 Not Found - GET https://registry.npmjs.org/left-pad-${i}`;
      const timedOut = (i: number) =>
        `npm error code ETIMEDOUT request to https://registry.npmjs.org/pkg-${i}`;
      await db.insert(solutions).values(
        Array.from({ length: 300 }, (_, i) =>
          solution({
            sourceRef: `crowd-${i}`,
            category: "dependency_missing",
            embedding: vector(missing(i)),
          }),
        ),
      );
      for (let i = 0; i < 5; i++)
        await saveSolution(
          db,
          solution({ sourceRef: `rare-${i}`, category: "timeout", embedding: vector(timedOut(i)) }),
        );
      const found = await withVectorSearch(db, 10, async (tx) => {
        // Few rows make a sequential scan cheaper; forbid it so that the index is walked.
        await tx.execute(sql`set local enable_seqscan = off`);
        return nearestSolutions(tx, {
          vector: vector(missing(1000)),
          embeddingModel: "local-hash-v1",
          category: "timeout",
          limit: 5,
        });
      });
      expect(found.map((s) => s.sourceRef).sort()).toEqual([
        "rare-0",
        "rare-1",
        "rare-2",
        "rare-3",
        "rare-4",
      ]);
    });

    it("sets ef_search and the iterative scan for the transaction only", async () => {
      const setting = (tx: Db) =>
        rows<{ ef: string; scan: string }>(
          tx,
          sql`select current_setting('hnsw.ef_search') as ef, current_setting('hnsw.iterative_scan') as scan`,
        );
      const inside = await withVectorSearch(db, 123, setting);
      expect(inside[0]).toEqual({ ef: "123", scan: "relaxed_order" });
      expect((await setting(db))[0]?.ef).not.toBe("123");
    });
  });

  it("lists the solutions to reindex in id order, after a given id", async () => {
    await saveSolution(db, solution({ sourceRef: "current" }));
    await saveSolution(db, solution({ sourceRef: "old version", fingerprintVersion: 0 }));
    await saveSolution(db, solution({ sourceRef: "old model", embeddingModel: "old" }));
    const current = { fingerprintVersion: 1, embeddingModel: "local-hash-v1" };
    const all = await solutionsToReindex(db, current, null, 10);
    expect(all.map((s) => s.sourceRef).sort()).toEqual(["old model", "old version"]);
    expect(all[0]!.id < all[1]!.id).toBe(true);
    const rest = await solutionsToReindex(db, current, all[0]!.id, 10);
    expect(rest.map((s) => s.id)).toEqual([all[1]!.id]);
  });
});
