import { z } from "zod";
import { CATEGORIES } from "../diagnosis/categories.ts";
import { quoted } from "../fixes/words.ts";
import { stripLinePrefix } from "../logs/line-prefix.ts";
import type { LlmAnswer, Prompt } from "./types.ts";

/**
 * Bounds of an answer. Text is measured in UTF-8 bytes, so that a line of emoji is not four
 * times longer than it looks to the limit.
 */
export const ANSWER_LIMITS = {
  /** The whole reply, in characters: ten edits of two 20 KB texts and the words around them. */
  text: 512 * 1024,
  rootCause: 2 * 1024,
  explanation: 4 * 1024,
  /** The quoted line: excerpt lines are clipped at 400 characters, with room for a timestamp. */
  logLine: 2 * 1024,
  edits: 10,
  /** Each edit's `search` and `replace`. */
  editText: 20 * 1024,
  /** Characters of an edited file's path. */
  path: 300,
} as const;

/**
 * The shortest quote that may be part of a line rather than the whole line. Models quote long
 * lines in part; but "exit code 1" or "error" is in many lines and points at none: twenty
 * characters, three or four words, single out one line of a sixty-line excerpt.
 */
export const MIN_PARTIAL_QUOTE = 20;

const REASON_LIMIT = 300;
// How many more `{` after the answer are tried as a second JSON object: enough for prose with
// a brace or two, bounded so that a reply full of braces costs little.
const MAX_SECOND_TRIES = 8;

const bytes = (max: number) => (text: string) => Buffer.byteLength(text) <= max;
const prose = (max: number) =>
  z
    .string()
    .trim()
    .min(1, { error: "is empty" })
    .refine(bytes(max), { error: `is longer than ${max} bytes` });
const editText = (name: string) =>
  z
    .string()
    .refine(bytes(ANSWER_LIMITS.editText), {
      error: `is longer than ${ANSWER_LIMITS.editText} bytes`,
    })
    .describe(name);

/**
 * What a model must answer. Types and sizes are strict; keys the schema does not name are
 * dropped rather than refused, since a note the model adds harms nothing and a retry for it
 * costs a request.
 */
export const answerSchema: z.ZodType<LlmAnswer> = z.object({
  category: z.enum(CATEGORIES, {
    error: (issue) =>
      `${JSON.stringify(quoted(String(issue.input), 40))} is not one of CodeHealer's categories`,
  }),
  rootCause: prose(ANSWER_LIMITS.rootCause),
  logLine: z
    .string()
    .min(1, { error: "is empty" })
    .refine(bytes(ANSWER_LIMITS.logLine), {
      error: `is longer than ${ANSWER_LIMITS.logLine} bytes`,
    }),
  confidence: z.number().min(0).max(1),
  fix: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("rerun"), explanation: prose(ANSWER_LIMITS.explanation) }),
    z.object({
      kind: z.literal("patch"),
      edits: z
        .array(
          z.object({
            path: z.string().min(1, { error: "is empty" }).max(ANSWER_LIMITS.path),
            search: editText("search").min(1, { error: "is empty: it must be text of the file" }),
            replace: editText("replace"),
          }),
        )
        .min(1, { error: "is empty: a patch needs at least one edit" })
        .max(ANSWER_LIMITS.edits),
      explanation: prose(ANSWER_LIMITS.explanation),
    }),
    z.object({ kind: z.literal("none"), explanation: prose(ANSWER_LIMITS.explanation) }),
  ]),
});

type Parsed = { ok: true; answer: LlmAnswer } | { ok: false; reason: string };

// A reason is one line of CodeHealer's words around bits of the model's: redacted and bounded.
const fail = (reason: string): { ok: false; reason: string } => ({
  ok: false,
  reason: quoted(reason, REASON_LIMIT),
});

// Where the JSON object ends (one past its `}`), counting braces outside strings; -1 if never.
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i + 1;
  }
  return -1;
}

