import type { Diagnosis } from "../diagnosis/diagnose.ts";
import { EMBEDDING_MODEL, embed, failureText } from "../diagnosis/embedding.ts";
import type { SolutionInput } from "../store/solutions.ts";
import type { ThreadMessage } from "./messages.ts";

/** The most of an answer kept as a solution's fix: the gist, not the whole discussion. */
export const MAX_FIX_CHARS = 2_000;
const MAX_ERROR_LINE_CHARS = 1_000;

/** A thread worth remembering: its error, the reply that answered it, and where it lives. */
export type AnsweredThread = {
  permalink: string;
  diagnosis: Diagnosis;
  answer: ThreadMessage;
  /** Every message of the thread, the first one included (redacted). */
  messages: readonly ThreadMessage[];
};

// github.com paths that are GitHub's own pages rather than an owner.
const NOT_OWNERS = new Set([
  "orgs",
  "settings",
  "features",
  "marketplace",
  "apps",
  "sponsors",
  "topics",
  "login",
  "about",
  "notifications",
  "search",
]);

/**
 * The repository a thread is about, when its links name exactly one (and the organisation
 * when they name one owner): a solution then ranks first for that repository.
 */
export function namedRepository(texts: readonly string[]): {
  organization: string | null;
  repository: string | null;
} {
  const repos = new Set<string>();
  for (const text of texts) {
    for (const [, owner = "", name = ""] of text.matchAll(
      /https?:\/\/github\.com\/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})/g,
    )) {
      if (!NOT_OWNERS.has(owner.toLowerCase())) repos.add(`${owner}/${name.replace(/\.git$/, "")}`);
    }
  }
  const owners = new Set([...repos].map((repo) => repo.split("/")[0]));
  const [repository] = repos;
  const [organization] = owners;
  return {
    organization: owners.size === 1 && organization ? organization : null,
    repository: repos.size === 1 && repository ? repository : null,
  };
}

const clip = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/**
 * The solution a Slack thread teaches, ready for `saveSolution`: the failure as the rules
 * read the thread's first message, and the answer as its fix. Pure; everything in it comes
 * from already-redacted text.
 */
export function slackSolution(thread: AnsweredThread): SolutionInput {
  const { diagnosis } = thread;
  return {
    fingerprint: diagnosis.fingerprint,
    fingerprintVersion: diagnosis.fingerprintVersion,
    category: diagnosis.category,
    errorLine: clip(diagnosis.errorLine, MAX_ERROR_LINE_CHARS),
    excerpt: diagnosis.excerpt,
    embedding: Array.from(embed(failureText(diagnosis))),
    embeddingModel: EMBEDDING_MODEL,
    fix: clip(thread.answer.text.trim(), MAX_FIX_CHARS),
    patch: null,
    source: "slack",
    sourceRef: thread.permalink,
    ...namedRepository(thread.messages.map((m) => m.text)),
  };
}
