import type { WebClient } from "@slack/web-api";
import { asc, eq } from "drizzle-orm";
import type { Logger } from "pino";
import { z } from "zod";
import { viewIncident } from "../actions/incident-view.ts";
import type { Notification } from "../actions/notify.ts";
import type { Db } from "../store/database.ts";
import { getIncident } from "../store/incidents.ts";
import { withLock } from "../store/lock.ts";
import { actions, type SlackMessage, slackMessages } from "../store/schema.ts";
import {
  type MessageUpdate,
  reserveSlackMessage,
  saveSlackMessage,
  slackMessageOf,
} from "../store/slack-messages.ts";
import { buildIncidentMessage, type MessageBody } from "./blocks.ts";
import { APPROVABLE } from "./buttons.ts";
import { slackCallError, slackRefused } from "./call-error.ts";

/** What posting and updating an incident's message needs. */
export type SlackMessageDeps = { client: WebClient; db: Db; log: Logger; now: () => Date };

/** The message's metadata: how a message an attempt posted but never recorded is found again. */
export const MESSAGE_EVENT = "codehealer_incident";

// The stored notification is our own jsonb; read leniently at the boundary all the same.
const notificationSchema = z.object({
  repository: z.string(),
  incidentId: z.string(),
  text: z.string(),
  approve: z.array(z.enum(APPROVABLE)).catch([]),
  url: z.string().nullable().catch(null),
}) satisfies z.ZodType<Notification>;

/** The notification stored with a message. */
export const readNotification = (value: unknown): Notification => notificationSchema.parse(value);

const updatesSchema = z.array(z.object({ at: z.string(), text: z.string() })).catch([]);

const lockKey = (incidentId: string) => `slack-message:${incidentId}`;

/** The message as it should read now: the incident, its audit trail, the stored history. */
async function render(db: Db, row: SlackMessage): Promise<MessageBody> {
  const incident = await getIncident(db, row.incidentId);
  if (!incident) throw new Error(`incident ${row.incidentId} of a Slack message is gone`);
  const trail = await db
    .select()
    .from(actions)
    .where(eq(actions.incidentId, row.incidentId))
    .orderBy(asc(actions.id));
  return buildIncidentMessage({
    view: viewIncident(incident),
    notification: readNotification(row.notification),
    actions: trail,
    updates: updatesSchema.parse(row.updates),
    decision: row.decision,
  });
}

// A message an attempt posted and died before recording: found by its metadata in the channel's
// recent history. Any failure to look (a missing channels:history scope) is logged, not thrown:
// a second message is better than none.
async function findPosted(deps: SlackMessageDeps, row: SlackMessage): Promise<string | null> {
  try {
    const history = await deps.client.conversations.history({
      channel: row.channel,
      oldest: String(Math.floor(row.createdAt.getTime() / 1000) - 60),
      include_all_metadata: true,
      limit: 100,
    });
    // The response types know the metadata's payload only as `{}`.
    const found = history.messages?.find(
      (m) =>
        m.metadata?.event_type === MESSAGE_EVENT &&
        (m.metadata.event_payload as { incident_id?: unknown } | undefined)?.incident_id ===
          row.incidentId,
    );
    return found?.ts ?? null;
  } catch (error) {
    deps.log.warn(
      { err: error, incident: row.incidentId },
      "could not look for a Slack message an earlier attempt may have posted; posting it",
    );
    return null;
  }
}

