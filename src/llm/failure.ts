import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import type { LlmEndpoint } from "./types.ts";

/** Why one endpoint gave no answer, in words safe to log: no key, no response body beyond a line. */
export type EndpointFailure = { endpoint: string; reason: string };

/**
 * No endpoint answered. Callers degrade on this one (rules and memory still answer) and let
 * every other error, such as a database failure, propagate. It carries no `cause`: an SDK
 * error holds the response body, and a misbehaving server may echo the key in it.
 */
export class LlmUnavailableError extends Error {
  readonly failures: EndpointFailure[];
  constructor(failures: EndpointFailure[]) {
    const lines = failures.map(({ endpoint, reason }) => `  ${endpoint}: ${reason}`);
    super(`No LLM endpoint answered:\n${lines.join("\n")}`);
    this.name = "LlmUnavailableError";
    this.failures = failures;
  }
}

/**
 * Removes the configured keys, and anything shaped like a provider key, from a text. OpenAI
 * quotes part of a wrong key in its 401; a hostile server could quote all of it.
 */
export function redactor(endpoints: readonly LlmEndpoint[]): (text: string) => string {
  const keys = endpoints
    .flatMap(({ apiKey }) => (apiKey ? [apiKey] : []))
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let safe = text;
    for (const key of keys) safe = safe.replaceAll(key, "[redacted]");
    return safe.replace(/\b(sk|nvapi|gsk)[-_][\w*.-]{6,}/gi, "[redacted]");
  };
}

/** How a failed request reads in logs and errors, and whether it counts against the endpoint. */
export function describeFailure(
  error: unknown,
  timeoutMs: number,
  redact: (text: string) => string,
): { reason: string; endpointAtFault: boolean } {
  if (error instanceof APIConnectionTimeoutError)
    return { reason: `timed out after ${timeoutMs} ms`, endpointAtFault: true };
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return { reason: oneLine(redact(`connection failed${cause}`)), endpointAtFault: true };
  }
  if (error instanceof APIError && error.status !== undefined) {
    const said = oneLine(redact(bodyMessage(error)));
    return {
      reason: `HTTP ${error.status}${said ? `: ${said}` : ""}`,
      endpointAtFault: atFault(error.status),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { reason: oneLine(redact(message)), endpointAtFault: true };
}

/**
 * Whether a status says the endpoint cannot serve us, rather than that this one request was
 * wrong. 401/403 (a wrong or revoked key), 402 (out of credit) and 404 (a wrong base URL or
 * model) count with 429 and 5xx: every request fails the same way until someone fixes the
 * setting, so hammering is pointless. 400, 413 and 422 (a prompt too long, a parameter
 * refused) do not: the endpoint is alive, and the next endpoint may take the request.
 */
function atFault(status: number): boolean {
  return status !== 400 && status !== 413 && status !== 422;
}

function bodyMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  if (typeof body?.message === "string") return body.message;
  // The SDK prefixes its message with the status.
  return error.message.replace(/^\d{3}\s*/, "");
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}
