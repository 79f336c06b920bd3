import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withLock } from "../../src/store/lock.ts";
import { driver, migratedDatabase } from "../support/database.ts";

let store: Awaited<ReturnType<typeof migratedDatabase>>;
beforeAll(async () => {
  store = await migratedDatabase();
});
afterAll(() => store?.dispose());

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("withLock", () => {
  it("runs holders of the same key one after the other", async () => {
    const events: string[] = [];
    const hold = (name: string) =>
      withLock(store.database.db, "comment:acme/api#7", async () => {
        events.push(`${name} in`);
        await pause(50);
        events.push(`${name} out`);
        return name;
      });
    expect(await Promise.all([hold("a"), hold("b"), hold("c")])).toEqual(["a", "b", "c"]);
    expect(events).toEqual(["a in", "a out", "b in", "b out", "c in", "c out"]);
  });

  it("lets different keys run at once", async () => {
    const events: string[] = [];
    const hold = (key: string) =>
      withLock(store.database.db, key, async () => {
        events.push(`${key} in`);
        await pause(50);
        events.push(`${key} out`);
      });
    await Promise.all([hold("comment:acme/api#1"), hold("comment:acme/api#2")]);
    expect(events.slice(0, 2).sort()).toEqual(["comment:acme/api#1 in", "comment:acme/api#2 in"]);
  });

  it("releases the lock when the holder throws", async () => {
    const failing = withLock(store.database.db, "k", async () => {
      throw new Error("GitHub said 502");
    });
    await expect(failing).rejects.toThrow("502");
    expect(await withLock(store.database.db, "k", async () => "next")).toBe("next");
  });

  it("lets the holder use the database while it holds the lock", async () => {
    const answer = await withLock(store.database.db, "db", async () => {
      const result = await store.database.db.execute("select 41 + 1 as n");
      return result;
    });
    expect(JSON.stringify(answer)).toContain("42");
  });

  it.skipIf(driver !== "postgres")(
    "waits for another process holding the key on Postgres",
    async () => {
      const url = store.database.driver === "postgres" ? store.database.url : "";
      const other = postgres(url, { max: 1, onnotice: () => {} });
      const key = "comment:acme/api#99";
      await other`select pg_advisory_lock(hashtext(${key}))`;
      const events: string[] = [];
      const waiting = withLock(store.database.db, key, async () => {
        events.push("held");
      });
      await pause(200);
      events.push("other releases");
      await other`select pg_advisory_unlock(hashtext(${key}))`;
      await waiting;
      await other.end();
      expect(events).toEqual(["other releases", "held"]);
    },
  );
});
