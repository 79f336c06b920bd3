import { z } from "zod";
import {
  type AuditOutcome,
  auditedAction,
  incidentsOnPullRequest,
  once,
  recordDryRun,
  recordSkipped,
} from "../store/audit.ts";
import { withLock } from "../store/lock.ts";
import type { Action, Incident } from "../store/schema.ts";
import type { Answer } from "./chatops-act.ts";
import { buildIssueBoard, withCommandSections } from "./chatops-board.ts";
import { type CommandDetail, commandSectionsFor } from "./chatops-history.ts";
import type { CommentedIssue } from "./command-incident.ts";
import { auditEntry, fullName, type Target } from "./effect.ts";
import { ActionError } from "./github-error.ts";
import { viewIncident } from "./incident-view.ts";
import { type Reaction, reactionKey, reactToComment } from "./reaction.ts";
import type { ButtonDeps } from "./requested-action.ts";
import { buildStickyComment, stickyCommentKey, upsertStickyComment } from "./sticky-comment.ts";

/** A comment being answered: where, under which audit key, and whether only as a dry run. */
export type Answering = {
  deps: ButtonDeps & { appId?: number | null };
  target: Target;
  issue: CommentedIssue;
  commentId: number;
  /** {@link commandKey}: the comment's own row in the audit trail. */
  key: string;
  dryRun: boolean;
};

/** Where the answer is written: the incident and, on a pull request, its latest commit. */
export type Place = { incident: Incident; headSha: string | null; comments: boolean };

// What a command's row keeps (`CommandDetail`), read back for a retried answer.
const storedDetail = z.object({
  message: z.string(),
  reaction: z.enum(["+1", "-1", "confused", "eyes"]).nullable(),
  line: z.string().nullable(),
  board: z.boolean(),
  explain: z.string().nullable(),
  rule: z.string().optional(),
});

/** The answer a comment's row recorded, to finish giving it; null for a row of another shape. */
export function recordedAnswer(row: Action): (Answer & { explainId: string | null }) | null {
  const detail = storedDetail.safeParse(row.detail);
  if (!detail.success) return null;
  const status = row.status === "skipped" ? "refused" : row.status;
  if (status !== "done" && status !== "refused" && status !== "dry-run") return null;
  const { explain, ...rest } = detail.data;
  return { status, ...rest, explainId: explain };
}

/**
 * Writes the command's row before the answer goes out: a comment with a row is answered, and a
 * retried job only finishes giving the answer it recorded. A failure is recorded failed, so
 * that a redelivery tries the command again, taking its effect up where it failed.
 */
export async function recordAnswer(
  run: Answering,
  answer: Answer,
  detail: Omit<CommandDetail, "line" | "reaction" | "board" | "explain" | "message">,
): Promise<void> {
  const { deps, target, key } = run;
  const entry = auditEntry(target, "comment", key);
  const stored: CommandDetail = {
    ...detail,
    message: answer.message,
    line: answer.line,
    reaction: answer.reaction,
    board: answer.board,
    explain: answer.explain?.id ?? null,
    ...(answer.rule ? { rule: answer.rule } : {}),
  };
  const now = deps.now();
  switch (answer.status) {
    case "refused":
      await recordSkipped(deps.db, entry, answer.message, stored, now);
      return;
    case "dry-run":
      await recordDryRun(deps.db, entry, answer.message, stored, now);
      return;
    case "done":
      await once(deps.db, entry, async () => ({ detail: stored }), { now });
      return;
    case "failed":
      await once(
        deps.db,
        entry,
        async () => {
          throw answer.error;
        },
        { now },
      );
  }
}

// Keyed by the command's comment and how it went, not only the incident: each command updates
// the comment once, and a failed command that succeeds when retried updates it again.
const boardRef = (run: Answering, incidentId: string, status: Answer["status"]) =>
  `${incidentId}:command:${run.commentId}:${status}`;

/** Whether the answer is given in full already: the reaction, and the comment when it has one. */
export async function answered(
  run: Answering,
  answer: Pick<Answer, "reaction" | "board" | "status">,
): Promise<boolean> {
  const settled = async (key: string) =>
    ["done", "dry-run"].includes((await auditedAction(run.deps.db, key))?.status ?? "");
  const full = fullName(run.target);
  if (answer.reaction && !(await settled(reactionKey(full, run.commentId, answer.reaction))))
    return false;
  const incidentId = run.target.incidentId;
  if (!answer.board || incidentId === null) return true;
  return settled(
    stickyCommentKey(full, run.issue.number, boardRef(run, incidentId, answer.status)),
  );
}

// A failure a later attempt may cure is thrown; any other is logged: the command is carried
// out and audited either way.
function shrug(run: Answering, what: string, outcome: AuditOutcome): void {
  if (outcome.status !== "failed") return;
  if (outcome.cause instanceof ActionError && outcome.cause.retryable) throw outcome.cause;
  run.deps.log.warn({ key: run.key }, `${what}: ${outcome.error}`);
}

/**
 * CodeHealer's one comment, brought up to date: the status board (a pull request's) or the
 * incident in a line (an issue's), with the commands' sections. One update per command; under
 * the comment's lock, as the act stage takes it, so that the two never make two comments.
 */
async function updateBoard(run: Answering, answer: Answer, place: Place): Promise<void> {
  const { deps, target, issue } = run;
  const { incident, headSha } = place;
  const full = fullName(target);
  if (issue.pullRequest && headSha === null) return;
  await withLock(deps.db, `comment:${full}#${issue.number}`, async () => {
    const sections = await commandSectionsFor(deps.db, full, issue.number, {
      key: run.key,
      line: answer.line,
      explain: answer.explain ?? null,
    });
    const body =
      headSha === null
        ? buildIssueBoard(viewIncident(incident), sections)
        : withCommandSections(
            buildStickyComment(
              [...(await incidentsOnPullRequest(deps.db, full, issue.number)), incident].map(
                viewIncident,
              ),
              { headSha },
            ),
            sections,
          );
    const input = {
      pullRequest: issue.number,
      body,
      incidentId: boardRef(run, incident.id, answer.status),
      appId: deps.appId ?? null,
    };
    const outcome = await upsertStickyComment(deps, target, input, { dryRun: run.dryRun });
    shrug(run, "updating CodeHealer's comment", outcome);
  });
}

/**
 * Gives the answer on GitHub: CodeHealer's comment brought up to date (when the answer is worth
 * a line and the repository keeps the comment), then a reaction on the person's comment. Each
 * is keyed by the comment, so a retried job sends neither twice.
 */
export async function giveAnswer(
  run: Answering,
  answer: Answer,
  place: Place | null,
): Promise<void> {
  if (answer.board && place?.comments) await updateBoard(run, answer, place);
  const content: Reaction | null = answer.reaction;
  if (content === null) return;
  const reacted = await reactToComment(
    run.deps,
    run.target,
    { commentId: run.commentId, content },
    { dryRun: run.dryRun },
  );
  shrug(run, "reacting to the command", reacted);
}
