import { fetchAndExecuteLine } from "../fixes/fetch-and-execute.ts";
import { unsafePath } from "../fixes/safe-path.ts";
import { quoted } from "../fixes/words.ts";
import type { Config } from "../policy/config.ts";
import {
  ALWAYS_DENIED_PATHS,
  deniedPaths,
  denyingPattern,
  LOCKFILE_PATHS,
} from "../policy/denied-paths.ts";
import type { LlmEdit, Prompt } from "./types.ts";

/** How much one LLM patch may change: a CI fix is small, and a person must be able to read it. */
export const PATCH_LIMITS = {
  files: 5,
  edits: 10,
  /** Bytes of the lines the patch adds, context it repeats unchanged not counted. */
  addedBytes: 20 * 1024,
  /** Lines removed plus lines added, context not counted. */
  changedLines: 200,
} as const;

/**
 * Paths an LLM patch never edits, on top of the policy's (workflows, migrations, secrets,
 * lockfiles, `denied_paths`): what decides which code runs in CI and with which secrets (every
 * CI system's configuration, and all of `.github/`, CodeHealer's own settings and CODEOWNERS
 * included), where code is fetched from (submodules, registry settings), and credential files.
 * A Dockerfile or a Makefile is code like any other and may be fixed: the line rules below
 * still apply to it.
 */
export const LLM_DENIED_PATHS: readonly string[] = [
  ".github/**",
  ".gitlab-ci.yml",
  ".gitlab/**",
  ".circleci/**",
  "Jenkinsfile",
  "*.jenkinsfile",
  ".travis.yml",
  "azure-pipelines.yml",
  "azure-pipelines.yaml",
  ".azure-pipelines/**",
  ".buildkite/**",
  "bitbucket-pipelines.yml",
  ".drone.yml",
  "appveyor.yml",
  ".appveyor.yml",
  "cloudbuild.yaml",
  "cloudbuild.yml",
  ".woodpecker.yml",
  ".woodpecker/**",
  "CODEOWNERS",
  ".gitmodules",
  ".npmrc",
  ".yarnrc",
  ".yarnrc.yml",
  ".pypirc",
  "pip.conf",
  ".netrc",
];

/** A kind of line a patch must not add, and the words for a refusal. */
type LineRule = { id: string; what: string; test: (line: string, file: string) => boolean };

const NETWORK =
  /\b(?:curl|wget|nc|ncat|netcat|socat|fetch|axios|got|https?\.(?:get|request)|request|requests\.\w+|urllib|urlopen|httpx|Net::HTTP|Invoke-WebRequest|Invoke-RestMethod|iwr|irm)\b|\/dev\/(?:tcp|udp)\//i;
