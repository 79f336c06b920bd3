import type { Logger } from "pino";
import type { ProbotOctokit } from "probot";
import { type ActResult, type ActSources, actOnIncident } from "../actions/act.ts";
import { diagnoseIncident, type JobSource } from "../diagnosis/incident.ts";
import type { MemoryDiagnosis } from "../diagnosis/memory-recall.ts";
import { migrate, openDatabase } from "../store/database.ts";
import { getDelivery } from "../store/deliveries.ts";
import { createInbox } from "../store/inbox.ts";
import { getIncident } from "../store/incidents.ts";
import type { Incident } from "../store/schema.ts";
import { processDelivery } from "../worker.ts";
import { type RecordedEvent, ReplayInputError } from "./replay-event.ts";

export type ReplayDeps = {
  /** GitHub read-only with a token, or one that refuses every request. */
  octokit: ProbotOctokit;
  log: Logger;
  /** Where the failed jobs' logs come from; GitHub when absent. */
  jobs?: JobSource;
  /** The configuration, pull request and fix; GitHub for what is absent. */
  sources: Partial<ActSources>;
  now?: () => Date;
};

/** What the pipeline made of a recorded event. */
export type Replayed = ActResult & { incident: Incident; diagnosis: MemoryDiagnosis };

/**
 * Runs the real pipeline on a recorded event, in a database that lives in memory and is gone
 * when this returns (never the user's DATABASE_URL: a replay writes nothing that lasts):
 * 1. intake: store the delivery and let its handler open the incident;
 * 2. diagnose the incident from the failed jobs' logs;
 * 3. act in dry run: plan, then record each step as `[dry-run] Would …` — whatever the
 *    configuration says, nothing is performed.
 */
export async function replayEvent(deps: ReplayDeps, event: RecordedEvent): Promise<Replayed> {
  const database = await openDatabase({ dataDir: "memory://" });
  try {
    await migrate(database);
    const { db } = database;
    const opened: string[] = [];
    const worker = {
      db,
      log: deps.log,
      appId: null,
      queue: { enqueue: async (_queue: string, id: string) => void opened.push(id) },
      octokitFor: async () => deps.octokit,
    };
    // 1. Intake, as a webhook arrives.
    await createInbox(db, { enqueueMany: async () => {} }).accept({
      id: event.id,
      event: event.name,
      action: event.action,
      installationId: null,
      repository: null,
      payload: event.payload,
    });
    await processDelivery(worker, event.id);
    const delivery = await getDelivery(db, event.id);
    if (delivery?.status === "ignored")
      throw new ReplayInputError(`the pipeline ignored this event: ${delivery.statusReason}`);
    const incidentId = opened[0];
    if (incidentId === undefined) throw new Error("the event opened no incident");
    // 2. Diagnosis.
    const incident = await getIncident(db, incidentId);
    if (!incident) throw new Error(`incident ${incidentId} vanished`);
    const diagnosis = await diagnoseIncident(
      { db, octokit: deps.octokit, log: deps.log, ...(deps.jobs ? { jobs: deps.jobs } : {}) },
      incident,
    );
    if (diagnosis === null)
      throw new Error(
        `GitHub lists no failed job in ${incident.repository} run ${incident.runId} attempt ${incident.runAttempt}: it may have been re-run or deleted`,
      );
    // 3. Plan and act, only ever as a dry run.
    const diagnosed = await getIncident(db, incidentId);
    if (!diagnosed) throw new Error(`incident ${incidentId} vanished`);
    const acted = await actOnIncident(
      {
        db,
        octokit: deps.octokit,
        log: deps.log,
        now: deps.now ?? (() => new Date()),
        appId: null,
        notifier: null,
        dryRun: true,
        sources: deps.sources,
      },
      diagnosed,
    );
    return { ...acted, incident: (await getIncident(db, incidentId)) ?? diagnosed, diagnosis };
  } finally {
    await database.close();
  }
}
