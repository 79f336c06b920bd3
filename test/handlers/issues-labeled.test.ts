import { randomUUID } from "node:crypto";
import nock from "nock";
import pino from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { issueIncident } from "../../src/actions/issue-incident.ts";
import { diagnoseIncident, externalEvidence } from "../../src/diagnosis/incident.ts";
import type { Db } from "../../src/store/database.ts";
import { getDelivery } from "../../src/store/deliveries.ts";
import { getIncident } from "../../src/store/incidents.ts";
import { deliveries, incidents } from "../../src/store/schema.ts";
import { processDelivery, type WorkerDeps } from "../../src/worker.ts";
import {
  API,
  expectNoPendingMocks,
  githubFixture,
  NOW,
  OWNER,
  REPO,
  REPO_API,
  REPOSITORY,
  testOctokit,
} from "../actions/support.ts";
import { migratedDatabase } from "../support/database.ts";
import { webhookFixture } from "../support/github.ts";
import { closeTheNetwork } from "../support/nock-github.ts";

// The fixtures are a person labelling their issue `codehealer`, and CodeHealer labelling the
// issue it filed; the tests move them to the repository of the recorded GitHub responses.
const LABELLED = "issues.labeled.codehealer";
const FILED = "issues.labeled.codehealer-filed";
const ISSUE = 1;
const INSTALLATION = 4242;
const MAIN_HEAD = "7a8a4e19e0e9a2d0bd1b4f4f3b2a2b4c1d7c2e11";

let db: Db;
let dispose: () => Promise<void>;
let queued: string[];
let workerDeps: WorkerDeps;

beforeAll(async () => {
  closeTheNetwork();
  const opened = await migratedDatabase();
  db = opened.database.db;
  dispose = opened.dispose;
  workerDeps = {
    db,
    queue: { enqueue: async (_queue, key) => void queued.push(key) },
    log: pino({ level: "silent" }),
    appId: 123,
    octokitFor: async () => testOctokit(),
    now: () => NOW,
  };
});
afterAll(async () => {
  await dispose?.();
  nock.cleanAll();
  nock.enableNetConnect();
});
beforeEach(async () => {
  queued = [];
  await db.delete(incidents);
  await db.delete(deliveries);
});
afterEach(expectNoPendingMocks);

type LabelOptions = {
  fixture?: string;
  label?: string;
  body?: string;
  pullRequest?: boolean;
  senderType?: string;
};

/** An `issues.labeled` payload: the fixture, moved to acme/api (default branch main). */
function labelPayload(options: LabelOptions = {}): Record<string, unknown> {
  const payload = webhookFixture(options.fixture ?? LABELLED) as Record<
    string,
    Record<string, unknown>
  >;
  const repository = payload.repository ?? {};
  const issue = payload.issue ?? {};
  return {
    ...payload,
    label: { ...payload.label, name: options.label ?? payload.label?.name },
    issue: {
      ...issue,
      html_url: `https://github.com/${REPOSITORY}/issues/${ISSUE}`,
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.pullRequest
        ? { pull_request: { url: `https://api.github.com${REPO_API}/pulls/${ISSUE}` } }
        : {}),
    },
    repository: {
      ...repository,
      name: REPO,
      full_name: REPOSITORY,
      default_branch: "main",
      owner: { ...(repository.owner as object), login: OWNER },
    },
    sender: options.senderType
      ? { ...payload.sender, login: "triage[bot]", type: options.senderType }
      : payload.sender,
    installation: { id: INSTALLATION },
  };
}

async function storeLabel(options: LabelOptions = {}, id: string = randomUUID()) {
  await db
    .insert(deliveries)
    .values({
      id,
      event: "issues",
      action: "labeled",
      installationId: INSTALLATION,
      repository: REPOSITORY,
      payload: labelPayload(options),
    })
    .onConflictDoNothing();
  return id;
}

async function label(options: LabelOptions = {}, id?: string) {
  const stored = await storeLabel(options, id);
  await processDelivery(workerDeps, stored);
  const delivery = await getDelivery(db, stored);
  return { status: delivery?.status, reason: delivery?.statusReason ?? "" };
}

/** The issue's text as its incident keeps it. */
const evidenceText = (incident: { evidence: unknown } | undefined) =>
  z.object({ external: externalEvidence }).parse(incident?.evidence).external.text;

/** The head of main, where the issue's incident is pinned. */
const mainHead = () =>
  nock(API)
    .get(`${REPO_API}/git/ref/${encodeURIComponent("heads/main")}`)
    .reply(200, githubFixture("git-ref", { ref: "refs/heads/main" }));

