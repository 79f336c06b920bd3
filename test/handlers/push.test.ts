import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import nock from "nock";
import pino from "pino";
import { Context } from "probot";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configCheckKey } from "../../src/actions/config-check.ts";
import { ActionError } from "../../src/actions/github-error.ts";
import { onPush } from "../../src/handlers/push.ts";
import type { PipelineDeps, Verdict } from "../../src/handlers/types.ts";
import { auditedAction } from "../../src/store/audit.ts";
import type { Db } from "../../src/store/database.ts";
import { actions } from "../../src/store/schema.ts";
import {
  API,
  bodies,
  expectNoPendingMocks,
  githubFixture,
  testOctokit,
} from "../actions/support.ts";
import { migratedDatabase } from "../support/database.ts";
import { webhookFixture } from "../support/github.ts";
import { closeTheNetwork } from "../support/nock-github.ts";

// The repository and commits of fixtures/webhooks/push.config-changed.json.
const OWNER = "Codertocat";
const REPO = "Hello-World";
const REPOSITORY = `${OWNER}/${REPO}`;
const AFTER = "3c9e0a7f5d2b4e6a8c1f3d5b7a9e2c4f6b8d0a1e";
const FILE = ".github%2Fcodehealer.yml";
const CHECK_RUN_ID = 28193829931;

const config = (name: string): string =>
  readFileSync(join(import.meta.dirname, "../../fixtures/config", name), "utf8");

type Payload = Record<string, unknown> & {
  ref: string;
  commits: { added: string[]; modified: string[]; removed: string[] }[];
  head_commit: { added: string[]; modified: string[]; removed: string[] } | null;
  repository: { name: string; full_name: string };
};
const configChanged = () => webhookFixture("push.config-changed") as Payload;

/** The same push, its last commit doing `change` to `.github/codehealer.yml`. */
function changing(change: "added" | "modified" | "removed", payload = configChanged()): Payload {
  for (const commit of [payload.commits.at(-1)!, payload.head_commit!]) {
    commit.added = [];
    commit.modified = [];
    commit.removed = [];
    commit[change] = [".github/codehealer.yml"];
  }
  return payload;
}

let db: Db;
let dispose: () => Promise<void>;
const deps = (): PipelineDeps => ({
  db,
  queue: { enqueue: async () => {} },
  log: pino({ level: "silent" }),
  appId: 123,
});
const receive = (payload: Record<string, unknown>, id = randomUUID()): Promise<Verdict> =>
  onPush(
    new Context<"push">(
      { id, name: "push", payload } as EmitterWebhookEvent<"push">,
      testOctokit(),
      pino({ level: "silent" }),
    ),
    deps(),
  );

const raw = { "content-type": "text/plain; charset=utf-8" };
/** The configuration in force: `.github/codehealer.yml` on the default branch, as Probot reads it. */
function inForce(text: string | null, repo = REPO) {
  const scope = nock(API).get(`/repos/${OWNER}/${repo}/contents/${FILE}`);
  if (text !== null) return scope.reply(200, text, raw);
  // No file: Probot looks in the owner's `.github` repository next.
  scope.reply(404, githubFixture("error.not-found"));
  if (repo === ".github") return;
  nock(API)
    .get(`/repos/${OWNER}/.github/contents/${FILE}`)
    .reply(404, githubFixture("error.not-found"));
}
/** The file at the pushed commit. */
function atCommit(text: string | null, repo = REPO) {
  const scope = nock(API).get(`/repos/${OWNER}/${repo}/contents/${FILE}`).query({ ref: AFTER });
  if (text === null) scope.reply(404, githubFixture("error.not-found"));
  else scope.reply(200, text, { ...raw, "content-length": String(Buffer.byteLength(text)) });
}
function checkRunCreated(repo = REPO) {
  const sent = bodies();
  nock(API)
    .post(`/repos/${OWNER}/${repo}/check-runs`, sent.take)
    .reply(201, githubFixture("check-run", { id: CHECK_RUN_ID, name: "CodeHealer configuration" }));
  return sent;
}
const BEFORE = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
/**
 * The push's diff, which every push to a branch is scanned in (docs/push.md): the README line
 * and the thresholds the fixture's two commits change, no secret among them.
 */
