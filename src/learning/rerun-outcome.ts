import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../store/database.ts";
import { actions, incidents } from "../store/schema.ts";
import { applyLesson, lessonOf } from "./memory-lesson.ts";
import type { RerunOutcome } from "./outcome-signal.ts";

/** A workflow run attempt that completed with a result: passed, or failed. */
export type CompletedAttempt = {
  repository: string;
  runId: number;
  attempt: number;
  result: "passed" | "failed";
};

/** What a rerun's result did to the incident CodeHealer reran. */
export type RerunResult = {
  incidentId: string;
  outcome: RerunOutcome;
  /** False when the incident already had an outcome (this result was recorded before). */
  changed: boolean;
  /** What memory learned, in a few words; null when nothing was recorded. */
  learned: string | null;
};

/**
 * The incident whose rerun this attempt is: a rerun CodeHealer made (automatically or at a
 * person's Retry) of the attempt before, as the audit trail has it (`rerun` done, its detail's
 * run and attempt). Reruns a person made on GitHub are not CodeHealer's to learn from.
 */
async function rerunIncident(db: Db, run: CompletedAttempt): Promise<string | null> {
  const [row] = await db
    .select({ incidentId: actions.incidentId })
    .from(actions)
    .where(
      and(
        eq(actions.repository, run.repository),
        eq(actions.kind, "rerun"),
        eq(actions.status, "done"),
        sql`${actions.detail}->>'runId' = ${String(run.runId)}`,
        sql`${actions.detail}->>'attempt' = ${String(run.attempt - 1)}`,
      ),
    )
    .orderBy(asc(actions.id))
    .limit(1);
  return row?.incidentId ?? null;
}

/**
 * A completed attempt that was CodeHealer's rerun is that rerun's result:
 * 1. find the incident of the attempt before it, rerun by CodeHealer; none → null, nothing to learn;
 * 2. in one transaction: its outcome, `rerun_passed` (and `resolved`, once the act stage is done
 *    with it) or `rerun_failed`, written only if it had none — a redelivery records nothing
 *    twice — and then what memory learns (`lessonOf`): a transient failure's rerun that passed is
 *    remembered, or the remembered advice that settled it worked or failed once more.
 * A failed attempt still opens its own incident: that is the caller's business.
 */
export async function recordRerunResult(
  db: Db,
  run: CompletedAttempt,
): Promise<RerunResult | null> {
  const incidentId = await rerunIncident(db, run);
  if (incidentId === null) return null;
  const outcome: RerunOutcome = run.result === "passed" ? "rerun_passed" : "rerun_failed";
  return db.transaction(async (tx) => {
    const [incident] = await tx
      .update(incidents)
      .set({
        outcome,
        updatedAt: new Date(),
        ...(run.result === "passed"
          ? {
              status: sql`case when ${incidents.status} = 'acted' then 'resolved' else ${incidents.status} end`,
            }
          : {}),
      })
      .where(and(eq(incidents.id, incidentId), isNull(incidents.outcome)))
      .returning();
    if (!incident) return { incidentId, outcome, changed: false, learned: null };
    const lesson = lessonOf(incident, {
      kind: "rerun",
      passed: run.result === "passed",
      attempt: run.attempt,
    });
    return { incidentId, outcome, changed: true, learned: await applyLesson(tx, incident, lesson) };
  });
}

/** A rerun's result in a few words, for the delivery's status. */
export const describeRerun = (result: RerunResult): string =>
  result.changed
    ? `${result.outcome}; ${result.learned}`
    : `${result.outcome} already recorded, or the incident had another outcome`;
