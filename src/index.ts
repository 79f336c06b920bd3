import type { ApplicationFunction } from "probot";
import { type IntakeDeps, intake } from "./handlers/intake.ts";

/**
 * The Probot app that takes webhooks. Every event is stored and queued before GitHub gets
 * its answer; the worker (src/worker.ts) runs the pipeline's handlers from the queue.
 */
export default function codehealer(deps: IntakeDeps): ApplicationFunction {
  return (app) => {
    app.onAny(intake(deps));
  };
}