function compared(repo = REPO) {
  nock(API)
    .get(`/repos/${OWNER}/${repo}/compare/${BEFORE}...${AFTER}`)
    .query({ per_page: 1 })
    .reply(
      200,
      githubFixture("compare", {
        files: [
          githubFixture<{ files: unknown[] }>("compare").files[0],
          {
            filename: ".github/codehealer.yml",
            status: "modified",
            additions: 2,
            deletions: 1,
            changes: 3,
            patch:
              "@@ -1,3 +1,4 @@\n thresholds:\n-  auto: 0.85\n+  auto: 0.9\n+  review: 0.7\n dry_run: false",
          },
        ],
      }),
    );
}

/** The body GitHub received, with the moment it was sent left out. */
const received = (sent: ReturnType<typeof bodies>) => {
  expect(sent.seen).toHaveLength(1);
  expect(Date.parse(String(sent.seen[0]?.completed_at))).not.toBeNaN();
  return { ...sent.seen[0], completed_at: "(now)" };
};
type SentOutput = {
  title: string;
  summary: string;
  annotations: { path: string; start_line: number; title: string; message: string }[];
};
const outputOf = (sent: ReturnType<typeof bodies>) => sent.seen[0]?.output as SentOutput;

beforeAll(async () => {
  closeTheNetwork();
  const opened = await migratedDatabase();
  db = opened.database.db;
  dispose = opened.dispose;
});
afterAll(async () => {
  await dispose?.();
  nock.enableNetConnect();
});
beforeEach(() => db.delete(actions));
afterEach(expectNoPendingMocks);