describe("issues.labeled", () => {
  describe("when a person labels their issue codehealer", () => {
    it("opens an incident from the issue's title and body, pinned to main's head, and queues it", async () => {
      const github = mainHead();
      const settled = await label();
      const incident = await issueIncident(db, REPOSITORY, ISSUE);
      expect(settled).toEqual({
        status: "processed",
        reason: `incident ${incident?.id} opened from issue #${ISSUE}`,
      });
      expect(github.isDone()).toBe(true);
      expect(incident).toMatchObject({
        provider: "external",
        sourceEvent: "issues",
        runId: ISSUE,
        runAttempt: 1,
        headSha: MAIN_HEAD,
        branch: "main",
        installationId: INSTALLATION,
        status: "open",
        htmlUrl: `https://github.com/${REPOSITORY}/issues/${ISSUE}`,
        evidence: {
          external: {
            source: `issue #${ISSUE}`,
            url: `https://github.com/${REPOSITORY}/issues/${ISSUE}`,
          },
        },
      });
      const text = evidenceText(incident);
      expect(text).toMatch(/^Nightly build fails: npm ERR! code ETIMEDOUT\n\nThe nightly build/);
      expect(queued).toEqual([incident?.id]);
    });

    it("is diagnosed from the issue's text, as any incident from outside CI", async () => {
      mainHead();
      await label();
      const opened = await issueIncident(db, REPOSITORY, ISSUE);
      if (!opened) throw new Error("no incident opened");
      const log = pino({ level: "silent" });
      await diagnoseIncident({ db, octokit: testOctokit(), log }, opened);
      expect(await getIncident(db, opened.id)).toMatchObject({
        status: "diagnosed",
        jobName: `issue #${ISSUE}`,
        category: "network_transient",
      });
    });

    it("matches the label whatever its case", async () => {
      mainHead();
      expect((await label({ label: "CodeHealer" })).status).toBe("processed");
    });

    it("redacts a secret pasted into the issue before it is stored", async () => {
      mainHead();
      const token = `ghp_${"a1B2c3D4e5".repeat(4)}`;
      await label({ body: `npm ERR! 401 Unauthorized with GITHUB_TOKEN=${token}` });
      const incident = await issueIncident(db, REPOSITORY, ISSUE);
      const text = evidenceText(incident);
      expect(text).not.toContain(token);
      expect(text).toContain("[REDACTED");
    });
  });

  describe("when the issue is labelled again, or GitHub redelivers the event", () => {
    it("opens no second incident, asks GitHub nothing, and queues the first again", async () => {
      mainHead();
      const id = randomUUID();
      await label({}, id);
      const first = await issueIncident(db, REPOSITORY, ISSUE);
      expect((await label({}, id)).status).toBe("processed");
      const again = await label();
      expect(again).toEqual({
        status: "processed",
        reason: `incident ${first?.id} already open for issue #${ISSUE}`,
      });
      expect(await db.select().from(incidents)).toHaveLength(1);
      expect(queued).toEqual([first?.id, first?.id]);
    });
  });

  describe("when it is not a person's issue labelled codehealer", () => {
    it.each([
      ["another label", { label: "bug" }, 'label "bug" is not codehealer'],
      ["a pull request", { pullRequest: true }, `#${ISSUE} is a pull request`],
      ["an issue CodeHealer filed", { fixture: FILED }, `issue #${ISSUE} is one CodeHealer filed`],
      ["a label a bot added", { senderType: "Bot" }, `issue #${ISSUE} was labelled by a bot`],
    ])("ignores %s", async (_, options, reason) => {
      expect(await label(options)).toEqual({ status: "ignored", reason });
      expect(await db.select().from(incidents)).toEqual([]);
      expect(queued).toEqual([]);
    });
  });

  describe("when the repository has no commit yet", () => {
    it("opens nothing, and says why", async () => {
      nock(API)
        .get(`${REPO_API}/git/ref/${encodeURIComponent("heads/main")}`)
        .reply(409, { message: "Git Repository is empty." });
      expect(await label()).toEqual({
        status: "ignored",
        reason: `${REPOSITORY} has no commit on main to pin issue #${ISSUE}'s incident to`,
      });
    });
  });

  describe("when GitHub fails on its side", () => {
    it("throws so the queue retries, and opens nothing meanwhile", async () => {
      nock(API)
        .get(`${REPO_API}/git/ref/${encodeURIComponent("heads/main")}`)
        .reply(502, githubFixture("error.server"));
      const id = await storeLabel();
      await expect(processDelivery(workerDeps, id)).rejects.toMatchObject({
        name: "ActionError",
        retryable: true,
      });
      expect(await db.select().from(incidents)).toEqual([]);
      expect((await getDelivery(db, id))?.status).toBe("received");
    });
  });
});
