import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FixInput, fixPrKey, openFixPullRequest } from "../../src/actions/fix-pr.ts";
import { viewIncident } from "../../src/actions/incident-view.ts";
import type { FixPrStep } from "../../src/policy/steps.ts";
import { auditedAction } from "../../src/store/audit.ts";
import type { Db } from "../../src/store/database.ts";
import { actions, incidents } from "../../src/store/schema.ts";
import { migratedDatabase } from "../support/database.ts";
import { closeTheNetwork } from "../support/nock-github.ts";
import {
  API,
  bodies,
  diagnosedIncident,
  expectNoPendingMocks,
  githubFixture,
  HEAD_SHA,
  incidentRow,
  OWNER,
  REPO,
  REPO_API,
  REPOSITORY,
  testDeps,
} from "./support.ts";

let db: Db;
let dispose: () => Promise<void>;
const incident = incidentRow(diagnosedIncident());
beforeAll(async () => {
  closeTheNetwork();
  const opened = await migratedDatabase();
  db = opened.database.db;
  dispose = opened.dispose;
  await db.insert(incidents).values(incident);
});
afterAll(async () => {
  await dispose?.();
  nock.enableNetConnect();
});
beforeEach(() => db.delete(actions));
afterEach(expectNoPendingMocks);

const HEAD = "codehealer/fix-415775e25088";
const REF_PATH = `${REPO_API}/git/refs/${encodeURIComponent(`heads/${HEAD}`)}`;
const GET_REF_PATH = `${REPO_API}/git/ref/${encodeURIComponent(`heads/${HEAD}`)}`;
const BASE_TREE = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const NEW_TREE = "cd8274d15fa3ae2ab983129fb037999f264ba9a7";
const NEW_COMMIT = "7a8a4e19e0e9a2d0bd1b4f4f3b2a2b4c1d7c2e11";
const OLD_COMMIT = "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f";
const PERSON_COMMIT = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c";
const STEP: FixPrStep = {
  kind: "fix_pr",
  draft: true,
  base: "feature/invoice-amounts",
  head: HEAD,
};
const FIX: FixInput = {
  files: [
    {
      path: "src/routes/invoices.ts",
      content: "export function total(amount: number): number {\n  return amount * 1.2;\n}\n",
    },
  ],
  message: "fix: annotate the invoice amount as a number",
  title: "fix: annotate the invoice amount as a number",
  body: "`amount` arrives as a string from the form parser; `Number(amount)` makes the type check pass without changing behaviour for valid input.",
};
const target = { owner: OWNER, repo: REPO, incidentId: incident.id };
const key = fixPrKey(REPOSITORY, HEAD, incident.id);

type Sent = ReturnType<typeof bodies>;
const any = () => true;

// Steps 1–3: the base commit, a blob per file, the tree, the commit.
function gitObjects(sent?: { blob: Sent; tree: Sent; commit: Sent }) {
  return nock(API)
    .get(`${REPO_API}/git/commits/${HEAD_SHA}`)
    .reply(200, githubFixture("git-commit.base"))
    .post(`${REPO_API}/git/blobs`, sent?.blob.take ?? any)
    .reply(201, githubFixture("git-blob"))
    .post(`${REPO_API}/git/trees`, sent?.tree.take ?? any)
    .reply(201, githubFixture("git-tree"))
    .post(`${REPO_API}/git/commits`, sent?.commit.take ?? any)
    .reply(201, githubFixture("git-commit.created"));
}

const openPulls = (pulls: unknown[]) =>
  nock(API)
    .get(`${REPO_API}/pulls`)
    .query({ head: `${OWNER}:${HEAD}`, state: "open", per_page: 1 })
    .reply(200, pulls);

const pull = (overrides: Record<string, unknown> = {}) =>
  githubFixture("pull-request", { number: 64, draft: true, ...overrides });

const refExists = (tipSha: string) =>
  nock(API)
    .post(`${REPO_API}/git/refs`)
    .reply(422, githubFixture("error.reference-exists"))
    .get(GET_REF_PATH)
    .reply(200, {
      ...githubFixture("git-ref", { ref: `refs/heads/${HEAD}` }),
      object: { type: "commit", sha: tipSha, url: `${API}${REPO_API}/git/commits/${tipSha}` },
    });

