import { ANNOTATIONS_PER_REQUEST, type CheckAnnotation } from "../actions/check-run-output.ts";
import { bound, CHECK_OUTPUT_LIMIT, inlineCode, plain, shortSha } from "../actions/markdown.ts";
import type { PushCheckBody } from "./push-check.ts";
import type { RepeatedMistake } from "./repeated-lines.ts";

/** The check run that says a push brings back what caused an earlier failure. */
export const REPEATED_CHECK_NAME = "CodeHealer: repeated mistake";
export const REPEATED_CHECK_EXTERNAL_ID = "codehealer-repeated-mistake";

/** One warning per repository and commit, whichever branches it is pushed to. */
export const repeatedCheckKey = (repository: string, sha: string): string =>
  `repeated_mistake:${repository}:${sha}`;

const MESSAGE_LIMIT = 1_000;
const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();
// A fix is remembered as a sentence; the message adds its own full stop.
const sentence = (text: string) => oneLine(text).replace(/\.+$/, "");
const cut = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

/** What the earlier failure was, in words ("incident 0b7e…", "a failure solved in Slack"). */
function earlier({ solution }: RepeatedMistake): string {
  switch (solution.source) {
    case "incident":
      return `incident ${solution.sourceRef}`;
    case "slack":
      return `a failure the team solved in Slack (${solution.sourceRef})`;
    case "manual":
      return "a failure remembered with `codehealer remember`";
  }
}

/** The warning at one line (plain text: annotations are not Markdown). Pure. */
export function repeatedMessage(m: RepeatedMistake): string {
  const error = m.solution.errorLine ? ` (${cut(oneLine(m.solution.errorLine), 300)})` : "";
  const where = m.fixedPath === m.path ? "" : ` The fix removed it from ${m.fixedPath}.`;
  return cut(
    `This brings back the line that caused ${earlier(m)}${error}; it was fixed by: ${sentence(m.solution.fix)}.${where}`,
    MESSAGE_LIMIT,
  );
}

/** The neutral check run, a warning at each line that brings back an earlier failure's cause. Pure. */
export function buildRepeatedCheck(
  sha: string,
  mistakes: readonly RepeatedMistake[],
  now: Date,
): PushCheckBody {
  const [first] = mistakes;
  const title =
    mistakes.length === 1 && first
      ? `Brings back what caused ${earlier(first)}`
      : `${mistakes.length} lines bring back what caused earlier failures`;
  const items = mistakes.map(
    (m) =>
      `- ${inlineCode(m.path)} line ${m.line}: ${inlineCode(m.shown)}, which caused ${plain(earlier(m))}${
        m.solution.errorLine ? ` (${inlineCode(cut(oneLine(m.solution.errorLine), 300))})` : ""
      }. Fixed then by: ${plain(cut(sentence(m.solution.fix), 500))}.`,
  );
  const summary = [
    `Commit \`${shortSha(sha)}\` adds ${mistakes.length === 1 ? "a line" : "lines"} that an earlier fix removed. CodeHealer remembers what fixed each failure; the same line coming back usually brings the same failure back.`,
    items.join("\n"),
    "This is a warning: nothing is blocked. If the line is meant to come back, ignore it.",
  ].join("\n\n");
  const annotations: CheckAnnotation[] = mistakes.slice(0, ANNOTATIONS_PER_REQUEST).map((m) => ({
    path: m.path,
    start_line: m.line,
    end_line: m.line,
    annotation_level: "warning",
    title: `Repeated mistake: ${earlier(m)}`,
    message: repeatedMessage(m),
  }));
  return {
    name: REPEATED_CHECK_NAME,
    head_sha: sha,
    status: "completed",
    conclusion: "neutral",
    completed_at: now.toISOString(),
    external_id: REPEATED_CHECK_EXTERNAL_ID,
    output: { title, summary: bound(summary, CHECK_OUTPUT_LIMIT), annotations },
  };
}
