import { eq } from "drizzle-orm";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixPrKey } from "../../src/actions/fix-pr.ts";
import { closeIssueKey } from "../../src/actions/issue.ts";
import { fixOutcomeKey } from "../../src/actions/settle-fix.ts";
import type { StoredFix } from "../../src/fixes/types.ts";
import { fixLandedKey } from "../../src/push/fix-landing.ts";
import type { Db } from "../../src/store/database.ts";
import { actions, incidents, type NewIncident } from "../../src/store/schema.ts";
import {
  API,
  bodies,
  diagnosedIncident,
  expectNoPendingMocks,
  FINGERPRINT,
  githubFixture,
  storeIncident,
} from "../actions/support.ts";
import { migratedDatabase } from "../support/database.ts";
import { closeTheNetwork } from "../support/nock-github.ts";
import {
  BEFORE,
  compared,
  inForce,
  type PushPayload,
  pushFixture,
  REPOSITORY,
  receive,
} from "./push-support.ts";

// fixtures/webhooks/push.fix-landed.json: CodeHealer's fix for the incident, cherry-picked onto
// master by a person (the commit keeps its `CodeHealer-Incident` trailer).
const INCIDENT = "0b7e6a52-3f1c-4d7e-9a51-6c2f8e1d4b90";
const AFTER = "e5bd3914e2e596debea16f433f57875b5b90bcd6";
const HEAD = "codehealer/fix-415775e25088";
const PR = 2;

const storedFix: StoredFix = {
  fix: {
    files: [{ path: "src/routes/invoices.ts", content: "export const total = 1;\n" }],
    message: "fix: annotate the invoice amount as a number",
    title: "fix: annotate the invoice amount as a number",
    body: "`amount` arrives as a string.",
  },
  proposed: { kind: "patch", files: ["src/routes/invoices.ts"], validated: false, source: "llm" },
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
});
afterEach(expectNoPendingMocks);

const landed = () => pushFixture("push.fix-landed");

/** The incident the fix was for, with its fix; acted on, in this repository. */
const seedIncident = (overrides: Partial<NewIncident> = {}) =>
  storeIncident(
    db,
    diagnosedIncident({ repository: REPOSITORY, status: "acted", fix: storedFix, ...overrides }),
  );

/** CodeHealer opened fix pull request #2 for it. */
const seedFixPull = () =>
  db.insert(actions).values({
    incidentId: INCIDENT,
    repository: REPOSITORY,
    kind: "fix_pr",
    idempotencyKey: fixPrKey(REPOSITORY, HEAD, INCIDENT),
    status: "done",
    targetUrl: `https://github.com/${REPOSITORY}/pull/${PR}`,
    detail: { pullRequest: PR, head: HEAD, commitSha: "7a8a4e19e0e9a2d0bd1b4f4f3b2a2b4c1d7c2e11" },
  });

const incident = async () => {
  const [row] = await db.select().from(incidents).where(eq(incidents.id, INCIDENT));
  return { status: row?.status, outcome: row?.outcome };
};
const audit = async () =>
  (await db.select().from(actions).orderBy(actions.id))
    .filter((row) => row.kind !== "fix_pr")
    .map((row) => ({ key: row.idempotencyKey, status: row.status }));

/** The push's diff: the fix's one line, no secret. */
const fixDiff = () =>
  compared(BEFORE, AFTER, [
    {
      filename: "src/routes/invoices.ts",
      status: "modified",
      patch:
        '@@ -12,7 +12,7 @@ export function invoiceTotal(lines: Line[]) {\n   const total = lines.reduce((sum, l) => sum + l.amount, 0);\n   return {\n     currency: "EUR",\n-    amount: String(total),\n+    amount: total,\n   };\n }\n',
    },
  ]);

/** The fingerprint's issue, open, found by search; the comment and the close it receives. */
function openIssue() {
  const issue = githubFixture<{ items: Record<string, unknown>[] }>("search-issues");
  const found = { ...issue.items[0], body: `<!-- codehealer:fingerprint:${FINGERPRINT} -->` };
  const said = bodies();
  const patched = bodies();
  nock(API)
    .get("/search/issues")
    .query(true)
    .reply(200, { ...issue, items: [found] })
    .post(`/repos/${REPOSITORY}/issues/51/comments`, said.take)
    .reply(201, githubFixture("issue-comment"))
    .patch(`/repos/${REPOSITORY}/issues/51`, patched.take)
    .reply(200, githubFixture("issue", { state: "closed" }));
  return { said, patched };
}

