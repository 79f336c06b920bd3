import { z } from "zod";

/**
 * CodeHealer's `repository_dispatch` contracts: what a sender puts in `client_payload` for each
 * `event_type` it acts on. GitHub's dispatch API takes at most 10 top-level keys and 64 KB in
 * all; every field here is bounded so that a payload within these sizes always fits.
 * docs/integrations.md is written from these schemas.
 */

/** What GitHub's dispatch API allows at the top level of `client_payload`. */
export const MAX_TOP_LEVEL_KEYS = 10;

/** Who saw it: `sentry`, `logfire`, `prometheus`, or another name a person recognises. */
const source = z
  .string()
  .trim()
  .min(1)
  .max(50)
  .regex(/^[\w .-]+$/, "must be a plain name such as sentry, logfire or prometheus");

/** A link back to where it was seen; only http(s), since it is shown as a link. */
const url = z.url({ protocol: /^https?$/ }).max(2048);

/** A number, or a short text as Prometheus renders `{{ $value }}` (`+Inf`, `> 0.05`). */
const measure = z.union([z.number(), z.string().trim().min(1).max(64)]);

/** `error-detected`: an error seen in production (Sentry, Logfire), with where the code threw. */
export const errorDetected = z.strictObject({
  source,
  /** The error as the tracker titles it: `TypeError: Cannot read properties of undefined`. */
  message: z.string().trim().min(1).max(4000),
  /** The file of the innermost frame in the application's code; made repository-relative. */
  file: z.string().trim().min(1).max(1024).nullish(),
  /** The line in `file`. */
  line: z.number().int().positive().max(10_000_000).nullish(),
  /**
   * The trace or event id: the same id twice is the same occurrence (a retried relay), never a
   * second incident. Without one, the message, file and line are the key.
   */
  trace_id: z
    .string()
    .regex(/^[\w.:-]{1,128}$/, "must be an id of letters, digits, '.', ':', '-' or '_'")
    .nullish(),
  /** The stack trace as text, innermost frame first or last; diagnosed with the message. */
  stacktrace: z.string().max(32_768).nullish(),
  /** The error in the tracker. */
  url: url.nullish(),
  /** Where it happened: `production`, `staging`. */
  environment: z.string().trim().min(1).max(100).nullish(),
  /**
   * The release that threw. When it is a full commit SHA (or ends in `@<sha>`), the error is
   * diagnosed against the code at that commit; otherwise against the default branch's head.
   */
  release: z.string().trim().min(1).max(200).nullish(),
});
export type ErrorDetected = z.infer<typeof errorDetected>;

/** `anomaly-detected`: an alert on a metric (Prometheus): reported, never fixed. */
export const anomalyDetected = z.strictObject({
  source,
  /** The alert's name (Prometheus `alertname`). */
  alert: z.string().trim().min(1).max(200),
  /** What is measured: the metric or the PromQL expression. */
  metric: z.string().trim().min(1).max(1000),
  /** The bound it crossed: `0.05`, or `> 0.05` with its direction. */
  threshold: measure,
  /** What it measured when the alert fired. */
  value: measure,
  /** The alert's labels (instance, job, severity…): at most 30. */
  labels: z
    .record(z.string().min(1).max(128), z.string().max(1024))
    .refine((labels) => Object.keys(labels).length <= 30, "at most 30 labels")
    .nullish(),
  /** The alert's graph or rule (Prometheus `generatorURL`). */
  url: url.nullish(),
  /** When the alert started firing: a new firing is a new incident, a repeat is not. */
  starts_at: z.iso.datetime({ offset: true }).nullish(),
});
export type AnomalyDetected = z.infer<typeof anomalyDetected>;

/** A client_payload without its empty fields: what a sender need not send, it leaves out. */
export function compact<T extends object>(payload: T): T {
  return Object.fromEntries(
    Object.entries(payload).filter(([, value]) => value !== null && value !== undefined),
  ) as T;
}

/** The event types CodeHealer acts on, and each one's contract. */
export const CONTRACTS = {
  "error-detected": errorDetected,
  "anomaly-detected": anomalyDetected,
} as const;

/** A `client_payload` read against its contract. */
export type ClientPayload =
  | { kind: "error-detected"; payload: ErrorDetected }
  | { kind: "anomaly-detected"; payload: AnomalyDetected };

const isContracted = (eventType: string): eventType is keyof typeof CONTRACTS =>
  Object.hasOwn(CONTRACTS, eventType);

/**
 * Reads a dispatch's `client_payload` for its `event_type`. Refused with a reason naming the
 * field (`client_payload.line: …`) so that whoever wired the sender knows what to fix.
 */
export function readClientPayload(
  eventType: string,
  clientPayload: unknown,
): { ok: true; value: ClientPayload } | { ok: false; reason: string; unknownType: boolean } {
  if (!isContracted(eventType))
    return {
      ok: false,
      unknownType: true,
      reason: `event_type "${eventType.slice(0, 100)}" is not one CodeHealer acts on (${Object.keys(CONTRACTS).join(", ")})`,
    };
  const rejected = (path: string, message: string) => ({
    ok: false as const,
    unknownType: false,
    reason: `client_payload rejected: ${path}: ${message}`,
  });
  if (typeof clientPayload !== "object" || clientPayload === null || Array.isArray(clientPayload))
    return rejected("client_payload", "must be an object");
  const keys = Object.keys(clientPayload).length;
  // GitHub refuses these itself; a payload that arrives anyway was not sent through its API.
  if (keys > MAX_TOP_LEVEL_KEYS)
    return rejected(
      "client_payload",
      `${keys} top-level keys; GitHub's dispatch API allows ${MAX_TOP_LEVEL_KEYS}`,
    );
  const parsed =
    eventType === "error-detected"
      ? read(eventType, errorDetected, clientPayload)
      : read(eventType, anomalyDetected, clientPayload);
  return "issue" in parsed
    ? rejected(["client_payload", ...parsed.issue.path.map(String)].join("."), parsed.issue.message)
    : { ok: true, value: parsed };
}

function read<K extends ClientPayload["kind"], S extends z.ZodType>(
  kind: K,
  schema: S,
  clientPayload: unknown,
): { kind: K; payload: z.infer<S> } | { issue: z.core.$ZodIssue } {
  const parsed = schema.safeParse(clientPayload);
  if (parsed.success) return { kind, payload: parsed.data };
  const [issue] = parsed.error.issues;
  return { issue: issue ?? { code: "custom", path: [], message: "invalid", input: clientPayload } };
}
