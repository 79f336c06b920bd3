import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import { z } from "zod";
import { type Diagnosis, diagnoseText } from "../diagnosis/diagnose.ts";
import { cosine, embed, failureText } from "../diagnosis/embedding.ts";
import { redact } from "../logs/redact.ts";
import { boundText } from "./bound-text.ts";
import { slackErrorCode } from "./errors.ts";
import { mrkdwnToText } from "./mrkdwn.ts";
import { threadOfPermalink } from "./permalink.ts";

/** A Slack thread that may hold the answer to a failure. */
export type SlackCandidate = {
  /** The thread's permalink: the same string an ingested thread is stored under. */
  permalink: string;
  /** The matching message as plain text, redacted, at most 2 000 characters. */
  text: string;
  /**
   * 0..1: cosine similarity of the failure's text and the match's, both embedded the way memory
   * embeds them, so that it reads on the same scale as memory's own similarity.
   */
  score: number;
};

// Words every error line says: searching for them finds every failure ever discussed.
const COMMON = new Set(
  (
    "error errors err fail failed failure failing fatal warning warn exception the and for with " +
    "from this that not was were are has have had can cannot could unable when while into " +
    "process completed exit code line file npm yarn pnpm run step job build test tests " +
    "undefined null true false expected received found error: info debug trace"
  ).split(" "),
);
const MAX_TERMS = 3;
const MAX_TEXT_CHARS = 2_000;

// How telling a term is: identifiers (ERESOLVE, ENOSPC, TS2345, ModuleNotFoundError,
// left_pad) are rare in chat and name the failure; long words come next.
function distinctiveness(term: string): number {
  const identifier =
    /^[A-Z][A-Z0-9_]{3,}$/.test(term) ||
    /[a-z][A-Z]/.test(term) ||
    /[A-Za-z]\d|\d[A-Za-z]/.test(term) ||
    term.includes("_");
  return (identifier ? 100 : 0) + Math.min(term.length, 30);
}

/**
 * The Slack search query for an error line: its {@link MAX_TERMS} most distinctive terms
 * (Slack requires every term). Null when the line has none worth searching for. Characters
 * Slack's search gives meaning to (`:` modifiers, quotes, `@`, `#`) never reach the query.
 */
export function searchQuery(errorLine: string): string | null {
  const terms = errorLine
    .replace(/\[REDACTED:[^\]]*\]/g, " ")
    .split(/[^A-Za-z0-9_.-]+/)
    .map((term) => term.replace(/^[.-]+|[.-]+$/g, ""))
    .filter(
      (term) =>
        term.length >= 3 &&
        term.length <= 60 &&
        /[A-Za-z]/.test(term) &&
        !/^[0-9a-f]{7,}$/i.test(term) &&
        !COMMON.has(term.toLowerCase()),
    );
  const unique = [...new Map(terms.map((term) => [term.toLowerCase(), term])).values()];
  const chosen = unique
    .map((term, order) => ({ term, order, weight: distinctiveness(term) }))
    .sort((a, b) => b.weight - a.weight || a.order - b.order)
    .slice(0, MAX_TERMS)
    .sort((a, b) => a.order - b.order);
  return chosen.length === 0 ? null : chosen.map((c) => c.term).join(" ");
}

const matchSchema = z.object({
  permalink: z.string(),
  text: z.string().default(""),
});
const searchResponseSchema = z.object({
  messages: z.object({ matches: z.array(z.unknown()).default([]) }),
});

/**
 * Searches the team's Slack (`search.messages`, which needs a user token with `search:read`)
 * for threads about the same failure, best first. A hint, never a requirement: on any Slack
 * error, or an answer it cannot read, it logs why and returns [].
 */
export async function searchSlack(
  client: WebClient,
  diagnosis: Pick<Diagnosis, "category" | "errorLine" | "excerpt">,
  options: { log: Logger; count?: number },
): Promise<SlackCandidate[]> {
  const query = searchQuery(diagnosis.errorLine);
  if (query === null) return [];
  let response: unknown;
  try {
    response = await client.search.messages({
      query,
      count: options.count ?? 20,
      sort: "score",
      sort_dir: "desc",
      highlight: false,
    });
  } catch (error) {
    options.log.warn(
      { err: error, slackError: slackErrorCode(error), query },
      "Slack search failed; diagnosing without it",
    );
    return [];
  }
  const parsed = searchResponseSchema.safeParse(response);
  if (!parsed.success) {
    options.log.warn({ query }, "Slack search returned an unexpected answer; ignoring it");
    return [];
  }

  const failure = embed(failureText(diagnosis));
  const best = new Map<string, SlackCandidate>();
  for (const raw of parsed.data.messages.matches) {
    const match = matchSchema.safeParse(raw);
    const permalink = match.success ? threadOfPermalink(match.data.permalink) : null;
    if (!match.success || permalink === null) continue;
    const text = redact(mrkdwnToText(boundText(match.data.text)));
    const score = cosine(failure, embed(failureText(diagnoseText(text))));
    const candidate = {
      permalink,
      text: text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS - 1)}…` : text,
      score: Math.round(Math.max(0, Math.min(1, score)) * 1000) / 1000,
    };
    const seen = best.get(permalink);
    if (!seen || seen.score < candidate.score) best.set(permalink, candidate);
  }
  return [...best.values()].sort((a, b) => b.score - a.score);
}
