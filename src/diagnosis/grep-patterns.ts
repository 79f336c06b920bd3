import type { Rule } from "./rule.ts";

// Escapes that mean a set of characters, as POSIX bracket-expression content.
const CLASS_ESCAPES: Record<string, string> = {
  d: "0-9",
  w: "A-Za-z0-9_",
  s: "[:space:]",
};
const NEGATED_ESCAPES: Record<string, string> = { D: "d", W: "w", S: "s" };
// Characters that must stay escaped outside brackets in an ERE.
const ERE_SPECIAL = new Set([
  ".",
  "[",
  "]",
  "(",
  ")",
  "{",
  "}",
  "*",
  "+",
  "?",
  "|",
  "^",
  "$",
  "\\",
]);

// The ERE spelling of one letter when the JS pattern ignores case.
const foldCase = (ch: string, ignoreCase: boolean) => {
  if (!ignoreCase) return ch;
  const lower = ch.toLowerCase();
  const upper = ch.toUpperCase();
  return lower === upper ? ch : `[${lower}${upper}]`;
};

// One literal character of a class, unescaped, and the index after it; or a set escape.
function classAtom(source: string, i: number): { char?: string; set?: string; next: number } {
  const ch = source[i] as string;
  if (ch !== "\\") return { char: ch, next: i + 1 };
  const escaped = source[i + 1] as string;
  const set = CLASS_ESCAPES[escaped];
  if (set !== undefined) return { set, next: i + 2 };
  if (escaped in NEGATED_ESCAPES) throw new Error(`negated escape \\${escaped} inside a class`);
  return { char: escaped === "t" ? "\t" : escaped, next: i + 2 };
}

const otherCase = (ch: string) => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase());

// A JS character class `[...]` starting at `start`, as an ERE bracket expression, and the
// index after it. POSIX brackets take no backslash escapes: `]` must come first, `-` last.
function convertClass(source: string, start: number, ignoreCase: boolean): [string, number] {
  let i = start + 1;
  let negated = false;
  if (source[i] === "^") {
    negated = true;
    i++;
  }
  const items: string[] = [];
  let closeBracket = false;
  let dash = false;
  let caret = false;
  while (i < source.length && source[i] !== "]") {
    const atom = classAtom(source, i);
    i = atom.next;
    if (atom.set !== undefined) {
      items.push(atom.set);
      continue;
    }
    const ch = atom.char as string;
    if (source[i] === "-" && source[i + 1] !== "]" && i + 1 < source.length) {
      const end = classAtom(source, i + 1);
      i = end.next;
      const to = end.char as string;
      items.push(`${ch}-${to}`);
      if (ignoreCase && /[A-Za-z]/.test(ch) && /[A-Za-z]/.test(to))
        items.push(`${otherCase(ch)}-${otherCase(to)}`);
      continue;
    }
    if (ch === "]") closeBracket = true;
    else if (ch === "-") dash = true;
    else if (ch === "^") caret = true;
    else {
      items.push(ch);
      if (ignoreCase && ch.toLowerCase() !== ch.toUpperCase()) items.push(otherCase(ch));
    }
  }
  const body = `${closeBracket ? "]" : ""}${items.join("")}${caret ? "^" : ""}${dash ? "-" : ""}`;
  return [`[${negated ? "^" : ""}${body}]`, i + 1];
}

// The length of a lookaround group `(?=…)`, `(?!…)`, `(?<=…)`, `(?<!…)` starting at `start`.
function groupEnd(source: string, start: number): number {
  let depth = 0;
  for (let i = start; i < source.length; i++) {
    const ch = source[i];
    if (ch === "\\") i++;
    else if (ch === "[") {
      while (i < source.length && source[i] !== "]") i += source[i] === "\\" ? 2 : 1;
    } else if (ch === "(") depth++;
    else if (ch === ")" && --depth === 0) return i + 1;
  }
  return source.length;
}

/**
 * Converts a JS regular expression to a POSIX extended regular expression for `grep -E`,
 * for the benchmark that compares the catalogue with grep. Lookarounds are dropped (the
 * ERE then matches a superset), word boundaries too, and case-insensitive patterns spell
 * each letter in both cases. Returns null for what ERE cannot express.
 */
export function toPosixEre(pattern: RegExp): string | null {
  const source = pattern.source;
  const ignoreCase = pattern.flags.includes("i");
  let out = "";
  try {
    for (let i = 0; i < source.length; ) {
      const ch = source[i] as string;
      if (ch === "\\") {
        const next = source[i + 1] as string;
        i += 2;
        if (next === "b" || next === "B") continue;
        const set = CLASS_ESCAPES[next];
        if (set !== undefined) out += `[${set}]`;
        else if (next in NEGATED_ESCAPES)
          out += `[^${CLASS_ESCAPES[NEGATED_ESCAPES[next] as string]}]`;
        else if (/\d/.test(next))
          return null; // back-reference
        else if (next === "t") out += "\t";
        else out += ERE_SPECIAL.has(next) ? `\\${next}` : foldCase(next, ignoreCase);
      } else if (ch === "[") {
        const [bracket, end] = convertClass(source, i, ignoreCase);
        out += bracket;
        i = end;
      } else if (ch === "(" && source[i + 1] === "?") {
        const kind = source[i + 2];
        if (kind === ":") {
          out += "(";
          i += 3;
        } else if (kind === "=" || kind === "!" || kind === "<") {
          i = groupEnd(source, i);
        } else {
          return null;
        }
      } else if ((ch === "*" || ch === "+" || ch === "?" || ch === "}") && source[i + 1] === "?") {
        out += ch; // lazy quantifiers match the same lines
        i += 2;
      } else {
        out += /[A-Za-z]/.test(ch) ? foldCase(ch, ignoreCase) : ch;
        i++;
      }
    }
  } catch {
    return null;
  }
  // An emptied group (all lookaround) is not valid ERE.
  return out.replaceAll("()", "").replaceAll("(|", "(").replaceAll("|)", ")");
}

/** Every pattern of the catalogue that `grep -E` can run, one per line of a patterns file. */
export function grepPatterns(rules: readonly Rule[]): string[] {
  const out: string[] = [];
  for (const rule of rules) {
    for (const pattern of rule.patterns) {
      const ere = toPosixEre(pattern);
      if (ere !== null && ere !== "") out.push(ere);
    }
  }
  return out;
}
