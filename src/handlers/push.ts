import { type Handler, ignored } from "./types.ts";

/** A push that changes `.github/codehealer.yml`: validated, and the result shown on the commit. */
export const onPush: Handler<"push"> = async () => ignored("not yet handled");
