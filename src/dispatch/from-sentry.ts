import { z } from "zod";
import { compact, type ErrorDetected, errorDetected } from "./client-payload.ts";

/**
 * Sentry's webhooks as an internal integration receives them
 * (docs.sentry.io/organization/integrations/integration-platform/webhooks/): an issue alert
 * (`Sentry-Hook-Resource: event_alert`, the event under `data.event`) or an error
 * (`error`, under `data.error`). Read leniently: a field Sentry leaves out or shapes
 * differently is unknown, never a failure.
 */
const text = z.string().nullish().catch(null);
const frame = z.object({
  filename: text,
  abs_path: text,
  function: text,
  lineno: z.number().int().nullish().catch(null),
  colno: z.number().int().nullish().catch(null),
  in_app: z.boolean().nullish().catch(null),
});
type Frame = z.infer<typeof frame>;
const exceptionValue = z.object({
  type: text,
  value: text,
  stacktrace: z
    .object({ frames: z.array(frame).nullish().catch(null) })
    .nullish()
    .catch(null),
});
const sentryEvent = z.object({
  event_id: text,
  title: text,
  message: text,
  metadata: z.object({ type: text, value: text }).nullish().catch(null),
  exception: z
    .object({ values: z.array(exceptionValue).nullish().catch(null) })
    .nullish()
    .catch(null),
  contexts: z
    .object({ trace: z.object({ trace_id: text }).nullish().catch(null) })
    .nullish()
    .catch(null),
  environment: text,
  release: text,
  tags: z
    .array(z.tuple([z.string(), z.string()]))
    .nullish()
    .catch(null),
  web_url: text,
});
const sentryWebhook = z.object({
  data: z.object({ event: sentryEvent.optional(), error: sentryEvent.optional() }),
});

/** The Sentry resources that carry an error event, and where. */
export const SENTRY_RESOURCES = ["event_alert", "error"] as const;

const STACK_LIMIT = 16 * 1024;
const FRAMES_PER_EXCEPTION = 50;

const place = (f: Frame) =>
  [f.filename ?? f.abs_path ?? "?", f.lineno, f.colno].filter((p) => p != null).join(":");

// Innermost frame first, as most runtimes print a trace; Sentry lists the oldest first.
function stackText(values: z.infer<typeof exceptionValue>[]): string {
  const blocks = [...values].reverse().map((value) => {
    const frames = (value.stacktrace?.frames ?? []).slice(-FRAMES_PER_EXCEPTION).reverse();
    const head = [value.type, value.value].filter(Boolean).join(": ");
    return [head, ...frames.map((f) => `    at ${f.function ?? "?"} (${place(f)})`)].join("\n");
  });
  let out = "";
  for (const line of blocks.join("\n").split("\n")) {
    if (out.length + line.length + 1 > STACK_LIMIT) break;
    out += out === "" ? line : `\n${line}`;
  }
  return out;
}

const tag = (tags: [string, string][] | null | undefined, name: string) =>
  tags?.find(([key]) => key === name)?.[1] ?? null;

// An optional field Sentry filled in a way the contract refuses (a relative URL, an odd id) is
// left out rather than losing the whole error.
function keep<K extends keyof typeof errorDetected.shape>(field: K, value: unknown) {
  const checked = errorDetected.shape[field].safeParse(value);
  return checked.success ? checked.data : null;
}

const clip = (value: string | null | undefined, max: number) =>
  value ? value.trim().slice(0, max) || null : null;

/**
 * An `error-detected` client_payload from a Sentry webhook body, or why there is none. The file
 * and line are the innermost frame Sentry marks as the application's own (`in_app`); with none,
 * the error is sent without them and diagnosed from its message and stack trace.
 */
export function fromSentry(
  resource: string,
  body: unknown,
): { ok: true; payload: ErrorDetected } | { ok: false; reason: string } {
  if (!(SENTRY_RESOURCES as readonly string[]).includes(resource))
    return { ok: false, reason: `Sentry resource "${resource.slice(0, 50)}" carries no error` };
  const parsed = sentryWebhook.safeParse(body);
  const event = parsed.success ? (parsed.data.data.event ?? parsed.data.data.error) : undefined;
  if (!event) return { ok: false, reason: `no event under data in this ${resource} webhook` };
  const values = event.exception?.values ?? [];
  const thrown = [...values].reverse().find((v) => (v.stacktrace?.frames ?? []).length > 0);
  const ours = [...(thrown?.stacktrace?.frames ?? [])].reverse().find((f) => f.in_app === true);
  const metadata = [event.metadata?.type, event.metadata?.value].filter(Boolean).join(": ");
  const stack = values.length > 0 ? stackText(values) : "";
  const payload = {
    source: "sentry",
    message: clip(event.title || metadata || event.message, 4000) ?? "Sentry event without a title",
    file: keep("file", clip(ours?.filename ?? ours?.abs_path, 1024)),
    line: keep("line", ours?.lineno ?? null),
    trace_id: keep("trace_id", event.contexts?.trace?.trace_id ?? event.event_id),
    stacktrace: stack === "" ? null : stack,
    url: keep("url", event.web_url),
    environment: keep(
      "environment",
      clip(event.environment ?? tag(event.tags, "environment"), 100),
    ),
    release: keep("release", clip(event.release ?? tag(event.tags, "release"), 200)),
  };
  // What is sent must be what CodeHealer accepts: checked here, where the sender can see why.
  const checked = errorDetected.safeParse(payload);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    return { ok: false, reason: `${issue?.path.join(".")}: ${issue?.message}` };
  }
  return { ok: true, payload: compact(checked.data) };
}
