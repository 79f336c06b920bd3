import { and, asc, eq, gte, inArray, lt, or, sql } from "drizzle-orm";
import { redact } from "../logs/redact.ts";
import type { Db } from "./database.ts";
import { type Action, actions, type Incident, incidents } from "./schema.ts";

/** What the audit trail records: the plan's steps, closing an issue, and refusals of everything. */
export type ActionKind =
  | "rerun"
  | "fix_pr"
  | "issue"
  | "close_issue"
  | "check_run"
  | "comment"
  | "notify"
  | "feedback"
  | "fix_validation"
  | "fix_review_state"
  | "fix_outcome"
  | "all";

/** The kinds that change code or CI on their own: what the blast radius counts. */
export const AUTOMATIC_KINDS = ["rerun", "fix_pr"] as const satisfies readonly ActionKind[];

/**
 * A worker that claimed an action and then vanished (killed mid-request) leaves it `planned`;
 * after this long another attempt may take it over. Each effect finds what a vanished attempt
 * left on GitHub before acting again.
 */
export const PLANNED_LEASE_MS = 2 * 60_000;

/** One action, named by the key that makes it happen at most once. */
export type AuditEntry = {
  key: string;
  incidentId: string | null;
  repository: string;
  kind: ActionKind;
};

/** What an effect reports once it has acted. */
export type Performed = { targetUrl?: string | null; detail?: Record<string, unknown> };

/** How an action ended, as the audit trail has it. */
export type AuditOutcome =
  | {
      status: "done";
      targetUrl: string | null;
      detail: Record<string, unknown> | null;
      /** Done by an earlier attempt: nothing was sent to GitHub this time. */
      replayed: boolean;
    }
  | { status: "dry-run"; message: string; detail: Record<string, unknown> | null }
  | {
      status: "skipped";
      reason: string;
      detail: Record<string, unknown> | null;
      /** Another attempt holds the key and may still be acting: try again after the lease. */
      inProgress?: boolean;
    }
  | { status: "failed"; error: string; cause: unknown };

export type OnceOptions = {
  now?: Date;
  /** `throw` rethrows the effect's error once the failure is recorded; `return` (the default) returns it. */
  onFailure?: "return" | "throw";
};

/** Whether this attempt is the first at its key, or takes over a failed, dry or vanished one. */
export type Attempt = { retry: boolean };

const asDetail = (value: unknown): Record<string, unknown> | null =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

/**
 * Claims the key: inserts it as `planned`, or takes over an earlier attempt that failed, only
 * dry-ran, was skipped, or was left planned longer than the lease. Returns the row it could
 * not claim otherwise.
 */
async function claim(
  db: Db,
  entry: AuditEntry,
  now: Date,
): Promise<{ claimed: true; retry: boolean } | { claimed: false; row: Action }> {
  const [inserted] = await db
    .insert(actions)
    .values({ ...entry, idempotencyKey: entry.key, status: "planned", at: now })
    .onConflictDoNothing({ target: actions.idempotencyKey })
    .returning({ id: actions.id });
  if (inserted) return { claimed: true, retry: false };
  const stale = new Date(now.getTime() - PLANNED_LEASE_MS);
  const [retaken] = await db
    .update(actions)
    .set({ status: "planned", at: now, error: null })
    .where(
      and(
        eq(actions.idempotencyKey, entry.key),
        or(
          inArray(actions.status, ["failed", "dry-run", "skipped"]),
          and(eq(actions.status, "planned"), lt(actions.at, stale)),
        ),
      ),
    )
    .returning({ id: actions.id });
  if (retaken) return { claimed: true, retry: true };
  const [row] = await db.select().from(actions).where(eq(actions.idempotencyKey, entry.key));
  if (!row) throw new Error(`audit row ${entry.key} vanished while it was being claimed`);
  return { claimed: false, row };
}

// What an unclaimable row means to the caller: done stays done; planned is someone else's.
function settled(row: Action): AuditOutcome {
  if (row.status === "done")
    return {
      status: "done",
      targetUrl: row.targetUrl,
      detail: asDetail(row.detail),
      replayed: true,
    };
  return {
    status: "skipped",
    reason: `another attempt has been performing ${row.idempotencyKey} since ${row.at.toISOString()}`,
    detail: null,
    inProgress: true,
  };
}

/**
 * Performs an action at most once per key, and writes it to the audit trail:
 * 1. claim the key (an `actions` row, `planned`); a key already `done` returns its stored
 *    outcome without calling `perform` — a retried job never acts twice;
 * 2. perform (told whether an earlier attempt may have left something behind);
 * 3. record `done` with the target URL and detail, or `failed` with the redacted error.
 */
