import { and, eq, sql } from "drizzle-orm";
import type { Db } from "./database.ts";
import { type Feedback, feedback } from "./schema.ts";

/** What a person said about an incident, and where they said it. */
export type FeedbackInput = Pick<Feedback, "incidentId" | "source" | "actor" | "verdict"> & {
  note?: string | null;
};

/**
 * Records a person's word on an incident, once per incident, source and person: a second
 * press of the same button, or a redelivered webhook, finds the first word and keeps it.
 * Feedback without an actor cannot be told apart and is always recorded.
 * The feedback table has no unique key for this, so concurrent presses are serialised by a
 * transaction-scoped advisory lock on (incident, source, actor) instead.
 */
export async function recordFeedback(
  db: Db,
  input: FeedbackInput,
  now: Date = new Date(),
): Promise<{ feedback: Feedback; created: boolean }> {
  const { incidentId, source, actor, verdict, note = null } = input;
  return db.transaction(async (tx) => {
    if (actor !== null) {
      const lock = `feedback:${incidentId}:${source}:${actor}`;
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${lock}))`);
      const [existing] = await tx
        .select()
        .from(feedback)
        .where(
          and(
            eq(feedback.incidentId, incidentId),
            eq(feedback.source, source),
            eq(feedback.actor, actor),
          ),
        )
        .limit(1);
      if (existing) return { feedback: existing, created: false };
    }
    const [created] = await tx
      .insert(feedback)
      .values({ incidentId, source, actor, verdict, note, at: now })
      .returning();
    if (!created) throw new Error(`feedback on incident ${incidentId} was not recorded`);
    return { feedback: created, created: true };
  });
}

/** Every word people said about an incident, oldest first. */
export async function feedbackOn(db: Db, incidentId: string): Promise<Feedback[]> {
  return db
    .select()
    .from(feedback)
    .where(eq(feedback.incidentId, incidentId))
    .orderBy(feedback.at, feedback.id);
}
