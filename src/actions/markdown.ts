import type { ConfigProblem } from "../policy/config.ts";
/**
 * Markdown for what CodeHealer posts. Log lines, step names and annotation messages are
 * untrusted (a fork's CI prints what it likes), so they go into code spans and blocks, or
 * through `plain`, never straight into the page.
 */

/** Most characters of an issue, pull request or comment body (GitHub rejects longer ones). */
export const BODY_LIMIT = 65_536;
/** Most characters of a check run's `output.summary` and `output.text`. */
export const CHECK_OUTPUT_LIMIT = 65_535;

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

/**
 * Cuts `text` to at most `max` characters, closing a code block left open by the cut and
 * saying how much was left out.
 */
export function bound(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = (n: number) => `\n\n… ${n} more characters not shown.`;
  // Room for the note and a closing fence; the note's number is at most seven digits.
  const room = max - note(9_999_999).length - 12;
  const cut = text.slice(0, Math.max(0, room));
  let open: string | null = null;
  for (const line of cut.split("\n")) {
    const fence = FENCE.exec(line)?.[1];
    if (fence === undefined) continue;
    if (open === null) open = fence;
    else if (fence[0] === open[0] && fence.length >= open.length) open = null;
  }
  const closed = open === null ? cut : `${cut}\n${open}`;
  return `${closed}${note(text.length - cut.length)}`;
}

/** A fenced code block that the text inside cannot close early. */
export function codeBlock(text: string, language = ""): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${text.replace(/\n+$/, "")}\n${fence}`;
}

/** Inline code for one untrusted line (newlines folded). */
export function inlineCode(text: string): string {
  const line = text.replace(/\s*\n\s*/g, " ").trim();
  if (line === "") return "` `";
  const longest = Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = "`".repeat(longest + 1);
  const pad = line.startsWith("`") || line.endsWith("`") ? " " : "";
  return `${ticks}${pad}${line}${pad}${ticks}`;
}

/**
 * Untrusted text as prose: no HTML, no @-mentions (they would notify whoever a log names), no
 * table-breaking pipes or newlines.
 */
export function plain(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/@(?=[A-Za-z0-9])/g, "@\u200b")
    .replace(/\|/g, "\\|")
    .replace(/\s*\n\s*/g, " ");
}

/** The first seven characters of a commit SHA, as GitHub shows them. */
export const shortSha = (sha: string): string => sha.slice(0, 7);

/** A confidence as a whole percentage. */
export const percent = (confidence: number | null): string =>
  confidence === null ? "?" : `${Math.round(confidence * 100)}%`;

/** A Markdown link whose text is untrusted; only https URLs are linked. */
export const link = (text: string, url: string | null | undefined): string =>
  url && /^https:\/\/[^\s()<>]+$/.test(url)
    ? `[${plain(text).replace(/[[\]]/g, "\\$&")}](${url})`
    : plain(text);

/** One list line per failed job: its link and, when known, the step where it broke. */
export function failedJobLines(
  jobs: readonly { name: string; htmlUrl: string | null; failedSteps: readonly string[] }[],
): string[] {
  return jobs.map((job) => {
    const step = job.failedSteps[0];
    return `- ${link(job.name, job.htmlUrl)}${step ? ` — failed step ${inlineCode(step)}` : ""}`;
  });
}

/** One problem of `.github/codehealer.yml`, with its line when known. */
export const configProblemLine = (p: ConfigProblem, line?: number): string =>
  `- ${inlineCode(p.path)}${line === undefined ? "" : ` (line ${line})`}: ${plain(p.message)}`;

/**
 * Problems of `.github/codehealer.yml` as a Markdown list, one `path`: message line each. The
 * path and message carry the file's own text (an unknown key, a wrong value), so the path is
 * a code span and the message plain text.
 */
export function formatConfigProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => configProblemLine(p)).join("\n");
}
