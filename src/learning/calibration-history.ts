import { and, eq, inArray, isNotNull, or, sql } from "drizzle-orm";
import { organizationOf } from "../diagnosis/memory-text.ts";
import type { Calibration } from "../policy/plan-input.ts";
import type { Db } from "../store/database.ts";
import { feedback, incidents } from "../store/schema.ts";
import { type CalibrationReport, calibrate, type Tally } from "./calibration.ts";
import { actionWasRight, KNOWN_OUTCOMES } from "./outcome-signal.ts";

/** Where outcomes were counted: one repository, its organisation, or every repository. */
export type CalibrationScope =
  | { kind: "repository"; repository: string }
  | { kind: "organization"; organization: string }
  | { kind: "everywhere" };

/** Tallies of outcomes by repository, as the history query returns them. */
export type RepositoryTally = Tally & { repository: string };

/**
 * Every incident whose outcome or feedback says whether its action was right, counted by
 * repository and confidence level (one hundredth). One grouped query: the rows are few (levels ×
 * the ways an outcome can read) whatever the history's length. The reading of each outcome is
 * {@link actionWasRight}'s.
 */
export async function outcomeTallies(db: Db): Promise<RepositoryTally[]> {
  const votes = db
    .select({
      incidentId: feedback.incidentId,
      good: sql<boolean>`bool_or(${feedback.verdict} = 'good')`.as("good"),
      bad: sql<boolean>`bool_or(${feedback.verdict} = 'bad')`.as("bad"),
    })
    .from(feedback)
    .groupBy(feedback.incidentId)
    .as("votes");
  // Rounded before the floor: a `real` 0.7 reads back as 0.69999999 (see levelOf).
  const level = sql<number>`least(floor(round(greatest(${incidents.confidence}, 0)::numeric, 4) * 100), 100)::int`;
  const rows = await db
    .select({
      repository: incidents.repository,
      level,
      outcome: incidents.outcome,
      transient: incidents.transient,
      good: sql<boolean>`coalesce(${votes.good}, false)`,
      bad: sql<boolean>`coalesce(${votes.bad}, false)`,
      count: sql<number>`count(*)::int`,
      confidenceSum: sql<number>`sum(${incidents.confidence})::float8`,
    })
    .from(incidents)
    .leftJoin(votes, eq(votes.incidentId, incidents.id))
    .where(
      and(
        isNotNull(incidents.confidence),
        or(inArray(incidents.outcome, [...KNOWN_OUTCOMES]), isNotNull(votes.incidentId)),
      ),
    )
    .groupBy(sql`1, 2, 3, 4, 5, 6`);
  return rows.flatMap((row) => {
    const right = actionWasRight({
      outcome: row.outcome,
      transient: row.transient,
      good: row.good === true,
      bad: row.bad === true,
    });
    if (right === null) return [];
    const count = Number(row.count);
    return [
      {
        repository: row.repository,
        level: Number(row.level),
        count,
        successes: right ? count : 0,
        confidenceSum: Number(row.confidenceSum),
      },
    ];
  });
}

/** The tallies inside a scope. Pure. */
export function inScope(tallies: readonly RepositoryTally[], scope: CalibrationScope): Tally[] {
  return tallies.filter((t) =>
    scope.kind === "repository"
      ? t.repository === scope.repository
      : scope.kind === "organization"
        ? organizationOf(t.repository) === scope.organization
        : true,
  );
}

/** The scopes a repository's calibration may come from, narrowest first. */
export function scopesOf(repository: string | null | undefined): CalibrationScope[] {
  const organization = organizationOf(repository);
  return [
    ...(repository ? [{ kind: "repository", repository } as const] : []),
    ...(organization ? [{ kind: "organization", organization } as const] : []),
    { kind: "everywhere" },
  ];
}

/** A calibration and the scope whose outcomes made it. */
export type ScopedCalibration = { scope: CalibrationScope; report: CalibrationReport };

/**
 * The calibration a repository's plan uses: that of the narrowest scope with at least
 * `minSamples` outcomes — the repository, else its organisation, else every repository — or,
 * when none has enough, of the widest (whose `samples` say it is too few). Pure.
 */
export function chooseCalibration(
  tallies: readonly RepositoryTally[],
  repository: string | null | undefined,
  minSamples: number,
): ScopedCalibration {
  const scopes = scopesOf(repository).map((scope) => ({
    scope,
    report: calibrate(inScope(tallies, scope)),
  }));
  return scopes.find((s) => s.report.samples >= minSamples) ?? scopes.at(-1)!;
}

/**
 * The calibration to hand the plan for a repository (`PlanInput.calibration`), or null when no
 * scope has `minSamples` outcomes yet: the plan then uses the configured thresholds and says
 * nothing of calibration, rather than repeat on every incident that history is short.
 */
export async function loadCalibration(
  db: Db,
  repository: string,
  minSamples: number,
): Promise<(Calibration & { scope: CalibrationScope }) | null> {
  const { scope, report } = chooseCalibration(await outcomeTallies(db), repository, minSamples);
  if (report.samples < minSamples) return null;
  return { thresholds: report.thresholds, samples: report.samples, scope };
}
