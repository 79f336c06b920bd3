import type { Logger } from "pino";
import { viewIncident } from "../../src/actions/incident-view.ts";
import { buildNotification, type Notification } from "../../src/actions/notify.ts";
import { slackClient } from "../../src/slack/client.ts";
import type { Db } from "../../src/store/database.ts";
import {
  actions,
  feedback,
  incidents,
  type NewIncident,
  slackMessages,
  slackRequests,
} from "../../src/store/schema.ts";
import {
  diagnosedIncident,
  HEAD_SHA,
  NOW,
  REPOSITORY,
  RUN_ID,
  storeIncident,
} from "../actions/support.ts";
import { CHANNEL, SLACK_API } from "./recorded.ts";

/** The incident of the fixtures (a type error, review tier), as test/actions/support.ts has it. */
export const INCIDENT_ID = "0b7e6a52-3f1c-4d7e-9a51-6c2f8e1d4b90";
/** The `ts` of the message in fixtures/slack/chat.postMessage.json. */
export const MESSAGE_TS = "1749038401.001900";
export const FIX_HEAD = "codehealer/fix-415775e25088";
/** The commit of fixtures/github/git-commit.created.json: what CodeHealer put on the fix branch. */
export const FIX_COMMIT = "7a8a4e19e0e9a2d0bd1b4f4f3b2a2b4c1d7c2e11";
export { CHANNEL, HEAD_SHA, NOW, REPOSITORY, RUN_ID };

/** The live client CodeHealer notifies with, pointed at the intercepted Slack, without retries. */
export const liveClient = (log: Logger) =>
  slackClient("xoxb-test-bot-token", {
    log,
    mode: "live",
    slackApiUrl: SLACK_API,
    retryConfig: { retries: 0 },
  });

export async function emptyTables(db: Db): Promise<void> {
  await db.delete(slackMessages);
  await db.delete(slackRequests);
  await db.delete(feedback);
  await db.delete(actions);
  await db.delete(incidents);
}

/** Stores the fixtures' incident; its notification asks to approve `approve`. */
export async function incidentAwaiting(
  db: Db,
  approve: readonly ("rerun" | "fix_pr")[] = ["rerun"],
  overrides: Partial<NewIncident> = {},
): Promise<{ notification: Notification }> {
  const incident = await storeIncident(db, diagnosedIncident({ id: INCIDENT_ID, ...overrides }));
  const step =
    approve.length > 0
      ? ({ kind: "notify", approval: true, approve } as const)
      : ({ kind: "notify", approval: false } as const);
  return { notification: buildNotification(viewIncident(incident), step) };
}

/** The audit rows the plan's steps leave before the notify step: a draft fix, a check run, a comment. */
export async function reviewTierTrail(db: Db, { fixPr = true } = {}): Promise<void> {
  const rows = [
    ...(fixPr
      ? [
          {
            kind: "fix_pr",
            idempotencyKey: `fix_pr:${REPOSITORY}:${FIX_HEAD}:${INCIDENT_ID}`,
            targetUrl: `https://github.com/${REPOSITORY}/pull/64`,
            detail: {
              pullRequest: 64,
              head: FIX_HEAD,
              base: "feature/invoice-amounts",
              draft: true,
              commitSha: FIX_COMMIT,
              branch: "created",
              change: "created",
            },
          },
        ]
      : []),
    {
      kind: "check_run",
      idempotencyKey: `check_run:${REPOSITORY}:${INCIDENT_ID}`,
      targetUrl: `https://github.com/${REPOSITORY}/runs/1494503112`,
      detail: { checkRunId: 1494503112 },
    },
    {
      kind: "comment",
      idempotencyKey: `comment:${REPOSITORY}#12:${INCIDENT_ID}`,
      targetUrl: `https://github.com/${REPOSITORY}/pull/12#issuecomment-2145678901`,
      detail: { pullRequest: 12, commentId: 2145678901, change: "created" },
    },
  ];
  for (const row of rows)
    await db
      .insert(actions)
      .values({ ...row, incidentId: INCIDENT_ID, repository: REPOSITORY, status: "done", at: NOW });
}
