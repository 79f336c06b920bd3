/** The commands people give CodeHealer in a comment, and who may give each. */
export const COMMANDS = {
  retry: { verb: "retry", needsWrite: true },
  fix: { verb: "open the fix", needsWrite: true },
  explain: { verb: "explain", needsWrite: false },
  ignore: { verb: "ignore", needsWrite: true },
  feedback: { verb: "give feedback", needsWrite: true },
} as const;

export type CommandName = keyof typeof COMMANDS;

/** A command as given: `/codehealer feedback bad the cause was the proxy` carries its note. */
export type Command =
  | { name: Exclude<CommandName, "feedback"> }
  | { name: "feedback"; verdict: "good" | "bad"; note: string | null };

/** What a comment says to CodeHealer: a command, or something that looks like one but is not. */
export type SaidCommand =
  | { kind: "command"; command: Command; text: string }
  | { kind: "invalid"; text: string; reason: string };

/** The command line as written, kept in the audit trail: long enough to recognise, no longer. */
const TEXT_LIMIT = 200;

// At the start of a line (up to three spaces, as Markdown allows before a paragraph), so that a
// quoted (`> /codehealer …`) or inline-code mention is never taken for a command.
const COMMAND_LINE = /^ {0,3}\/codehealer(?=\s|$)(.*)$/i;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

const USAGE = "`/codehealer retry | fix | explain | ignore | feedback good|bad [note]`";

const isCommandName = (word: string): word is CommandName => Object.hasOwn(COMMANDS, word);

function commandOf(rest: string): Command | string {
  const [word = "", ...args] = rest.trim().split(/\s+/);
  const name = word.toLowerCase();
  if (name === "") return `A command is missing after /codehealer: ${USAGE}.`;
  if (!isCommandName(name)) return `CodeHealer has no command "${word}": ${USAGE}.`;
  if (name !== "feedback")
    return args.length === 0 ? { name } : `/codehealer ${name} takes no arguments.`;
  const verdict = args[0]?.toLowerCase();
  if (verdict !== "good" && verdict !== "bad")
    return "/codehealer feedback needs `good` or `bad`, then an optional note.";
  const note = rest.trim().split(/\s+/).slice(2).join(" ");
  return { name, verdict, note: note === "" ? null : note };
}

/**
 * The first `/codehealer` command of a comment, or null when there is none. Only a line that
 * starts with it counts, outside code blocks; later commands in the same comment are not read.
 * Pure.
 */
export function parseCommand(body: string | null | undefined): SaidCommand | null {
  let fence: string | null = null;
  for (const line of (body ?? "").split(/\r?\n/)) {
    const marker = FENCE.exec(line)?.[1];
    if (marker !== undefined) {
      if (fence === null) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const match = COMMAND_LINE.exec(line.trimEnd());
    if (!match) continue;
    const text = line.trim().slice(0, TEXT_LIMIT);
    const command = commandOf(match[1] ?? "");
    return typeof command === "string"
      ? { kind: "invalid", text, reason: command }
      : { kind: "command", command, text };
  }
  return null;
}
