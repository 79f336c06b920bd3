import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "./database.ts";
import { type SlackMessage, slackMessages, slackRequests } from "./schema.ts";

/** One line of a message's history: what happened, in Slack mrkdwn. */
export type MessageUpdate = { at: string; text: string };

/** An approval being carried out is another press's after this long: its process died. */
export const APPROVING_LEASE_MS = 10 * 60_000;

export async function slackMessageOf(
  db: Db,
  incidentId: string,
): Promise<SlackMessage | undefined> {
  const [row] = await db
    .select()
    .from(slackMessages)
    .where(eq(slackMessages.incidentId, incidentId));
  return row;
}

/**
 * Records that a message is about to be posted, before it is: a later attempt that finds the
 * row without a `ts` knows an earlier one may have posted it. Returns the row, and whether it is new.
 */
export async function reserveSlackMessage(
  db: Db,
  values: { incidentId: string; channel: string; notification: unknown },
  now: Date,
): Promise<{ row: SlackMessage; created: boolean }> {
  const [created] = await db
    .insert(slackMessages)
    .values({ ...values, createdAt: now, updatedAt: now })
    .onConflictDoNothing({ target: slackMessages.incidentId })
    .returning();
  if (created) return { row: created, created: true };
  const row = await slackMessageOf(db, values.incidentId);
  if (!row) throw new Error(`Slack message of incident ${values.incidentId} vanished`);
  return { row, created: false };
}

export async function saveSlackMessage(
  db: Db,
  incidentId: string,
  changes: Partial<Pick<SlackMessage, "ts" | "notification" | "updates">>,
  now: Date,
): Promise<void> {
  await db
    .update(slackMessages)
    .set({ ...changes, updatedAt: now })
    .where(eq(slackMessages.incidentId, incidentId));
}

/**
 * Claims the answer to an incident's approval for one person, in one conditional update so
 * that two people pressing at once cannot both act: only a message still waiting (or one whose
 * approval was left `approving` by a process that died) is claimed. Returns the claimed row, or
 * the row as it is when someone else answered first.
 */
export async function claimDecision(
  db: Db,
  incidentId: string,
  decision: "approving" | "rejected",
  by: string,
  now: Date,
): Promise<{ claimed: true } | { claimed: false; row: SlackMessage | undefined }> {
  const stale = new Date(now.getTime() - APPROVING_LEASE_MS);
  const [claimed] = await db
    .update(slackMessages)
    .set({ decision, decidedBy: by, decidedAt: now, updatedAt: now })
    .where(
      and(
        eq(slackMessages.incidentId, incidentId),
        or(
          isNull(slackMessages.decision),
          and(eq(slackMessages.decision, "approving"), lt(slackMessages.decidedAt, stale)),
        ),
      ),
    )
    .returning({ incidentId: slackMessages.incidentId });
  if (claimed) return { claimed: true };
  return { claimed: false, row: await slackMessageOf(db, incidentId) };
}

/** Settles an approval: `approved` for good, or `null` to let a later press try again. */
export async function settleDecision(
  db: Db,
  incidentId: string,
  decision: "approved" | null,
  now: Date,
): Promise<void> {
  await db
    .update(slackMessages)
    .set(
      decision === null
        ? { decision: null, decidedBy: null, decidedAt: null, updatedAt: now }
        : { decision, updatedAt: now },
    )
    .where(and(eq(slackMessages.incidentId, incidentId), eq(slackMessages.decision, "approving")));
}

/**
 * Whether a Slack request is seen here for the first time (its signature stored until it is
 * too old to pass the timestamp check), false for a replay. Shared by every process through
 * the database; the unique key decides between two that race.
 */
export async function firstSighting(
  db: Db,
  request: { signature: string; timestamp: number },
  { now, windowSeconds }: { now: Date; windowSeconds: number },
): Promise<boolean> {
  const oldest = Math.floor(now.getTime() / 1000) - windowSeconds;
  await db.delete(slackRequests).where(lt(slackRequests.timestamp, oldest));
  const [inserted] = await db
    .insert(slackRequests)
    .values({ ...request, seenAt: now })
    .onConflictDoNothing({ target: slackRequests.signature })
    .returning({ signature: slackRequests.signature });
  return inserted !== undefined;
}