describe("push", () => {
  describe("when a push to the default branch changes .github/codehealer.yml", () => {
    describe("and the file is valid", () => {
      it("passes the configuration check on the pushed commit, saying what it changes", async () => {
        inForce(config("example.yml"));
        atCommit(config("example.yml"));
        const sent = checkRunCreated();
        compared();
        const verdict = await receive(configChanged());
        expect(verdict).toEqual({
          status: "processed",
          reason: "CodeHealer configuration check run on 3c9e0a7: success",
        });
        expect(received(sent)).toMatchSnapshot();
      });
    });

    describe("and settings have the wrong types", () => {
      it("fails the check with each problem's exact path, annotated at its line", async () => {
        inForce(config("nested-problems.yml"));
        atCommit(config("nested-problems.yml"));
        const sent = checkRunCreated();
        compared();
        await receive(configChanged());
        expect(received(sent)).toMatchSnapshot();
        expect(outputOf(sent).annotations.map((a) => [a.title, a.start_line, a.message])).toEqual([
          ["environments[0].thresholds.auto", 7, "must be at most 1, not 1.5"],
          ["actions.fix_prs", 13, "is not a setting; did you mean `fix_pr`?"],
          ["quiet_hours[0].end", 9, "is required"],
        ]);
        expect(await auditedAction(db, configCheckKey(REPOSITORY, AFTER))).toMatchObject({
          kind: "check_run",
          status: "done",
          detail: { conclusion: "failure", problems: 3, checkRunId: CHECK_RUN_ID },
        });
      });
    });

    describe("and a setting's name is misspelt", () => {
      it("suggests the setting meant, at the typo's line", async () => {
        inForce(config("typo.yml"));
        atCommit(config("typo.yml"));
        const sent = checkRunCreated();
        compared();
        await receive(changing("added"));
        expect(outputOf(sent).annotations).toEqual([
          {
            path: ".github/codehealer.yml",
            start_line: 2,
            end_line: 2,
            annotation_level: "failure",
            title: "reruns_budget",
            message: "is not a setting; did you mean `rerun_budget`?",
          },
        ]);
      });
    });

    describe("and the file is not YAML", () => {
      it("fails the check with the parser's message, at its line", async () => {
        // Probot cannot parse it either: the configuration in force is the safe fallback.
        inForce(config("not-yaml.yml"));
        atCommit(config("not-yaml.yml"));
        const sent = checkRunCreated();
        compared();
        await receive(configChanged());
        expect(outputOf(sent)).toMatchObject({
          title: "1 problem in .github/codehealer.yml",
          annotations: [
            {
              start_line: 3,
              title: "(root)",
              message:
                "is not valid YAML: Nested mappings are not allowed in compact mappings at line 3, column 9",
            },
          ],
        });
      });
    });

    describe("and the file is 2 MB", () => {
      it("refuses it unparsed, saying how big it is and what the cap is", async () => {
        const line = `  - "generated/${"x".repeat(100)}/**"\n`;
        const text = `denied_paths:\n${line.repeat(Math.ceil((2 * 1024 * 1024) / line.length))}`;
        // The default branch held a valid file until this push; the worker has not read it since.
        inForce(config("example.yml"));
        atCommit(text);
        const sent = checkRunCreated();
        compared();
        await receive(configChanged());
        expect(outputOf(sent).summary).toContain(
          "- `(root)` (line 1): is 2.0 MB, and CodeHealer reads at most 64 KB of configuration: it was not parsed.",
        );
      });
    });

    describe("and the file was removed", () => {
      it("passes the check: the defaults apply", async () => {
        inForce(null);
        atCommit(null);
        const sent = checkRunCreated();
        compared();
        await receive(changing("removed"));
        expect(sent.seen[0]).toMatchObject({
          conclusion: "success",
          output: { title: ".github/codehealer.yml removed: defaults apply" },
        });
        expect(outputOf(sent).summary).toContain("uses the file in `Codertocat/.github`");
      });
    });
  });

  describe("when the push is to another branch", () => {
    it("checks the file and says it applies once merged into the default branch", async () => {
      const payload = configChanged();
      payload.ref = "refs/heads/tune-codehealer";
      inForce(null);
      atCommit(config("wrong-types.yml"));
      const sent = checkRunCreated();
      compared();
      await receive(payload);
      expect(outputOf(sent).title).toBe("5 problems in .github/codehealer.yml");
      expect(outputOf(sent).summary).toContain(
        "This file applies once merged into `master`: CodeHealer reads its configuration from the default branch.",
      );
    });
  });

  describe("when the push is to the owner's .github repository", () => {
    it("checks the file every repository without one falls back to", async () => {
      const payload = configChanged();
      payload.repository.name = ".github";
      payload.repository.full_name = `${OWNER}/.github`;
      inForce(config("typo.yml"), ".github");
      atCommit(config("typo.yml"), ".github");
      const sent = checkRunCreated(".github");
      compared(".github");
      await receive(payload);
      expect(outputOf(sent).summary).toContain(
        "CodeHealer runs on safe defaults in every repository of `Codertocat` without a `.github/codehealer.yml` of its own",
      );
    });
  });

  describe("when no commit touches .github/codehealer.yml", () => {
    it("gets no configuration check; the push is only scanned", async () => {
      const payload = configChanged();
      payload.commits.at(-1)!.modified = ["src/index.ts"];
      payload.head_commit!.modified = ["src/index.ts"];
      inForce(null);
      compared();
      expect(await receive(payload)).toEqual({
        status: "ignored",
        reason:
          "no commit touches .github/codehealer.yml; no CodeHealer fix commit; 2 files scanned: no secret; no remembered patch to compare with",
      });
    });

    it("says so when GitHub's list of commits may be cut short", async () => {
      const payload = configChanged();
      const commit = { ...payload.commits[0]!, modified: ["README.md"] };
      payload.commits = Array.from({ length: 2048 }, () => commit);
      payload.head_commit = commit;
      inForce(null);
      compared();
      expect(await receive(payload)).toMatchObject({
        status: "ignored",
        reason: expect.stringContaining("none of the 2048 commits GitHub listed"),
      });
    });
  });

  describe("when a tag is pushed", () => {
    it("is ignored", async () => {
      expect(await receive(webhookFixture("push"))).toEqual({
        status: "ignored",
        reason: "refs/tags/simple-tag is not a branch",
      });
    });
  });

  describe("when a branch is deleted", () => {
    it("is ignored", async () => {
      expect(await receive(webhookFixture("push.branch-deleted"))).toEqual({
        status: "ignored",
        reason: "refs/heads/config-typo was deleted",
      });
    });
  });

  describe("when the payload is not a push GitHub would send", () => {
    it("is ignored, naming the missing field", async () => {
      const payload = configChanged();
      payload.after = "not a sha";
      expect(await receive(payload)).toEqual({
        status: "ignored",
        reason: "payload lacks what a push needs: after",
      });
    });
  });

  describe("when the configuration in force turns CodeHealer off", () => {
    it("reports nothing", async () => {
      inForce("enabled: false\n");
      expect(await receive(configChanged())).toEqual({
        status: "ignored",
        reason: "CodeHealer is turned off here (`enabled: false`)",
      });
    });
  });

  describe("when the configuration in force is a dry run", () => {
    it("records the check run it would have created", async () => {
      inForce("dry_run: true\n");
      atCommit("dry_run: true\n");
      compared();
      expect(await receive(configChanged())).toEqual({
        status: "processed",
        reason: `[dry-run] Would create the CodeHealer configuration check run (success) on 3c9e0a7 in ${REPOSITORY}`,
      });
    });
  });

  describe("when GitHub refuses the check run", () => {
    it("records the failure in the audit trail and settles the delivery", async () => {
      inForce(config("typo.yml"));
      atCommit(config("typo.yml"));
      nock(API)
        .post(`/repos/${REPOSITORY}/check-runs`)
        .reply(403, githubFixture("error.forbidden"));
      compared();
      const verdict = await receive(configChanged());
      expect(verdict.status).toBe("processed");
      expect(verdict.reason).toContain('"checks: write"');
      expect(await auditedAction(db, configCheckKey(REPOSITORY, AFTER))).toMatchObject({
        status: "failed",
        error: expect.stringContaining("GitHub answered 403"),
      });
    });
  });

  describe("when GitHub fails on its side", () => {
    it("throws for the queue to retry, and the retry writes the check run once", async () => {
      inForce(config("typo.yml"));
      atCommit(config("typo.yml"));
      nock(API).post(`/repos/${REPOSITORY}/check-runs`).reply(502, githubFixture("error.server"));
      const id = randomUUID();
      const error = await receive(configChanged(), id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ActionError);
      expect(error).toMatchObject({ status: 502, retryable: true });

      inForce(config("typo.yml"));
      atCommit(config("typo.yml"));
      nock(API)
        .get(`/repos/${REPOSITORY}/commits/${AFTER}/check-runs`)
        .query({ check_name: "CodeHealer configuration", filter: "all", per_page: 100 })
        .reply(200, { total_count: 0, check_runs: [] });
      checkRunCreated();
      compared();
      expect(await receive(configChanged(), id)).toMatchObject({ status: "processed" });
    });
  });

  describe("when the push is delivered again", () => {
    it("does not write a second check run", async () => {
      inForce(config("typo.yml"));
      atCommit(config("typo.yml"));
      checkRunCreated();
      compared();
      await receive(configChanged());
      inForce(config("typo.yml"));
      compared();
      expect(await receive(configChanged())).toMatchObject({
        status: "ignored",
        reason: expect.stringMatching(/^\.github\/codehealer\.yml at 3c9e0a7 is already checked; /),
      });
    });
  });
});
