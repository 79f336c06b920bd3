import type { ProbotOctokit } from "probot";

/** Logs above this are read from their tail: that is where failures are. */
export const DEFAULT_MAX_LOG_BYTES = 50 * 1024 * 1024;

export type JobLog = {
  /** The log's bytes (its last `maxBytes` when it is larger), as a stream. */
  body: AsyncIterable<Uint8Array>;
  /** The log's full size, when the server said. */
  bytes: number | null;
  /** Whether the head of the log was skipped to stay under the cap. */
  truncated: boolean;
};

type Repo = { owner: string; repo: string };

/**
 * Opens a failed job's log as a stream, keeping the tail of a log larger than `maxBytes`.
 *
 * GitHub answers `GET …/actions/jobs/{id}/logs` with a redirect to a short-lived blob URL. The
 * redirect is taken by hand and the blob fetched without the installation token, which must
 * not travel to another host. A log over the cap is fetched again with a Range request for its
 * tail; a server that ignores the Range gets its head skipped while streaming.
 */
export async function openJobLog(
  octokit: ProbotOctokit,
  { owner, repo, jobId }: Repo & { jobId: number },
  {
    maxBytes = DEFAULT_MAX_LOG_BYTES,
    fetchImpl = fetch,
  }: { maxBytes?: number; fetchImpl?: typeof fetch } = {},
): Promise<JobLog> {
  const redirect = await octokit
    .request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs", {
      owner,
      repo,
      job_id: jobId,
      request: { redirect: "manual", parseSuccessResponseBody: false },
    })
    .catch((error: unknown) => {
      throw new Error(
        `could not get the log of job ${jobId} of ${owner}/${repo}: ${String(error)}`,
        { cause: error },
      );
    });
  const location = redirect.headers.location;
  if (!location)
    throw new Error(
      `no log location for job ${jobId} of ${owner}/${repo} (status ${redirect.status})`,
    );

  const whole = await fetchImpl(location);
  if (!whole.ok || !whole.body)
    throw new Error(`job ${jobId} log download failed: HTTP ${whole.status}`);
  const bytes = contentLength(whole);
  if (bytes === null || bytes <= maxBytes) return { body: whole.body, bytes, truncated: false };

  await whole.body.cancel();
  const start = bytes - maxBytes;
  const tail = await fetchImpl(location, { headers: { range: `bytes=${start}-` } });
  if (!tail.body || (tail.status !== 206 && tail.status !== 200)) {
    throw new Error(`job ${jobId} log tail download failed: HTTP ${tail.status}`);
  }
  const body = tail.status === 206 ? tail.body : skipBytes(tail.body, start);
  return { body: fromFirstNewline(body), bytes, truncated: true };
}

function contentLength(response: Response): number | null {
  const value = Number(response.headers.get("content-length"));
  return Number.isSafeInteger(value) && value >= 0 ? value : null;
}

async function* skipBytes(
  body: AsyncIterable<Uint8Array>,
  count: number,
): AsyncIterable<Uint8Array> {
  let skipped = 0;
  for await (const chunk of body) {
    if (skipped >= count) {
      yield chunk;
    } else if (skipped + chunk.length > count) {
      yield chunk.subarray(count - skipped);
      skipped = count;
    } else {
      skipped += chunk.length;
    }
  }
}

/** A tail starts mid-line; the partial first line would only confuse the reader. */
async function* fromFirstNewline(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  let started = false;
  for await (const chunk of body) {
    if (started) {
      yield chunk;
      continue;
    }
    const newline = chunk.indexOf(0x0a);
    if (newline >= 0) {
      started = true;
      yield chunk.subarray(newline + 1);
    }
  }
}
