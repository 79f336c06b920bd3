import type { ProbotOctokit } from "probot";
import { MAX_FILE_BYTES } from "../fixes/repository-files.ts";
import { readAtMost } from "../github/responses.ts";
import { githubFailure } from "./github-failure.ts";
import type { ImplicatedPath } from "./implicated-paths.ts";
import type { PromptFile } from "./types.ts";

type Repository = { owner: string; repo: string };

/** How many implicated files a prompt gets, how many paths are looked up to find them, how big. */
export const FILE_LIMITS = {
  files: 5,
  lookups: 8,
  /** Larger files cannot be patched (`MAX_FILE_BYTES` of a fix), so they are not shown either. */
  bytes: MAX_FILE_BYTES,
};

/**
 * The implicated files that exist at `sha` as UTF-8 text of at most `FILE_LIMITS.bytes`, in
 * the order given, at most `FILE_LIMITS.files` of them; each path not read is noted.
 */
export async function readImplicatedFiles(
  octokit: ProbotOctokit,
  repository: Repository,
  sha: string,
  paths: readonly ImplicatedPath[],
): Promise<{ files: PromptFile[]; notes: string[] }> {
  const looked = paths.slice(0, FILE_LIMITS.lookups);
  const read = await Promise.all(looked.map((p) => readText(octokit, repository, sha, p.path)));
  const files: PromptFile[] = [];
  const notes: string[] = [];
  read.forEach((result, i) => {
    const { path, lines } = looked[i] as ImplicatedPath;
    if (typeof result !== "string") notes.push(`${path}: ${result.reason}`);
    else if (files.length < FILE_LIMITS.files) files.push({ path, content: result, lines });
    else notes.push(`${path}: not shown, a prompt takes ${FILE_LIMITS.files} files at most`);
  });
  if (paths.length > looked.length)
    notes.push(`${paths.length - looked.length} more paths the log mentions were not looked up.`);
  return { files, notes };
}

// Keeps a byte-order mark and refuses bytes that are not UTF-8, as a fix's reader does.
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// One file at `sha`, raw: its text, or why there is none. The raw media type gives the bytes
// as they are (no base64, no 1 MB limit of the JSON form); a folder or submodule answers JSON.
async function readText(
  octokit: ProbotOctokit,
  repository: Repository,
  sha: string,
  path: string,
): Promise<string | { reason: string }> {
  const answer = await octokit
    .request("GET /repos/{owner}/{repo}/contents/{path}", {
      ...repository,
      path,
      ref: sha,
      mediaType: { format: "raw" },
      // The body as a stream, so that a huge file is not read to be refused.
      request: { parseSuccessResponseBody: false },
    })
    .then(
      (response) => ({ response }),
      (error: unknown) => ({ error }),
    );
  if ("error" in answer) {
    if ((answer.error as { status?: unknown } | null)?.status === 404)
      return { reason: `not in the repository at ${sha.slice(0, 12)}` };
    return { reason: githubFailure(answer.error, "not read") };
  }
  const { response } = answer;
  const body = response.data as unknown as ReadableStream<Uint8Array> | null;
  if (String(response.headers["content-type"] ?? "").startsWith("application/json")) {
    await body?.cancel();
    return { reason: "a folder or a submodule, not a file" };
  }
  const bytes = body === null ? Buffer.alloc(0) : await readAtMost(body, FILE_LIMITS.bytes);
  if (bytes === null) return { reason: `larger than ${FILE_LIMITS.bytes} bytes` };
  if (bytes.includes(0)) return { reason: "binary, not text" };
  try {
    return UTF8.decode(bytes);
  } catch {
    return { reason: "not UTF-8 text" };
  }
}
