import { randomUUID } from "node:crypto";
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import nock from "nock";
import pino from "pino";
import { Context } from "probot";
import type { Notification, Notifier } from "../../src/actions/notify.ts";
import { onPush } from "../../src/handlers/push.ts";
import type { Verdict } from "../../src/handlers/types.ts";
import type { Db } from "../../src/store/database.ts";
import { API, githubFixture, NOW, testOctokit } from "../actions/support.ts";
import { webhookFixture } from "../support/github.ts";

/** The repository of the push fixtures (fixtures/webhooks/push.*.json). */
export const OWNER = "Codertocat";
export const REPO = "Hello-World";
export const REPOSITORY = `${OWNER}/${REPO}`;
/** The default branch's tip before each fixture's push. */
export const BEFORE = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";

const FILE = ".github%2Fcodehealer.yml";
const raw = { "content-type": "text/plain; charset=utf-8" };

/** A push fixture, typed loosely enough to adapt in a test. */
export type PushPayload = Record<string, unknown> & {
  ref: string;
  before: string;
  after: string;
  created: boolean;
  commits: { id: string; message: string; added: string[]; modified: string[] }[];
  head_commit: { id: string; message: string } | null;
  repository: { private: boolean; visibility: string; default_branch: string };
};
export const pushFixture = (name: string) => webhookFixture(name) as PushPayload;

/** A notifier that keeps what it was asked to send. */
export function recordingNotifier(): Notifier & { sent: Notification[] } {
  const sent: Notification[] = [];
  return {
    sent,
    send: async (notification) => {
      sent.push(notification);
      return { targetUrl: "https://acme.slack.com/archives/C0CODEHEAL/p1717502400000100" };
    },
  };
}

/** Runs the push handler as the worker would, with the test clock and an optional notifier. */
export function receive(
  db: Db,
  payload: Record<string, unknown>,
  options: { notifier?: Notifier | null; dryRun?: boolean } = {},
): Promise<Verdict> {
  const log = pino({ level: "silent" });
  return onPush(
    new Context<"push">(
      { id: randomUUID(), name: "push", payload } as EmitterWebhookEvent<"push">,
      testOctokit(),
      log,
    ),
    {
      db,
      queue: { enqueue: async () => {} },
      log,
      appId: 123,
      now: () => NOW,
      ...options,
    },
  );
}

/** The configuration in force: `.github/codehealer.yml` on the default branch (none: the defaults). */
export function inForce(text: string | null, repo = REPO): void {
  const scope = nock(API).get(`/repos/${OWNER}/${repo}/contents/${FILE}`);
  if (text !== null) {
    scope.reply(200, text, raw);
    return;
  }
  scope.reply(404, githubFixture("error.not-found"));
  nock(API)
    .get(`/repos/${OWNER}/.github/contents/${FILE}`)
    .reply(404, githubFixture("error.not-found"));
}

/** A file of the compare API's answer. */
export type ComparedFile = { filename: string; status: string; patch?: string };

/** `GET …/compare/{base}...{head}` answering with these files. */
export function compared(base: string, head: string, files: readonly ComparedFile[]): nock.Scope {
  return nock(API)
    .get(`/repos/${REPOSITORY}/compare/${base}...${head}`)
    .query({ per_page: 1 })
    .reply(
      200,
      githubFixture("compare", {
        files: files.map((f) => ({
          sha: "bbcd538c8e72b8c175046e27cc8f907076331401",
          additions: 1,
          deletions: 0,
          changes: 1,
          blob_url: `https://github.com/${REPOSITORY}/blob/${head}/${f.filename}`,
          ...f,
        })),
      }),
    );
}
