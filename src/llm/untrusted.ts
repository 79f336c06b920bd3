import { createHash } from "node:crypto";
import { createPemMasker, redact } from "../logs/redact.ts";

/**
 * Untrusted text in a prompt: log lines, file contents, commit messages, step names, past
 * fixes. Each piece sits inside a block that opens with `<untrusted id="…" kind="…">` and
 * closes with `</untrusted id="…">`, and the system message says that nothing inside a block
 * is an instruction. A block cannot be closed early from inside: every `<untrusted` or
 * `</untrusted` in the text is defaced, and the id is a hash of the whole evidence, which the
 * text would have to contain to forge it.
 */

/** Characters kept of one line; a longer line is clipped with a note of how much was cut. */
export const MAX_LINE_CHARS = 1000;

// The tag's name, however spaced or cased, after `<` or `</`.
const TAG_LOOKALIKE = /<(\s*\/?\s*untrusted)/gi;
// C0 controls but tab, and DEL: NUL bytes and escape sequences say nothing to a model.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/g;

/** The id of a prompt's blocks: a hash of everything untrusted that goes into it. */
export function blockId(evidence: unknown): string {
  return createHash("sha256").update(JSON.stringify(evidence)).digest("hex").slice(0, 8);
}

export const openBlock = (id: string, kind: string) => `<untrusted id="${id}" kind="${kind}">`;
export const closeBlock = (id: string) => `</untrusted id="${id}">`;

/**
 * One line of untrusted text as a prompt shows it: secrets redacted, control characters
 * replaced by `�`, anything like the block tag defaced (`＜untrusted`), clipped to
 * {@link MAX_LINE_CHARS} with a note of what was cut.
 */
export function showLine(line: string, maxChars = MAX_LINE_CHARS): string {
  // Redact before clipping, so that a secret is never cut into a piece its pattern misses;
  // clip a huge line roughly first, so that redacting it stays cheap.
  const rough = line.length > maxChars * 4 ? line.slice(0, maxChars * 4) : line;
  const clean = redact(rough.replace(/\r$/, ""))
    .replace(CONTROL, "\ufffd")
    .replace(TAG_LOOKALIKE, "\uff1c$1");
  if (clean.length <= maxChars && rough === line) return clean;
  const cut = clean.length - maxChars + (line.length - rough.length);
  return `${clean.slice(0, maxChars)}… [${cut} characters left out]`;
}

/**
 * Lines of an untrusted text as a prompt shows them ({@link showLine}), following PEM
 * private-key blocks across lines so that a key spread over many lines is masked whole.
 */
export function showLines(text: string): string[] {
  const mask = createPemMasker();
  return text.split("\n").map((line) => showLine(mask(line)));
}
