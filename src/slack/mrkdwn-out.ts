/**
 * Slack mrkdwn for what CodeHealer posts. Log lines, branch, job and step names are untrusted
 * (a fork's CI prints what it likes): Slack reads `<…>` as its own tokens (`<!channel>`,
 * `<@U123>`, links), so `&`, `<` and `>` are always escaped, and untrusted text never becomes a
 * link target.
 */

/** Untrusted text as Slack mrkdwn: `&`, `<`, `>` escaped, so it cannot mention or link. */
export const escapeMrkdwn = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Inline code for one untrusted line: escaped, newlines folded, backticks unable to close it. */
export function code(text: string): string {
  const line = text.replace(/\s*\n\s*/g, " ").trim() || " ";
  return `\`${escapeMrkdwn(line).replace(/`/g, "ˋ")}\``;
}

/** A link with an untrusted label; only an https URL Slack can delimit becomes a link. */
export function slackLink(label: string, url: string | null | undefined): string {
  const text = escapeMrkdwn(label.replace(/\s*\n\s*/g, " ")).replace(/\|/g, "¦");
  return url && /^https:\/\/[^\s|<>]+$/.test(url) ? `<${url}|${text}>` : text;
}

/**
 * Who asked for something, as the audit trail names them: `slack:U123` is a Slack user
 * (mentioned, so Slack shows their name), anything else a GitHub login.
 */
export function who(requestedBy: string): string {
  const slack = /^slack:([UW][A-Z0-9]+)$/.exec(requestedBy);
  return slack ? `<@${slack[1]}>` : `@${escapeMrkdwn(requestedBy)}`;
}

/** Cuts text to `max` characters, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
