import { redact } from "../logs/redact.ts";

const clip = (text: string) => redact(text).slice(0, 160);

/**
 * Why an optional GitHub read failed, for the prompt's notes; rethrows what is not an HTTP
 * error (a bug is not degraded into a note). Octokit reports a request that got no answer as
 * status 500 without a response.
 */
export function githubFailure(error: unknown, what: string): string {
  const status = (error as { status?: unknown } | null)?.status;
  if (!(error instanceof Error) || typeof status !== "number") throw error;
  const response = (error as { response?: { data?: { message?: unknown } } }).response;
  if (response === undefined)
    return `${what}: the request to GitHub failed (${clip(error.message)})`;
  const message = response.data?.message;
  return `${what}: GitHub answered ${status}${typeof message === "string" ? `: ${clip(message)}` : ""}`;
}
