import { codeBlock } from "../actions/markdown.ts";
import { redact } from "../logs/redact.ts";

const LINE_LIMIT = 300;

/** A line from the log, or a remembered sentence, as a fix may quote it: redacted, one line, bounded. */
export function quoted(text: string, limit = LINE_LIMIT): string {
  const line = redact(text)
    .replace(/\s*\n\s*/g, " ")
    .trim();
  return line.length > limit ? `${line.slice(0, limit - 1)}…` : line;
}

/** The log lines a fix rests on, as a Markdown code block. */
export function logBlock(lines: readonly string[]): string {
  return codeBlock(lines.map((line) => quoted(line, 400)).join("\n"));
}

/** "a.ts", "a.ts and b.ts", "a.ts and 2 more files". */
export function someFiles(paths: readonly string[]): string {
  const [first = "", second] = paths;
  if (paths.length === 1) return first;
  if (paths.length === 2) return `${first} and ${second}`;
  return `${first} and ${paths.length - 1} more files`;
}
