import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, SAFE_CONFIG } from "../../src/policy/config.ts";
import { loadRepositoryConfig } from "../../src/policy/load-config.ts";
import { API, testOctokit } from "../actions/support.ts";

const REPO = { owner: "acme", repo: "api" };
const FILE = "/repos/acme/api/contents/.github%2Fcodehealer.yml";
const ORG_FILE = "/repos/acme/.github/contents/.github%2Fcodehealer.yml";

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe("loadRepositoryConfig", () => {
  it("gives the defaults when neither the repository nor the organisation has a file", async () => {
    nock(API).get(FILE).reply(404).get(ORG_FILE).reply(404);
    expect(await loadRepositoryConfig(testOctokit(), REPO)).toEqual({
      config: DEFAULT_CONFIG,
      problems: [],
    });
  });

  it("reads the repository's file, and validates it", async () => {
    nock(API).get(FILE).reply(200, "rerun_budget: 1\ndry_run: true\n");
    const { config, problems } = await loadRepositoryConfig(testOctokit(), REPO);
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ rerun_budget: 1, dry_run: true });
  });

  it("joins the lists of a file it extends: a repository cannot drop the organisation's", async () => {
    nock(API)
      .get(FILE)
      .reply(200, "_extends: .github\ndenied_paths: ['infra/**']\n")
      .get(ORG_FILE)
      .reply(200, "denied_paths: ['db/**']\nrerun_budget: 1\n");
    const { config, problems } = await loadRepositoryConfig(testOctokit(), REPO);
    expect(problems).toEqual([]);
    expect(config.rerun_budget).toBe(1);
    expect([...config.denied_paths].sort()).toEqual(["db/**", "infra/**"]);
  });

  it("reports YAML garbage with the parser's words, on the safe fallback", async () => {
    nock(API).get(FILE).reply(200, "thresholds: [auto: {\n  :::\n");
    const { config, problems } = await loadRepositoryConfig(testOctokit(), REPO);
    expect(config).toEqual(SAFE_CONFIG);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe("(root)");
    expect(problems[0]?.message).toMatch(/^could not be read: .*invalid YAML/);
  });

  it("reports wrong types with their paths, on the safe fallback", async () => {
    nock(API).get(FILE).reply(200, "thresholds:\n  auto: high\n");
    const { config, problems } = await loadRepositoryConfig(testOctokit(), REPO);
    expect(config.actions.rerun).toBe(false);
    expect(problems.map((p) => p.path)).toEqual(["thresholds.auto"]);
  });

  it("refuses a 2 MB file without walking it", async () => {
    const huge = `denied_paths:\n${"  - 'x/**'\n".repeat(200_000)}`;
    nock(API).get(FILE).reply(200, huge);
    const { config, problems } = await loadRepositoryConfig(testOctokit(), REPO);
    expect(config).toEqual(SAFE_CONFIG);
    expect(problems[0]?.message).toContain("larger than 64 KB");
  });

  it("throws when GitHub cannot answer, so the caller retries instead of acting on defaults", async () => {
    nock(API).get(FILE).reply(502, { message: "Bad Gateway" });
    await expect(loadRepositoryConfig(testOctokit(), REPO)).rejects.toMatchObject({ status: 502 });
  });
});
