import { type Diagnosis, diagnoseText } from "../diagnosis/diagnose.ts";
import type { SlackMessage, ThreadMessage } from "./messages.ts";

// Words people use when they report a failure, and the lines a pasted log or trace shows.
const ERROR_WORDS =
  /\b(?:errors?|fail(?:s|ed|ing|ures?)?|exceptions?|panic(?:ked)?|traceback|fatal|segfault|crash(?:ed|es|ing)?|timed out|broken)\b|ERR!/i;
const STACK_FRAME =
  /^\s*at \S.* \(?\S+:\d+(?::\d+)?\)?\s*$|^\s*File ".+", line \d+|^Traceback \(most recent call last\)/m;

/**
 * The diagnosis of a thread's first message when it is about a failure, or null. It is when
 * the rules recognise a failure in it, or it says so in words (error, failed, exception…), or
 * it holds a stack trace. A code block alone is not enough: people paste configs and commands
 * when they ask how to do something, too.
 */
export function errorDiagnosis(text: string): Diagnosis | null {
  if (text.trim() === "") return null;
  const diagnosis = diagnoseText(text);
  const recognised = diagnosis.category !== "unknown";
  return recognised || ERROR_WORDS.test(text) || STACK_FRAME.test(text) ? diagnosis : null;
}

// A reply that acts on the failure: the change people make, or the words they use for it.
const FIX =
  /\b(?:fix(?:ed|es)?|solved|resolved|workaround|pin(?:s|ned|ning)?|bump(?:s|ed|ing)?|upgrad(?:e|ed|es|ing)|downgrad(?:e|ed|es|ing)|set(?:s|ting)?|add(?:s|ed|ing)?|remov(?:e|ed|es|ing)|delet(?:e|ed|es|ing)|re-?run(?:s|ning)?|reran|retr(?:y|ied)|revert(?:s|ed|ing)?|clear(?:s|ed|ing)?|install(?:s|ed|ing)?|updat(?:e|ed|es|ing)|switch(?:ed|ing)? to|increas(?:e|ed|ing)|rotat(?:e|ed|ing)|regenerat(?:e|ed|ing)|restart(?:ed|ing)?)\b/i;
// The asker saying the last suggestion worked. Removed before looking for FIX words, so that
// "thanks, that fixed it" is a confirmation and not an answer of its own.
const CONFIRM =
  /\b(?:thanks|thank you|thx|ty|that (?:worked|did it|fixed it|was it)|works now|it worked|fixed it|all green|green (?:again|now)|solved it)\b/gi;
// Replies that say a suggestion did not help, or only that others see it too.
const NEGATIVE =
  /\b(?:did(?:n'?t| not) (?:work|help|fix)|does(?:n'?t| not) (?:work|help|fix)|not (?:working|fixed)|still (?:fails?|failing|broken|red|see|seeing|gets?|getting|happens?|happening)|no luck|same (?:error|issue|problem|here)|me too|seeing (?:this|it) too)\b|(?:^|\s)\+1\b/i;
/** Reactions teams use to mark the reply that solved it. */
export const ANSWER_REACTIONS: ReadonlySet<string> = new Set([
  "white_check_mark",
  "heavy_check_mark",
  "ballot_box_with_check",
  "check",
  "done",
  "solved",
  "resolved",
]);

const isQuestion = (text: string) =>
  /\?\s*(?::[a-z0-9_+-]+:\s*)*$/i.test(text.trim()) ||
  /^(?:any ?(?:one|body|idea|clue)s?|does anyone|has anyone)\b[^.!\n]*$/i.test(text.trim());
const isConfirmation = (text: string) => new RegExp(CONFIRM.source, "i").test(text);
const readsAsFix = (text: string) => FIX.test(text.replace(CONFIRM, " "));

/** Why a thread's reply was taken as its answer, strongest first. */
export type AnswerSignal = "reaction" | "confirmed" | "fix";

export type Answer =
  | { found: true; answer: ThreadMessage; signal: AnswerSignal }
  | { found: false; reason: string };

/**
 * The reply that answers a thread, by these heuristics:
 * - a reply can answer when a person (not a bot: CodeHealer's own posts must not come back as
 *   knowledge) wrote it, it is not a question, and it does not say a suggestion failed;
 * - the answer is the last such reply marked with a check-mark reaction; else the last one
 *   the asker confirmed afterwards ("thanks, that worked"), when someone else wrote it; else
 *   the last one that reads as a fix (fix words such as fixed by, pin, bump, upgrade, set,
 *   add, remove, rerun, revert — or a code block from someone other than the asker).
 */
export function findAnswer(root: ThreadMessage, replies: readonly ThreadMessage[]): Answer {
  if (replies.length === 0) return { found: false, reason: "no replies" };
  const people = replies.filter((r) => !r.bot && r.text.trim() !== "");
  if (people.length === 0) return { found: false, reason: "no answer: no person replied" };
  const candidates = people.filter((r) => !isQuestion(r.text) && !NEGATIVE.test(r.text));
  if (candidates.length === 0)
    return { found: false, reason: "no answer: the replies only ask or say it still fails" };

  const checked = candidates.filter((r) => r.reactions.some((name) => ANSWER_REACTIONS.has(name)));
  const lastChecked = checked.at(-1);
  if (lastChecked) return { found: true, answer: lastChecked, signal: "reaction" };

  let confirmed: ThreadMessage | undefined;
  for (const [i, reply] of people.entries()) {
    const confirms =
      reply.author === root.author &&
      isConfirmation(reply.text) &&
      !isQuestion(reply.text) &&
      !NEGATIVE.test(reply.text);
    if (!confirms) continue;
    // "Fixed it by bumping node, thanks" says how itself: it confirms an earlier reply only
    // when that reply suggested a fix too.
    const saysHow = readsAsFix(reply.text);
    const suggestion = people
      .slice(0, i)
      .findLast(
        (c) =>
          c.author !== root.author &&
          candidates.includes(c) &&
          (!saysHow || readsAsFix(c.text) || c.codeBlock),
      );
    confirmed = suggestion ?? confirmed;
  }
  if (confirmed) return { found: true, answer: confirmed, signal: "confirmed" };

  const fixes = candidates.filter(
    (r) => readsAsFix(r.text) || (r.codeBlock && r.author !== root.author),
  );
  const lastFix = fixes.at(-1);
  if (lastFix) return { found: true, answer: lastFix, signal: "fix" };
  return { found: false, reason: "no answer: no reply reads as a fix" };
}

// Messages Slack writes itself (joins, topic changes, pins), never a question about a failure.
const SYSTEM_SUBTYPES: ReadonlySet<string> = new Set([
  "channel_join",
  "channel_leave",
  "channel_topic",
  "channel_purpose",
  "channel_name",
  "channel_archive",
  "channel_unarchive",
  "group_join",
  "group_leave",
  "group_topic",
  "group_purpose",
  "group_name",
  "pinned_item",
  "unpinned_item",
  "bot_add",
  "bot_remove",
  "reminder_add",
  "tombstone",
]);

/**
 * Whether a channel message can start a thread worth reading: not a system message, and not
 * a reply that was also sent to the channel (its thread is read from its parent).
 */
export function opensThread(message: SlackMessage): boolean {
  const isReply = message.thread_ts !== undefined && message.thread_ts !== message.ts;
  return !isReply && !SYSTEM_SUBTYPES.has(message.subtype ?? "");
}