export async function once(
  db: Db,
  entry: AuditEntry,
  perform: (attempt: Attempt) => Promise<Performed>,
  options: OnceOptions = {},
): Promise<AuditOutcome> {
  const now = options.now ?? new Date();
  const claimed = await claim(db, entry, now);
  if (!claimed.claimed) return settled(claimed.row);
  let performed: Performed;
  try {
    performed = await perform({ retry: claimed.retry });
  } catch (cause) {
    const error = redact(cause instanceof Error ? cause.message : String(cause));
    await db
      .update(actions)
      .set({ status: "failed", error })
      .where(eq(actions.idempotencyKey, entry.key));
    if (options.onFailure === "throw") throw cause;
    return { status: "failed", error, cause };
  }
  const targetUrl = performed.targetUrl ?? null;
  const detail = performed.detail ?? null;
  await db
    .update(actions)
    .set({ status: "done", targetUrl, detail, error: null })
    .where(eq(actions.idempotencyKey, entry.key));
  return { status: "done", targetUrl, detail, replayed: false };
}

/**
 * Records what an action would have done, without doing it. An action already done stays
 * done (and says so); a failed one keeps its error, and one being performed elsewhere is left
 * alone — the audit trail never loses what really happened to a dry run.
 */
export async function recordDryRun(
  db: Db,
  entry: AuditEntry,
  message: string,
  detail: Record<string, unknown> = {},
  now: Date = new Date(),
): Promise<AuditOutcome> {
  const stored = { message, ...detail };
  const existing = await recordUnlessKnown(db, entry, "dry-run", stored, now);
  if (existing?.status === "done") return settled(existing);
  if (existing?.status === "dry-run")
    await db
      .update(actions)
      .set({ detail: stored, at: now })
      .where(eq(actions.idempotencyKey, entry.key));
  return { status: "dry-run", message, detail: stored };
}

/**
 * Records an action that was not taken and why: a plan's refusal, a step with nothing to act
 * on. Recorded once per key; an action already done or in progress is left as it is.
 */
export async function recordSkipped(
  db: Db,
  entry: AuditEntry,
  reason: string,
  detail: Record<string, unknown> = {},
  now: Date = new Date(),
): Promise<AuditOutcome> {
  const stored = { reason, ...detail };
  const existing = await recordUnlessKnown(db, entry, "skipped", stored, now);
  if (existing?.status === "done") return settled(existing);
  return { status: "skipped", reason, detail: stored };
}

/**
 * Records an action that was not performed under its key, unless the key is already known;
 * returns the row already there, which the caller weighs (a done action stays done).
 */
async function recordUnlessKnown(
  db: Db,
  entry: AuditEntry,
  status: "dry-run" | "skipped",
  detail: Record<string, unknown>,
  now: Date,
): Promise<typeof actions.$inferSelect | undefined> {
  const [inserted] = await db
    .insert(actions)
    .values({ ...entry, idempotencyKey: entry.key, status, detail, at: now })
    .onConflictDoNothing({ target: actions.idempotencyKey })
    .returning({ id: actions.id });
  if (inserted) return undefined;
  const [row] = await db.select().from(actions).where(eq(actions.idempotencyKey, entry.key));
  return row;
}

/** The audit row of a key, if any. */
export async function auditedAction(db: Db, key: string): Promise<Action | undefined> {
  const [row] = await db.select().from(actions).where(eq(actions.idempotencyKey, key));
  return row;
}

/**
 * Automatic actions (reruns, fix pull requests) CodeHealer performed in a repository since a
 * moment: the plan's blast radius (`state.automatedActionsLastHour`, with `since` an hour ago).
 * Actions a person asked for (`detail.requestedBy`) do not count.
 */
export async function recentAutomatedActions(
  db: Db,
  repository: string,
  since: Date,
): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(actions)
    .where(
      and(
        eq(actions.repository, repository),
        eq(actions.status, "done"),
        inArray(actions.kind, [...AUTOMATIC_KINDS]),
        gte(actions.at, since),
        // A person's Retry is theirs, not automatic.
        sql`${actions.detail}->>'requestedBy' is null`,
      ),
    );
  return Number(row?.n ?? 0);
}

/** Reruns CodeHealer performed of one workflow run, all attempts together (`state.rerunsOfThisRun`). */
export async function rerunsOfRun(db: Db, repository: string, runId: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(actions)
    .where(
      and(
        eq(actions.repository, repository),
        eq(actions.kind, "rerun"),
        eq(actions.status, "done"),
        sql`${actions.detail}->>'runId' = ${String(runId)}`,
      ),
    );
  return Number(row?.n ?? 0);
}

/**
 * The incidents CodeHealer has reported on a pull request's sticky comment, oldest first: the
 * rows of the comment's status board besides the incident at hand.
 */
export async function incidentsOnPullRequest(
  db: Db,
  repository: string,
  pullRequest: number,
): Promise<Incident[]> {
  const reported = db
    .select({ id: actions.incidentId })
    .from(actions)
    .where(
      and(
        eq(actions.repository, repository),
        eq(actions.kind, "comment"),
        eq(actions.status, "done"),
        sql`${actions.detail}->>'pullRequest' = ${String(pullRequest)}`,
      ),
    );
  return db
    .select()
    .from(incidents)
    .where(inArray(incidents.id, reported))
    .orderBy(asc(incidents.createdAt));
}
