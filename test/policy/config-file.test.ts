import { readFileSync } from "node:fs";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SAFE_CONFIG } from "../../src/policy/config.ts";
import { checkConfigText, readConfigFile } from "../../src/policy/config-file.ts";
import {
  API,
  expectNoPendingMocks,
  HEAD_SHA,
  OWNER,
  REPO,
  REPO_API,
  testOctokit,
} from "../actions/support.ts";
import { closeTheNetwork } from "../support/nock-github.ts";

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, "../../fixtures/config", name), "utf8");

/** A `.github/codehealer.yml` of `bytes` bytes that would be valid YAML, were it read. */
const huge = (bytes: number): string => {
  const line = `  - "generated/${"x".repeat(100)}/**"\n`;
  return `denied_paths:\n${line.repeat(Math.ceil(bytes / line.length))}`;
};

describe("checkConfigText", () => {
  describe("when the file is valid", () => {
    it("gives its settings", () => {
      const checked = checkConfigText(fixture("full.yml"));
      expect(checked).toMatchObject({ state: "valid", extendsFrom: null });
      expect(checked.state === "valid" && checked.config.rerun_budget).toBe(1);
    });

    it("reads an empty file, or one of comments only, as the defaults", () => {
      expect(checkConfigText("")).toMatchObject({ state: "valid" });
      expect(checkConfigText("# nothing yet\n")).toMatchObject({ state: "valid" });
    });

    it("names the file it extends, which it does not follow", () => {
      expect(checkConfigText("_extends: .github\nthresholds:\n  auto: 0.9\n")).toMatchObject({
        state: "valid",
        extendsFrom: ".github",
      });
    });
  });

  describe("when settings are wrong", () => {
    it("puts each problem at the line of its setting", () => {
      expect(checkConfigText(fixture("wrong-types.yml"))).toEqual({
        state: "invalid",
        fallback: SAFE_CONFIG,
        problems: [
          { path: "enabled", line: 2, message: 'must be `true` or `false`, not the text "yes"' },
          {
            path: "actions.fix_pr",
            line: 5,
            message: 'must be `true` or `false`, not the text "off please"',
          },
          { path: "rerun_budget", line: 3, message: 'must be a number, not the text "two"' },
          { path: "denied_paths", line: 6, message: 'must be a list, not the text ".github/**"' },
          { path: "quiet_hours", line: 7, message: "must be a list, not a mapping" },
        ],
      });
    });

    it("finds settings inside lists and flow mappings, and a missing one at its entry", () => {
      const checked = checkConfigText(fixture("nested-problems.yml"));
      expect(checked.state === "invalid" && checked.problems).toEqual([
        { path: "environments[0].thresholds.auto", line: 7, message: "must be at most 1, not 1.5" },
        {
          path: "actions.fix_prs",
          line: 13,
          message: "is not a setting; did you mean `fix_pr`?",
        },
        { path: "quiet_hours[0].end", line: 9, message: "is required" },
      ]);
    });

    it("suggests the setting a typo meant, at the typo's line", () => {
      const checked = checkConfigText(fixture("typo.yml"));
      expect(checked.state === "invalid" && checked.problems).toEqual([
        {
          path: "reruns_budget",
          line: 2,
          message: "is not a setting; did you mean `rerun_budget`?",
        },
      ]);
    });

    it("finds a key with a dot in it, rather than splitting it", () => {
      const checked = checkConfigText("enabled: true\nactions:\n  fix.pr: true\n");
      expect(checked.state === "invalid" && checked.problems.map((p) => [p.path, p.line])).toEqual([
        ["actions.fix.pr", 3],
      ]);
    });

    it("follows an alias to the line where the value is written", () => {
      const checked = checkConfigText("x-shared: &off\n  rerun: maybe\nactions: *off\n");
      expect(checked.state === "invalid" && checked.problems.map((p) => [p.path, p.line])).toEqual([
        ["actions.rerun", 2],
        ["x-shared", 1],
      ]);
    });

    it("keeps a broken file's kill switch in its fallback", () => {
      expect(checkConfigText(fixture("stopped-but-broken.yml"))).toMatchObject({
        state: "invalid",
        fallback: { enabled: false },
      });
    });

    it("says a list or a text is not a mapping of settings", () => {
      expect(checkConfigText("- enabled\n- true\n")).toMatchObject({
        problems: [
          { path: "(root)", line: 1, message: "must be a mapping of settings, not a list" },
        ],
      });
    });
  });

  describe("when the file is not YAML", () => {
    it("gives one problem with the parser's message and line", () => {
      expect(checkConfigText(fixture("not-yaml.yml"))).toEqual({
        state: "invalid",
        fallback: SAFE_CONFIG,
        problems: [
          {
            path: "(root)",
            line: 3,
            message:
              "is not valid YAML: Nested mappings are not allowed in compact mappings at line 3, column 9",
          },
        ],
      });
    });

    it("refuses a second document in the file", () => {
      expect(checkConfigText("enabled: true\n---\nenabled: false\n")).toMatchObject({
        problems: [{ path: "(root)", line: 2, message: expect.stringContaining("multiple") }],
      });
    });

    it("refuses to expand an alias bomb", () => {
      expect(checkConfigText(fixture("alias-bomb.yml"))).toMatchObject({
        state: "invalid",
        problems: [
          {
            path: "(root)",
            line: 1,
            message:
              "could not be read: Excessive alias count indicates a resource exhaustion attack",
          },
        ],
      });
    });

    it("survives nesting deep enough to overflow a recursive parser", () => {
      const checked = checkConfigText(`denied_paths: ${"[".repeat(30_000)}`);
      expect(checked).toMatchObject({ state: "invalid", problems: [{ path: "(root)" }] });
    });
  });
});

