import { stripAnsi } from "./ansi.ts";

// GitHub Actions: `2026-11-20T10:15:02.1234567Z `; GitLab adds a stream tag (`00O+ `);
// Taskcluster wraps the time in `[task …]`; Jenkins' timestamper writes `[…]` or `12:34:56 `.
const TIMESTAMP =
  /^(?:\[(?:[a-z:]+ )?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?Z?\] ?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d) ?(?:\d\d[OE]\+? )?|\d\d:\d\d:\d\d(?:\.\d+)? (?=\S))/;
// `gh run view --log` prints `<job>\t<step>\t<timestamp> <text>`.
const GH_COLUMNS = /^([^\t]*)\t([^\t]*)\t\uFEFF?(?=\d{4}-\d\d-\d\dT)/;

/** The step column and the rest of a `gh run view --log` line, or null for other lines. */
export function splitColumns(raw: string): { step: string; rest: string } | null {
  if (!raw.includes("\t")) return null;
  const columns = GH_COLUMNS.exec(raw);
  return columns === null ? null : { step: columns[2] ?? "", rest: raw.slice(columns[0].length) };
}

/**
 * The text of a log line as the tool printed it: without the byte-order mark, the CI
 * timestamp (it differs on every run and tells nothing) and ANSI codes.
 */
export function stripLinePrefix(raw: string): string {
  let line = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const actions = actionsTimestampLength(line);
  if (actions > 0) line = line.slice(actions);
  else {
    const first = line.charCodeAt(0);
    if ((first >= 48 && first <= 57) || first === 91) {
      // a digit or "[": maybe another CI's timestamp
      const stamp = TIMESTAMP.exec(line);
      if (stamp !== null) line = line.slice(stamp[0].length);
    }
  }
  return stripAnsi(line);
}

// The length of a GitHub Actions timestamp and its space (`2026-11-20T10:15:02.1234567Z `)
// at the start of a line, or 0. Checked by hand because nearly every line of an Actions log
// has one, and a regex match would allocate for each.
function actionsTimestampLength(line: string): number {
  if (line.charCodeAt(4) !== 45 || line.charCodeAt(10) !== 84 || line.charCodeAt(13) !== 58)
    return 0;
  for (const i of DIGIT_POSITIONS) if (!isDigit(line, i)) return 0;
  // Seconds may carry a fraction: `.1234567` up to the `Z`.
  let z = 19;
  if (line.charCodeAt(z) === 46) {
    z++;
    while (isDigit(line, z)) z++;
  }
  if (line.charCodeAt(z) !== 90) return 0;
  const end = line.charCodeAt(z + 1) === 32 ? z + 2 : z + 1;
  // GitLab's newer traces add a stream tag: `00O ` or `01E+ `.
  const tag = line.charCodeAt(end + 2);
  if ((tag === 79 || tag === 69) && isDigit(line, end) && isDigit(line, end + 1)) {
    const plus = line.charCodeAt(end + 3) === 43 ? 1 : 0;
    if (line.charCodeAt(end + 3 + plus) === 32) return end + 4 + plus;
  }
  return end;
}

const DIGIT_POSITIONS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
const isDigit = (line: string, i: number) => {
  const c = line.charCodeAt(i);
  return c >= 48 && c <= 57;
};
