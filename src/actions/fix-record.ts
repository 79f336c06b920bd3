import { and, desc, eq, inArray, isNull, notInArray, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { ActionKind } from "../store/audit.ts";
import type { Db } from "../store/database.ts";
import { actions, incidents } from "../store/schema.ts";

/**
 * Audit kinds of what follows a fix pull request; none counts against the blast radius:
 * marking a pull request ready or draft changes no code.
 */
export const FOLLOW_UP_KIND = {
  validation: "fix_validation",
  reviewState: "fix_review_state",
  outcome: "fix_outcome",
  comment: "comment",
} as const satisfies Record<string, ActionKind>;

/** A fix pull request CodeHealer opened, as its `fix_pr` audit row says. */
export type OpenedFix = {
  incidentId: string;
  pullRequest: number;
  head: string;
  /** The commit CodeHealer put on the branch: the one whose CI validates the fix. */
  commitSha: string;
  url: string | null;
};

// What openFixPullRequest stores as the row's detail (fix-pr.ts).
const openedDetail = z.object({
  pullRequest: z.number().int().positive(),
  head: z.string(),
  commitSha: z.string(),
});

/**
 * The fix pull requests CodeHealer opened from one branch, newest first (a fingerprint's
 * branch carries each new fix for it), and whether one is being opened right now (its row
 * `planned`: the commit is on the branch, the row's detail not yet written).
 */
export async function fixesOnBranch(
  db: Db,
  repository: string,
  head: string,
): Promise<{ opened: OpenedFix[]; opening: boolean }> {
  // By key, not detail: a planned row has no detail yet. `starts_with`, not LIKE: repository
  // names may hold `_`, which LIKE would read as a wildcard.
  const rows = await db
    .select()
    .from(actions)
    .where(
      and(
        eq(actions.kind, "fix_pr"),
        eq(actions.repository, repository),
        inArray(actions.status, ["done", "planned"]),
        sql`starts_with(${actions.idempotencyKey}, ${`fix_pr:${repository}:${head}:`})`,
      ),
    )
    .orderBy(desc(actions.at), desc(actions.id));
  const opened: OpenedFix[] = [];
  for (const row of rows) {
    const detail = openedDetail.safeParse(row.detail);
    if (row.status !== "done" || !detail.success || row.incidentId === null) continue;
    opened.push({
      incidentId: row.incidentId,
      pullRequest: detail.data.pullRequest,
      head: detail.data.head,
      commitSha: detail.data.commitSha,
      url: row.targetUrl,
    });
  }
  return { opened, opening: rows.some((row) => row.status === "planned") };
}

/** What became of a fix, from "its CI passed" to "it was merged". */
export type FixOutcome = "fix_validated" | "fix_failed" | "fix_rejected" | "fix_merged";

// Outcomes only move forward: a late CI result never undoes a merge, a rerun that passes
// never hides a failure, and a pull request reopened and merged still counts as merged.
const ORDER: readonly FixOutcome[] = ["fix_validated", "fix_failed", "fix_rejected", "fix_merged"];

/**
 * Writes a fix's outcome onto its incident unless it already has this one or a later one
 * (one conditional update: concurrent events cannot move it back). `validated` also sets
 * the stored fix's `proposed.validated`; `resolved` closes the incident. Returns whether the
 * incident changed.
 */
export async function recordFixOutcome(
  db: Db,
  incidentId: string,
  outcome: FixOutcome,
  { validated, resolved = false }: { validated?: boolean; resolved?: boolean } = {},
): Promise<boolean> {
  const laterOrSame = ORDER.slice(ORDER.indexOf(outcome));
  const changed = await db
    .update(incidents)
    .set({
      outcome,
      updatedAt: new Date(),
      ...(resolved ? { status: "resolved" as const } : {}),
      ...(validated === undefined
        ? {}
        : {
            fix: sql`case when ${incidents.fix} is null then null else jsonb_set(${incidents.fix}, '{proposed,validated}', ${validated ? "true" : "false"}::jsonb) end`,
          }),
    })
    .where(
      and(
        eq(incidents.id, incidentId),
        or(isNull(incidents.outcome), notInArray(incidents.outcome, [...laterOrSame])),
      ),
    )
    .returning({ id: incidents.id });
  return changed.length > 0;
}
