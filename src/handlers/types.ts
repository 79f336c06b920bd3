import type { EmitterWebhookEventName } from "@octokit/webhooks";
import type { Logger } from "pino";
import type { Context } from "probot";
import type { Notifier } from "../actions/notify.ts";
import type { Db } from "../store/database.ts";
import type { Queue } from "../store/queue.ts";

/** What the pipeline's handlers are given: passed in, never imported, so tests pass their own. */
export type PipelineDeps = {
  db: Db;
  queue: Pick<Queue, "enqueue">;
  log: Logger;
  /** This GitHub App's id, to recognise (and never react to) our own check runs. */
  appId: number | null;
  /** `CODEHEALER_DRY_RUN`: every step in every repository is only logged as `[dry-run] Would …`. */
  dryRun?: boolean;
  /** The clock; tests pass their own. */
  now?: () => Date;
  /** Carries notifications (Slack); without one they are recorded in the audit trail only. */
  notifier?: Notifier | null;
};

/** What a handler decided about a delivery; the reason is stored on the delivery for operators. */
export type Verdict = { status: "processed" | "ignored"; reason: string };

export type Handler<E extends EmitterWebhookEventName> = (
  context: Context<E>,
  deps: PipelineDeps,
) => Promise<Verdict>;

export const ignored = (reason: string): Verdict => ({ status: "ignored", reason });
export const processed = (reason: string): Verdict => ({ status: "processed", reason });
