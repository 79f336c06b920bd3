import { splitLines } from "./apply-patch.ts";

/**
 * The two fixers of pre-commit/pre-commit-hooks that CodeHealer repeats, byte for byte as the
 * hooks do (pre_commit_hooks/trailing_whitespace_fixer.py and end_of_file_fixer.py). Pure.
 * Each returns the new content and a few words on what changed, or null when the hook would
 * leave the file alone.
 */
export type HookChange = { content: string; what: string };

// Python's bytes.rstrip() with no argument: ASCII whitespace only. A UTF-8 character never
// contains these bytes, so stripping them from the decoded text strips the same bytes.
const TRAILING_ASCII_SPACE = /[ \t\n\r\v\f]+$/;
const ASCII_SPACE_ONLY = /^[ \t\n\r\v\f]+$/;

/** The extension Python's `os.path.splitext` sees: leading dots of the name do not count. */
export function pythonExtension(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || /^\.+$/.test(name.slice(0, dot + 1))) return "";
  return name.slice(dot);
}

/** Which files keep a Markdown hard break: the hook's `--markdown-linebreak-ext` values. */
export type MarkdownRule = { all: boolean; extensions: readonly string[] };

/** The hook's reading of its `--markdown-linebreak-ext` values (none given: only names ending in "."). */
export function markdownRule(values: readonly string[]): MarkdownRule {
  return {
    all: values.includes("*"),
    extensions: values
      .join(",")
      .split(",")
      .map((ext) => `.${ext.toLowerCase().replace(/^\.+/, "")}`),
  };
}

/**
 * `trailing-whitespace`: strips trailing ASCII whitespace from every line, keeping each line's
 * ending (`\n`, `\r\n` or none); in a Markdown file a non-blank line ending in two spaces keeps
 * them (a hard line break).
 */
export function trimTrailingWhitespace(
  path: string,
  content: string,
  markdown: MarkdownRule,
): HookChange | null {
  const isMarkdown =
    markdown.all || markdown.extensions.includes(pythonExtension(path.toLowerCase()));
  let changed = 0;
  const lines = splitLines(content).map((line) => {
    let text = line.text.replace(TRAILING_ASCII_SPACE, "");
    if (isMarkdown && !ASCII_SPACE_ONLY.test(line.text) && line.text.endsWith("  "))
      text = `${line.text.slice(0, -2).replace(TRAILING_ASCII_SPACE, "")}  `;
    if (text !== line.text) changed++;
    return text + line.eol;
  });
  if (changed === 0) return null;
  return {
    content: lines.join(""),
    what: `trailing whitespace removed from ${changed} line${changed === 1 ? "" : "s"}`,
  };
}

/**
 * `end-of-file-fixer`: a file ends with exactly one line break (the first of its trailing
 * ones, `\n`, `\r\n` or `\r`), a missing one is added as `\n`, and a file of line breaks only
 * becomes empty.
 */
export function fixEndOfFile(content: string): HookChange | null {
  if (content === "") return null;
  const last = content.at(-1);
  if (last !== "\n" && last !== "\r")
    return { content: `${content}\n`, what: "the missing newline added at the end" };
  let end = content.length;
  while (end > 0 && (content[end - 1] === "\n" || content[end - 1] === "\r")) end--;
  if (end === 0) return { content: "", what: "emptied: it held only line breaks" };
  const rest = content.slice(end);
  for (const ending of ["\n", "\r\n", "\r"]) {
    if (rest === ending) return null;
    if (rest.startsWith(ending))
      return {
        content: content.slice(0, end + ending.length),
        what: "the extra blank lines at the end removed",
      };
  }
  return null;
}
