import type { Attempt } from "./types.ts";

/** pre-commit's default configuration file, at the repository root. */
export const PRE_COMMIT_CONFIG = ".pre-commit-config.yaml";

const UPSTREAM = /^(?:https:\/\/|git@)github\.com[/:]pre-commit\/pre-commit-hooks(?:\.git)?\/?$/;
// Keys that swap the program a hook runs: then it is not the hook whose behaviour is known.
const OTHER_PROGRAM = /^(?:entry|language|repo)$/;

const indentOf = (line: string) => line.length - line.trimStart().length;
const unquote = (value: string) => value.trim().replace(/^(["'])(.*)\1$/, "$2");
const withoutComment = (line: string) => line.replace(/\s+#.*$/, "");

function listValues(inline: string, following: readonly string[]): string[] {
  const flow = /^\[(.*)\]$/.exec(inline.trim());
  if (flow)
    return (flow[1] ?? "")
      .split(",")
      .map(unquote)
      .filter((v) => v !== "");
  if (inline.trim() !== "") return [unquote(inline)];
  return following
    .map((line) => /^\s*-\s+(.*)$/.exec(withoutComment(line))?.[1])
    .filter((v): v is string => v !== undefined)
    .map(unquote);
}

/**
 * The `args` a repository gives one hook of pre-commit/pre-commit-hooks in its
 * `.pre-commit-config.yaml`, read line by line for the block-style YAML such files are written
 * in (`- id: trailing-whitespace` under the `- repo:` it belongs to). Refused when the hook is
 * not configured exactly once from that repository, or when its entry or language is replaced:
 * then what the hook does is not known. Pure.
 */
export function hookArgs(config: string, hookId: string): Attempt<string[]> {
  const lines = config.split(/\r?\n/);
  const idLine = new RegExp(`^(\\s*)-\\s+id:\\s*(["']?)${hookId}\\2\\s*(?:#.*)?$`);
  const at = lines.flatMap((line, n) => (idLine.test(line) ? [n] : []));
  if (at.length !== 1)
    return {
      ok: false,
      reason:
        at.length === 0
          ? `${PRE_COMMIT_CONFIG} does not list the hook ${hookId} in the block style CodeHealer reads`
          : `${PRE_COMMIT_CONFIG} lists the hook ${hookId} ${at.length} times`,
    };
  const start = at[0] ?? 0;
  const repoLine = lines
    .slice(0, start)
    .reverse()
    .map((line) => /^\s*-\s+repo:\s*(.+)$/.exec(withoutComment(line))?.[1])
    .find((v) => v !== undefined);
  if (repoLine === undefined || !UPSTREAM.test(unquote(repoLine)))
    return {
      ok: false,
      reason: `the hook ${hookId} does not come from github.com/pre-commit/pre-commit-hooks in ${PRE_COMMIT_CONFIG}`,
    };
  // The hook's own keys: the lines indented deeper than its `- id:` dash.
  const dash = indentOf(lines[start] ?? "");
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== "" && !line.trim().startsWith("#") && indentOf(line) <= dash) break;
    body.push(line);
  }
  const keys = body.map((line) => /^\s*([A-Za-z_]+):(.*)$/.exec(withoutComment(line)));
  const replaced = keys.find((k) => k && OTHER_PROGRAM.test(k[1] ?? ""));
  if (replaced)
    return {
      ok: false,
      reason: `${PRE_COMMIT_CONFIG} sets ${replaced[1]} for the hook ${hookId}, so it may not run the known program`,
    };
  const argsAt = keys.findIndex((k) => k?.[1] === "args");
  if (argsAt < 0) return { ok: true, value: [] };
  const keyIndent = indentOf(body[argsAt] ?? "");
  const following: string[] = [];
  for (const line of body.slice(argsAt + 1)) {
    if (line.trim() !== "" && indentOf(line) <= keyIndent && !line.trim().startsWith("-")) break;
    following.push(line);
  }
  return { ok: true, value: listValues(keys[argsAt]?.[2] ?? "", following) };
}
