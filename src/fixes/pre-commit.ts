import type { FixInput } from "../actions/fix-pr-body.ts";
import { inlineCode } from "../actions/markdown.ts";
import { hookArgs, PRE_COMMIT_CONFIG } from "./pre-commit-config.ts";
import {
  fixEndOfFile,
  type HookChange,
  type MarkdownRule,
  markdownRule,
  trimTrailingWhitespace,
} from "./pre-commit-hooks.ts";
import { FIXERS, type FixerId, failedFixers, type HookRun } from "./pre-commit-output.ts";
import type { ReadFile, RepositoryFile } from "./repository-files.ts";
import { unsafePath } from "./safe-path.ts";
import type { Attempt, FixRequest, StoredFix } from "./types.ts";
import { logBlock, someFiles } from "./words.ts";

/** Files one fix rewrites at most. */
const MAX_FILES = 20;

const refuse = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

// The hook's behaviour as the repository configures it; only Markdown hard breaks vary.
function markdownFor(args: readonly string[]): Attempt<MarkdownRule> {
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const inline = /^--markdown-linebreak-ext=(.*)$/.exec(arg);
    if (inline) values.push(inline[1] ?? "");
    else if (arg === "--markdown-linebreak-ext" && i + 1 < args.length)
      values.push(args[++i] ?? "");
    else
      return refuse(
        `trailing-whitespace is configured with ${arg}, which CodeHealer does not repeat`,
      );
  }
  if (values.includes(""))
    return refuse("trailing-whitespace has an empty --markdown-linebreak-ext");
  return { ok: true, value: markdownRule(values) };
}

type Change = { hook: FixerId; what: string };
type Rewritten = { file: RepositoryFile; content: string; changes: Change[] };

async function rewrite(
  read: ReadFile,
  runs: readonly HookRun[],
  config: string,
  sha: string,
): Promise<Attempt<Rewritten[]>> {
  const files = new Map<string, Rewritten>();
  for (const run of runs) {
    const args = hookArgs(config, run.id);
    if (!args.ok) return args;
    if (run.id === "end-of-file-fixer" && args.value.length > 0)
      return refuse(`end-of-file-fixer is configured with arguments: ${args.value.join(" ")}`);
    const markdown = run.id === "trailing-whitespace" ? markdownFor(args.value) : null;
    if (markdown && !markdown.ok) return markdown;
    for (const path of run.files) {
      const unsafe = unsafePath(path);
      if (unsafe !== null) return refuse(`the log names ${unsafe}`);
      let entry = files.get(path);
      if (!entry) {
        if (files.size >= MAX_FILES) return refuse(`the hooks fixed more than ${MAX_FILES} files`);
        const current = await read(path);
        if (!current.ok) return current;
        if (current.value === null)
          return refuse(`${path} is not a file of the repository at ${sha.slice(0, 7)}`);
        entry = { file: current.value, content: current.value.content, changes: [] };
        files.set(path, entry);
      }
      // Hooks run one after the other on the same files: each sees the one before's result.
      const change: HookChange | null = markdown
        ? trimTrailingWhitespace(path, entry.content, markdown.value)
        : fixEndOfFile(entry.content);
      if (change === null)
        return refuse(
          `the log says ${run.id} fixed ${path}, but at ${sha.slice(0, 7)} it needs no such fix: the log and the commit disagree`,
        );
      entry.content = change.content;
      entry.changes.push({ hook: run.id, what: change.what });
    }
  }
  return { ok: true, value: [...files.values()] };
}

function describe(runs: readonly HookRun[], rewritten: readonly Rewritten[]): FixInput {
  const paths = rewritten.map((r) => r.file.path);
  const hooks = runs.map((r) => r.id);
  const title = `style: apply pre-commit's ${hooks.join(" and ")} to ${someFiles(paths)}`;
  const body = [
    `pre-commit failed because ${hooks.length === 1 ? "a fixer hook" : "fixer hooks"} of pre-commit/pre-commit-hooks changed files in CI, where nobody commits the result:`,
    logBlock(runs.flatMap((r) => r.lines)),
    `This change makes, in the commit, the changes the log says the hooks made, byte for byte as they make them (${runs.map((r) => `${inlineCode(r.id)} ${FIXERS[r.id]}`).join("; ")}). Nothing else changes:`,
    rewritten
      .map((r) => `- ${inlineCode(r.file.path)}: ${r.changes.map((c) => c.what).join("; ")}`)
      .join("\n"),
    "To make these fixes before pushing, run `pre-commit install` once: the hooks then run on every commit.",
  ].join("\n\n");
  const message = [
    title,
    "",
    `pre-commit's ${hooks.join(" and ")} hook${hooks.length === 1 ? "" : "s"} changed ${someFiles(paths)} in CI and failed. Make the same changes in the commit.`,
  ].join("\n");
  return {
    files: rewritten.map((r) => ({ path: r.file.path, content: r.content, mode: r.file.mode })),
    message,
    title,
    body,
  };
}

/**
 * The changes pre-commit's `trailing-whitespace` and `end-of-file-fixer` hooks made in CI,
 * made in the commit: each file the log says a hook fixed, transformed exactly as the hook
 * does, with the repository's own hook arguments. Null, with why, unless the excerpt shows
 * every failed hook, each a fixer with its whole list of files, the repository's
 * `.pre-commit-config.yaml` takes both hooks from pre-commit/pre-commit-hooks, and every named
 * file at the commit needs the fix the log says it got.
 */
export async function preCommitFix(
  log: (reason: string) => void,
  read: ReadFile,
  { diagnosis, headSha }: Pick<FixRequest, "diagnosis" | "headSha">,
): Promise<StoredFix | null> {
  const runs = failedFixers(diagnosis.excerpt);
  if (runs === null) return null;
  if (!runs.ok) {
    log(`no pre-commit fix: ${runs.reason}`);
    return null;
  }
  const config = await read(PRE_COMMIT_CONFIG);
  if (!config.ok || config.value === null) {
    log(`no pre-commit fix: ${config.ok ? `${PRE_COMMIT_CONFIG} was not found` : config.reason}`);
    return null;
  }
  const rewritten = await rewrite(read, runs.value, config.value.content, headSha);
  if (!rewritten.ok) {
    log(`no pre-commit fix: ${rewritten.reason}`);
    return null;
  }
  return {
    fix: { ...describe(runs.value, rewritten.value), baseSha: headSha },
    proposed: {
      kind: "patch",
      files: rewritten.value.map((r) => r.file.path),
      validated: false,
      source: "deterministic",
    },
  };
}
