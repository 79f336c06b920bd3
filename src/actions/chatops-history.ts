import { and, desc, eq, inArray, isNotNull, ne, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../store/database.ts";
import { actions, type Incident, incidents } from "../store/schema.ts";
import { commandSections, EXPLAINED_INCIDENTS, HISTORY_LINES } from "./chatops-board.ts";
import { viewIncident } from "./incident-view.ts";

/**
 * One command per comment: the audit row that says a comment was answered, so that a
 * redelivery or a retried job answers it once. Keyed by issue too, to read one issue's history.
 */
export const commandKey = (repository: string, issue: number, commentId: number): string =>
  `command:${repository}#${issue}:${commentId}`;

/** What a command's audit row keeps beside its status: the answer it was given. */
export type CommandDetail = {
  /** The command's name; `unknown` for one CodeHealer did not understand. */
  command: string;
  /** The command line as written. */
  text: string;
  requestedBy: string;
  commentId: number;
  /** What happened, in a sentence. */
  message: string;
  /** The line the board shows, or null for what it does not (a refusal of a stranger). */
  line: string | null;
  reaction: string | null;
  /** Whether CodeHealer's comment is brought up to date for it. */
  board: boolean;
  /** The incident it asked to have explained. */
  explain: string | null;
  rule?: string;
};

const storedDetail = z.object({ line: z.string().nullish(), command: z.string().nullish() });

/** What is being answered now, under its own key: the trail's row of it is left out. */
export type CurrentCommand = { key: string; line: string | null; explain: Incident | null };

/**
 * The commands' sections of the comment on one issue or pull request: the latest requests from
 * the audit trail, the incidents people asked to have explained, and the command being answered.
 */
export async function commandSectionsFor(
  db: Db,
  repository: string,
  issue: number,
  current: CurrentCommand | null = null,
): Promise<string> {
  const ofIssue = and(
    eq(actions.repository, repository),
    sql`starts_with(${actions.idempotencyKey}, ${`command:${repository}#${issue}:`})`,
    current ? ne(actions.idempotencyKey, current.key) : undefined,
  );
  const rows = await db
    .select({ detail: actions.detail, incidentId: actions.incidentId })
    .from(actions)
    // A refusal is a line too (`skipped`); a failure is shown once, when it happens.
    .where(
      and(
        ofIssue,
        inArray(actions.status, ["done", "skipped"]),
        sql`${actions.detail}->>'line' is not null`,
      ),
    )
    .orderBy(desc(actions.at), desc(actions.id))
    .limit(HISTORY_LINES);
  const lines = rows
    .reverse()
    .flatMap((row) => storedDetail.safeParse(row.detail).data?.line ?? []);
  if (current?.line) lines.push(current.line);

  const asked = await db
    .select({ incidentId: actions.incidentId })
    .from(actions)
    .where(
      and(
        ofIssue,
        eq(actions.status, "done"),
        sql`${actions.detail}->>'command' = 'explain'`,
        isNotNull(actions.incidentId),
      ),
    )
    .orderBy(desc(actions.at), desc(actions.id))
    .limit(HISTORY_LINES * EXPLAINED_INCIDENTS);
  const ids = [
    ...new Set([
      ...(current?.explain ? [current.explain.id] : []),
      ...asked.flatMap((row) => row.incidentId ?? []),
    ]),
  ].slice(0, EXPLAINED_INCIDENTS);
  const found =
    ids.length > 0 ? await db.select().from(incidents).where(inArray(incidents.id, ids)) : [];
  // Oldest asked first, the one asked now last.
  const explained = ids
    .reverse()
    .flatMap((id) => found.filter((incident) => incident.id === id).map(viewIncident));
  return commandSections({ lines, explained });
}
