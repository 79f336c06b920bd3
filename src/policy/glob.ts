/**
 * Globs for branch names, workflow names and file paths. Only three things are special:
 * `*` (any run of characters within one `/`-separated segment, dots included), `?` (one such
 * character) and `**` (any number of whole segments, zero included). Everything else, `[` and
 * `{` too, is literal.
 *
 * Written here rather than taken from Node's `path.matchesGlob` (minimatch underneath): that
 * one leaves dotfiles out, so it says `config/.secrets.json` does not match `**\/*secret*`, and a
 * guardrail must not have that hole. The matcher backtracks only to the last star, so a
 * match costs at most (pattern length × subject length) steps, never an exponential blow-up on
 * a hostile pattern or path.
 */
export function matchesGlob(subject: string, pattern: string): boolean {
  return wildcard(subject.split("/"), pattern.split("/"), "**", matchSegment);
}

// The same walk one level down: characters instead of segments, `*` instead of `**`.
function matchSegment(have: string, want: string): boolean {
  return wildcard(have.split(""), want.split(""), "*", (h, w) => w === "?" || w === h);
}

/**
 * Matches `have` against `want`, where `star` in `want` stands for any run of items. It
 * backtracks only to the last star (remembering where it stood and how much it swallowed), so
 * it costs at most |want| × |have| steps.
 */
function wildcard(
  have: readonly string[],
  want: readonly string[],
  star: string,
  matches: (have: string, want: string) => boolean,
): boolean {
  let w = 0;
  let h = 0;
  let starW = -1;
  let starH = 0;
  while (h < have.length) {
    if (want[w] === star) {
      starW = w++;
      starH = h;
    } else if (w < want.length && matches(have[h]!, want[w]!)) {
      w++;
      h++;
    } else if (starW >= 0) {
      w = starW + 1;
      h = ++starH;
    } else {
      return false;
    }
  }
  while (want[w] === star) w++;
  return w === want.length;
}

/** Whether `subject` matches any of `patterns`. */
export function matchesAny(subject: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => matchesGlob(subject, pattern));
}

/**
 * What is wrong with a glob, in words for the person who wrote it, or null. Syntax that other
 * glob dialects give a meaning to is refused rather than taken literally, so that a pattern
 * never silently matches less than its author meant.
 */
export function globProblem(pattern: string): string | null {
  if (pattern.trim() === "") return "must not be empty";
  if (pattern.startsWith("!")) return "cannot start with `!`: negation is not supported";
  if (pattern.includes("\\")) return "must use `/` between folders; `\\` is not supported";
  if (/\{[^}]*,[^}]*\}/.test(pattern))
    return "uses `{a,b}`, which is not supported: list each pattern on its own";
  if (pattern.split("/").some((segment) => segment.includes("**") && segment !== "**"))
    return "uses `**` inside a name: `**` must stand alone between slashes, as in `src/**/test`";
  return null;
}