// A secret read from the environment, by a name that says so, in any language's syntax.
const ENV_SECRET =
  /(?:process\.env(?:\.|\[\s*["'`])|os\.environ(?:\[\s*["']|\.get\(\s*["'])|os\.getenv\(\s*["']|ENV(?:\[\s*["']|\.fetch\(\s*["'])|System\.getenv\(\s*"|env::var\(\s*"|\$env:|\$\{?|%|secrets\.)\w*(?:TOKEN|SECRET|PASSW(?:OR)?D|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH)/i;
// The whole environment at once: `process.env` itself, not one of its variables.
const WHOLE_ENV = /\bprocess\.env\b(?!\s*(?:\.|\[|\?\.))|\bos\.environ\b(?!\s*(?:\[|\.get\b))/;

const base = (file: string) => file.slice(file.lastIndexOf("/") + 1).toLowerCase();
const any =
  (...patterns: RegExp[]) =>
  (line: string) =>
    patterns.some((p) => p.test(line));

/**
 * What an added line must not do, whatever the log asked for. Each rule errs on the side of
 * refusing: a refused patch costs a person a look at a report, an accepted one could hand the
 * repository's secrets or its build to whoever wrote the log.
 */
export const LINE_RULES: readonly LineRule[] = [
  {
    id: "fetch_and_execute",
    what: "downloads code and runs it",
    test: (line) =>
      fetchAndExecuteLine([line]) !== undefined ||
      /(?:^|[\s;&|])(?:source|\.)\s+<\(\s*(?:curl|wget)\b/.test(line),
  },
  {
    id: "credential_exfiltration",
    what: "reads secrets or the environment where they can leave the machine",
    test: (line) =>
      /\$\{\{\s*(?:secrets\.|github\.token\b)/i.test(line) ||
      /\bprintenv\b/.test(line) ||
      /(?:^|[\s;&|(`])(?:env|export\s+-p)\s*(?:\||>)/.test(line) ||
      /(?:~|\$HOME|\$\{HOME\}|\/root|\/home\/[^/\s]+)\/\.(?:ssh|aws|gnupg|kube|docker\/config\.json|git-credentials|netrc|npmrc|pypirc)\b/.test(
        line,
      ) ||
      /\/proc\/(?:self|\d+|\$\$)\/environ/.test(line) ||
      /\bJSON\.stringify\(\s*process\.env\b|\bObject\.(?:entries|keys|values)\(\s*process\.env\s*\)/.test(
        line,
      ) ||
      (/\b(?:base64|btoa)\b/.test(line) && (ENV_SECRET.test(line) || WHOLE_ENV.test(line))) ||
      (NETWORK.test(line) && (ENV_SECRET.test(line) || WHOLE_ENV.test(line))),
  },
  {
    id: "raw_socket",
    what: "opens a raw network channel (a reverse shell's way out)",
    test: any(
      /\/dev\/(?:tcp|udp)\//,
      /\b(?:nc|ncat|netcat)\b[^\n]*\s-[ec]\b/,
      /\bsocat\b[^\n]*\bexec:/i,
    ),
  },
  {
    id: "install_script",
    what: "adds or changes a script that runs when dependencies are installed",
    test: (line, file) =>
      (base(file) === "package.json" &&
        /"(?:(?:pre|post)?install|(?:pre|post)?prepare|prepublish)"\s*:/.test(line)) ||
      (base(file) === "composer.json" &&
        /"(?:(?:pre|post)-(?:install|update)-cmd|post-autoload-dump)"\s*:/.test(line)) ||
      (base(file) === "setup.py" && /\bcmdclass\s*=/.test(line)),
  },
  {
    id: "dynamic_code",
    what: "evaluates code built at run time, which may come from anywhere",
    test: any(
      /(?<![\w$.])eval\s*\(/,
      /\bnew\s+Function\s*\(/,
      /(?<![\w$.])exec\s*\(/,
      /\bimport\s*\(\s*["'`]https?:/,
      /\brequire\s*\(\s*["'`]https?:/,
    ),
  },
  {
    id: "tls_disabled",
    what: "turns off TLS certificate checks",
    test: any(
      /NODE_TLS_REJECT_UNAUTHORIZED\s*[=:]\s*["']?0/,
      /\brejectUnauthorized\s*:\s*false/,
      /\bverify\s*=\s*False\b/,
      /\bcurl\b[^\n]*\s(?:-k|--insecure)\b/,
      /\bwget\b[^\n]*--no-check-certificate/,
      /\bstrict-ssl\s*[= ]\s*false/i,
      /\bGIT_SSL_NO_VERIFY\b/,
      /\bhttp\.sslVerify\s*[= ]\s*false/i,
      /\bInsecureSkipVerify\s*:\s*true/,
      /\bPYTHONHTTPSVERIFY\s*=\s*["']?0/,
      /\b_create_unverified_context\b/,
      /--trusted-host\b/,
    ),
  },
  {
    id: "world_writable",
    what: "makes files writable by everyone",
    test: any(
      /\bchmod\s+(?:-\w+\s+)*(?:0?777|(?:a|ugo)\+rwx|a=rwx)\b/,
      /\bchmod\w*\s*\([^)]*\b0o?777\b/,
    ),
  },
  {
    id: "redaction_marker",
    what: "writes a `[REDACTED…]` marker, standing for a secret it was never shown",
    test: (line) => line.includes("[REDACTED"),
  },
];

type Checked =
  | { ok: true; files: { path: string; content: string }[] }
  | { ok: false; reason: string };
type Refused = { ok: false; reason: string };

const refuse = (reason: string): Refused => ({ ok: false, reason: quoted(reason, 400) });
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function whyDenied(pattern: string, config: Config): string {
  if (ALWAYS_DENIED_PATHS.includes(pattern))
    return `, which matches \`${pattern}\`: CodeHealer never edits it`;
  if (!config.allow_lockfiles && LOCKFILE_PATHS.includes(pattern))
    return ", a lockfile, which is edited only with allow_lockfiles: true";
  if (LLM_DENIED_PATHS.includes(pattern))
    return `, which matches \`${pattern}\`: an LLM patch never edits CI configuration, code sources or credentials`;
  return `, which matches \`${pattern}\` in denied_paths`;
}

// The first reason a path may not be edited at all, or null.
function pathProblem(path: string, files: Prompt["files"], config: Config): string | null {
  const unsafe = unsafePath(path);
  if (unsafe !== null) return `the patch edits ${unsafe}`;
  const pattern = denyingPattern(path, [...deniedPaths(config), ...LLM_DENIED_PATHS]);
  if (pattern !== null) return `the patch edits \`${path}\`${whyDenied(pattern, config)}`;
  if (!files.some((f) => f.path === path))
    return `the patch edits \`${path}\`, which the evidence does not implicate (it may edit ${files.map((f) => `\`${f.path}\``).join(", ") || "no file"})`;
  return null;
}

// `\n` read as the file's line ending: a file that is CRLF throughout gets CRLF edits, a file
// without CR gets LF ones, and a mixed file is matched byte for byte.
function inFileEndings(text: string, content: string): string {
  const crlf = content.includes("\r\n") && !/(?:^|[^\r])\n/.test(content);
  if (crlf && !text.includes("\r")) return text.replace(/\n/g, "\r\n");
  if (!content.includes("\r") && text.includes("\r\n")) return text.replace(/\r\n/g, "\n");
  return text;
}

// The lines an edit removes and adds, once the lines it repeats at either end are set aside.
function changedLines(search: string, replace: string) {
  const old = search.split(/\r?\n/);
  const now = replace.split(/\r?\n/);
  let head = 0;
  while (head < old.length && head < now.length && old[head] === now[head]) head++;
  let tail = 0;
  while (
    tail < old.length - head &&
    tail < now.length - head &&
    old[old.length - 1 - tail] === now[now.length - 1 - tail]
  )
    tail++;
  return { removed: old.length - head - tail, added: now.slice(head, now.length - tail) };
}

type Numbered = { edit: LlmEdit; n: number };

/** Applies one file's edits, each found once in the file as it is now, none overlapping. */
function applyEdits(path: string, content: string, edits: readonly Numbered[]) {
  const placed: { n: number; start: number; end: number; replace: string }[] = [];
  for (const { edit, n } of edits) {
    const search = inFileEndings(edit.search, content);
    const start = content.indexOf(search);
    if (search === "" || start < 0)
      return refuse(`edit ${n} does not apply: its search text is not in \`${path}\` as it is now`);
    if (content.indexOf(search, start + 1) >= 0)
      return refuse(
        `edit ${n} does not apply: its search text occurs more than once in \`${path}\``,
      );
    placed.push({
      n,
      start,
      end: start + search.length,
      replace: inFileEndings(edit.replace, content),
    });
  }
  placed.sort((a, b) => a.start - b.start);
  let out = "";
  let cursor = 0;
  for (const p of placed) {
    if (p.start < cursor)
      return refuse(`edits to \`${path}\` overlap (edit ${p.n} changes text another edit changes)`);
    out += content.slice(cursor, p.start) + p.replace;
    cursor = p.end;
  }
  return { ok: true as const, content: out + content.slice(cursor) };
}

// Lines as a shell reads them: a line ending in `\` goes on in the next one.
const logicalLines = (content: string) =>
  content
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim());

// The first rule a line new to the file breaks; a line the file already had is not the patch's.
function riskyLine(path: string, before: string, after: string): string | null {
  const had = new Set(logicalLines(before));
  for (const line of logicalLines(after)) {
    if (line === "" || had.has(line)) continue;
    const rule = LINE_RULES.find((r) => r.test(line, path));
    if (rule)
      return `the patch adds a line to \`${path}\` that ${rule.what} (${rule.id}): "${quoted(line, 120)}"`;
  }
  return null;
}

/**
 * Whether an LLM's edits may become a fix, and the files' whole new contents if so. Refused,
 * with the rule and the path in one redacted sentence, when:
 * - a path is not plain, is denied (the policy's paths, lockfiles unless allowed, the
 *   repository's `denied_paths`, and {@link LLM_DENIED_PATHS}), or is not one of the files the
 *   evidence implicates (`context.files`);
 * - an edit's `search` is not in the file exactly once as it is now (only `\n` and `\r\n` are
 *   read as the file's line ending), or two edits of a file overlap; each edit is found in the
 *   file as it is, not as earlier edits left it;
 * - the patch goes beyond {@link PATCH_LIMITS};
 * - a line it adds breaks one of {@link LINE_RULES} (fetch-and-execute, credential
 *   exfiltration, install scripts, dynamic code, TLS checks off, `chmod 777`, …);
 * - it changes nothing.
 * `context.files` must hold each file's whole current content: the new content is built from it.
 */
export function checkPatch(
  edits: readonly LlmEdit[],
  context: { files: Prompt["files"]; config: Config },
): Checked {
  if (edits.length === 0) return refuse("the patch has no edits");
  if (edits.length > PATCH_LIMITS.edits)
    return refuse(
      `the patch has ${edits.length} edits, more than the ${PATCH_LIMITS.edits} allowed`,
    );
  const byPath = new Map<string, Numbered[]>();
  edits.forEach((edit, i) => {
    byPath.set(edit.path, [...(byPath.get(edit.path) ?? []), { edit, n: i + 1 }]);
  });
  for (const path of byPath.keys()) {
    const problem = pathProblem(path, context.files, context.config);
    if (problem !== null) return refuse(problem);
  }
  if (byPath.size > PATCH_LIMITS.files)
    return refuse(
      `the patch edits ${byPath.size} files, more than the ${PATCH_LIMITS.files} allowed`,
    );

  let changed = 0;
  let addedBytes = 0;
  for (const { search, replace } of edits) {
    const lines = changedLines(search, replace);
    changed += lines.removed + lines.added.length;
    addedBytes += lines.added.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
  }
  if (changed > PATCH_LIMITS.changedLines)
    return refuse(
      `the patch changes ${plural(changed, "line")}, more than the ${PATCH_LIMITS.changedLines} allowed`,
    );
  if (addedBytes > PATCH_LIMITS.addedBytes)
    return refuse(
      `the patch adds ${addedBytes} bytes, more than the ${PATCH_LIMITS.addedBytes} allowed`,
    );

  const files: { path: string; content: string }[] = [];
  for (const [path, numbered] of byPath) {
    const before = context.files.find((f) => f.path === path)?.content ?? "";
    const applied = applyEdits(path, before, numbered);
    if (!applied.ok) return applied;
    const risky = riskyLine(path, before, applied.content);
    if (risky !== null) return refuse(risky);
    if (applied.content !== before) files.push({ path, content: applied.content });
  }
  if (files.length === 0)
    return refuse("the patch changes nothing: every edit replaces text with itself");
  return { ok: true, files };
}
