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

/** The label on every issue CodeHealer files; also how issues are found when search lags. */
export const ISSUE_LABEL = "codehealer";

/** The hidden line that makes an issue the one issue for a fingerprint. */
export const fingerprintMarker = (fingerprint: string): string =>
  `<!-- codehealer:fingerprint:${fingerprint} -->`;

/** The hidden line that says which incident an issue body or comment reports. */
export const occurrenceMarker = (incidentId: string): string =>
  `<!-- codehealer:occurrence:${incidentId} -->`;

const TITLE_LIMIT = 200;

const when = (date: Date) => `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;

function seen(view: IncidentView): string {
  const branch = view.branch ? ` (branch ${inlineCode(view.branch)})` : "";
  const attempt = view.runAttempt > 1 ? `, attempt ${view.runAttempt}` : "";
  return `${link(whereItFailed(view), view.htmlUrl)} on \`${shortSha(view.headSha)}\`${branch}${attempt}, ${when(view.createdAt)}`;
}

/** The issue for a new fingerprint: title, body and label. Pure. */
export function buildIssue(
  view: IncidentView,
  fingerprint: string,
): { title: string; body: string; labels: string[] } {
  const summary = view.summary || view.label;
  const title = `CI failure: ${summary.replace(/\s+/g, " ")}`;
  const parts = [
    `${fingerprintMarker(fingerprint)}\n${occurrenceMarker(view.id)}`,
    `**${plain(view.label)}** in ${seen(view)}. CodeHealer is ${percent(view.confidence)} sure.`,
    `> ${plain(summary)}`,
  ];
  if (view.excerpt) parts.push("### The telling lines", codeBlock(view.excerpt));
  if (view.explanation) parts.push("### Why", plain(view.explanation));
  if (view.remedy) parts.push("### What usually fixes it", plain(view.remedy));
  if (view.rememberedFix) parts.push("### What fixed it last time", plain(view.rememberedFix));
  if (view.jobs.length > 0) parts.push("### Failed jobs", failedJobLines(view.jobs).join("\n"));
  parts.push(
    `Each new occurrence of this failure is added below as a comment; CodeHealer closes this issue when a fix lands.\n\n<sub>Fingerprint \`${fingerprint}\`</sub>`,
  );
  return {
    title: title.length > TITLE_LIMIT ? `${title.slice(0, TITLE_LIMIT - 1)}…` : title,
    body: bound(parts.join("\n\n"), BODY_LIMIT),
    labels: [ISSUE_LABEL],
  };
}

/** The comment that adds an occurrence to the issue. Pure. */
export function buildOccurrence(view: IncidentView): string {
  const summary = view.summary || view.label;
  return bound(
    `${occurrenceMarker(view.id)}\nSeen again in ${seen(view)}. CodeHealer is ${percent(view.confidence)} sure.\n\n> ${plain(summary)}`,
    BODY_LIMIT,
  );
}
