import { type IncidentView, whereItFailed } from "./incident-view.ts";
import {
  BODY_LIMIT,
  bound,
  codeBlock,
  failedJobLines,
  inlineCode,
  link,
  percent,
  plain,
} from "./markdown.ts";
import { STICKY_MARKER } from "./sticky-comment.ts";

/** Lines of requests shown on the board: the latest, oldest first. */
export const HISTORY_LINES = 10;
/** Incidents explained on the board at once: the latest asked for. */
export const EXPLAINED_INCIDENTS = 3;
/** The telling lines shown in an explanation; the check run has them all. */
const EXCERPT_LIMIT = 3_000;

/** What people asked of CodeHealer on one issue or pull request, for its comment. */
export type CommandHistory = { lines: readonly string[]; explained: readonly IncidentView[] };

/** The expanded explanation of one incident, as `/codehealer explain` asks for it. Pure. */
export function explanation(view: IncidentView): string {
  const parts = [
    `<details open><summary>Explained: ${plain(view.label)} in ${plain(whereItFailed(view))} (${percent(view.confidence)} sure)</summary>`,
    `> ${plain(view.summary || view.label)}`,
  ];
  if (view.explanation) parts.push(`**Why.** ${plain(view.explanation)}`);
  if (view.remedy) parts.push(`**What usually fixes it.** ${plain(view.remedy)}`);
  if (view.rememberedFix) parts.push(`**What fixed it last time.** ${plain(view.rememberedFix)}`);
  if (view.excerpt)
    parts.push(
      "**The telling lines.**",
      codeBlock(
        view.excerpt.length > EXCERPT_LIMIT ? view.excerpt.slice(-EXCERPT_LIMIT) : view.excerpt,
      ),
    );
  if (view.jobs.length > 0) parts.push(failedJobLines(view.jobs).join("\n"));
  parts.push("</details>");
  return parts.join("\n\n");
}

/**
 * The part of CodeHealer's comment that answers people's commands: the incidents they asked to
 * have explained, and the latest requests and what came of them. Empty when nobody asked. Pure.
 */
export function commandSections({ lines, explained }: CommandHistory): string {
  const parts = explained.slice(-EXPLAINED_INCIDENTS).map(explanation);
  if (lines.length > 0)
    parts.push(
      ["#### Asked of CodeHealer", "", ...lines.slice(-HISTORY_LINES).map((l) => `- ${l}`)].join(
        "\n",
      ),
    );
  return parts.join("\n\n");
}

/**
 * The status board with the commands' sections added before its closing note (or at its end,
 * when the board was cut short). Pure.
 */
export function withCommandSections(board: string, sections: string): string {
  if (sections === "") return board;
  const footer = board.lastIndexOf("\n\n<sub>");
  const body =
    footer === -1
      ? `${board}\n\n${sections}`
      : `${board.slice(0, footer)}\n\n${sections}${board.slice(footer)}`;
  return bound(body, BODY_LIMIT);
}

/**
 * CodeHealer's one comment on an issue, made when a command is first answered there: the
 * incident the issue is about, in a line, and the commands' sections. Pure.
 */
export function buildIssueBoard(view: IncidentView, sections: string): string {
  const summary =
    view.fingerprint === null
      ? `⏳ CodeHealer is still diagnosing ${link(whereItFailed(view), view.htmlUrl)}.`
      : `${view.status === "resolved" ? "✅" : "❌"} **${plain(view.label)}** in ${link(whereItFailed(view), view.htmlUrl)}${view.errorLine ? `: ${inlineCode(view.errorLine.slice(0, 160))}` : ""} — CodeHealer is ${percent(view.confidence)} sure.`;
  const lines = [STICKY_MARKER, "### CodeHealer", "", summary];
  if (sections !== "") lines.push("", sections);
  lines.push(
    "",
    "<sub>CodeHealer keeps this one comment up to date as people ask it things with <code>/codehealer</code> commands.</sub>",
  );
  return bound(lines.join("\n"), BODY_LIMIT);
}
