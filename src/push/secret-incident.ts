import { createHash } from "node:crypto";
import { fullName } from "../actions/effect.ts";
import { shortSha } from "../actions/markdown.ts";
import { FINGERPRINT_VERSION } from "../logs/fingerprint.ts";
import type { NewIncident } from "../store/schema.ts";
import { SECRET_RULE } from "./alerted-secrets.ts";
import { commitUrl, type Push } from "./read-push.ts";
import { findingWords, secretAdvice } from "./secret-check-output.ts";
import type { SecretFinding } from "./secret-lines.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * The security fingerprint of a push's secrets: the repository and each (file, kind) found,
 * never the secret. The same kind of secret in the same file again finds the same issue.
 */
export function secretFingerprint(repository: string, findings: readonly SecretFinding[]): string {
  const where = [...new Set(findings.map((f) => `${f.path}\n${f.kind}`))].sort();
  return sha256(["secret", repository, ...where].join("\n")).slice(0, 32);
}

/**
 * The incident's `runId`: 48 bits of a hash of the repository and commit. Incidents are unique
 * per (repository, provider, runId, attempt), so the same commit pushed to two branches, or a
 * delivery retried, finds the same incident.
 */
export function secretRunId(repository: string, sha: string): number {
  const n = Number.parseInt(sha256(`push-secret\n${repository}\n${sha}`).slice(0, 12), 16);
  return n === 0 ? 1 : n;
}

/**
 * A security-tier incident for the secrets a push adds (pure): provider `external`, source
 * event `push`, settled at once (`acted`: nothing is queued, nothing diagnosed, never a fix).
 * It holds the masked lines only.
 */
export function secretIncident(
  push: Push,
  findings: readonly SecretFinding[],
  now: Date,
): NewIncident {
  const repository = fullName(push);
  const [first] = findings;
  const short = shortSha(push.after);
  const summary =
    findings.length === 1 && first
      ? `${findingWords(first)}, added in ${short}`
      : `${findings.length} secrets added in ${short}: ${findings.slice(0, 3).map(findingWords).join("; ")}${findings.length > 3 ? "; …" : ""}`;
  return {
    repository,
    installationId: push.installationId,
    provider: "external",
    sourceEvent: "push",
    headSha: push.after,
    branch: push.branch,
    runId: secretRunId(repository, push.after),
    runAttempt: 1,
    workflowName: `push to ${push.branch}`,
    conclusion: "failure",
    htmlUrl: commitUrl(push, push.after),
    status: "acted",
    createdAt: now,
    updatedAt: now,
    category: "security_scan",
    transient: false,
    fingerprint: secretFingerprint(repository, findings),
    fingerprintVersion: FINGERPRINT_VERSION,
    confidence: 0.95,
    tier: "security",
    errorLine: first ? `${first.path}:${first.line}: ${first.shown}` : null,
    summary: summary.charAt(0).toUpperCase() + summary.slice(1),
    ruleId: SECRET_RULE,
    excerpt: findings.map((f) => `${f.path}:${f.line}: ${f.shown}`).join("\n"),
    evidence: {
      jobs: [],
      push: { before: push.before, after: push.after, branch: push.branch },
      secrets: findings,
    },
    diagnosis: secretAdvice(push.public),
  };
}
