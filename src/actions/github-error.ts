/**
 * A failed action on GitHub, said so that an operator knows what to do: which request, what
 * GitHub answered, and whether trying again later can help.
 */
export class ActionError extends Error {
  /** GitHub's HTTP status; null when GitHub never answered (or the error is CodeHealer's own). */
  readonly status: number | null;
  /** A later attempt may succeed: a 5xx, a rate limit, a network error. */
  readonly retryable: boolean;

  constructor(
    message: string,
    options: { status?: number | null; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "ActionError";
    this.status = options.status ?? null;
    this.retryable = options.retryable ?? false;
  }
}

// The parts of an Octokit RequestError this file reads, without importing a transitive package.
type HttpError = Error & {
  status: number;
  request?: { method?: string; url?: string };
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
};

const isHttpError = (error: unknown): error is HttpError =>
  error instanceof Error && typeof (error as { status?: unknown }).status === "number";

function route(error: HttpError): string {
  const { method, url } = error.request ?? {};
  if (!url) return "the request";
  try {
    return `${method ?? "GET"} ${new URL(url).pathname}`;
  } catch {
    return `${method ?? "GET"} ${url}`;
  }
}

// GitHub's own words: `message`, and for a 422 the field errors beside it.
function answer(error: HttpError): string {
  const data = error.response?.data as
    | { message?: unknown; errors?: { message?: unknown; code?: unknown; field?: unknown }[] }
    | undefined;
  const message = typeof data?.message === "string" ? data.message : error.message;
  const errors = Array.isArray(data?.errors)
    ? data.errors
        .map((e) =>
          typeof e === "string"
            ? e
            : [e.field, e.message ?? e.code].filter((part) => typeof part === "string").join(" "),
        )
        .filter(Boolean)
    : [];
  return errors.length > 0 ? `${message}: ${errors.join("; ")}` : message;
}

const header = (error: HttpError, name: string): string | undefined => {
  const value = error.response?.headers?.[name];
  return value === undefined ? undefined : String(value);
};

/**
 * Explains a failed GitHub request made while doing `what` ("rerunning the failed jobs of run
 * 12 in acme/api"); `permission` is the App permission the action needs, named in the advice
 * for a 403 or 404. Errors that are not GitHub's pass through with `what` added.
 */
export function explainGitHubError(what: string, permission: string, error: unknown): ActionError {
  if (error instanceof ActionError) return error;
  if (!isHttpError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    // No status: GitHub never answered (DNS, reset, timeout), which a later try may not meet.
    return new ActionError(`${what} failed: ${message}`, { retryable: true, cause: error });
  }
  const { status } = error;
  const said = `GitHub answered ${status} to ${route(error)} (${answer(error)})`;
  const make = (advice: string, retryable = false) =>
    new ActionError(`${what} failed: ${said}. ${advice}`, { status, retryable, cause: error });
  const text = answer(error).toLowerCase();
  if (status === 429 || (status === 403 && text.includes("secondary rate limit"))) {
    const after = header(error, "retry-after") ?? "60";
    return make(
      `The secondary rate limit (too many writes in a short time) stopped it; try again after ${after} s.`,
      true,
    );
  }
  if (status === 403 && header(error, "x-ratelimit-remaining") === "0") {
    const reset = Number(header(error, "x-ratelimit-reset"));
    const when = Number.isFinite(reset) ? new Date(reset * 1000).toISOString() : "the reset";
    return make(`The installation's API rate limit is spent until ${when}.`, true);
  }
  if (status === 401)
    return make("The installation token was refused: the App may be suspended or uninstalled.");
  if (status === 403)
    return make(
      `The App may lack the "${permission}" permission (app.yml), the installation may not have accepted it, or a branch rule forbids this.`,
    );
  if (status === 404)
    return make(
      `It is gone, or the App cannot see it (GitHub says 404 when the installation lacks access or the "${permission}" permission).`,
    );
  if (status === 409) return make("It conflicts with the repository's current state.");
  if (status === 422)
    return make("GitHub rejected the request as it stands; sending it again will not help.");
  if (status >= 500) return make("GitHub failed on its side; a later attempt may succeed.", true);
  return make("The request was not carried out.");
}

/** Runs `perform`, turning any error it throws into an {@link ActionError} that explains it. */
export async function explained<T>(
  what: string,
  permission: string,
  perform: () => Promise<T>,
): Promise<T> {
  try {
    return await perform();
  } catch (error) {
    throw explainGitHubError(what, permission, error);
  }
}
