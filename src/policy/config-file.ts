import type { ProbotOctokit } from "probot";
import {
  type Document,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from "yaml";
import { isNotFound, readAtMost } from "../github/responses.ts";
import {
  CONFIG_FILE,
  type Config,
  type ConfigProblem,
  parseConfig,
  SAFE_CONFIG,
} from "./config.ts";
import { MAX_CONFIG_BYTES } from "./config-problems.ts";

/** Where the configuration lives in a repository, and in the owner's `.github` repository. */
export const CONFIG_PATH = `.github/${CONFIG_FILE}`;

/** A problem with the line of the file it is on, for a check-run annotation. */
export type LocatedProblem = ConfigProblem & { line: number };

/** What `.github/codehealer.yml` holds at one commit. */
export type ConfigFileState =
  | { state: "removed" }
  | {
      state: "valid";
      config: Config;
      /** The file's `_extends`, which this check does not follow. */
      extendsFrom: string | null;
    }
  | {
      state: "invalid";
      problems: LocatedProblem[];
      /** What CodeHealer falls back to: report only, unless the file stops it further. */
      fallback: Config;
    };

const ROOT = "(root)";

function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function tooBig(bytes: number | null): ConfigFileState {
  const measured = bytes === null ? `larger than ${size(MAX_CONFIG_BYTES)}` : `${size(bytes)}`;
  return invalid({
    path: ROOT,
    message: `is ${measured}, and CodeHealer reads at most ${size(MAX_CONFIG_BYTES)} of configuration: it was not parsed. A configuration needs a few hundred bytes: is the wrong file named \`${CONFIG_PATH}\`?`,
    line: 1,
  });
}

function invalid(problem: LocatedProblem): ConfigFileState {
  return { state: "invalid", problems: [problem], fallback: SAFE_CONFIG };
}

/**
 * The deepest node of the document `path` (`environments[0].thresholds.auto`) reaches, and the
 * line it starts on: a map entry's key, or a list item. A path that goes further than the
 * file (a required setting left out) stops at the entry that lacks it. Keys are matched
 * against the text of the path rather than split on dots, so a key with a dot still resolves.
 */
function lineOf(doc: Document.Parsed, path: string, lines: LineCounter): number {
  let node: Node | null = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  let rest = path === ROOT ? "" : path;
  while (rest !== "" && node !== null) {
    if (isAlias(node)) node = node.resolve(doc) ?? null;
    let next: { node: Node | null; offset: number; length: number } | undefined;
    if (isSeq(node)) {
      const index = /^\[(\d+)\]/.exec(rest);
      const item = index ? node.items[Number(index[1])] : undefined;
      if (index && isNode(item))
        next = { node: item, offset: item.range?.[0] ?? offset, length: index[0].length };
    } else if (isMap(node)) {
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const fits = rest === key || rest.startsWith(`${key}.`) || rest.startsWith(`${key}[`);
        if (fits && key.length >= (next?.length ?? 0))
          next = {
            node: (pair.value as Node | null) ?? null,
            offset: pair.key.range?.[0] ?? offset,
            length: key.length,
          };
      }
    }
    if (next === undefined) break;
    node = next.node;
    offset = next.offset;
    rest = rest.slice(next.length).replace(/^\./, "");
  }
  return lines.linePos(offset).line;
}

/**
 * Validates the text of `.github/codehealer.yml` as CodeHealer will read it (YAML 1.2, as
 * Probot parses it; an empty file is the defaults), and gives each problem the line it is on.
 * Not YAML: one problem, with the parser's message and line. YAML aliases are expanded at
 * most 100 times, so an alias bomb is refused rather than expanded.
 */
export function checkConfigText(text: string): ConfigFileState {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const [error] = doc.errors;
  if (error !== undefined) {
    const said = error.message.split("\n")[0]?.replace(/:$/, "") ?? error.code;
    return invalid({
      path: ROOT,
      message: `is not valid YAML: ${said}`,
      line: error.linePos?.[0].line ?? 1,
    });
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    // yaml throws a ReferenceError for an alias bomb; nothing else is expected here.
    const said = cause instanceof Error ? cause.message : String(cause);
    return invalid({ path: ROOT, message: `could not be read: ${said}`, line: 1 });
  }
  // Probot reads an empty file (and `false`, `0`) as `{}`.
  const { config, problems } = parseConfig(raw || {});
  if (problems.length === 0) {
    const extendsFrom = typeof config._extends === "string" ? config._extends : null;
    return { state: "valid", config, extendsFrom };
  }
  return {
    state: "invalid",
    problems: problems.map((p) => ({ ...p, line: lineOf(doc, p.path, lines) })),
    fallback: config,
  };
}

/**
 * `.github/codehealer.yml` in a repository at a commit, checked: removed (GitHub says 404),
 * valid, or invalid with each problem at its line. The file is streamed, and one larger than
 * {@link MAX_CONFIG_BYTES} is refused unparsed, by its `content-length` when GitHub sends one.
 * GitHub failing otherwise is thrown: the caller retries rather than report on a file it
 * could not read.
 */
export async function readConfigFile(
  octokit: ProbotOctokit,
  { owner, repo, ref }: { owner: string; repo: string; ref: string },
  maxBytes = MAX_CONFIG_BYTES,
): Promise<ConfigFileState> {
  const response = await octokit
    .request("GET /repos/{owner}/{repo}/contents/{path}", {
      owner,
      repo,
      path: CONFIG_PATH,
      ref,
      mediaType: { format: "raw" },
      // The body as a stream, so that a huge file is not read to be refused.
      request: { parseSuccessResponseBody: false },
    })
    .catch((error: unknown) => {
      if (isNotFound(error)) return null;
      throw error;
    });
  if (response === null) return { state: "removed" };
  const body = response.data as unknown as ReadableStream<Uint8Array> | null;
  // A directory (or submodule) at the path: the raw media type is ignored and JSON comes back.
  if (String(response.headers["content-type"] ?? "").startsWith("application/json")) {
    await body?.cancel();
    return invalid({ path: ROOT, message: "is a directory or a submodule, not a file", line: 1 });
  }
  // content-length is the file's size unless the response is compressed.
  const length = Number(response.headers["content-length"]);
  const measured =
    response.headers["content-encoding"] === undefined && Number.isSafeInteger(length)
      ? length
      : null;
  if (measured !== null && measured > maxBytes) {
    await body?.cancel();
    return tooBig(measured);
  }
  const bytes = body === null ? Buffer.alloc(0) : await readAtMost(body, maxBytes);
  if (bytes === null) return tooBig(measured);
  return checkConfigText(new TextDecoder().decode(bytes));
}
