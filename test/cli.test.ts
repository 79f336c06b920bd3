import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestStore, testStore, until } from "./support/database.ts";

const cli = new URL("../src/cli.ts", import.meta.url).pathname;
let store: TestStore;
beforeAll(async () => {
  store = await testStore();
});
afterAll(async () => {
  await store?.dispose();
});

/** The environment of a user who has set nothing up: no App credentials at all. */
const bareEnv = () => {
  const { APP_ID, PRIVATE_KEY, PRIVATE_KEY_PATH, WEBHOOK_SECRET, ...rest } = process.env;
  return { ...rest, ...store.env, LOG_FORMAT: "json" as const };
};

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });

describe("codehealer start", () => {
  describe("when no GitHub App is configured", () => {
    it("starts, serves health, and says plainly what to set", async () => {
      const port = await freePort();
      const child = spawn(process.execPath, [cli, "start"], {
        env: { ...bareEnv(), PORT: String(port), HOST: "127.0.0.1" },
      });
      let output = "";
      child.stdout.on("data", (chunk) => {
        output += chunk;
      });
      child.stderr.on("data", (chunk) => {
        output += chunk;
      });
      try {
        await until(async () => output.includes("listening"), 80_000, "the app to listen");
        expect(output).toMatch(
          /Set APP_ID, PRIVATE_KEY \(or PRIVATE_KEY_PATH\), WEBHOOK_SECRET and restart/,
        );
        expect(output).not.toMatch(/\n\s+at /); // no stack trace
        expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
        const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
        expect(ready.status).toBe(503);
        expect(await ready.text()).toMatch(/GitHub App not configured/);
        const webhook = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
          method: "POST",
          body: "{}",
        });
        expect(webhook.status).toBe(503);
      } finally {
        child.kill("SIGTERM");
        await new Promise((resolve) => child.once("exit", resolve));
      }
    }, 90_000);
  });

  it("refuses a separate web role on the embedded database, with the reason and no stack trace", () => {
    const { DATABASE_URL, ...env } = bareEnv();
    const result = spawnSync(process.execPath, [cli, "start", "--role", "web"], {
      env,
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/--role web needs DATABASE_URL/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("names the variable when the environment is wrong", () => {
    const result = spawnSync(process.execPath, [cli, "migrate"], {
      env: { ...bareEnv(), PORT: "eighty" },
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Invalid environment:\n {2}PORT:/);
  });
});

describe("codehealer ingest-slack", () => {
  it("says which variable is missing when there is no Slack token, and stores nothing", () => {
    const env: NodeJS.ProcessEnv = { ...bareEnv() };
    delete env.SLACK_BOT_TOKEN;
    const result = spawnSync(process.execPath, [cli, "ingest-slack", "--channel", "C0123456789"], {
      env,
      encoding: "utf8",
    });
    expect(result.stderr).toMatch(/SLACK_BOT_TOKEN/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.status).toBe(1);
  });
});

describe("codehealer migrate", () => {
  it("applies the migrations and reports them", () => {
    const result = spawnSync(process.execPath, [cli, "migrate"], {
      env: bareEnv(),
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    const shipped = JSON.parse(
      readFileSync(new URL("../drizzle/meta/_journal.json", import.meta.url), "utf8"),
    ).entries.length;
    expect(result.stdout).toContain(`migrations: ${shipped} applied, ${shipped} shipped`);
    expect(result.status).toBe(0);
  });
});
