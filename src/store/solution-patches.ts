import { and, desc, eq, gt, isNotNull, or } from "drizzle-orm";
import type { Db } from "./database.ts";
import { type Solution, solutions } from "./schema.ts";

/** A remembered fix with its patch: what a push is checked against for repeated mistakes. */
export type SolutionPatch = Pick<
  Solution,
  "id" | "source" | "sourceRef" | "repository" | "errorLine" | "fix" | "updatedAt"
> & { patch: string };

/**
 * The newest `limit` solutions with a patch, remembered in the repository or elsewhere in its
 * organisation, whose fix worked more often than it failed (a fix that failed says nothing
 * about what caused the failure).
 */
export async function solutionPatches(
  db: Db,
  scope: { repository: string; organization: string },
  limit = 200,
): Promise<SolutionPatch[]> {
  const rows = await db
    .select({
      id: solutions.id,
      source: solutions.source,
      sourceRef: solutions.sourceRef,
      repository: solutions.repository,
      errorLine: solutions.errorLine,
      fix: solutions.fix,
      updatedAt: solutions.updatedAt,
      patch: solutions.patch,
    })
    .from(solutions)
    .where(
      and(
        isNotNull(solutions.patch),
        gt(solutions.successes, solutions.failures),
        or(
          eq(solutions.repository, scope.repository),
          eq(solutions.organization, scope.organization),
        ),
      ),
    )
    .orderBy(desc(solutions.updatedAt), desc(solutions.id))
    .limit(limit);
  return rows.flatMap((row) => (row.patch === null ? [] : [{ ...row, patch: row.patch }]));
}
