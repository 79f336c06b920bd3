import { z } from "zod";
import { issueFingerprint } from "../actions/command-incident.ts";
import { ISSUE_LABEL } from "../actions/issue-body.ts";
import { openIssueIncident } from "../actions/issue-incident.ts";
import { type Handler, ignored, processed } from "./types.ts";

/** The fields this handler needs; anything else in the payload is GitHub's business. */
const labeledPayload = z.object({
  label: z.object({ name: z.string() }).nullish(),
  issue: z.object({
    number: z.number().int().positive(),
    title: z.string(),
    body: z.string().nullish(),
    html_url: z.string(),
    pull_request: z.object({}).nullish(),
    user: z.object({ type: z.string() }).nullable(),
  }),
  repository: z.object({
    name: z.string(),
    owner: z.object({ login: z.string() }),
    default_branch: z.string().min(1),
  }),
  sender: z.object({ type: z.string() }),
  installation: z.object({ id: z.number().int() }).optional(),
});

/**
 * An issue labelled `codehealer` becomes an incident: the manual trigger. Its title and body are
 * diagnosed like a failing check's output, then planned and acted on like any incident.
 */
export const onIssuesLabeled: Handler<"issues.labeled"> = async (context, deps) => {
  const parsed = labeledPayload.safeParse(context.payload);
  if (!parsed.success)
    return ignored(
      `payload lacks what a labelled issue needs: ${parsed.error.issues[0]?.path.join(".")}`,
    );
  const { label, issue, repository, sender, installation } = parsed.data;
  if (label?.name.toLowerCase() !== ISSUE_LABEL)
    return ignored(`label "${label?.name ?? ""}" is not ${ISSUE_LABEL}`);
  // issues.labeled fires for pull requests too; their failures come from their CI.
  if (issue.pull_request != null) return ignored(`#${issue.number} is a pull request`);
  // CodeHealer labels the issues it files itself: diagnosing them again would loop.
  const own = { number: issue.number, pullRequest: false, authorType: issue.user?.type ?? null };
  if (issueFingerprint({ ...own, body: issue.body ?? null }) !== null)
    return ignored(`issue #${issue.number} is one CodeHealer filed`);
  if (sender.type === "Bot") return ignored(`issue #${issue.number} was labelled by a bot`);
  const opened = await openIssueIncident(
    { db: deps.db, octokit: context.octokit, queue: deps.queue },
    {
      repository: { owner: repository.owner.login, repo: repository.name },
      installationId: installation?.id ?? null,
      deliveryId: context.id,
      defaultBranch: repository.default_branch,
      issue: {
        number: issue.number,
        title: issue.title,
        body: issue.body ?? null,
        htmlUrl: issue.html_url,
      },
    },
  );
  if (opened.kind === "no_commit") return ignored(opened.reason);
  return processed(
    opened.kind === "opened"
      ? `incident ${opened.incident.id} opened from issue #${issue.number}`
      : `incident ${opened.incident.id} already open for issue #${issue.number}`,
  );
};