async function post(deps: SlackMessageDeps, row: SlackMessage, channel: string): Promise<string> {
  const body = await render(deps.db, row);
  try {
    const posted = await deps.client.chat.postMessage({
      channel,
      ...body,
      metadata: { event_type: MESSAGE_EVENT, event_payload: { incident_id: row.incidentId } },
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!posted.ts) throw new Error("Slack answered chat.postMessage without a ts");
    return posted.ts;
  } catch (error) {
    // Slack said no: nothing was posted, so a later attempt need not look for it.
    if (slackRefused(error))
      await deps.db.delete(slackMessages).where(eq(slackMessages.incidentId, row.incidentId));
    throw slackCallError(error, `posting the message about ${row.incidentId} to ${channel}`);
  }
}

async function update(deps: SlackMessageDeps, row: SlackMessage & { ts: string }): Promise<void> {
  const body = await render(deps.db, row);
  try {
    await deps.client.chat.update({ channel: row.channel, ts: row.ts, ...body });
  } catch (error) {
    throw slackCallError(error, `updating the message about ${row.incidentId} in ${row.channel}`);
  }
}

/**
 * Posts the message about an incident, once: the first notification posts it
 * (`chat.postMessage`), any later one updates it in place (`chat.update`). Serialised per
 * incident (`withLock`), and the row is reserved before Slack is asked, so that neither two
 * workers at once nor a retry after a crash mid-post make a second message. Returns where it is.
 * Slack's errors are thrown as `ActionError`s, retryable when a later attempt may succeed.
 */
export async function postIncidentMessage(
  deps: SlackMessageDeps,
  { notification, channel }: { notification: Notification; channel: string },
): Promise<{ channel: string; ts: string }> {
  const { incidentId } = notification;
  return withLock(deps.db, lockKey(incidentId), async () => {
    const now = deps.now();
    const reserved = await reserveSlackMessage(deps.db, { incidentId, channel, notification }, now);
    const { row } = reserved;
    const current = { ...row, notification };
    if (row.ts) {
      await saveSlackMessage(deps.db, incidentId, { notification }, now);
      await update(deps, { ...current, ts: row.ts });
      return { channel: row.channel, ts: row.ts };
    }
    // Reserved by an earlier attempt that never recorded its message: it may have posted it.
    const earlier = reserved.created ? null : await findPosted(deps, row);
    if (earlier) {
      await saveSlackMessage(deps.db, incidentId, { ts: earlier, notification }, now);
      await update(deps, { ...current, ts: earlier });
      return { channel: row.channel, ts: earlier };
    }
    const ts = await post(deps, current, channel);
    await deps.db
      .update(slackMessages)
      .set({ ts, channel, notification, updatedAt: now })
      .where(eq(slackMessages.incidentId, incidentId));
    return { channel, ts };
  });
}

/** How an update of an incident's message went. */
export type MessageOutcome =
  | { status: "updated"; channel: string; ts: string }
  | { status: "no_message" }
  | { status: "failed"; error: string; retryable: boolean };

/**
 * Brings an incident's message up to date — the incident, its audit trail, the approval's
 * answer — adding `line` (Slack mrkdwn; escape untrusted parts with `escapeMrkdwn`) to its
 * history. For any stage that moves an incident on (an approval, a fix's CI, a merge). The
 * line is stored first, so a failed update loses nothing: the next one shows it. Never throws
 * for Slack's sake: one failed update must not stop what called it.
 */
export async function updateIncidentMessage(
  deps: SlackMessageDeps,
  incidentId: string,
  { line }: { line?: string } = {},
): Promise<MessageOutcome> {
  return withLock(deps.db, lockKey(incidentId), async () => {
    const row = await slackMessageOf(deps.db, incidentId);
    if (!row?.ts) {
      deps.log.debug({ incident: incidentId }, "no Slack message to update");
      return { status: "no_message" } as const;
    }
    const now = deps.now();
    const updates: MessageUpdate[] = updatesSchema.parse(row.updates);
    if (line) {
      updates.push({ at: now.toISOString(), text: line });
      await saveSlackMessage(deps.db, incidentId, { updates }, now);
    }
    try {
      await update(deps, { ...row, updates, ts: row.ts });
    } catch (error) {
      const failure = error instanceof Error ? error.message : String(error);
      deps.log.warn({ err: error, incident: incidentId }, failure);
      const retryable = (error as { retryable?: unknown }).retryable === true;
      return { status: "failed", error: failure, retryable } as const;
    }
    return { status: "updated", channel: row.channel, ts: row.ts } as const;
  });
}
