import type { EmitterWebhookEvent, EmitterWebhookEventName } from "@octokit/webhooks";
import { Context, ProbotOctokit } from "probot";
import { type ActSources, actOnIncident } from "./actions/act.ts";
import { diagnoseIncident } from "./diagnosis/incident.ts";
import { handlers } from "./handlers/registry.ts";
import type { Handler, PipelineDeps } from "./handlers/types.ts";
import type { Llm } from "./llm/analyse.ts";
import { getDelivery, settleDelivery, unsettledDeliveries } from "./store/deliveries.ts";
import { getIncident, updateIncident } from "./store/incidents.ts";
import type { Queue } from "./store/queue.ts";
import type { Metrics } from "./web/metrics.ts";

export type WorkerDeps = PipelineDeps & {
  /** An Octokit authenticated as the installation; unauthenticated when the App is not configured. */
  octokitFor: (installationId: number | null) => Promise<ProbotOctokit>;
  metrics?: Pick<Metrics, "deliverySettled">;
  now?: () => Date;
  /** `CODEHEALER_DRY_RUN`: every step in every repository is only logged as `[dry-run] Would …`. */
  dryRun?: boolean;
  /** Where the act stage reads configuration, pull requests and fixes; GitHub by default. */
  sources?: Partial<ActSources>;
  /** The LLM, when one is configured (`OPENAI_BASE_URL` / `OPENAI_API_KEY`). */
  llm?: Llm | null;
};

/**
 * Runs one stored delivery through the pipeline:
 * 1. load it (a settled delivery is done: replays and duplicate jobs stop here);
 * 2. find the handler for its `event.action` (none yet: stored and marked ignored);
 * 3. run the handler with a Probot context rebuilt from the stored payload;
 * 4. settle the delivery with the handler's verdict.
 * A handler that throws leaves the delivery unsettled, and the queue retries the job.
 */
export async function processDelivery(deps: WorkerDeps, deliveryId: string): Promise<void> {
  const delivery = await getDelivery(deps.db, deliveryId);
  if (!delivery) {
    deps.log.warn({ delivery: deliveryId }, "job for an unknown delivery; nothing to do");
    return;
  }
  if (delivery.status !== "received") return;
  const name = delivery.action ? `${delivery.event}.${delivery.action}` : delivery.event;
  // An event whose `action` is free text (repository_dispatch's event_type) has one handler.
  const registry = handlers as Record<string, Handler<EmitterWebhookEventName> | undefined>;
  const handler = registry[name] ?? registry[delivery.event];
  const log = deps.log.child({
    delivery: delivery.id,
    event: name,
    repository: delivery.repository,
  });
  const verdict = handler
    ? await handler(
        new Context(
          {
            id: delivery.id,
            name: delivery.event,
            payload: delivery.payload,
          } as EmitterWebhookEvent,
          await deps.octokitFor(delivery.installationId),
          log,
        ),
        { ...deps, log },
      )
    : { status: "ignored" as const, reason: `stored; CodeHealer does not act on ${name}` };
  await settleDelivery(deps.db, delivery.id, verdict.status, verdict.reason);
  const now = deps.now?.() ?? new Date();
  deps.metrics?.deliverySettled(
    name,
    verdict.status,
    (now.getTime() - delivery.receivedAt.getTime()) / 1000,
  );
  log.info({ status: verdict.status, reason: verdict.reason }, "delivery settled");
}

/**
 * Runs an incident through the stages after intake, each stage once:
 * 1. `open`: evidence and diagnosis (→ `diagnosed`);
 * 2. `diagnosed` or `acting`: plan and act (→ `acted`). A retried job carries out the stored
 *    plan; the steps already done are found done in the audit trail and not repeated.
 * An incident already acted on, resolved or failed is left alone: a redelivery changes nothing.
 */
export async function processIncident(deps: WorkerDeps, incidentId: string): Promise<void> {
  let incident = await getIncident(deps.db, incidentId);
  if (!incident) {
    deps.log.warn({ incident: incidentId }, "job for an unknown incident; nothing to do");
    return;
  }
  const log = deps.log.child({ incident: incident.id, repository: incident.repository });
  const octokit = await deps.octokitFor(incident.installationId);
  if (incident.status === "open") {
    await diagnoseIncident({ db: deps.db, octokit, log }, incident);
    incident = await getIncident(deps.db, incidentId);
  }
  if (!incident || (incident.status !== "diagnosed" && incident.status !== "acting")) return;
  // Nothing failed (the run was re-run or deleted before we looked): nothing to say.
  if (incident.fingerprint === null) {
    await updateIncident(deps.db, incident.id, { status: "acted", outcome: "nothing_failed" });
    return;
  }
  await actOnIncident(
    {
      db: deps.db,
      octokit,
      log,
      now: deps.now ?? (() => new Date()),
      appId: deps.appId,
      notifier: deps.notifier ?? null,
      dryRun: deps.dryRun === true,
      llm: deps.llm ?? null,
      ...(deps.sources ? { sources: deps.sources } : {}),
    },
    incident,
  );
}

/**
 * Starts consuming both queues, and every minute re-queues deliveries that were stored but never
 * queued (a process that died between the two steps leaves these).
 */
export async function startWorker(
  deps: WorkerDeps,
  queue: Queue,
  concurrency: number,
): Promise<() => void> {
  await queue.work(
    "delivery",
    async (id, job) => {
      try {
        await processDelivery(deps, id);
      } catch (error) {
        // On the last try, say so on the delivery before the job moves to the dead-letter queue.
        if (job.retryCount >= queue.retry.retryLimit) {
          await settleDelivery(
            deps.db,
            id,
            "failed",
            `gave up after ${job.retryCount + 1} tries: ${String(error)}`,
          );
        }
        throw error;
      }
    },
    concurrency,
  );
  await queue.work(
    "incident",
    async (id, job) => {
      try {
        await processIncident(deps, id);
      } catch (error) {
        const last = job.retryCount >= queue.retry.retryLimit;
        deps.log.warn(
          { err: error, incident: id, try: job.retryCount + 1 },
          last ? "incident stage failed; giving up" : "incident stage failed; will retry",
        );
        if (last) await updateIncident(deps.db, id, { status: "failed", outcome: String(error) });
        throw error;
      }
    },
    concurrency,
  );
  const sweep = async () => {
    const stale = await unsettledDeliveries(deps.db, new Date(Date.now() - 60_000));
    for (const id of stale) await queue.enqueue("delivery", id);
    if (stale.length > 0) deps.log.info({ count: stale.length }, "re-queued unsettled deliveries");
  };
  const timer = setInterval(
    () => sweep().catch((error) => deps.log.error({ err: error }, "sweep failed")),
    60_000,
  );
  timer.unref();
  await sweep();
  return () => clearInterval(timer);
}

/** An Octokit that makes unauthenticated requests: what the worker has when no App is configured. */
export const unauthenticatedOctokit = async () => new ProbotOctokit();
