import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const cli = new URL("../../src/cli.ts", import.meta.url).pathname;
const fixture = new URL("../../fixtures/logs/python-import-error.log", import.meta.url).pathname;

const PATCH =
  "--- a/requirements.txt\n+++ b/requirements.txt\n@@ -1 +1,2 @@\n numpy==2.4.6\n+pandas==2.2.3\n";

let dir: string;
let db: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "codehealer-memory-cli-"));
  db = join(dir, "db");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function codehealer(...args: string[]) {
  // --db chooses the embedded folder; no DATABASE_URL may leak in from the test run.
  const { DATABASE_URL, ...env } = process.env;
  return spawnSync(process.execPath, [cli, ...args], { env, encoding: "utf8", timeout: 120_000 });
}

/** The same failure in a later run: every timestamp an hour and a few minutes later. */
async function laterRun(): Promise<string> {
  const shifted = readFileSync(fixture, "utf8").replace(
    /T(\d\d):(\d\d):/g,
    (_, h: string, m: string) =>
      `T${String((Number(h) + 1) % 24).padStart(2, "0")}:${String((Number(m) + 11) % 60).padStart(2, "0")}:`,
  );
  const file = join(dir, "later-run.log");
  await writeFile(file, shifted);
  return file;
}

// Each command is a child process that opens (and first migrates) an embedded database.
describe("codehealer remember, then diagnose", { timeout: 120_000 }, () => {
  it("diagnoses from the rules alone, creating nothing, while there is no database", async () => {
    const result = codehealer("diagnose", "--json", "--db", db, await laterRun());
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      category: "dependency_missing",
      source: "rules",
      fix: null,
      similar: [],
    });
    expect(existsSync(db)).toBe(false);
  });

  it("refuses an empty log with a clear error, and stores nothing", async () => {
    const empty = join(dir, "empty.log");
    await writeFile(empty, "");
    const result = codehealer("remember", empty, "--fix", "Add pandas", "--db", db);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/empty\.log is empty: nothing to remember/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(db)).toBe(false);
  });

  it("remembers what fixed a failure, and says what it stored", () => {
    const result = codehealer(
      "remember",
      fixture,
      "--fix",
      "Add pandas to requirements.txt",
      "--repo",
      "acme/ml",
      "--db",
      db,
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^remembered manual:[0-9a-f]{32} /);
    expect(result.stdout).toMatch(
      /dependency_missing: ModuleNotFoundError: No module named 'pandas'/,
    );
    expect(result.stdout).toMatch(/repository: acme\/ml {2}record: 1 worked, 0 did not/);
  });

  it("updates rather than duplicates when told about the same failure again", async () => {
    const patch = join(dir, "fix.patch");
    await writeFile(patch, PATCH);
    const result = codehealer(
      "remember",
      fixture,
      "--fix",
      "Add pandas to requirements.txt and pin it",
      "--patch",
      patch,
      "--db",
      db,
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^updated manual:[0-9a-f]{32} /);
    expect(result.stdout).toMatch(
      /fix: Add pandas to requirements.txt and pin it \(with a patch\)/,
    );
  });

  it("shows the remembered fix when diagnosing a later run of the same failure", async () => {
    const result = codehealer(
      "diagnose",
      "--json",
      "--repo",
      "acme/ml",
      "--db",
      db,
      await laterRun(),
    );
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output).toMatchObject({
      category: "dependency_missing",
      source: "rules+memory",
      fix: "Add pandas to requirements.txt and pin it",
      remembered: { fix: "Add pandas to requirements.txt and pin it", patch: PATCH },
      similar: [
        {
          ref: expect.stringMatching(/^manual:/),
          source: "manual",
          fix: "Add pandas to requirements.txt and pin it",
          exact: true,
          similarity: expect.any(Number),
          probability: expect.any(Number),
        },
      ],
    });
    expect(output.similar).toHaveLength(1);
    expect(output.similar[0].similarity).toBeGreaterThan(0.99);
  });

  it("reindexes nothing when every stored fingerprint and vector is current", () => {
    const result = codehealer("reindex", "--batch", "100", "--db", db);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("reindexed 0 solutions and 0 incidents (pglite)\n");
  });
});
