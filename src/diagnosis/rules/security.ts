import type { Rule } from "../rule.ts";

/** Dependency, image and secret scanners that fail a job on findings. Never auto-fixed. */
export const SECURITY_RULES: readonly Rule[] = [
  {
    id: "security/vulnerabilities",
    category: "security_scan",
    transient: false,
    confidence: 0.85,
    keywords: ["npm audit report", "eaudit", "vulnerab", "critical: "],
    patterns: [
      /^# npm audit report$/,
      /\bEAUDIT\w+\b/,
      /Found \d+ known vulnerabilit(?:y|ies) in \d+ packages?/,
      /Total: [1-9]\d* \((?:UNKNOWN: \d+, )?LOW: \d+, MEDIUM: \d+, HIGH: \d+, CRITICAL: \d+\)/,
      /discovered vulnerabilities at or above the severity threshold/,
      /✗ (?:Low|Medium|High|Critical) severity vulnerability found in /,
      /Tested \d+ dependencies for known (?:issues|vulnerabilities), found [1-9]\d* (?:issues|vulnerabilities)/,
      /error: [1-9]\d* vulnerabilit(?:y|ies) found!/,
      /Your code is affected by [1-9]\d* vulnerabilit/,
      /^Vulnerabilities found!$/,
      /One or more dependencies were identified with (?:known )?vulnerabilities/,
      /\b[1-9]\d* vulnerabilit(?:y|ies) (?:reported|found)/,
    ],
    explanation:
      "A dependency or image scanner found known vulnerabilities above the allowed threshold.",
    remedy:
      "Upgrade the affected packages to fixed versions (or base image), or record a reviewed exception.",
    examples: [
      "# npm audit report",
      "Found 2 known vulnerabilities in 1 package",
      "Total: 3 (UNKNOWN: 0, LOW: 0, MEDIUM: 1, HIGH: 1, CRITICAL: 1)",
      "\t* discovered vulnerabilities at or above the severity threshold",
      "error: 2 vulnerabilities found!",
    ],
  },
  {
    id: "security/secret-leak",
    category: "security_scan",
    transient: false,
    confidence: 0.9,
    keywords: [
      "leaks found",
      "verified result",
      "secrets found",
      "secret found",
      "secrets detected",
      "secret detected",
      "leak found",
      "leaks detected",
      "leak detected",
    ],
    patterns: [
      /leaks found: [1-9]\d*|\bWRN\b.*leaks found/,
      /Found verified result/,
      /\b[1-9]\d* (?:secrets? (?:found|detected)|leaks? (?:found|detected))/i,
    ],
    explanation:
      "A secret scanner (gitleaks, trufflehog) found credentials in the code or history.",
    remedy: "Revoke and rotate the exposed secret first, then remove it from the code and history.",
    examples: ["WRN leaks found: 2", "Found verified result 🐷🔑"],
  },
  {
    id: "security/code-scanning",
    category: "security_scan",
    transient: false,
    confidence: 0.75,
    keywords: [
      ">> issue: [b",
      "check: ckv",
      "failed for resource",
      "codeql",
      "code scanning found",
    ],
    patterns: [
      /^>> Issue: \[B\d{3}:\w+\]/,
      /Check: CKV\d?_[A-Z0-9_]+: .*|FAILED for resource: \S+/,
      /CodeQL (?:found|reported) \d+ (?:alerts?|results?)|Code scanning found \d+ alerts?/,
    ],
    explanation: "A static security scanner (CodeQL, Bandit, Checkov) reported findings.",
    remedy: "Review the findings; fix them or dismiss false positives with a justification.",
    examples: [
      ">> Issue: [B602:subprocess_popen_with_shell_equals_true] subprocess call with shell=True identified, security issue.",
      'Check: CKV_AWS_20: "S3 Bucket has an ACL defined which allows public READ access."',
    ],
  },
];
