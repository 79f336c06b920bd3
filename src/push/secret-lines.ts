import { redact, SECRET_PATTERNS, type SecretPattern } from "../logs/redact.ts";
import type { DiffFile } from "./diff-files.ts";

/**
 * The redaction patterns a push is scanned with, and what each finds in words. Only those whose
 * match is a secret by its shape (a provider's prefix and length, a key header); left out, because
 * on added code they flood: `url-credentials` and `basic-auth` (local databases and docs),
 * `bearer-token` (examples in docs), `secret-assignment` (any `password = …`), `jwt` (sample
 * tokens in tests).
 */
export const PUSH_SECRET_KINDS: Readonly<Record<string, string>> = {
  "private-key": "a private key",
  "github-token": "a GitHub token",
  "gitlab-token": "a GitLab token",
  "npm-token": "an npm token",
  "pypi-token": "a PyPI token",
  "aws-access-key": "an AWS access key id",
  "aws-secret-key": "an AWS secret access key",
  "slack-token": "a Slack token",
  "slack-webhook": "a Slack webhook URL",
  "google-api-key": "a Google API key",
  "stripe-key": "a Stripe key",
  "api-key": "an API key (OpenAI-style)",
};

/** A secret-looking string on a line the push adds; never the secret itself. */
export type SecretFinding = {
  path: string;
  line: number;
  /** The redaction pattern's id (`github-token`). */
  kind: string;
  /** The line with every secret masked, shortened: what may be shown anywhere. */
  shown: string;
};

/** Most characters of a masked line that are shown. */
const SHOWN = 200;

// Copies of the shared patterns: a global RegExp keeps its position between calls.
const PATTERNS: readonly SecretPattern[] = SECRET_PATTERNS.filter(
  (p) => p.id in PUSH_SECRET_KINDS,
).map((p) => ({ ...p, pattern: new RegExp(p.pattern.source, p.pattern.flags) }));

// A key header alone is documentation; with key material after it (on the line, as an escaped
// `\n`, or on the next added line) it is a key.
const KEY_MATERIAL = /[A-Za-z0-9+/=]{40,}/;

/**
 * A placeholder shaped like a secret: AWS's documented examples (`AKIAIOSFODNN7EXAMPLE`), or a
 * run of one or two characters after the prefix (`ghp_xxxxxxxx…`, `AKIAXXXXXXXXXXXXXXXX`).
 */
function placeholder(match: string): boolean {
  if (match.includes("EXAMPLE")) return true;
  const tail = match.replace(/[^A-Za-z0-9]/g, "").slice(4);
  return new Set(tail.toLowerCase()).size <= 4;
}

// The matches of one pattern on a line that the pattern itself would mask (the OpenAI-style
// rule keeps package names such as `sk-learn-contrib-template`).
function secretsOn(text: string, { pattern, replace }: SecretPattern): string[] {
  return [...text.matchAll(pattern)]
    .filter((m) => replace(m[0], ...m.slice(1).map((g) => g ?? "")) !== m[0])
    .map((m) => m[0])
    .filter((match) => !placeholder(match));
}

/** The line as it may be shown: masked, and never with one of `secrets` left in it. */
function shown(text: string, secrets: readonly string[], kind: string): string {
  const masked = redact(text).trim().replace(/\s+/g, " ");
  if (secrets.some((secret) => masked.includes(secret))) return `[REDACTED:${kind}]`;
  return masked.length > SHOWN ? `${masked.slice(0, SHOWN - 1)}…` : masked;
}

/**
 * The secret-looking strings on the lines a push adds, one finding per line and kind, in file
 * and line order, at most `limit`. Pure.
 */
export function secretFindings(files: readonly DiffFile[], limit = 50): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const file of files)
    file.added.forEach(({ line, text }, i) => {
      for (const rule of PATTERNS) {
        if (findings.length >= limit) return;
        const secrets = secretsOn(text, rule);
        if (secrets.length === 0) continue;
        const next = file.added[i + 1];
        const material = next?.line === line + 1 && KEY_MATERIAL.test(next.text);
        if (rule.id === "private-key" && !KEY_MATERIAL.test(text) && !material) continue;
        findings.push({
          path: file.path,
          line,
          kind: rule.id,
          shown: shown(text, secrets, rule.id),
        });
      }
    });
  return findings;
}

/** A kind of secret in words ("a GitHub token"). */
export const secretWords = (kind: string): string => PUSH_SECRET_KINDS[kind] ?? "a secret";
