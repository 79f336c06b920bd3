// CSI sequences (colours, cursor moves, `ESC[0K` line clears), OSC sequences (hyperlinks,
// titles) and the two-byte escapes; then the C0 controls a terminal would not print.
// biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what it removes
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

/**
 * Removes ANSI escape sequences and non-printing control characters (keeping tabs), so that
 * rules see the text a human saw in the terminal. Cheap when there is nothing to strip.
 */
export function stripAnsi(text: string): string {
  let out = text;
  if (out.includes("\x1b")) out = out.replace(ANSI, "");
  CONTROL.lastIndex = 0;
  if (CONTROL.test(out)) out = out.replace(CONTROL, "");
  return out;
}
