import type { z } from "zod";

/** One thing wrong in a configuration file: where (`thresholds.auto`) and what, in words. */
export type ConfigProblem = { path: string; message: string };

/**
 * Largest configuration CodeHealer reads, measured as its JSON text would be. A real file is a
 * few hundred bytes; a megabyte of YAML is a mistake or an attack, and is not walked further.
 */
export const MAX_CONFIG_BYTES = 64 * 1024;

/** More problems than this are summed up in one last line. */
const MAX_PROBLEMS = 20;

const ROOT = "(root)";

/**
 * A problem when `raw` is larger than {@link MAX_CONFIG_BYTES}, else null. Walks the value with
 * an explicit stack and stops as soon as the budget is spent, so a huge or deeply nested
 * document (or one whose YAML aliases make it a graph) costs at most the budget to reject.
 */
export function sizeProblem(raw: unknown): ConfigProblem | null {
  let bytes = 0;
  const stack: unknown[] = [raw];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === "string") bytes += value.length + 2;
    else if (typeof value === "object" && value !== null) {
      bytes += 2;
      for (const [key, inner] of Object.entries(value)) {
        bytes += key.length + 4;
        stack.push(inner);
        if (bytes > MAX_CONFIG_BYTES) break;
      }
    } else bytes += String(value).length;
    if (bytes > MAX_CONFIG_BYTES)
      return {
        path: ROOT,
        message: `is larger than ${MAX_CONFIG_BYTES / 1024} KB; CodeHealer reads no further. A configuration needs a few hundred bytes: is the wrong file named \`.github/codehealer.yml\`?`,
      };
  }
  return null;
}

/** `["environments", 0, "thresholds"]` → `environments[0].thresholds`. */
export function problemPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else text += text === "" ? String(key) : `.${String(key)}`;
  }
  return text === "" ? ROOT : text;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "boolean") return `\`${value}\``;
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "string") return `the text ${shown(value)}`;
  return `a ${typeof value}`;
}

const EXPECTED: Record<string, string> = {
  number: "a number",
  int: "a whole number",
  boolean: "`true` or `false`",
  string: "text",
  array: "a list",
  object: "a mapping of settings",
};

// Edit distance, for "did you mean": keys are short, so the quadratic table is nothing.
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function unknownKey(key: string, known: readonly string[]): string {
  const near = known
    .map((candidate) => ({ candidate, d: distance(key.toLowerCase(), candidate) }))
    .filter(({ d }) => d <= Math.max(2, Math.floor(key.length / 4)))
    .sort((a, b) => a.d - b.d)[0];
  const hint = near
    ? `; did you mean \`${near.candidate}\`?`
    : known.length > 0
      ? `; the settings here are ${known.map((k) => `\`${k}\``).join(", ")}`
      : "";
  return `is not a setting${hint}`;
}

function bound(issue: { minimum?: unknown; maximum?: unknown; inclusive?: boolean }) {
  return String(issue.minimum ?? issue.maximum);
}

function message(issue: z.core.$ZodIssue): string {
  const input = "input" in issue ? issue.input : undefined;
  switch (issue.code) {
    case "invalid_type":
      if (input === undefined) return "is required";
      return `must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${kindOf(input)}`;
    case "too_small":
      if (issue.origin === "array")
        return `must list at least ${bound(issue)} ${Number(issue.minimum) === 1 ? "entry" : "entries"}`;
      if (issue.origin === "string") return "must not be empty";
      return `must be ${issue.inclusive ? "at least" : "more than"} ${bound(issue)}, not ${shown(input)}`;
    case "too_big":
      if (issue.origin === "array")
        return `must list at most ${bound(issue)} entries, not ${Array.isArray(input) ? input.length : "more"}`;
      if (issue.origin === "string") return `must be at most ${bound(issue)} characters long`;
      return `must be ${issue.inclusive ? "at most" : "less than"} ${bound(issue)}, not ${shown(input)}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => `\`${String(v)}\``).join(", ")}, not ${shown(input)}`;
    case "invalid_format":
      return issue.message === "Invalid string: must match pattern"
        ? `has the wrong format: ${shown(input)}`
        : issue.message;
    default:
      return issue.message;
  }
}

/**
 * Zod's issues in words for the person who wrote the file, each at the exact path of the
 * setting. An unknown key is reported at its own path, with the nearest known key when it
 * looks like a typo (`reruns_budget` → `rerun_budget`).
 */
export function configProblems(
  issues: readonly z.core.$ZodIssue[],
  knownKeys: (path: readonly PropertyKey[]) => readonly string[] = () => [],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const known = knownKeys(issue.path);
      for (const key of issue.keys)
        problems.push({ path: problemPath([...issue.path, key]), message: unknownKey(key, known) });
    } else problems.push({ path: problemPath(issue.path), message: message(issue) });
  }
  if (problems.length <= MAX_PROBLEMS) return problems;
  const more = problems.length - MAX_PROBLEMS + 1;
  return [
    ...problems.slice(0, MAX_PROBLEMS - 1),
    { path: ROOT, message: `and ${more} more problems; fix the ones above first` },
  ];
}
