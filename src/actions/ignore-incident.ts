import { and, eq, isNull, ne, or } from "drizzle-orm";
import type { Db } from "../store/database.ts";
import { incidents } from "../store/schema.ts";

/** The outcome of an incident a person told CodeHealer to leave alone (`/codehealer ignore`). */
export const IGNORED = "ignored";

/**
 * Marks an incident ignored, unless it already is or is resolved (a merged fix is a better
 * outcome than a person's shrug). One conditional update; returns whether it changed.
 */
export async function markIgnored(db: Db, incidentId: string): Promise<boolean> {
  const changed = await db
    .update(incidents)
    .set({ outcome: IGNORED, updatedAt: new Date() })
    .where(
      and(
        eq(incidents.id, incidentId),
        ne(incidents.status, "resolved"),
        or(isNull(incidents.outcome), ne(incidents.outcome, IGNORED)),
      ),
    )
    .returning({ id: incidents.id });
  return changed.length > 0;
}

/**
 * Whether a person told CodeHealer to ignore a failure with this fingerprint in this
 * repository: what the act stage may check before acting on its own again.
 */
export async function fingerprintIgnored(
  db: Db,
  repository: string,
  fingerprint: string,
): Promise<boolean> {
  const [row] = await db
    .select({ id: incidents.id })
    .from(incidents)
    .where(
      and(
        eq(incidents.repository, repository),
        eq(incidents.fingerprint, fingerprint),
        eq(incidents.outcome, IGNORED),
      ),
    )
    .limit(1);
  return row !== undefined;
}