describe("push", () => {
  describe("when a CodeHealer fix commit lands on the default branch without its pull request", () => {
    it("resolves the incident as fix_merged and closes its issue once, naming the commit", async () => {
      await seedIncident();
      inForce(null);
      const { said, patched } = openIssue();
      fixDiff();
      const verdict = await receive(db, landed());
      expect(verdict).toEqual({
        status: "processed",
        reason: `fix of incident ${INCIDENT} landed in e5bd391: outcome done, issue done`,
      });
      expect(await incident()).toEqual({ status: "resolved", outcome: "fix_merged" });
      expect(said.seen).toEqual([
        {
          body: `Fixed by ${AFTER}, CodeHealer's fix for this failure, now on \`master\`. If the failure comes back, CodeHealer reopens this issue.`,
        },
      ]);
      expect(patched.seen).toEqual([{ state: "closed", state_reason: "completed" }]);
      expect(await audit()).toEqual([
        { key: fixLandedKey(REPOSITORY, INCIDENT), status: "done" },
        { key: closeIssueKey(REPOSITORY, FINGERPRINT, AFTER), status: "done" },
      ]);
    });

    it("does nothing new when the push is delivered again", async () => {
      await seedIncident();
      inForce(null);
      openIssue();
      fixDiff();
      await receive(db, landed());
      const before = await audit();
      inForce(null);
      fixDiff();
      expect(await receive(db, landed())).toEqual({
        status: "ignored",
        reason: `no commit touches .github/codehealer.yml; fix of incident ${INCIDENT} landed in e5bd391: outcome already done, issue already done; 1 file scanned: no secret; no remembered patch to compare with`,
      });
      expect(await audit()).toEqual(before);
    });

    it("settles it while its fix pull request is still open (a cherry-pick)", async () => {
      await seedIncident();
      await seedFixPull();
      inForce(null);
      nock(API)
        .get(`/repos/${REPOSITORY}/pulls/${PR}`)
        .reply(200, githubFixture("pull-request", { number: PR, state: "open", merged: false }));
      openIssue();
      fixDiff();
      expect(await receive(db, landed())).toMatchObject({ status: "processed" });
      expect(await incident()).toEqual({ status: "resolved", outcome: "fix_merged" });
    });

    it("closes nothing when issues are turned off, and still records the outcome", async () => {
      await seedIncident();
      inForce("actions:\n  issue: false\n");
      fixDiff();
      await receive(db, landed());
      expect(await incident()).toEqual({ status: "resolved", outcome: "fix_merged" });
      expect(await audit()).toEqual([
        { key: fixLandedKey(REPOSITORY, INCIDENT), status: "done" },
        { key: closeIssueKey(REPOSITORY, FINGERPRINT, AFTER), status: "skipped" },
      ]);
    });

    it("in a dry run records the outcome and only says it would close the issue", async () => {
      await seedIncident();
      inForce("dry_run: true\n");
      fixDiff();
      expect(await receive(db, landed())).toMatchObject({
        status: "processed",
        reason: expect.stringContaining("outcome done, issue dry-run"),
      });
      const [close] = await db
        .select()
        .from(actions)
        .where(eq(actions.idempotencyKey, closeIssueKey(REPOSITORY, FINGERPRINT, AFTER)));
      expect(close?.detail).toMatchObject({
        message: expect.stringContaining(
          `[dry-run] Would close the issue for fingerprint ${FINGERPRINT} in ${REPOSITORY}: Fixed by ${AFTER}`,
        ),
      });
      expect(await audit()).toEqual([
        { key: fixLandedKey(REPOSITORY, INCIDENT), status: "done" },
        { key: closeIssueKey(REPOSITORY, FINGERPRINT, AFTER), status: "dry-run" },
      ]);
    });
  });

  describe("when its pull request already settled the fix", () => {
    it("does nothing new: no outcome, no issue request", async () => {
      // What pull_request.closed (merged) left behind: src/actions/settle-fix.ts.
      await seedIncident({ status: "resolved", outcome: "fix_merged" });
      await seedFixPull();
      await db.insert(actions).values([
        {
          incidentId: INCIDENT,
          repository: REPOSITORY,
          kind: "fix_outcome",
          idempotencyKey: fixOutcomeKey(REPOSITORY, PR, true),
          status: "done",
        },
        {
          incidentId: INCIDENT,
          repository: REPOSITORY,
          kind: "close_issue",
          idempotencyKey: closeIssueKey(REPOSITORY, FINGERPRINT, `${REPOSITORY}#${PR}`),
          status: "done",
        },
      ]);
      const before = await audit();
      inForce(null);
      fixDiff();
      expect(await receive(db, landed())).toMatchObject({
        status: "ignored",
        reason: expect.stringContaining(
          `incident ${INCIDENT} was already settled by its fix pull request`,
        ),
      });
      expect(await audit()).toEqual(before);
    });

    it("leaves a merged pull request to pull_request.closed, even before that event is handled", async () => {
      await seedIncident();
      await seedFixPull();
      inForce(null);
      nock(API)
        .get(`/repos/${REPOSITORY}/pulls/${PR}`)
        .reply(200, githubFixture("pull-request", { number: PR, state: "closed", merged: true }));
      fixDiff();
      expect(await receive(db, landed())).toMatchObject({
        status: "ignored",
        reason: expect.stringContaining(`fix #${PR} of incident ${INCIDENT} was merged`),
      });
      expect(await incident()).toEqual({ status: "acted", outcome: null });
    });
  });

  describe("when the trailer names an incident of another repository", () => {
    it("leaves that incident alone", async () => {
      await seedIncident({ repository: "acme/api" });
      inForce(null);
      fixDiff();
      expect(await receive(db, landed())).toMatchObject({
        status: "ignored",
        reason: expect.stringContaining(
          `e5bd391 names incident ${INCIDENT}, which is not one of ${REPOSITORY}'s`,
        ),
      });
      expect(await incident()).toEqual({ status: "acted", outcome: null });
    });
  });

  describe("when the fix commit is pushed to another branch", () => {
    it("settles nothing: only the default branch is where a fix lands", async () => {
      await seedIncident();
      const payload: PushPayload = { ...landed(), ref: "refs/heads/release-prep" };
      inForce(null);
      fixDiff();
      await receive(db, payload);
      expect(await incident()).toEqual({ status: "acted", outcome: null });
      expect(await audit()).toEqual([]);
    });
  });

  describe("when the configuration in force turns CodeHealer off", () => {
    it("does nothing at all", async () => {
      await seedIncident();
      inForce("enabled: false\n");
      expect(await receive(db, landed())).toEqual({
        status: "ignored",
        reason: "CodeHealer is turned off here (`enabled: false`)",
      });
      expect(await incident()).toEqual({ status: "acted", outcome: null });
      expect(await audit()).toEqual([]);
    });
  });
});
