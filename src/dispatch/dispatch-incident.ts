import type { ExternalEvidence } from "../diagnosis/incident.ts";
import { redact } from "../logs/redact.ts";
import type { NewIncident } from "../store/schema.ts";
import type { AnomalyDetected, ClientPayload, ErrorDetected } from "./client-payload.ts";
import { occurrenceKey, occurrenceRunId } from "./occurrence-key.ts";
import { repositoryFile } from "./repository-file.ts";

/** Where a dispatch is diagnosed: its repository, the default branch and the commit read. */
export type DispatchTarget = {
  repository: string;
  installationId: number | null;
  branch: string;
  headSha: string;
  deliveryId: string;
};

const NAMES: Record<string, string> = {
  sentry: "Sentry",
  logfire: "Logfire",
  prometheus: "Prometheus",
  alertmanager: "Alertmanager",
};

/** A source as people write it: `sentry` → `Sentry`; an unknown name as it came. */
export const sourceName = (source: string): string => NAMES[source.toLowerCase()] ?? source;

/** Why an alert is only ever reported: the sentence the plan gives (`Report only: …`). */
export const alertReportOnly = (source: string): string =>
  `an alert from ${sourceName(source)} is reported, never fixed automatically.`;

const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();

// The error as it is diagnosed: the message, its stack trace, and a last line saying where it
// was seen. The last line of a text is where the reader looks for the failure, so the trace id
// there never becomes the error line, nor part of the fingerprint.
function errorText(payload: ErrorDetected): string {
  const seen = [
    `${sourceName(payload.source)} error`,
    payload.environment && `in ${oneLine(payload.environment)}`,
    payload.release && `release ${oneLine(payload.release)}`,
    payload.trace_id && `trace ${payload.trace_id}`,
  ].filter(Boolean);
  const stack = payload.stacktrace?.trim() ?? "";
  // Most stack traces open with the message; it is not said twice.
  const body = stack.startsWith(payload.message) ? stack : `${payload.message}\n${stack}`;
  return redact(`${body.trim()}\n${seen.join(", ")}`);
}

const measured = (value: number | string) => String(value);

// The alert as it is diagnosed: one line that says it all (the error line, and with the
// numbers masked, the fingerprint: one issue per alert and metric), then its labels.
function anomalyText(payload: AnomalyDetected): string {
  const headline = `${sourceName(payload.source)} alert ${oneLine(payload.alert)}: ${oneLine(payload.metric)} is ${measured(payload.value)} (threshold ${measured(payload.threshold)})`;
  const labels = Object.entries(payload.labels ?? {}).map(
    ([name, value]) => `${name}="${oneLine(value)}"`,
  );
  const details = [
    labels.length > 0 ? `labels ${labels.join(", ")}` : "no labels",
    payload.starts_at && `firing since ${payload.starts_at}`,
  ].filter(Boolean);
  return redact(`${headline}\n${details.join("; ")}`);
}

/**
 * The incident a dispatch opens (pure): provider `external`, one per occurrence
 * (`occurrenceKey`), its text and file/line in `evidence.external` for the diagnosis stage.
 * An alert carries `reportOnly`: the plan only reports it, and the LLM is not asked.
 */
export function dispatchIncident(dispatch: ClientPayload, target: DispatchTarget): NewIncident {
  const [, repo = ""] = target.repository.split("/");
  const name = sourceName(dispatch.payload.source);
  const common = {
    repository: target.repository,
    installationId: target.installationId,
    provider: "external" as const,
    sourceEvent: "repository_dispatch",
    deliveryId: target.deliveryId,
    headSha: target.headSha,
    branch: target.branch,
    runId: occurrenceRunId(occurrenceKey(dispatch)),
    runAttempt: 1,
    htmlUrl: dispatch.payload.url ?? null,
  };
  if (dispatch.kind === "anomaly-detected") {
    const external: ExternalEvidence = {
      source: `${name} alert`,
      text: anomalyText(dispatch.payload),
      url: dispatch.payload.url ?? null,
      reportOnly: alertReportOnly(dispatch.payload.source),
    };
    return { ...common, workflowName: name, conclusion: "firing", evidence: { external } };
  }
  const { payload } = dispatch;
  const path = payload.file ? repositoryFile(payload.file, repo) : null;
  const external: ExternalEvidence = {
    source: `${name} error`,
    text: errorText(payload),
    url: payload.url ?? null,
    path,
    line: path ? (payload.line ?? null) : null,
  };
  // Named like a workflow, so that `environments` in .github/codehealer.yml can match it:
  // `workflows: ["Sentry (production)"]`.
  const workflowName = payload.environment ? `${name} (${oneLine(payload.environment)})` : name;
  return { ...common, workflowName, conclusion: "error", evidence: { external } };
}
