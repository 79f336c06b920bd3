import { z } from "zod";
import { answerCommand } from "../actions/chatops.ts";
import { parseCommand } from "../actions/chatops-command.ts";
import { type Handler, ignored, processed } from "./types.ts";

/** The fields this handler needs; anything else in the payload is GitHub's business. */
const commentPayload = z.object({
  action: z.string(),
  issue: z.object({
    number: z.number().int().positive(),
    pull_request: z.object({}).nullish(),
    user: z.object({ type: z.string() }).nullable(),
    body: z.string().nullish(),
  }),
  comment: z.object({
    id: z.number().int().positive(),
    body: z.string().nullish(),
    user: z.object({ login: z.string().min(1), type: z.string() }),
  }),
  repository: z.object({ name: z.string(), owner: z.object({ login: z.string() }) }),
});

/**
 * A `/codehealer` command in a pull request or issue comment: retry, fix, explain, ignore,
 * feedback (`answerCommand`). Only a new comment by a person is read.
 */
export const onIssueCommentCreated: Handler<"issue_comment.created"> = async (context, deps) => {
  const parsed = commentPayload.safeParse(context.payload);
  if (!parsed.success)
    return ignored(`payload lacks what a comment needs: ${parsed.error.issues[0]?.path.join(".")}`);
  const { action, issue, comment, repository } = parsed.data;
  // An edit would run a command twice, or run one a person added to an old comment.
  if (action !== "created") return ignored(`comment ${action}, not created`);
  // Bots, CodeHealer among them, never command CodeHealer: no loops, no echoes.
  if (comment.user.type === "Bot") return ignored(`comment ${comment.id} is by a bot`);
  const said = parseCommand(comment.body);
  if (said === null) return ignored(`comment ${comment.id} has no /codehealer command`);
  const outcome = await answerCommand(
    { ...deps, octokit: context.octokit, now: deps.now ?? (() => new Date()) },
    {
      repository: { owner: repository.owner.login, repo: repository.name },
      issue: {
        number: issue.number,
        pullRequest: issue.pull_request != null,
        authorType: issue.user?.type ?? null,
        body: issue.body ?? null,
      },
      commentId: comment.id,
      actor: comment.user.login,
      said,
    },
  );
  return outcome.status === "ignored" ? ignored(outcome.message) : processed(outcome.message);
};
