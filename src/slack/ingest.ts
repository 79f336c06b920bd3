import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import type { Db } from "../store/database.ts";
import { saveSolution, solutionProblem } from "../store/solutions.ts";
import { slackErrorCode, slackFailure } from "./errors.ts";
import {
  authTestSchema,
  messagePageSchema,
  parseMessage,
  type SlackMessage,
  type ThreadMessage,
  toThreadMessage,
} from "./messages.ts";
import { threadPermalink } from "./permalink.ts";
import { type AnsweredThread, slackSolution } from "./solution.ts";
import { errorDiagnosis, findAnswer, opensThread } from "./threads.ts";

export type IngestDeps = {
  /** A client holding the bot token (see `slackClient`). */
  client: WebClient;
  db: Db;
  log: Logger;
};

export type IngestOptions = {
  /** The channel id, `C0123456789`. */
  channel: string;
  /** Read threads started at or after this instant; the whole history when absent. */
  since?: Date | null;
  /** Read and decide, but store nothing. */
  dryRun?: boolean;
};

export type Skipped = { ts: string; reason: string };

export type IngestReport = {
  /** Messages that could start a thread (system messages and broadcast replies are not counted). */
  threads: number;
  /** Threads about a failure with an answer. */
  kept: number;
  /** Kept threads saved as solutions (none in a dry run). */
  stored: number;
  skipped: Skipped[];
  solutions: { ts: string; permalink: string; category: string }[];
};

// The largest page Slack serves for these methods; fewer requests, fewer rate-limit waits.
const PAGE_SIZE = 200;

/**
 * Remembers what a channel's threads teach:
 * 1. learn the workspace address (`auth.test`), from which thread permalinks are built;
 * 2. read the channel's history since `since`, page by page (the library pages and retries);
 * 3. for each message that starts a thread about a failure and has replies, read the replies
 *    and find the answer;
 * 4. save one solution per answered thread, keyed by its permalink: ingesting again updates it.
 * Text is bounded, made plain and redacted as it is read, before anything decides or stores.
 */
export async function ingestSlack(deps: IngestDeps, options: IngestOptions): Promise<IngestReport> {
  const { client, log } = deps;
  const { channel, since = null, dryRun = false } = options;
  const report: IngestReport = { threads: 0, kept: 0, stored: 0, skipped: [], solutions: [] };

  const workspace = authTestSchema.parse(
    await client.auth.test().catch((error: unknown) => {
      throw slackFailure(error, "auth.test");
    }),
  );

  const history = client.paginate("conversations.history", {
    channel,
    limit: PAGE_SIZE,
    ...(since ? { oldest: (since.getTime() / 1000).toFixed(6) } : {}),
  });
  for await (const page of pages(history, `reading the history of ${channel}`)) {
    for (const raw of page.messages) {
      const parsed = parseMessage(raw);
      if (!parsed.ok) {
        report.skipped.push({ ts: parsed.ts, reason: parsed.reason });
        continue;
      }
      if (!opensThread(parsed.message)) continue;
      report.threads++;
      const permalink = threadPermalink(workspace.url, channel, parsed.message.ts);
      const read = await readThread(deps, channel, parsed.message, permalink, report.skipped);
      if ("reason" in read) {
        log.debug({ ts: parsed.message.ts, reason: read.reason }, "Slack thread not kept");
        report.skipped.push({ ts: parsed.message.ts, reason: read.reason });
        continue;
      }
      report.kept++;
      const solution = slackSolution(read);
      const problem = solutionProblem(solution);
      if (problem) {
        report.skipped.push({ ts: parsed.message.ts, reason: `not stored: ${problem}` });
        continue;
      }
      const kept = { ts: parsed.message.ts, permalink, category: solution.category };
      if (dryRun) {
        log.info(kept, "[dry-run] would remember a Slack thread");
      } else {
        await saveSolution(deps.db, solution);
        report.stored++;
        log.info(kept, "remembered a Slack thread");
      }
      report.solutions.push(kept);
    }
  }
  return report;
}

// A thread's first message, its replies, and the answer among them; or why it is not kept.
async function readThread(
  deps: IngestDeps,
  channel: string,
  root: SlackMessage,
  permalink: string,
  skipped: Skipped[],
): Promise<AnsweredThread | { reason: string }> {
  if (!root.reply_count) return { reason: "no replies" };
  const first = toThreadMessage(root);
  const diagnosis = errorDiagnosis(first.text);
  if (diagnosis === null) return { reason: "not about a failure" };

  const replies: ThreadMessage[] = [];
  const seen = new Set([root.ts]);
  const thread = deps.client.paginate("conversations.replies", {
    channel,
    ts: root.ts,
    limit: PAGE_SIZE,
  });
  try {
    for await (const page of pages(thread, `reading thread ${root.ts} in ${channel}`)) {
      // Every page repeats the parent first; a reply is read once.
      for (const raw of page.messages) {
        const parsed = parseMessage(raw);
        if (!parsed.ok) {
          skipped.push({ ts: parsed.ts, reason: `reply in thread ${root.ts}: ${parsed.reason}` });
        } else if (!seen.has(parsed.message.ts)) {
          seen.add(parsed.message.ts);
          replies.push(toThreadMessage(parsed.message));
        }
      }
    }
  } catch (error) {
    // Deleted between reading the history and reading the thread: nothing to learn from it.
    if (error instanceof Error && slackErrorCode(error.cause) === "thread_not_found")
      return { reason: "thread not found" };
    throw error;
  }

  const answer = findAnswer(first, replies);
  if (!answer.found) return { reason: answer.reason };
  return { permalink, diagnosis, answer: answer.answer, messages: [first, ...replies] };
}

// The pages of a paginated call, each checked to hold a list of messages.
async function* pages(
  results: AsyncIterable<unknown>,
  doing: string,
): AsyncGenerator<{ messages: unknown[] }> {
  const iterator = results[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<unknown>;
    try {
      next = await iterator.next();
    } catch (error) {
      throw slackFailure(error, doing);
    }
    if (next.done) return;
    const page = messagePageSchema.safeParse(next.value);
    if (!page.success)
      throw new Error(`Slack: ${doing} returned an unexpected page: ${page.error.message}`);
    yield page.data;
  }
}
