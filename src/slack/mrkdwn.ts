// Slack escapes only these three in message text; `<` and `>` then mark its own tokens.
const ENTITIES: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&amp;": "&" };

// One Slack token: `<@U123>`, `<#C123|name>`, `<!here>`, `<https://x|label>`. A lone `<` or
// `<http://x|` without its `>` is not a token and is left as it is.
const TOKEN = /<([^<>\n]{1,2000})>/g;

function token(inner: string): string {
  const bar = inner.indexOf("|");
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? "" : inner.slice(bar + 1);
  switch (target[0]) {
    case "@":
      return label ? `@${label.replace(/^@/, "")}` : target;
    case "#":
      return label ? `#${label}` : target;
    case "!": {
      // <!here>, <!channel>, <!subteam^S123|@team>, <!date^1392734382^{date}|Feb 18, 2014>
      if (label) return label;
      const [name = ""] = target.slice(1).split("^");
      return `@${name}`;
    }
    default: {
      const url = target.replace(/^mailto:/, "");
      // A link keeps its address: in a fix, the pull request it points to is the point.
      return label && label !== url ? `${label} (${url})` : url;
    }
  }
}

/**
 * Slack message text (mrkdwn) as plain text: mentions, channel links and links written out,
 * `&lt; &gt; &amp;` decoded, code fences dropped but their content kept on lines of its own.
 * Broken markup (an unclosed link, an unbalanced fence, a bare `&`) passes through as text.
 */
export function mrkdwnToText(text: string): string {
  return text
    .replace(TOKEN, (_whole, inner: string) => token(inner))
    .replace(/&(?:lt|gt|amp);/g, (entity) => ENTITIES[entity] ?? entity)
    .replace(/[ \t]*```[ \t]*/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Whether Slack mrkdwn holds a fenced code block with something in it. */
export function hasCodeBlock(text: string): boolean {
  return /```\s*[^`\s][\s\S]*?```/.test(text);
}
