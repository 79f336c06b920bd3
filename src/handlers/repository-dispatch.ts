import { dispatchCommit } from "../dispatch/dispatch-commit.ts";
import { dispatchIncident } from "../dispatch/dispatch-incident.ts";
import { readDispatch } from "../dispatch/read-dispatch.ts";
import { openIncident } from "../store/incidents.ts";
import { type Handler, ignored, processed } from "./types.ts";

/**
 * `error-detected` (Sentry, Logfire) and `anomaly-detected` (Prometheus) from the dispatch API
 * become an incident diagnosed against the repository's code, and queued. Nothing is opened
 * for a payload that breaks its contract (docs/integrations.md).
 */
export const onRepositoryDispatch: Handler<"repository_dispatch"> = async (context, deps) => {
  const read = readDispatch(context.payload);
  if (!read.ok) {
    // A dispatch meant for a workflow is none of ours; a malformed one of ours is a sender to fix.
    if (read.unknownType) deps.log.debug({ event_type: context.payload.action }, read.reason);
    else deps.log.warn({ event_type: context.payload.action }, read.reason);
    return ignored(read.reason);
  }
  const { repository, branch, event } = read.value;
  const release = event.kind === "error-detected" ? event.payload.release : null;
  const commit = await dispatchCommit(context.octokit, repository, { branch, release });
  if (commit === null)
    return ignored(`${repository.fullName} has no commit on ${branch} to diagnose against`);
  const { incident, created } = await openIncident(
    deps.db,
    dispatchIncident(event, {
      repository: repository.fullName,
      installationId: read.value.installationId,
      branch,
      headSha: commit.sha,
      deliveryId: context.id,
    }),
  );
  // Queued even when it existed: the attempt that opened it may have died before queueing.
  await deps.queue.enqueue("incident", incident.id);
  return processed(
    created
      ? `incident ${incident.id} opened for ${event.kind} at ${commit.sha.slice(0, 7)} (${commit.from})`
      : `incident ${incident.id} already open for this ${event.kind}`,
  );
};
