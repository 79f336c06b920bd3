/** The most of one message CodeHealer reads, in characters: a pasted log past this says nothing new. */
export const MAX_MESSAGE_CHARS = 20_000;

/**
 * Runs of this many characters without a space (base64, minified code) are dropped whole:
 * they never tell a failure apart, and the secret patterns' cost grows with the square of a
 * run's length.
 */
export const MAX_RUN_CHARS = 1_000;

// A BEGIN line with no END after it, and an END line with no BEGIN before it.
const LAST_PEM_BEGIN =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?![\s\S]*-----END )[\s\S]*$/;
const FIRST_PEM_END = /^(?:(?!-----BEGIN )[\s\S])*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;

// Index just past the last whitespace in text (0 when there is none).
function afterLastSpace(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) if (/\s/.test(text[i] as string)) return i + 1;
  return 0;
}

function firstSpace(text: string): number {
  const i = text.search(/\s/);
  return i === -1 ? text.length : i;
}

/**
 * Bounds untrusted text before anything else reads it: a longer text keeps its head (where
 * people ask) and its tail (where a pasted log fails), both cut at whitespace so that no
 * secret is split into halves the redaction would no longer recognise, and a private key cut
 * in half is masked. Runs longer than {@link MAX_RUN_CHARS} are dropped.
 */
export function boundText(text: string, max = MAX_MESSAGE_CHARS): string {
  let bounded = text;
  if (text.length > max) {
    const half = Math.floor(max / 2);
    let head = text.slice(0, half);
    let tail = text.slice(text.length - half);
    head = head.slice(0, afterLastSpace(head));
    tail = tail.slice(firstSpace(tail));
    // A private key cut in half is masked here: redaction needs both of its ends to see it.
    const begin = head.search(LAST_PEM_BEGIN);
    if (begin !== -1) head = `${head.slice(0, begin)}[REDACTED:private-key]`;
    tail = tail.replace(FIRST_PEM_END, "[REDACTED:private-key]");
    const cut = text.length - head.length - tail.length;
    bounded = `${head}\n[… ${cut} characters cut …]\n${tail}`;
  }
  return bounded.replace(
    new RegExp(`\\S{${MAX_RUN_CHARS},}`, "g"),
    (run) => `[${run.length} characters without a space cut]`,
  );
}