const open = (deps = testDeps(db), step = STEP, fix = FIX) =>
  openFixPullRequest(deps, target, { step, fix, view: viewIncident(incident) }, { dryRun: false });

describe("openFixPullRequest", () => {
  it("commits the fix on a new branch and opens a draft pull request", async () => {
    const sent = {
      blob: bodies(),
      tree: bodies(),
      commit: bodies(),
      ref: bodies(),
      pull: bodies(),
    };
    gitObjects(sent);
    nock(API)
      .post(`${REPO_API}/git/refs`, sent.ref.take)
      .reply(201, githubFixture("git-ref", { ref: `refs/heads/${HEAD}` }));
    openPulls([]);
    nock(API).post(`${REPO_API}/pulls`, sent.pull.take).reply(201, pull());

    const outcome = await open();

    expect(outcome).toMatchObject({
      status: "done",
      targetUrl: "https://github.com/acme/api/pull/64",
      detail: { pullRequest: 64, commitSha: NEW_COMMIT, branch: "created", change: "created" },
    });
    expect(sent.blob.seen).toEqual([{ content: FIX.files[0]?.content, encoding: "utf-8" }]);
    expect(sent.tree.seen).toEqual([
      {
        base_tree: BASE_TREE,
        tree: [
          {
            path: "src/routes/invoices.ts",
            mode: "100644",
            type: "blob",
            sha: "3a0f86fb8db8eea7ccbb9a95f325ddbedfb25e15",
          },
        ],
      },
    ]);
    expect(sent.commit.seen).toEqual([
      {
        message: `${FIX.message}\n\nCodeHealer-Incident: ${incident.id}`,
        tree: NEW_TREE,
        parents: [HEAD_SHA],
      },
    ]);
    expect(sent.ref.seen).toEqual([{ ref: `refs/heads/${HEAD}`, sha: NEW_COMMIT }]);
    expect(sent.pull.seen[0]).toMatchSnapshot();
    expect(await auditedAction(db, key)).toMatchObject({ kind: "fix_pr", status: "done" });
  });

  describe("when the branch already exists", () => {
    it("reuses it when it already holds this very fix", async () => {
      const previous = { ...githubFixture("git-commit.created"), sha: OLD_COMMIT };
      gitObjects();
      refExists(OLD_COMMIT).get(`${REPO_API}/git/commits/${OLD_COMMIT}`).reply(200, previous);
      openPulls([]);
      nock(API).post(`${REPO_API}/pulls`).reply(201, pull());
      const outcome = await open();
      expect(outcome).toMatchObject({
        status: "done",
        detail: { branch: "reused", commitSha: OLD_COMMIT, change: "created" },
      });
    });

    it("moves CodeHealer's own branch to the new fix and updates its open pull request", async () => {
      const previous = {
        ...githubFixture("git-commit.created"),
        sha: OLD_COMMIT,
        tree: { sha: "aaaabbbbccccddddeeeeffff0000111122223333" },
      };
      const sentPull = bodies();
      gitObjects();
      refExists(OLD_COMMIT)
        .get(`${REPO_API}/git/commits/${OLD_COMMIT}`)
        .reply(200, previous)
        .patch(REF_PATH, { sha: NEW_COMMIT, force: true })
        .reply(200, githubFixture("git-ref"));
      // Asked twice: before the branch moves (is its pull request into the same branch?), then
      // to update it.
      const intoBase = pull({ base: { ...(pull().base as object), ref: STEP.base } });
      openPulls([intoBase]);
      openPulls([intoBase]);
      nock(API).patch(`${REPO_API}/pulls/64`, sentPull.take).reply(200, pull());
      const outcome = await open();
      expect(outcome).toMatchObject({
        status: "done",
        detail: { branch: "updated", change: "updated", pullRequest: 64 },
      });
      expect(Object.keys(sentPull.seen[0] ?? {}).sort()).toEqual(["body", "title"]);
    });

    it("never moves the branch of a fix that is open into another branch", async () => {
      const previous = {
        ...githubFixture("git-commit.created"),
        sha: OLD_COMMIT,
        tree: { sha: "aaaabbbbccccddddeeeeffff0000111122223333" },
      };
      gitObjects();
      refExists(OLD_COMMIT).get(`${REPO_API}/git/commits/${OLD_COMMIT}`).reply(200, previous);
      openPulls([pull({ base: { ...(pull().base as object), ref: "release/2.x" } })]);
      const outcome = await open();
      expect(outcome.status).toBe("failed");
      expect((await auditedAction(db, key))?.error).toContain(
        "already open from codehealer/fix-415775e25088 into release/2.x (#64)",
      );
    });

    it("refuses to overwrite a branch whose last commit a person made", async () => {
      gitObjects();
      refExists(PERSON_COMMIT)
        .get(`${REPO_API}/git/commits/${PERSON_COMMIT}`)
        .reply(200, githubFixture("git-commit.by-a-person"));
      const outcome = await open();
      expect(outcome.status).toBe("failed");
      expect((await auditedAction(db, key))?.error).toBe(
        `The branch ${HEAD} already exists in ${REPOSITORY} and its last commit (0b1c2d3) is not CodeHealer's, so CodeHealer will not overwrite it. Delete the branch, or push the fix yourself.`,
      );
    });
  });

  describe("when GitHub rejects the pull request", () => {
    it("deletes the branch it created and records the failure", async () => {
      gitObjects();
      nock(API)
        .post(`${REPO_API}/git/refs`)
        .reply(201, githubFixture("git-ref", { ref: `refs/heads/${HEAD}` }));
      openPulls([]);
      nock(API)
        .post(`${REPO_API}/pulls`)
        .reply(422, githubFixture("error.draft-not-supported"))
        .delete(REF_PATH)
        .reply(204);
      const outcome = await open();
      expect(outcome.status).toBe("failed");
      expect((await auditedAction(db, key))?.error).toBe(
        `Opening the fix draft pull request ${HEAD} → feature/invoice-amounts in ${REPOSITORY} failed: GitHub answered 422 to POST ${REPO_API}/pulls (Validation Failed: Draft pull requests are not supported in this repository.). GitHub rejected the request as it stands; sending it again will not help. The branch ${HEAD} was deleted: no half-made pull request is left behind.`,
      );
    });

    it("says so when the branch could not be deleted either", async () => {
      gitObjects();
      nock(API)
        .post(`${REPO_API}/git/refs`)
        .reply(201, githubFixture("git-ref", { ref: `refs/heads/${HEAD}` }));
      openPulls([]);
      nock(API)
        .post(`${REPO_API}/pulls`)
        .reply(502, githubFixture("error.server"))
        .delete(REF_PATH)
        .reply(502, githubFixture("error.server"));
      const outcome = await open();
      expect(outcome.status === "failed" && outcome.error).toMatch(
        /Deleting the branch codehealer\/fix-415775e25088 failed too .*; delete it by hand\.$/,
      );
      expect(outcome.status === "failed" && outcome.cause).toMatchObject({ retryable: true });
    });
  });

  it("records a 404 on the base commit without creating anything", async () => {
    nock(API)
      .get(`${REPO_API}/git/commits/${HEAD_SHA}`)
      .reply(404, githubFixture("error.not-found"));
    const outcome = await open();
    expect(outcome.status === "failed" && outcome.error).toMatch(
      /answered 404 to GET .*git\/commits/,
    );
  });

  it("refuses a branch outside codehealer/ without calling GitHub", async () => {
    const outcome = await open(testDeps(db), { ...STEP, head: "feature/invoice-amounts" });
    expect(outcome.status === "failed" && outcome.error).toMatch(
      /^Refusing to push a fix to feature\/invoice-amounts/,
    );
  });

  it("in a dry run calls nothing and records the pull request it would open", async () => {
    const outcome = await openFixPullRequest(
      testDeps(db),
      target,
      { step: STEP, fix: FIX, view: viewIncident(incident) },
      { dryRun: true },
    );
    expect(outcome).toMatchObject({
      status: "dry-run",
      message: `[dry-run] Would push 1 changed file(s) to ${HEAD} and open a draft pull request into feature/invoice-amounts in ${REPOSITORY}: "${FIX.title}"`,
    });
  });
});
