import { z } from "zod";
import { redact } from "../logs/redact.ts";
import { boundText } from "./bound-text.ts";
import { hasCodeBlock, mrkdwnToText } from "./mrkdwn.ts";

const slackTs = z.string().regex(/^\d{1,12}\.\d{1,8}$/, "is not a Slack timestamp");

/**
 * The fields of a Slack message (`conversations.history`, `conversations.replies`) that
 * CodeHealer reads; the rest (blocks, files, edits) is dropped.
 */
export const slackMessageSchema = z.object({
  ts: slackTs,
  /** Present on a thread's parent (equal to `ts`) and on its replies. */
  thread_ts: slackTs.optional(),
  /** `bot_message`, `channel_join`, `thread_broadcast`…; absent on a plain user message. */
  subtype: z.string().optional(),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  text: z.string().default(""),
  reply_count: z.number().int().nonnegative().optional(),
  reactions: z.array(z.object({ name: z.string(), count: z.number().int().optional() })).optional(),
  /** Integrations (CI bots among them) often put the whole failure in attachments. */
  attachments: z
    .array(
      z.object({
        pretext: z.string().optional(),
        title: z.string().optional(),
        text: z.string().optional(),
        fallback: z.string().optional(),
      }),
    )
    .optional(),
});

export type SlackMessage = z.infer<typeof slackMessageSchema>;

/**
 * One page of `conversations.history` or `conversations.replies`. Each message is checked on
 * its own by {@link parseMessage}, so that one malformed message does not lose the page.
 */
export const messagePageSchema = z.object({
  messages: z.array(z.unknown()),
  has_more: z.boolean().optional(),
});

/** What `auth.test` says about the workspace the token belongs to. */
export const authTestSchema = z.object({
  /** The workspace's address, `https://acme.slack.com/`. */
  url: z.url(),
  team_id: z.string().optional(),
});

/** A message reduced to what the thread heuristics read: plain text, secrets masked, bounded. */
export type ThreadMessage = {
  ts: string;
  /** A user id, or the bot's id for an integration; null when Slack names neither. */
  author: string | null;
  bot: boolean;
  /** Plain text (see {@link mrkdwnToText}), redacted, at most ~20 000 characters. */
  text: string;
  /** Whether it held a fenced code block: people paste the config or command that fixed it. */
  codeBlock: boolean;
  /** Reaction names, such as `white_check_mark`. */
  reactions: string[];
};

/** A raw message from Slack, validated; or the reason it was skipped. */
export function parseMessage(
  raw: unknown,
): { ok: true; message: SlackMessage } | { ok: false; ts: string; reason: string } {
  const parsed = slackMessageSchema.safeParse(raw);
  if (parsed.success) return { ok: true, message: parsed.data };
  const ts =
    typeof raw === "object" && raw !== null && "ts" in raw && typeof raw.ts === "string"
      ? raw.ts.slice(0, 32)
      : "unknown";
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  return { ok: false, ts, reason: `malformed message: ${where}${issue?.message ?? "invalid"}` };
}

/**
 * The message as the heuristics and the store see it. The text is bounded first, then made
 * plain, then redacted: nothing unredacted leaves this function.
 */
export function toThreadMessage(message: SlackMessage): ThreadMessage {
  const attached = (message.attachments ?? []).map((a) =>
    [a.pretext, a.title, a.text ?? a.fallback].filter(Boolean).join("\n"),
  );
  const raw = boundText([message.text, ...attached].filter(Boolean).join("\n"));
  const bot = message.bot_id !== undefined || message.subtype === "bot_message";
  return {
    ts: message.ts,
    author: message.user ?? message.bot_id ?? null,
    bot,
    text: redact(mrkdwnToText(raw)),
    codeBlock: hasCodeBlock(raw),
    reactions: (message.reactions ?? []).map((r) => r.name),
  };
}