describe("readConfigFile", () => {
  const CONTENTS = `${REPO_API}/contents/.github%2Fcodehealer.yml`;
  const at = { owner: OWNER, repo: REPO, ref: HEAD_SHA };
  const raw = { accept: "application/vnd.github.v3.raw" };

  beforeAll(closeTheNetwork);
  afterAll(() => nock.enableNetConnect());
  afterEach(expectNoPendingMocks);

  it("reads the file at the commit, raw, and checks it", async () => {
    nock(API, { reqheaders: raw })
      .get(CONTENTS)
      .query({ ref: HEAD_SHA })
      .reply(200, fixture("typo.yml"), { "content-type": "text/plain; charset=utf-8" });
    expect(await readConfigFile(testOctokit(), at)).toMatchObject({
      state: "invalid",
      problems: [{ path: "reruns_budget", line: 2 }],
    });
  });

  it("says removed when GitHub has no file at the commit", async () => {
    nock(API)
      .get(CONTENTS)
      .query({ ref: HEAD_SHA })
      .reply(404, { message: "Not Found", status: "404" });
    expect(await readConfigFile(testOctokit(), at)).toEqual({ state: "removed" });
  });

  it("refuses a 2 MB file by its size, unparsed", async () => {
    const text = huge(2 * 1024 * 1024);
    nock(API)
      .get(CONTENTS)
      .query({ ref: HEAD_SHA })
      .reply(200, text, {
        "content-type": "text/plain; charset=utf-8",
        "content-length": String(text.length),
      });
    expect(await readConfigFile(testOctokit(), at)).toMatchObject({
      state: "invalid",
      fallback: SAFE_CONFIG,
      problems: [
        {
          path: "(root)",
          line: 1,
          message:
            "is 2.0 MB, and CodeHealer reads at most 64 KB of configuration: it was not parsed. A configuration needs a few hundred bytes: is the wrong file named `.github/codehealer.yml`?",
        },
      ],
    });
  });

  it("stops reading a file sent without its size once it passes the cap", async () => {
    const text = huge(2 * 1024 * 1024);
    nock(API)
      .get(CONTENTS)
      .query({ ref: HEAD_SHA })
      .reply(200, () => Buffer.from(text), {
        "content-type": "text/plain; charset=utf-8",
        "content-encoding": "identity",
      });
    expect(await readConfigFile(testOctokit(), at)).toMatchObject({
      problems: [{ path: "(root)", message: expect.stringMatching(/^is larger than 64 KB, /) }],
    });
  });

  it("says so when the path is a directory", async () => {
    nock(API)
      .get(CONTENTS)
      .query({ ref: HEAD_SHA })
      .reply(200, [{ name: "x.yml", type: "file" }], {
        "content-type": "application/json; charset=utf-8",
      });
    expect(await readConfigFile(testOctokit(), at)).toMatchObject({
      problems: [{ path: "(root)", message: "is a directory or a submodule, not a file" }],
    });
  });

  it("throws when GitHub fails, for the caller to retry", async () => {
    nock(API).get(CONTENTS).query({ ref: HEAD_SHA }).reply(502, "Bad Gateway");
    await expect(readConfigFile(testOctokit(), at)).rejects.toMatchObject({ status: 502 });
  });
});
