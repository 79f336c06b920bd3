import { readFileSync } from "node:fs";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, migrationStatus, rows } from "../../src/store/database.ts";
import { settleDelivery, unsettledDeliveries } from "../../src/store/deliveries.ts";
import { createInbox } from "../../src/store/inbox.ts";
import { openIncident } from "../../src/store/incidents.ts";
import { EMBEDDING_DIMENSIONS, incidents } from "../../src/store/schema.ts";
import { driver, migratedDatabase } from "../support/database.ts";

/** Every migration in drizzle/, as drizzle-kit's journal lists them. */
const shipped = JSON.parse(
  readFileSync(new URL("../../drizzle/meta/_journal.json", import.meta.url), "utf8"),
).entries.length;

let env: Awaited<ReturnType<typeof migratedDatabase>>;
beforeAll(async () => {
  env = await migratedDatabase();
});
afterAll(async () => {
  await env?.dispose();
});

const incident = {
  repository: "acme/api",
  provider: "actions" as const,
  sourceEvent: "workflow_run",
  headSha: "a".repeat(40),
  runId: 42,
  runAttempt: 1,
  conclusion: "failure",
};

describe(`the store on ${driver}`, () => {
  it("has every migration applied, and applying them again changes nothing", async () => {
    const all = { expected: shipped, applied: shipped, current: true };
    expect(await migrationStatus(env.database)).toEqual(all);
    await migrate(env.database);
    expect(await migrationStatus(env.database)).toEqual(all);
  });

  it("has the vector extension", async () => {
    const found = await rows<{ extname: string }>(
      env.database.db,
      sql`select extname from pg_extension where extname = 'vector'`,
    );
    expect(found).toEqual([{ extname: "vector" }]);
  });

  it("keeps an incident's 384-dimension embedding and compares it by cosine distance", async () => {
    const embedding = Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => (i === 0 ? 1 : 0));
    const { incident: row } = await openIncident(env.database.db, {
      ...incident,
      runId: 7,
      embedding,
    });
    const [stored] = await env.database.db.select().from(incidents).where(eq(incidents.id, row.id));
    expect(stored?.embedding).toHaveLength(EMBEDDING_DIMENSIONS);
    const [distance] = await rows<{ d: number }>(
      env.database.db,
      sql`select embedding <=> ${JSON.stringify(embedding)}::vector as d from incidents where id = ${row.id}`,
    );
    expect(Number(distance?.d)).toBeCloseTo(0);
  });

  it("refuses an embedding of the wrong length", async () => {
    await expect(
      openIncident(env.database.db, { ...incident, runId: 8, embedding: [1, 2, 3] }),
    ).rejects.toThrow();
  });

  describe("deliveries", () => {
    const queued: string[] = [];
    const inbox = () =>
      createInbox(env.database.db, {
        enqueueMany: async (_queue, keys) => void queued.push(...keys),
      });
    const delivery = (id: string) => ({
      id,
      event: "push",
      action: null,
      installationId: 1,
      repository: "acme/api",
      payload: {},
    });

    it("stores a delivery once, whatever the number of redeliveries, and queues it each time", async () => {
      expect(await inbox().accept(delivery("d-1"))).toBe(true);
      expect(await inbox().accept(delivery("d-1"))).toBe(false);
      expect(queued).toEqual(["d-1", "d-1"]);
    });

    it("stores deliveries that arrive together in one batch, each answered for itself", async () => {
      const shared = inbox();
      const answers = await Promise.all(
        ["d-3", "d-4", "d-3", "d-1"].map((id) => shared.accept(delivery(id))),
      );
      expect(answers).toEqual([true, true, false, false]);
    });

    it("lists deliveries never settled, so the worker can queue them again", async () => {
      await inbox().accept({ ...delivery("d-2"), repository: null });
      for (const id of ["d-1", "d-3", "d-4"])
        await settleDelivery(env.database.db, id, "ignored", "test");
      expect(await unsettledDeliveries(env.database.db, new Date(Date.now() + 1000))).toEqual([
        "d-2",
      ]);
    });
  });

  describe("incidents", () => {
    it("opens one incident per run attempt", async () => {
      const first = await openIncident(env.database.db, incident);
      const again = await openIncident(env.database.db, incident);
      const nextAttempt = await openIncident(env.database.db, { ...incident, runAttempt: 2 });
      expect(first.created).toBe(true);
      expect(again).toMatchObject({ created: false, incident: { id: first.incident.id } });
      expect(nextAttempt.created).toBe(true);
    });
  });
});
