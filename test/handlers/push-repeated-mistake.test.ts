import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { repeatedCheckKey } from "../../src/push/repeated-check-output.ts";
import { auditedAction } from "../../src/store/audit.ts";
import type { Db } from "../../src/store/database.ts";
import { actions, EMBEDDING_DIMENSIONS, incidents, solutions } from "../../src/store/schema.ts";
import { type SolutionInput, saveSolution } from "../../src/store/solutions.ts";
import { API, bodies, expectNoPendingMocks, githubFixture } from "../actions/support.ts";
import { migratedDatabase } from "../support/database.ts";
import { closeTheNetwork } from "../support/nock-github.ts";
import {
  BEFORE,
  type ComparedFile,
  compared,
  inForce,
  OWNER,
  pushFixture,
  REPOSITORY,
  receive,
} from "./push-support.ts";

// fixtures/webhooks/push.feature-branch.json: a push to branch upgrade-build changing package.json.
const AFTER = "a41c9e2d7f3b5a8c1e6d4f2b9a7c5e3d1f8b6a04";
// The incident memory learnt from: node-sass failing to build, fixed by moving to sass.
const EARLIER = "5c1d7e0a-8b2f-4e6d-9c3a-1f7b2d4e6a80";
const CHECK_RUN_ID = 28193830012;

const earlierFix: SolutionInput = {
  fingerprint: "9a1c3e5f7b2d4f6a8c0e1a3b5d7f9c2e",
  fingerprintVersion: 1,
  embedding: Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => (i === 0 ? 1 : 0)),
  embeddingModel: "local-hash-v1",
  category: "dependency_resolution",
  repository: REPOSITORY,
  organization: OWNER,
  fix: "Replace node-sass, which no longer builds on Node 20, with sass",
  patch: [
    "diff --git a/package.json b/package.json",
    "--- a/package.json",
    "+++ b/package.json",
    "@@ -20,6 +20,6 @@",
    '     "eslint": "^8.57.0",',
    '     "jest": "^29.7.0",',
    '-    "node-sass": "^4.14.1",',
    '+    "sass": "^1.77.0",',
    '     "typescript": "^5.4.5",',
    "   },",
    '   "engines": {',
    "",
  ].join("\n"),
  source: "incident",
  sourceRef: EARLIER,
  errorLine: "gyp ERR! build error: node-sass@4.14.1 postinstall: `node scripts/build.js`",
  excerpt: null,
  successes: 1,
  failures: 0,
};

/** The push's diff: node-sass back in the dev dependencies, at line 23. */
const packageJson: ComparedFile = {
  filename: "package.json",
  status: "modified",
  patch: [
    "@@ -20,6 +20,7 @@",
    '     "eslint": "^8.57.0",',
    '     "jest": "^29.7.0",',
    '+    "node-sass": "^4.14.1",',
    '     "sass": "^1.77.0",',
    '     "typescript": "^5.4.5",',
    "   },",
    '   "engines": {',
  ].join("\n"),
};

let db: Db;
let dispose: () => Promise<void>;
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
beforeEach(async () => {
  await db.delete(actions);
  await db.delete(incidents);
  await db.delete(solutions);
});
afterEach(expectNoPendingMocks);

const pushed = () => pushFixture("push.feature-branch");

function checkRunCreated() {
  const sent = bodies();
  nock(API)
    .post(`/repos/${REPOSITORY}/check-runs`, sent.take)
    .reply(
      201,
      githubFixture("check-run", { id: CHECK_RUN_ID, name: "CodeHealer: repeated mistake" }),
    );
  return sent;
}

describe("push", () => {
  describe("when a push brings back a line a remembered fix removed", () => {
    it("warns on the line with a neutral check run naming the earlier incident and its fix", async () => {
      await saveSolution(db, earlierFix);
      inForce(null);
      compared(BEFORE, AFTER, [packageJson]);
      const sent = checkRunCreated();
      expect(await receive(db, pushed())).toEqual({
        status: "processed",
        reason: "1 repeated mistake on a41c9e2: check run written",
      });
      expect(sent.seen).toHaveLength(1);
      expect(sent.seen[0]).toMatchSnapshot();
      expect(sent.seen[0]).toMatchObject({
        name: "CodeHealer: repeated mistake",
        head_sha: AFTER,
        conclusion: "neutral",
        output: {
          annotations: [
            {
              path: "package.json",
              start_line: 22,
              annotation_level: "warning",
              message: `This brings back the line that caused incident ${EARLIER} (gyp ERR! build error: node-sass@4.14.1 postinstall: \`node scripts/build.js\`); it was fixed by: Replace node-sass, which no longer builds on Node 20, with sass.`,
            },
          ],
        },
      });
      expect(await auditedAction(db, repeatedCheckKey(REPOSITORY, AFTER))).toMatchObject({
        kind: "check_run",
        status: "done",
        detail: { checkRunId: CHECK_RUN_ID, conclusion: "neutral", annotations: 1 },
      });
    });

    it("writes the check run once when the push is delivered again", async () => {
      await saveSolution(db, earlierFix);
      inForce(null);
      compared(BEFORE, AFTER, [packageJson]);
      const sent = checkRunCreated();
      await receive(db, pushed());
      inForce(null);
      compared(BEFORE, AFTER, [packageJson]);
      expect(await receive(db, pushed())).toMatchObject({
        status: "ignored",
        reason: expect.stringContaining("check run already written"),
      });
      expect(sent.seen).toHaveLength(1);
    });
  });

  describe("when the fix that removed the line failed more often than it worked", () => {
    it("says nothing: that line was not shown to be the cause", async () => {
      await saveSolution(db, { ...earlierFix, successes: 0, failures: 2 });
      inForce(null);
      compared(BEFORE, AFTER, [packageJson]);
      expect(await receive(db, pushed())).toMatchObject({
        status: "ignored",
        reason: expect.stringContaining("no remembered patch to compare with"),
      });
    });
  });

  describe("when memory has no fix with a patch", () => {
    it("asks for the diff once, for the secret scan alone, and writes no check run", async () => {
      await saveSolution(db, { ...earlierFix, patch: null });
      inForce(null);
      compared(BEFORE, AFTER, [packageJson]);
      expect(await receive(db, pushed())).toEqual({
        status: "ignored",
        reason:
          "no commit touches .github/codehealer.yml; 1 file scanned: no secret; no remembered patch to compare with",
      });
    });
  });

  describe("when check runs are turned off", () => {
    it("does not look for repeated mistakes", async () => {
      await saveSolution(db, earlierFix);
      inForce("actions:\n  check_run: false\n");
      compared(BEFORE, AFTER, [packageJson]);
      expect(await receive(db, pushed())).toMatchObject({ status: "ignored" });
      expect(await auditedAction(db, repeatedCheckKey(REPOSITORY, AFTER))).toBeUndefined();
    });
  });

  describe("when the configuration in force is a dry run", () => {
    it("records the check run it would have written", async () => {
      await saveSolution(db, earlierFix);
      inForce("dry_run: true\n");
      compared(BEFORE, AFTER, [packageJson]);
      expect(await receive(db, pushed())).toEqual({
        status: "processed",
        reason: `[dry-run] Would create the CodeHealer: repeated mistake check run (neutral) on a41c9e2 in ${REPOSITORY}`,
      });
    });
  });
});
