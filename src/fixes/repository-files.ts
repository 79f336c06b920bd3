import type { ProbotOctokit } from "probot";
import { isNotFound } from "../github/responses.ts";
import type { Attempt, FileMode } from "./types.ts";

/** A text file of the repository at one commit, with its mode. */
export type RepositoryFile = { path: string; content: string; mode: FileMode };

/** Reads files at one commit. `ok` with null: no such file. Not `ok`: it cannot be fixed as text. */
export type ReadFile = (path: string) => Promise<Attempt<RepositoryFile | null>>;

type Repository = { owner: string; repo: string };
type Entry = { mode: string; type: string; sha: string; size: number | undefined };
type Tree = { entries: Map<string, Entry>; truncated: boolean };

/** Files larger than this are not rewritten by a fix: a fix's size stays bounded. */
export const MAX_FILE_BYTES = 1_000_000;

// Keeps a byte-order mark (TextDecoder drops it by default) and refuses bytes that are not
// UTF-8: the fix's blob is written back as UTF-8 text, so anything else would change.
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decodeText(bytes: Buffer): string | null {
  if (bytes.includes(0)) return null;
  try {
    return UTF8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * A reader of the repository's files at `sha`, through the git data API: trees give each
 * file's mode (the contents API does not say whether a file is executable), blobs its bytes.
 * Trees are read one folder at a time and kept, so a fix touching several files in one folder
 * asks for each tree once. GitHub errors other than 404 are thrown, with the repository and
 * commit named, so the caller can retry.
 */
export function repositoryReader(
  octokit: ProbotOctokit,
  repository: Repository,
  sha: string,
  maxFileBytes = MAX_FILE_BYTES,
): ReadFile {
  const where = `${repository.owner}/${repository.repo} at ${sha.slice(0, 7)}`;
  const trees = new Map<string, Promise<Tree | null>>();

  const fetchTree = async (treeSha: string): Promise<Tree | null> => {
    try {
      const { data } = await octokit.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", {
        ...repository,
        tree_sha: treeSha,
      });
      const entries = new Map<string, Entry>();
      for (const e of data.tree)
        if (e.path && e.mode && e.type && e.sha)
          entries.set(e.path, { mode: e.mode, type: e.type, sha: e.sha, size: e.size });
      return { entries, truncated: data.truncated };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw new Error(`Reading a tree of ${where} failed`, { cause: error });
    }
  };

  // The tree of folder `dir` ("" is the root, read from the commit itself).
  const treeOf = (dir: string): Promise<Tree | null> => {
    const known = trees.get(dir);
    if (known) return known;
    const made = (async () => {
      if (dir === "") return fetchTree(sha);
      const slash = dir.lastIndexOf("/");
      const parent = await treeOf(slash < 0 ? "" : dir.slice(0, slash));
      const entry = parent?.entries.get(dir.slice(slash + 1));
      return entry?.type === "tree" ? fetchTree(entry.sha) : null;
    })();
    trees.set(dir, made);
    return made;
  };

  const readBlob = async (blobSha: string, path: string): Promise<Buffer | null> => {
    try {
      const { data } = await octokit.request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", {
        ...repository,
        file_sha: blobSha,
      });
      return Buffer.from(data.content, data.encoding === "base64" ? "base64" : "utf8");
    } catch (error) {
      if (isNotFound(error)) return null;
      throw new Error(`Reading ${path} in ${where} failed`, { cause: error });
    }
  };

  return async (path) => {
    const slash = path.lastIndexOf("/");
    const tree = await treeOf(slash < 0 ? "" : path.slice(0, slash));
    const entry = tree?.entries.get(path.slice(slash + 1));
    if (!entry) {
      if (tree?.truncated)
        return { ok: false, reason: `GitHub listed the folder of ${path} only in part` };
      return { ok: true, value: null };
    }
    if (entry.type !== "blob") return { ok: true, value: null };
    if (entry.mode !== "100644" && entry.mode !== "100755")
      return { ok: false, reason: `${path} is not a regular file (mode ${entry.mode})` };
    if (entry.size !== undefined && entry.size > maxFileBytes)
      return { ok: false, reason: `${path} is larger than ${maxFileBytes} bytes` };
    const bytes = await readBlob(entry.sha, path);
    if (bytes === null) return { ok: true, value: null };
    if (bytes.length > maxFileBytes)
      return { ok: false, reason: `${path} is larger than ${maxFileBytes} bytes` };
    const content = decodeText(bytes);
    if (content === null) return { ok: false, reason: `${path} is not UTF-8 text` };
    return { ok: true, value: { path, content, mode: entry.mode } };
  };
}
