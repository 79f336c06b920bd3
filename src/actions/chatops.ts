import type { ParsedConfig } from "../policy/config.ts";
import { loadRepositoryConfig } from "../policy/load-config.ts";
import { auditedAction } from "../store/audit.ts";
import { getIncident } from "../store/incidents.ts";
import type { Incident } from "../store/schema.ts";
import { type Answer, actOnCommand } from "./chatops-act.ts";
import { COMMANDS, type Command, type SaidCommand } from "./chatops-command.ts";
import { type CommandDecision, decideCommand } from "./chatops-decision.ts";
import { commandKey } from "./chatops-history.ts";
import {
  type Answering,
  answered,
  giveAnswer,
  type Place,
  recordAnswer,
  recordedAnswer,
} from "./chatops-reply.ts";
import { collaboratorPermission } from "./collaborator-permission.ts";
import { type CommentedIssue, commandIncident, pullRequestHead } from "./command-incident.ts";
import { fullName } from "./effect.ts";
import { fixBaseOnBranch } from "./fix-on-branch.ts";
import { ActionError } from "./github-error.ts";
import type { ButtonDeps } from "./requested-action.ts";
import { rerunKey } from "./rerun.ts";
import { readStoredFix } from "./stored-fix.ts";

export type ChatOpsDeps = ButtonDeps & {
  /** This App's id: the comment CodeHealer updates is only ever one the App wrote. */
  appId?: number | null;
};

/** A `/codehealer` command in a comment, as the handler read it from the webhook. */
export type CommandRequest = {
  repository: { owner: string; repo: string };
  issue: CommentedIssue;
  commentId: number;
  /** Who wrote the comment. */
  actor: string;
  said: SaidCommand;
};

/** What came of a comment, for the delivery's status. */
export type CommandOutcome = { status: "processed" | "ignored"; message: string };

// Only GitHub's answer is expected here; a retryable one is thrown so the queue tries again.
async function decide(
  deps: ChatOpsDeps,
  request: CommandRequest,
  { incident, config, command }: { incident: Incident; config: ParsedConfig; command: Command },
): Promise<CommandDecision> {
  let permission = null;
  if (COMMANDS[command.name].needsWrite && config.config.enabled) {
    try {
      permission = await collaboratorPermission(deps.octokit, request.repository, request.actor);
    } catch (error) {
      if (!(error instanceof ActionError) || error.retryable) throw error;
      return { kind: "refused", rule: "no_write_access", reason: error.message };
    }
  }
  const automatic = await auditedAction(
    deps.db,
    rerunKey(incident.repository, incident.runId, incident.runAttempt),
  );
  const decided = decideCommand({
    command,
    actor: request.actor,
    incident,
    config,
    permission,
    fix: readStoredFix(incident.fix),
    rerunDone: automatic?.status === "done",
    now: deps.now(),
  });
  return decided.kind === "fix_pr"
    ? fixBaseOnBranch(deps.octokit, request.repository, incident, decided)
    : decided;
}

const answering = (
  deps: ChatOpsDeps,
  request: CommandRequest,
  incidentId: string | null,
  dryRun: boolean,
): Answering => ({
  deps,
  target: { ...request.repository, incidentId },
  issue: request.issue,
  commentId: request.commentId,
  key: commandKey(fullName(request.repository), request.issue.number, request.commentId),
  dryRun: dryRun || deps.dryRun === true,
});

// A command CodeHealer does not understand: a 😕 and a refusal in the audit trail, nothing more.
async function notUnderstood(
  deps: ChatOpsDeps,
  request: CommandRequest,
  said: Extract<SaidCommand, { kind: "invalid" }>,
): Promise<CommandOutcome> {
  const config = await loadRepositoryConfig(deps.octokit, request.repository);
  const run = answering(deps, request, null, config.config.dry_run);
  const off = !config.config.enabled;
  const answer: Answer = {
    status: "refused",
    message: off ? `CodeHealer is turned off for ${fullName(request.repository)}` : said.reason,
    reaction: off ? null : "confused",
    line: null,
    board: false,
    rule: off ? "kill_switch" : "not_understood",
  };
  await recordAnswer(run, answer, {
    command: "unknown",
    text: said.text,
    requestedBy: request.actor,
    commentId: request.commentId,
  });
  await giveAnswer(run, answer, null);
  return { status: "processed", message: `@${request.actor}'s ${said.text}: ${answer.message}` };
}

/**
 * Answers a `/codehealer` command given in a comment:
 * 1. a comment answered before (a redelivery, a retried job) is only finished, not redone;
 * 2. a command CodeHealer does not understand gets a 😕, unless CodeHealer is turned off;
 * 3. find the incident it is about (a pull request's latest commit, its sticky comment, an
 *    issue's fingerprint or label): none, and the comment is left alone;
 * 4. read the repository's configuration; ask GitHub whether the person may write, for the
 *    commands that need it; decide (`decideCommand`) and, for a fix, check its commit is here;
 * 5. act through the effects, each idempotent and audited, and record the answer under the
 *    comment's id;
 * 6. answer on GitHub: CodeHealer's comment brought up to date (never for a stranger's refused
 *    command), and a reaction on the person's comment.
 * A GitHub failure a later attempt may cure is thrown, so the queue retries; whatever was done
 * is found done the second time.
 */
export async function answerCommand(
  deps: ChatOpsDeps,
  request: CommandRequest,
): Promise<CommandOutcome> {
  const { repository, issue, commentId, said } = request;
  const full = fullName(repository);
  const earlier = await auditedAction(deps.db, commandKey(full, issue.number, commentId));
  const recorded = earlier && earlier.status !== "failed" ? recordedAnswer(earlier) : null;
  if (earlier && earlier.status !== "failed" && recorded === null)
    return { status: "processed", message: `comment ${commentId} is being answered already` };
  if (recorded) {
    const run = answering(deps, request, earlier?.incidentId ?? null, false);
    if (await answered(run, recorded))
      return { status: "processed", message: `comment ${commentId} was answered already` };
  }
  if (said.kind === "invalid") return notUnderstood(deps, request, said);

  const command = said.command;
  const headSha = issue.pullRequest
    ? await pullRequestHead(deps.octokit, repository, issue.number)
    : null;
  // A command tried before stays about the incident it was first given for.
  const incident = earlier?.incidentId
    ? ((await getIncident(deps.db, earlier.incidentId)) ?? null)
    : await commandIncident(deps.db, full, issue, headSha);
  if (!incident)
    return {
      status: "ignored",
      message: `no CodeHealer incident on ${full}#${issue.number} for /codehealer ${command.name}`,
    };
  const config = await loadRepositoryConfig(deps.octokit, repository);
  const run = answering(deps, request, incident.id, config.config.dry_run);
  const place: Place = { incident, headSha, comments: config.config.actions.comment };
  if (recorded) {
    const explain = recorded.explainId ? incident : undefined;
    await giveAnswer(run, { ...recorded, ...(explain ? { explain } : {}) }, place);
    return { status: "processed", message: recorded.message };
  }

  const decision = await decide(deps, request, { incident, config, command });
  const answer = await actOnCommand(
    { deps, target: run.target, incident, command, actor: request.actor, dryRun: run.dryRun },
    decision,
  );
  await recordAnswer(run, answer, {
    command: command.name,
    text: said.text,
    requestedBy: request.actor,
    commentId,
  });
  await giveAnswer(run, answer, place);
  return { status: "processed", message: answer.message };
}
