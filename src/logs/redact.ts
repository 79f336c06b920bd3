/**
 * One kind of secret: what it looks like and what to keep around it. `replace` receives the
 * match and returns the masked text, so a rule can keep a key name and drop only its value.
 */
export type SecretPattern = {
  id: string;
  pattern: RegExp;
  replace: (match: string, ...groups: string[]) => string;
};

const mark = (id: string) => `[REDACTED:${id}]`;
const whole = (id: string) => () => mark(id);

// Values that are already masked or are placeholders, not secrets: `***` is GitHub's own mask.
const NOT_A_SECRET =
  /^(?:\*+|\[REDACTED[^\]]*\]?|<[^>]*>|\$\{\{?.*|\$[A-Za-z_]\w*|%[A-Za-z_]\w*%|null|none|nil|true|false|undefined|x+|changeme|\.\.\.|-+)$/i;

/**
 * The secrets CodeHealer masks before a log line is stored, shown or sent to an LLM. Each
 * pattern is specific enough that git SHAs, UUIDs and ordinary words survive.
 */
export const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    id: "private-key",
    pattern:
      /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    replace: whole("private-key"),
  },
  {
    // https://user:password@host — keep the scheme and host so the line still says where.
    id: "url-credentials",
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/)[^\s:@/]+:[^\s@/]+@/gi,
    replace: (_m, scheme = "") => `${scheme}${mark("url-credentials")}@`,
  },
  {
    // curl -u user:password, --user user:password
    id: "basic-auth",
    pattern: /((?:^|\s)(?:-u|--user)[ =])([^\s:'"]+):([^\s'"]+)/g,
    replace: (_m, flag = "", user = "") => `${flag}${user}:${mark("basic-auth")}`,
  },
  {
    id: "github-token",
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{50,255})\b/g,
    replace: whole("github-token"),
  },
  { id: "gitlab-token", pattern: /\bglpat-[A-Za-z0-9_-]{20,}/g, replace: whole("gitlab-token") },
  { id: "npm-token", pattern: /\bnpm_[A-Za-z0-9]{36}\b/g, replace: whole("npm-token") },
  { id: "pypi-token", pattern: /\bpypi-AgE[A-Za-z0-9_-]{50,}/g, replace: whole("pypi-token") },
  {
    id: "aws-access-key",
    pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g,
    replace: whole("aws-access-key"),
  },
  {
    id: "aws-secret-key",
    pattern:
      /\b(aws_?secret_?(?:access_?)?key|secret_?access_?key)(["']?\s*[:=]\s*["']?)[A-Za-z0-9/+]{40}\b/gi,
    replace: (_m, key = "", sep = "") => `${key}${sep}${mark("aws-secret-key")}`,
  },
  { id: "slack-token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, replace: whole("slack-token") },
  {
    id: "slack-webhook",
    pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/g,
    replace: whole("slack-webhook"),
  },
  { id: "google-api-key", pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g, replace: whole("google-api-key") },
  {
    id: "stripe-key",
    pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}\b/g,
    replace: whole("stripe-key"),
  },
  {
    // OpenAI-style keys (sk-…, sk-proj-…, sk-ant-…); a real key mixes letters and digits, so
    // package names such as `sk-learn-contrib-template` survive.
    id: "api-key",
    pattern: /\bsk-(?:proj-|svcacct-|admin-|ant-(?:api\d\d-)?)?[A-Za-z0-9_-]{20,}/g,
    replace: (m) => (/\d/.test(m) && /[A-Za-z]/.test(m.slice(3)) ? mark("api-key") : m),
  },
  {
    id: "jwt",
    pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
    replace: whole("jwt"),
  },
  {
    id: "bearer-token",
    pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/-]{16,}=*/g,
    replace: (_m, scheme = "") => `${scheme} ${mark("bearer-token")}`,
  },
  {
    // password=…, "token": "…", --api-key …, API_KEY: … — keep the name, mask the value.
    // The name's parts around the keyword are bounded ({0,64}): unbounded, a long run of word
    // characters made every start position rescan the run, quadratic in the line's length.
    id: "secret-assignment",
    pattern:
      /(["']?)([A-Za-z0-9_.-]{0,64}(?:password|passwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key|credentials?)[A-Za-z0-9_.-]{0,64})\1(\s*[:=]\s*|\s*=>\s*)(["']?)([^\s"'`,;&]+)\4/gi,
    replace: (m, quote = "", key = "", sep = "", valueQuote = "", value = "") =>
      NOT_A_SECRET.test(value) || value.startsWith("[REDACTED")
        ? m
        : `${quote}${key}${quote}${sep}${valueQuote}${mark("secret")}${valueQuote}`,
  },
];

// A cheap test that lets most lines skip the patterns entirely.
const MAYBE_SECRET =
  /-----BEGIN|-u |--user|:\/\/[^\s/@]*:[^\s/@]*@|gh[pousr]_|github_pat_|glpat-|npm_|pypi-|A[KS]IA|A[GIRN][DOPV]A|AIPA|secret|xox|hooks\.slack|AIza|_live_|_test_|sk-|eyJ|Bearer|Basic|pass|token|key|credential/i;

/** Masks every secret in `text` with a `[REDACTED:<kind>]` marker. */
export function redact(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  let out = text;
  for (const { pattern, replace } of SECRET_PATTERNS) {
    pattern.lastIndex = 0;
    out = out.replace(pattern, replace);
  }
  return out;
}

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;

/**
 * Follows PEM private-key blocks across the lines of a stream, where no single line shows
 * both ends: feed it every line in order and it returns the line to keep (masked inside a
 * block). Returns a function closed over its own state.
 */
export function createPemMasker(): (line: string) => string {
  let inside = false;
  return (line) => {
    if (inside) {
      if (PEM_END.test(line)) inside = false;
      return mark("private-key");
    }
    if (!line.includes("-----BEGIN") || !PEM_BEGIN.test(line)) return line;
    const begin = line.search(PEM_BEGIN);
    const rest = line.slice(begin);
    if (!PEM_END.test(rest)) inside = true;
    return line.slice(0, begin) + mark("private-key");
  };
}
