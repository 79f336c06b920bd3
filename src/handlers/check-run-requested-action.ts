import { type Handler, ignored } from "./types.ts";

/** A button on CodeHealer's check run: Retry, Open fix PR, Not helpful. */
export const onCheckRunRequestedAction: Handler<"check_run.requested_action"> = async () =>
  ignored("not yet handled");
