import { z } from "zod";
import { type AnomalyDetected, anomalyDetected, compact } from "./client-payload.ts";

/**
 * Alertmanager's webhook (`webhook_config`, payload version 4,
 * prometheus.io/docs/alerting/latest/configuration/#webhook_config): a group of alerts, each
 * with its labels, annotations, start and the URL of the rule's expression in Prometheus.
 */
const labels = z.record(z.string(), z.string());
const alertmanagerAlert = z.object({
  status: z.string(),
  labels,
  annotations: labels.default({}),
  startsAt: z.string().optional(),
  generatorURL: z.string().optional(),
});
const alertmanagerWebhook = z.object({
  version: z.literal("4"),
  externalURL: z.string().optional(),
  alerts: z.array(alertmanagerAlert),
});

/** Labels kept on an alert (`alertname` is its name already). */
const MAX_LABELS = 30;

// `{{ $value }}` as Prometheus renders it: a number when it reads as one (`0.12`, `1e+06`),
// else as written (`+Inf`, `NaN`).
function measure(text: string): number | string {
  const trimmed = text.trim();
  return /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(trimmed) ? Number(trimmed) : trimmed;
}

// The rule's expression, from the link Prometheus puts on every alert (`/graph?g0.expr=…`).
function expressionOf(generatorURL: string | undefined): string | null {
  try {
    return generatorURL ? new URL(generatorURL).searchParams.get("g0.expr") : null;
  } catch {
    return null;
  }
}

// `rate(errors[5m]) > 0.05` → the measured side and the bound with its direction.
const COMPARISON =
  /^([\s\S]+?)\s*((?:[<>]=?|[!=]=)\s*(?:bool\s+)?[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*$/i;

type Mapped = { ok: true; payload: AnomalyDetected } | { ok: false; reason: string };

function mapAlert(alert: z.infer<typeof alertmanagerAlert>, externalURL?: string): Mapped {
  const name = alert.labels.alertname;
  if (!name) return { ok: false, reason: "an alert without an alertname label" };
  const { annotations } = alert;
  const expr = expressionOf(alert.generatorURL);
  const compared = expr ? COMPARISON.exec(expr) : null;
  const threshold = annotations.threshold ?? compared?.[2];
  if (annotations.value === undefined)
    return {
      ok: false,
      reason: `alert ${name}: no value; add the annotation value: "{{ $value }}" to its rule`,
    };
  if (threshold === undefined)
    return {
      ok: false,
      reason: `alert ${name}: no threshold; add a threshold annotation to its rule`,
    };
  const kept = Object.entries(alert.labels)
    .filter(([label]) => label !== "alertname")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, MAX_LABELS)
    .map(([label, value]) => [label.slice(0, 128), value.slice(0, 1024)]);
  const url = [alert.generatorURL, externalURL].find(
    (candidate) =>
      candidate !== undefined && anomalyDetected.shape.url.safeParse(candidate).success,
  );
  const checked = anomalyDetected.safeParse({
    source: "prometheus",
    alert: name.slice(0, 200),
    metric: (annotations.metric ?? compared?.[1] ?? expr ?? name).slice(0, 1000),
    threshold: measure(threshold),
    value: measure(annotations.value),
    labels: Object.fromEntries(kept),
    url: url ?? null,
    starts_at: anomalyDetected.shape.starts_at.safeParse(alert.startsAt).success
      ? alert.startsAt
      : null,
  });
  if (!checked.success) {
    const issue = checked.error.issues[0];
    return { ok: false, reason: `alert ${name}: ${issue?.path.join(".")}: ${issue?.message}` };
  }
  return { ok: true, payload: compact(checked.data) };
}

/**
 * One `anomaly-detected` client_payload per firing alert of an Alertmanager webhook, and why
 * the others were skipped. Resolved alerts send nothing: an incident is a problem seen, and the
 * issue stays for a person to close. The value comes from the rule's `value` annotation
 * (`{{ $value }}`: Alertmanager carries no value otherwise); the threshold from its `threshold`
 * annotation, else the comparison that ends the rule's expression; the metric from its
 * `metric` annotation, else that expression.
 */
export function fromAlertmanager(body: unknown): {
  payloads: AnomalyDetected[];
  skipped: string[];
} {
  const parsed = alertmanagerWebhook.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      payloads: [],
      skipped: [`not an Alertmanager v4 webhook: ${issue?.path.join(".")}: ${issue?.message}`],
    };
  }
  const { alerts, externalURL } = parsed.data;
  const payloads: AnomalyDetected[] = [];
  const skipped: string[] = [];
  for (const alert of alerts) {
    if (alert.status !== "firing") {
      skipped.push(`alert ${alert.labels.alertname ?? "?"}: ${alert.status}, not firing`);
      continue;
    }
    const mapped = mapAlert(alert, externalURL);
    if (mapped.ok) payloads.push(mapped.payload);
    else skipped.push(mapped.reason);
  }
  return { payloads, skipped };
}
