import { type Handler, ignored } from "./types.ts";

/** A /codehealer command in a pull request or issue comment. */
export const onIssueCommentCreated: Handler<"issue_comment.created"> = async () =>
  ignored("not yet handled");
