import type { Context } from "probot";
import type { Notifier } from "../actions/notify.ts";
import { reactToPush } from "../push/react-to-push.ts";
import { readPush } from "../push/read-push.ts";
import { ignored, type PipelineDeps, processed, type Verdict } from "./types.ts";

/**
 * A push to a branch of the repository (a fork's pushes never reach its parent's App): its
 * configuration change checked, CodeHealer fixes that landed on the default branch settled, and
 * the lines it adds scanned for secrets and for mistakes memory has seen fixed (docs/push.md).
 * The worker passes its notifier; without one, a notification is recorded, not sent.
 */
export async function onPush(
  context: Context<"push">,
  deps: PipelineDeps & { notifier?: Notifier | null },
): Promise<Verdict> {
  const read = readPush(context.payload);
  if (!read.ok) {
    deps.log.debug({ reason: read.reason }, "push not looked at");
    return ignored(read.reason);
  }
  const done = await reactToPush(
    {
      octokit: context.octokit,
      db: deps.db,
      now: deps.now ?? (() => new Date()),
      notifier: deps.notifier ?? null,
      dryRun: deps.dryRun === true,
    },
    read.push,
  );
  return done.acted ? processed(done.reason) : ignored(done.reason);
}
