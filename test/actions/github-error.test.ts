import { describe, expect, it } from "vitest";
import { ActionError, explainGitHubError } from "../../src/actions/github-error.ts";

// The shape of Octokit's RequestError, as thrown by octokit.request.
function requestError(status: number, data: unknown, headers: Record<string, string> = {}) {
  return Object.assign(new Error("HttpError"), {
    status,
    request: { method: "POST", url: "https://api.github.com/repos/acme/api/pulls" },
    response: { headers, data },
  });
}

const explain = (error: unknown) =>
  explainGitHubError("Opening the pull request", "pull_requests: write", error);

describe("explainGitHubError", () => {
  it("tells a secondary rate limit from a missing permission", () => {
    const limited = explain(
      requestError(
        403,
        { message: "You have exceeded a secondary rate limit." },
        { "retry-after": "30" },
      ),
    );
    expect(limited).toMatchObject({ status: 403, retryable: true });
    expect(limited.message).toContain("try again after 30 s");
    const forbidden = explain(
      requestError(403, { message: "Resource not accessible by integration" }),
    );
    expect(forbidden).toMatchObject({ status: 403, retryable: false });
    expect(forbidden.message).toContain('"pull_requests: write"');
  });

  it("says when the primary rate limit resets", () => {
    const error = explain(
      requestError(
        403,
        { message: "API rate limit exceeded" },
        {
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": "1749038400",
        },
      ),
    );
    expect(error.message).toContain("spent until 2025-06-04T12:00:00.000Z");
    expect(error.retryable).toBe(true);
  });

  it("quotes GitHub's field errors on a 422", () => {
    const error = explain(
      requestError(422, {
        message: "Validation Failed",
        errors: [
          { resource: "PullRequest", code: "custom", message: "No commits between main and x" },
        ],
      }),
    );
    expect(error.message).toBe(
      "Opening the pull request failed: GitHub answered 422 to POST /repos/acme/api/pulls (Validation Failed: No commits between main and x). GitHub rejected the request as it stands; sending it again will not help.",
    );
  });

  it("calls a 5xx and a network error retryable", () => {
    expect(explain(requestError(503, { message: "Service Unavailable" })).retryable).toBe(true);
    expect(explain(new Error("socket hang up"))).toMatchObject({ status: null, retryable: true });
  });

  it("passes its own errors through", () => {
    const own = new ActionError("Refusing to push");
    expect(explain(own)).toBe(own);
  });
});
