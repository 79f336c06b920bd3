import type { Annotation } from "../diagnosis/diagnose.ts";
import { unsafePath } from "../fixes/safe-path.ts";

/** A repository file the evidence points at, with the lines it points at (ascending). */
export type ImplicatedPath = { path: string; lines: number[] };

// A file path as compilers, test runners and tracebacks print it: ending in an extension. It
// starts where a run of path characters starts (the lookbehind), which keeps the search linear.
const PATH = String.raw`(?<![\w.@+~\-/\\:])(?:[A-Za-z]:)?[\w.@+~\-/\\]*[\w@+~\-]\.[A-Za-z]\w{0,9}`;
/** Where paths with line numbers appear in logs, one kind per pattern. */
const MENTIONS: readonly RegExp[] = [
  // tsc, MSBuild: src/a.ts(15,5)
  new RegExp(String.raw`(${PATH})\((\d+),\d+\)`, "g"),
  // Maven: /…/Foo.java:[19,30]
  new RegExp(String.raw`(${PATH}):\[(\d+),\d+\]`, "g"),
  // Python tracebacks: File "src/a.py", line 12
  /File "([^"<>]+)", line (\d+)/g,
  // gcc, go, rustc, eslint, pytest, node stacks: src/a.py:12, at f (src/x.js:3:4)
  new RegExp(String.raw`(${PATH}):(\d+)`, "g"),
];

// Folders of other people's code: a fix never belongs there.
const VENDORED = new Set([
  "node_modules",
  "site-packages",
  "dist-packages",
  ".venv",
  "vendor",
  ".cargo",
  ".m2",
  ".gradle",
]);

const MAX_EXCERPT_LINES = 200;
const MAX_LINE_CHARS = 1000;

const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// Where CI systems check the repository out: the part of an absolute path to strip.
function workspaces(repo: string | null): RegExp[] {
  const r = repo === null ? null : literally(repo);
  return [
    // GitHub Actions on Linux, macOS, Windows and in containers: …/work/<repo>/<repo>/, D:/a/<repo>/<repo>/, /__w/<repo>/<repo>/
    ...(r === null ? [] : [new RegExp(`^.*?/${r}/${r}/`)]),
    /^\/github\/workspace\//,
    ...(r === null ? [] : [new RegExp(`^/builds/(?:[^/]+/)*?${r}/`)]),
    /^\/(?:var\/jenkins_home|var\/lib\/jenkins|home\/jenkins)\/workspace\/[^/]+\//,
    ...(r === null ? [] : [new RegExp(`^/home/travis/build/[^/]+/${r}/`)]),
    /^\/home\/circleci\/(?:project|repo)\//,
  ];
}

/**
 * A path from a log or an annotation as a path of the repository, or null: a CI workspace
 * prefix is stripped, `./` dropped, backslashes made slashes; an absolute path elsewhere, a
 * vendored folder or anything `unsafePath` refuses (`..`, control characters, `.git`) is null.
 */
export function repositoryPath(raw: string, repo: string | null): string | null {
  let path = raw.trim().replace(/\\/g, "/");
  const workspace = workspaces(repo).find((pattern) => pattern.test(path));
  if (workspace) path = path.replace(workspace, "");
  path = path.replace(/^(?:\.\/)+/, "");
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return null;
  const folders = path.split("/").slice(0, -1);
  if (folders.some((folder) => VENDORED.has(folder))) return null;
  return unsafePath(path) === null ? path : null;
}

/** The paths with line numbers a log line mentions, in order. */
export function mentionedPaths(logLine: string): { raw: string; line: number }[] {
  // Node's ESM stacks name files as URLs: at f (file:///home/runner/work/app/app/x.mjs:9:11).
  const line = logLine.replace(/\bfile:\/\/(?=\/)/g, "");
  const found: { raw: string; line: number; at: number }[] = [];
  for (const pattern of MENTIONS) {
    for (const match of line.matchAll(pattern)) {
      const [, raw = "", n = ""] = match;
      const at = match.index;
      // A URL's host and port (https://registry.npmjs.org:443) is not a file.
      if (raw.startsWith("//") || raw.includes("://")) continue;
      if (found.some((f) => at >= f.at && at < f.at + f.raw.length)) continue;
      found.push({ raw, line: Number(n), at });
    }
  }
  return found.sort((a, b) => a.at - b.at).map(({ raw, line: n }) => ({ raw, line: n }));
}

/**
 * The repository files the evidence points at, most telling first: those in the error line,
 * then the annotations', then the excerpt's, each once with all its lines. GitHub's own
 * annotation on the `.github` folder ("Process completed with exit code 2") points at nothing.
 */
export function implicatedPaths(
  evidence: { errorLine: string; annotations: readonly Annotation[]; excerpt: string },
  repo: string | null,
): ImplicatedPath[] {
  const byPath = new Map<string, Set<number>>();
  const add = (raw: string, line: number | null | undefined) => {
    const path = repositoryPath(raw, repo);
    if (path === null || path === ".github") return;
    const lines = byPath.get(path) ?? new Set<number>();
    if (line !== null && line !== undefined && Number.isSafeInteger(line) && line > 0)
      lines.add(line);
    byPath.set(path, lines);
  };
  for (const m of mentionedPaths(evidence.errorLine)) add(m.raw, m.line);
  for (const a of evidence.annotations) if (a.path) add(a.path, a.line);
  // An excerpt is at most 60 lines of 400 characters; one from elsewhere is read as far.
  for (const text of evidence.excerpt.split("\n", MAX_EXCERPT_LINES))
    for (const m of mentionedPaths(text.slice(0, MAX_LINE_CHARS))) add(m.raw, m.line);
  return [...byPath].map(([path, lines]) => ({ path, lines: [...lines].sort((a, b) => a - b) }));
}
