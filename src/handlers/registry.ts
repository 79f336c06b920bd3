import type { EmitterWebhookEventName } from "@octokit/webhooks";
import { onCheckRunCompleted, onCheckSuiteCompleted } from "./check-completed.ts";
import { onCheckRunRequestedAction } from "./check-run-requested-action.ts";
import { onPullRequestClosed } from "./fix-branch-run.ts";
import { onIssueCommentCreated } from "./issue-comment.ts";
import { onIssuesLabeled } from "./issues-labeled.ts";
import { onPush } from "./push.ts";
import { onRepositoryDispatch } from "./repository-dispatch.ts";
import type { Handler } from "./types.ts";
import { onWorkflowRunCompleted } from "./workflow-run-completed.ts";

/**
 * The pipeline's handlers by `event.action`. Events not listed here are still stored (the
 * capability issues add their handlers) and their deliveries are marked ignored with the reason.
 */
export const handlers: { [E in EmitterWebhookEventName]?: Handler<E> } = {
  "workflow_run.completed": onWorkflowRunCompleted,
  "check_run.completed": onCheckRunCompleted,
  "check_suite.completed": onCheckSuiteCompleted,
  "check_run.requested_action": onCheckRunRequestedAction,
  push: onPush,
  "pull_request.closed": onPullRequestClosed,
  "issue_comment.created": onIssueCommentCreated,
  "issues.labeled": onIssuesLabeled,
  repository_dispatch: onRepositoryDispatch,
};
