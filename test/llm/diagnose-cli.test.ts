import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * `codehealer diagnose` with an LLM configured, in a real child process against an
 * OpenAI-compatible endpoint on loopback (a child process cannot be intercepted by nock).
 */

const cli = new URL("../../src/cli.ts", import.meta.url).pathname;
const LOG = [
  "2025-06-04T11:57:01.0000000Z ##[group]Run node scripts/check-manifest.mjs",
  "2025-06-04T11:57:02.0000000Z Error: manifest drift: config/manifest.json lists 41 entries, the bundle has 39",
  "2025-06-04T11:57:02.1000000Z ##[error]Process completed with exit code 1.",
].join("\n");
const ANSWER = {
  category: "config_invalid",
  rootCause: "The manifest lists two entries the bundle no longer ships.",
  logLine: "Error: manifest drift: config/manifest.json lists 41 entries, the bundle has 39",
  confidence: 0.7,
  fix: { kind: "none", explanation: "Remove the two entries from config/manifest.json." },
};

let dir: string;
let server: Server;
let port: number;
const asked: string[] = [];
const prompts: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "codehealer-llm-cli-"));
  await writeFile(join(dir, "manifest.log"), LOG);
  const body = JSON.parse(
    readFileSync(
      new URL("../../fixtures/llm/responses/openai-gpt-4o-mini.json", import.meta.url),
      "utf8",
    ),
  );
  body.choices[0].message.content = JSON.stringify(ANSWER);
  server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => {
      text += chunk;
    });
    req.on("end", () => {
      asked.push(`${req.method} ${req.url} ${req.headers.authorization ?? ""}`);
      prompts.push(text);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  port = typeof address === "object" && address ? address.port : 0;
});
afterAll(async () => {
  server?.close();
  await rm(dir, { recursive: true, force: true });
});

function diagnose(
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  const { OPENAI_API_KEY, OPENAI_BASE_URL, DATABASE_URL, ...rest } = process.env;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, "diagnose", "--json", join(dir, "manifest.log")], {
      env: { ...rest, CODEHEALER_DATA_DIR: join(dir, "no-database"), ...env },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk) => {
      err += chunk;
    });
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe("codehealer diagnose with an LLM", () => {
  it("asks the LLM about a log the rules are unsure of, and weighs its answer", async () => {
    const result = await diagnose({
      OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
      OPENAI_API_KEY: "sk-local-test",
      CODEHEALER_LLM_MODEL: "local-model",
    });
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const json = JSON.parse(result.out);
    expect(json).toMatchObject({
      category: "config_invalid",
      source: "llm",
      llm: { status: "answered", model: "local-model", rootCause: ANSWER.rootCause },
    });
    // The model's 0.70 alone is discounted: no rule named this category.
    expect(json.confidence).toBeLessThan(0.7);
    expect(asked).toEqual(["POST /v1/chat/completions Bearer sk-local-test"]);
    expect(prompts[0]).toContain("lists 41 entries, the bundle has 39");
  }, 90_000);

  it("keeps the rules' answer, and says why, when the endpoint is down", async () => {
    const result = await diagnose({
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
      CODEHEALER_LLM_MODEL: "local-model",
      CODEHEALER_LLM_MAX_RETRIES: "0",
    });
    expect(result.code).toBe(0);
    const json = JSON.parse(result.out);
    expect(json.source).toBe("rules");
    expect(json.llm).toMatchObject({ status: "unavailable" });
  }, 90_000);
});
