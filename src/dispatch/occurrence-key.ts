import { createHash } from "node:crypto";
import type { ClientPayload } from "./client-payload.ts";

/**
 * What makes two dispatches the same occurrence, so that a relay retrying (or Alertmanager
 * repeating a firing alert) lands on the incident already open:
 * - an error: its trace id; without one, its message, file and line;
 * - an alert: its name and labels and when it started firing (a new firing is a new incident).
 * Different occurrences of one failure still share the fingerprint the diagnosis gives them, and
 * with it one issue and one fix branch.
 */
export function occurrenceKey({ kind, payload }: ClientPayload): string {
  const source = payload.source.toLowerCase();
  if (kind === "error-detected")
    return payload.trace_id
      ? [kind, source, "trace", payload.trace_id].join("\n")
      : [kind, source, payload.message, payload.file ?? "", payload.line ?? ""].join("\n");
  const labels = Object.entries(payload.labels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`);
  return [kind, source, payload.alert, ...labels, payload.starts_at ?? ""].join("\n");
}

/**
 * The incident's `runId` for a key: the first 12 hex digits of its SHA-256 as a number (48
 * bits, well inside JavaScript's safe integers and Postgres's bigint), never 0. Incidents are
 * unique per (repository, provider, runId, attempt), so the same key finds the same incident.
 */
export function occurrenceRunId(key: string): number {
  const n = Number.parseInt(createHash("sha256").update(key).digest("hex").slice(0, 12), 16);
  return n === 0 ? 1 : n;
}
