import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import nock from "nock";
import pino, { type Logger } from "pino";
import { API, HEAD_SHA, OWNER, REPO, testOctokit } from "../actions/support.ts";

export { API, HEAD_SHA, OWNER, REPO, testOctokit };

const FIXTURES = new URL("../../fixtures/fixes/", import.meta.url);

/** A file of fixtures/fixes, as text. */
export const fixture = (path: string): string => readFileSync(new URL(path, FIXTURES), "utf8");

/**
 * Lines `from`..`to` (1-based, inclusive) of a fixture log as a diagnosis excerpt shows them:
 * without the Actions timestamp and ANSI colours.
 */
export function logLines(file: string, from: number, to: number): string {
  return fixture(`logs/${file}`)
    .split("\n")
    .slice(from - 1, to)
    .map((line) =>
      line
        .replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, "")
        // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes
        .replace(/\u001b\[[0-9;]*m/g, "")
        .trimEnd(),
    )
    .join("\n");
}

/** A file of a fake repository: its bytes and git mode. */
export type FakeFile = { content: string | Buffer; mode?: string; type?: "blob" | "commit" };

const gitSha = (kind: string, bytes: Buffer) =>
  createHash("sha1")
    .update(Buffer.concat([Buffer.from(`${kind} ${bytes.length}\0`), bytes]))
    .digest("hex");

const bytesOf = (file: FakeFile) =>
  typeof file.content === "string" ? Buffer.from(file.content, "utf8") : file.content;

/**
 * Serves a repository's files at {@link HEAD_SHA} the way GitHub's git data API does, for the
 * reads a test expects: each folder's tree on the way to `paths` once (the root through the
 * commit sha), then each path's blob, base64 with GitHub's line breaks. A path missing from
 * `files` gets its trees only, as a missing file does.
 */
export function serveFiles(
  files: Record<string, FakeFile>,
  paths: readonly string[],
  { truncated = false }: { truncated?: boolean } = {},
): void {
  const treeSha = (dir: string) => (dir === "" ? HEAD_SHA : gitSha("tree", Buffer.from(dir)));
  const served = new Set<string>();
  const serveTree = (dir: string) => {
    if (served.has(dir)) return;
    served.add(dir);
    const prefix = dir === "" ? "" : `${dir}/`;
    const entries = new Map<string, Record<string, unknown>>();
    for (const [path, file] of Object.entries(files)) {
      if (!path.startsWith(prefix)) continue;
      const [name = "", ...rest] = path.slice(prefix.length).split("/");
      if (rest.length > 0) {
        const sub = `${prefix}${name}`;
        entries.set(name, { path: name, mode: "040000", type: "tree", sha: treeSha(sub) });
      } else {
        const bytes = bytesOf(file);
        entries.set(name, {
          path: name,
          mode: file.mode ?? "100644",
          type: file.type ?? "blob",
          sha: gitSha("blob", bytes),
          size: bytes.length,
        });
      }
    }
    nock(API)
      .get(`/repos/${OWNER}/${REPO}/git/trees/${treeSha(dir)}`)
      .reply(200, { sha: treeSha(dir), tree: [...entries.values()], truncated });
  };
  for (const path of paths) {
    const segments = path.split("/");
    for (let depth = 0; depth < segments.length; depth++) {
      const dir = segments.slice(0, depth).join("/");
      if (depth > 0 && !Object.keys(files).some((p) => p.startsWith(`${dir}/`))) break;
      serveTree(dir);
    }
    const file = files[path];
    if (!file || (file.type ?? "blob") !== "blob") continue;
    if (!["100644", "100755"].includes(file.mode ?? "100644")) continue;
    const bytes = bytesOf(file);
    const sha = gitSha("blob", bytes);
    const content = (bytes.toString("base64").match(/.{1,60}/g) ?? []).join("\n");
    nock(API)
      .get(`/repos/${OWNER}/${REPO}/git/blobs/${sha}`)
      .reply(200, { sha, size: bytes.length, content: `${content}\n`, encoding: "base64" });
  }
}

/** A logger whose lines a test can read: each one's message and fields. */
export function recordingLogger(): { log: Logger; lines: { msg: string; source?: string }[] } {
  const lines: { msg: string; source?: string }[] = [];
  const log = pino(
    { level: "debug" },
    { write: (line: string) => lines.push(JSON.parse(line) as { msg: string }) },
  );
  return { log, lines };
}