function parseObject(json: string): unknown {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

// A second JSON object after the first: two answers in one reply, and no telling which counts.
function hasSecondObject(text: string, from: number): boolean {
  let start = text.indexOf("{", from);
  for (let tries = 0; start >= 0 && tries < MAX_SECOND_TRIES; tries++) {
    const end = objectEnd(text, start);
    if (end < 0) return false;
    if (parseObject(text.slice(start, end)) !== undefined) return true;
    start = text.indexOf("{", start + 1);
  }
  return false;
}

const FENCE = /```[ \t]*(?:json)?[ \t]*\r?\n/i;

// Where the answer's object starts: the first `{`, unless a fence opens before it, or after
// prose whose braces (`{a: string}`, not JSON) close before the fence. A fence after a whole
// JSON object does not move the start: it holds a second object, which is refused.
function objectStart(text: string): number {
  const first = text.indexOf("{");
  const fence = FENCE.exec(text);
  if (first < 0 || fence === null) return first;
  const fenced = text.indexOf("{", fence.index + fence[0].length);
  if (fenced < 0) return first;
  if (fence.index < first) return fenced;
  const end = objectEnd(text, first);
  const prose = end >= 0 && end <= fence.index && parseObject(text.slice(first, end)) === undefined;
  return prose ? fenced : first;
}

/**
 * The JSON object of a reply: the whole reply, the inside of a ```json fence, or the first
 * balanced `{…}` with prose around it. Nothing else is mended: no single quotes, no trailing
 * commas, no YAML, no second object.
 */
function extractObject(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  const start = objectStart(text);
  if (start < 0) return fail("the answer holds no JSON object");
  const end = objectEnd(text, start);
  if (end < 0) return fail("the answer's JSON object is never closed");
  const json = text.slice(start, end);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return fail(`the answer's JSON object does not parse: ${(error as Error).message}`);
  }
  if (hasSecondObject(text, end))
    return fail("the answer holds more than one JSON object, and only one may be the answer");
  return { ok: true, value };
}

const pathOf = (path: readonly PropertyKey[]) =>
  path
    .map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`))
    .join("") || "the answer";

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const [first] = issues;
  if (!first) return "the answer does not fit the schema";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problems)` : "";
  const message = first.message.replace(/^./, (c) => c.toLowerCase());
  return `the answer does not fit the schema: ${pathOf(first.path)}: ${message}${more}`;
}

// GitHub Actions' annotation prefixes: a model often quotes `##[error]Foo` as `Foo`.
const ANNOTATION = /^##\[[a-z]+\]/;

/**
 * A log line as the quote check compares it: without the CI timestamp, ANSI codes and an
 * Actions annotation prefix (as `src/logs` strips them for the excerpt), without the `…` that
 * marks a clipped line, and with runs of whitespace collapsed. Case is kept: a quote is copied,
 * not paraphrased.
 */
export function normalizeQuotedLine(line: string): string {
  return stripLinePrefix(line.trim())
    .replace(ANNOTATION, "")
    .replace(/(?:…|\.\.\.)$/, "")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * The line of `logLines` that `quote` quotes, or null. Once both are normalised
 * ({@link normalizeQuotedLine}), the quote must equal a shown line, or be a part of one at
 * least {@link MIN_PARTIAL_QUOTE} characters long. A whole line wins over a part, the first
 * shown line over later ones; the `…` lines that mark gaps in an excerpt match nothing.
 */
export function findQuotedLine(quote: string, logLines: readonly string[]): string | null {
  const wanted = normalizeQuotedLine(quote);
  if (wanted === "") return null;
  const shown = logLines
    .map((line) => ({ line, text: normalizeQuotedLine(line) }))
    .filter(({ text }) => text !== "");
  const whole = shown.find(({ text }) => text === wanted);
  if (whole) return whole.line;
  if (wanted.length < MIN_PARTIAL_QUOTE) return null;
  return shown.find(({ text }) => text.includes(wanted))?.line ?? null;
}

/**
 * A model's reply as an {@link LlmAnswer}, or the reason it was discarded, in one redacted
 * sentence the caller can log, store, or send back for the one retry. The reply must hold one
 * JSON object (see `extractObject`) that fits {@link answerSchema}, and its `logLine` must be a
 * line the model was shown: an answer that rests on a line nobody printed rests on nothing.
 * The answer's `logLine` becomes the shown line it quotes, whole.
 */
export function parseAnswer(text: string, prompt: Pick<Prompt, "logLines">): Parsed {
  if (text.trim() === "") return fail("the answer is empty");
  if (text.length > ANSWER_LIMITS.text)
    return fail(
      `the answer is ${text.length} characters long, more than the ${ANSWER_LIMITS.text} an answer may be`,
    );
  const extracted = extractObject(text);
  if (!extracted.ok) return extracted;
  const parsed = answerSchema.safeParse(extracted.value);
  if (!parsed.success) return fail(describeIssues(parsed.error.issues));
  const answer = parsed.data;
  const line = findQuotedLine(answer.logLine, prompt.logLines);
  if (line === null)
    return fail(`the quoted line is not in the log: "${quoted(answer.logLine, 120)}"`);
  return { ok: true, answer: { ...answer, logLine: line } };
}
