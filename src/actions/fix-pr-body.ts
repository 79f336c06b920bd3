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
  shortSha,
} from "./markdown.ts";

/** A fix to propose: the files' new contents, and the words around them. */
export type FixInput = {
  /** Whole new contents, relative to the repository root. */
  files: { path: string; content: string; mode?: "100644" | "100755" }[];
  /** The commit message. */
  message: string;
  /** The pull request's title. */
  title: string;
  /** The patch explained, in Markdown. */
  body: string;
  /** The commit the fix was made against; the failing commit when absent. */
  baseSha?: string;
};

/** The hidden line that says which incident a fix pull request answers. */
export const fixMarker = (incidentId: string): string => `<!-- codehealer:fix:${incidentId} -->`;

const EXPLANATION_LIMIT = 20_000;

// The explanation is CodeHealer's own Markdown, but an LLM may have written it from log text:
// keep its formatting, drop what could ping people or hide content.
const tame = (markdown: string) =>
  markdown.replace(/<!--[\s\S]*?-->/g, "").replace(/@(?=[A-Za-z0-9])/g, "@\u200b");

/** The pull request GitHub should receive for a fix: title and body. Pure. */
export function buildFixPullRequest(
  view: IncidentView,
  fix: FixInput,
  { draft }: { draft: boolean },
): { title: string; body: string } {
  const parts = [
    fixMarker(view.id),
    "## What failed",
    `**${plain(view.label)}** in ${link(whereItFailed(view), view.htmlUrl)} on \`${shortSha(view.headSha)}\` — CodeHealer is ${percent(view.confidence)} sure.`,
    `> ${plain(view.summary || view.label)}`,
    "## The change",
    bound(tame(fix.body), EXPLANATION_LIMIT),
    fix.files.map((file) => `- ${inlineCode(file.path)}`).join("\n"),
  ];
  const evidence = failedJobLines(view.jobs);
  if (evidence.length > 0 || view.excerpt) parts.push("## Evidence", ...evidence);
  if (view.excerpt)
    parts.push(
      `<details><summary>The telling lines</summary>\n\n${codeBlock(view.excerpt)}\n\n</details>`,
    );
  parts.push(
    "---",
    draft
      ? "This pull request is a draft: it waits for a person to review it and mark it ready."
      : "CodeHealer opened this pull request on its own because it is confident of the fix; review it before merging.",
    "CodeHealer never merges. If the fix is wrong, close this pull request: that teaches CodeHealer too.",
  );
  return { title: fix.title.slice(0, 256), body: bound(parts.join("\n\n"), BODY_LIMIT) };
}
