import type { ProbotOctokit } from "probot";
import { z } from "zod";
import { explained } from "../actions/github-error.ts";
import { shortSha } from "../actions/markdown.ts";
import { isNotFound, readAtMost } from "../github/responses.ts";
import { type DiffFile, diffFiles } from "./diff-files.ts";
import type { Push } from "./read-push.ts";

/** Most bytes of the compare API's answer that are read. */
export const MAX_COMPARE_BYTES = 8 * 1024 * 1024;
/** The compare API lists at most this many files, whatever the push changed. */
export const COMPARED_FILES = 300;

const answer = z.object({
  files: z
    .array(
      z.object({
        filename: z.string(),
        status: z.string(),
        patch: z.string().optional(),
      }),
    )
    .default([]),
});

/** What the push changed, and what of it was not read (said on the delivery). */
export type PushDiff = { files: DiffFile[]; notes: string[] };

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

/** The commit the push is compared with: its tip before, or for a new branch the default branch. */
function baseOf(push: Push): string | null {
  if (push.before !== null) return push.before;
  return push.branch === push.defaultBranch ? null : push.defaultBranch;
}

/**
 * The lines a push adds and removes, from `GET /repos/{o}/{r}/compare/{before}...{after}` (a new
 * branch: against the default branch). One request, its answer read up to 8 MB:
 * - `per_page: 1`: the commits are paged, and the files (at most 300) come whole on the first
 *   page (GitHub's REST reference for this endpoint, as `@octokit/openapi-types` quotes it);
 * - the comparison is the net change, so a line added and removed again within the push is not
 *   seen;
 * - GitHub leaves out the patch of a binary or very large file; those files are listed as unread.
 * Null, with the reason, when there is nothing to compare with or GitHub has no comparison (a
 * force push whose old tip is gone). Other GitHub failures are thrown, explained.
 */
export async function pushDiff(
  octokit: ProbotOctokit,
  push: Push,
): Promise<{ diff: PushDiff } | { skipped: string }> {
  const base = baseOf(push);
  if (base === null)
    return { skipped: `the push created ${push.branch}: nothing to compare it with` };
  const basehead = `${base}...${push.after}`;
  const what = `Comparing ${base.length === 40 ? shortSha(base) : base}...${shortSha(push.after)} in ${push.owner}/${push.repo}`;
  const response = await explained(what, "contents: read", () =>
    octokit
      .request("GET /repos/{owner}/{repo}/compare/{basehead}", {
        owner: push.owner,
        repo: push.repo,
        basehead,
        per_page: 1,
        // The body as a stream, so that a huge comparison is not read to be refused.
        request: { parseSuccessResponseBody: false },
      })
      .catch((error: unknown) => {
        if (isNotFound(error)) return null;
        throw error;
      }),
  );
  if (response === null) return { skipped: `GitHub has no comparison of ${basehead} (404)` };
  const body = response.data as unknown as ReadableStream<Uint8Array> | null;
  const bytes = body === null ? null : await readAtMost(body, MAX_COMPARE_BYTES);
  if (bytes === null)
    return {
      skipped: `the comparison ${basehead} is larger than ${MAX_COMPARE_BYTES / 1024 / 1024} MB`,
    };
  const parsed = answer.safeParse(parseJson(new TextDecoder().decode(bytes)));
  if (!parsed.success) return { skipped: `GitHub's comparison of ${basehead} lacks its files` };
  const { files, unread } = diffFiles(parsed.data.files);
  const notes = [
    ...(parsed.data.files.length >= COMPARED_FILES
      ? [`GitHub lists only the first ${COMPARED_FILES} files of a comparison`]
      : []),
    ...(unread.length > 0
      ? [
          `${unread.length} file${unread.length === 1 ? "" : "s"} without a readable patch (binary or too large)`,
        ]
      : []),
  ];
  return { diff: { files, notes } };
}
