import { ANNOTATIONS_PER_REQUEST, type CheckAnnotation } from "../actions/check-run-output.ts";
import { bound, CHECK_OUTPUT_LIMIT, inlineCode, plain, shortSha } from "../actions/markdown.ts";
import type { PushCheckBody } from "./push-check.ts";
import { type SecretFinding, secretWords } from "./secret-lines.ts";

/** The check run that says a push adds a secret. */
export const SECRET_CHECK_NAME = "CodeHealer: secret";
export const SECRET_CHECK_EXTERNAL_ID = "codehealer-secret";

/** One secret alert per repository and commit, whichever branches it is pushed to. */
export const secretCheckKey = (repository: string, sha: string): string =>
  `secret_check:${repository}:${sha}`;

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Why the secret matters and what to do about it, in the words of the check, issue and message. */
export function secretAdvice(isPublic: boolean): { explanation: string; remedy: string } {
  const readers = isPublic
    ? "The repository is public: anyone can read it in the history, and bots scan public pushes within minutes."
    : "Everyone who can read the repository can read it in the history.";
  return {
    explanation: `A string shaped like a credential was committed. ${readers} A later commit that removes it does not take it out of the history.`,
    remedy:
      "Revoke or rotate the secret at its provider first. Then remove it from the code and read it from the environment or a secret store (GitHub Actions: repository secrets). Rewriting history does not undo the leak: clones, forks and caches keep it.",
  };
}

/** A finding in a few words ("a GitHub token in src/config.ts, line 3"). Pure. */
export const findingWords = (f: SecretFinding): string =>
  `${secretWords(f.kind)} in ${f.path}, line ${f.line}`;

/** The failing check run for the secrets a push adds: the masked lines only, never a secret. Pure. */
export function buildSecretCheck(
  sha: string,
  findings: readonly SecretFinding[],
  isPublic: boolean,
  now: Date,
): PushCheckBody {
  const [first] = findings;
  const title =
    findings.length === 1 && first
      ? `${capitalised(secretWords(first.kind))} added in ${first.path}`
      : `${findings.length} secrets added`;
  const { explanation, remedy } = secretAdvice(isPublic);
  const rows = findings.map(
    (f) =>
      `| ${inlineCode(f.path)} | ${f.line} | ${plain(secretWords(f.kind))} | ${inlineCode(f.shown)} |`,
  );
  const summary = [
    `Commit \`${shortSha(sha)}\` adds what looks like a secret. ${explanation}`,
    `**What to do:** ${remedy}`,
    ["| file | line | what | the line, masked |", "|---|---|---|---|", ...rows].join("\n"),
    "CodeHealer never changes code for a secret, and shows it masked, never itself.",
  ].join("\n\n");
  const annotations: CheckAnnotation[] = findings.slice(0, ANNOTATIONS_PER_REQUEST).map((f) => ({
    path: f.path,
    start_line: f.line,
    end_line: f.line,
    annotation_level: "failure",
    title: `Secret: ${secretWords(f.kind)}`,
    message: `This line adds ${secretWords(f.kind)}: ${f.shown}\nRevoke it at its provider now; removing it in a later commit does not take it out of the history.`,
  }));
  return {
    name: SECRET_CHECK_NAME,
    head_sha: sha,
    status: "completed",
    conclusion: "failure",
    completed_at: now.toISOString(),
    external_id: SECRET_CHECK_EXTERNAL_ID,
    output: { title, summary: bound(summary, CHECK_OUTPUT_LIMIT), annotations },
  };
}
