import { and, eq, sql } from "drizzle-orm";
import type { Db } from "./database.ts";
import { type Incident, incidents, type NewIncident } from "./schema.ts";

/**
 * Opens the incident for a run attempt, or finds the one already open: the unique key
 * (repository, provider, run, attempt) makes a duplicate event land on the same row.
 */
export async function openIncident(
  db: Db,
  incident: NewIncident,
): Promise<{ incident: Incident; created: boolean }> {
  const [created] = await db
    .insert(incidents)
    .values(incident)
    .onConflictDoNothing({
      target: [incidents.repository, incidents.provider, incidents.runId, incidents.runAttempt],
    })
    .returning();
  if (created) return { incident: created, created: true };
  const [existing] = await db
    .select()
    .from(incidents)
    .where(
      and(
        eq(incidents.repository, incident.repository),
        eq(incidents.provider, incident.provider),
        eq(incidents.runId, incident.runId),
        eq(incidents.runAttempt, incident.runAttempt ?? 1),
      ),
    );
  if (!existing)
    throw new Error(`incident for ${incident.repository} run ${incident.runId} vanished`);
  return { incident: existing, created: false };
}

export async function getIncident(db: Db, id: string): Promise<Incident | undefined> {
  const [row] = await db.select().from(incidents).where(eq(incidents.id, id));
  return row;
}

/** Writes a stage's results onto the incident and bumps `updatedAt`. */
export async function updateIncident(
  db: Db,
  id: string,
  changes: Partial<Omit<NewIncident, "id" | "createdAt">>,
): Promise<void> {
  await db
    .update(incidents)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(incidents.id, id));
}

/** Incidents by status, for /metrics. */
export async function incidentCounts(db: Db): Promise<{ status: string; count: number }[]> {
  const found = await db
    .select({ status: incidents.status, count: sql<number>`count(*)::int` })
    .from(incidents)
    .groupBy(incidents.status);
  return found.map((row) => ({ status: row.status, count: Number(row.count) }));
}
