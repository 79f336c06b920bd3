import { type Handler, ignored } from "./types.ts";

/** An issue labelled codehealer becomes an incident: the manual trigger. */
export const onIssuesLabeled: Handler<"issues.labeled"> = async () => ignored("not yet handled");
