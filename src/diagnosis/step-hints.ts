import type { Category } from "./categories.ts";

/**
 * What a failing step's name suggests when no line of its log is recognised. Step names
 * are the team's own words ("Lint", "Run tests"), so this is weak evidence, tried in order.
 */
export const STEP_HINTS: readonly { pattern: RegExp; category: Category }[] = [
  {
    pattern:
      /\b(?:lint\w*|eslint|prettier|format\w*|fmt|style\w*|stylelint|rubocop|ruff|black|flake8|pylint|clippy|checkstyle|spotless|ktlint|golangci|perlcritic|codespell|shellcheck)\b|lint/i,
    category: "lint_format",
  },
  {
    pattern: /\b(?:audit|trivy|snyk|codeql|gitleaks|security|vulnerabilit\w*|scan\w*)\b/i,
    category: "security_scan",
  },
  { pattern: /\b(?:type-?check\w*|tsc|mypy|pyright|types)\b/i, category: "type_error" },
  { pattern: /\b(?:docker\w*|buildx|image)\b/i, category: "docker_build" },
  { pattern: /\b(?:helm|kubectl|k8s|kubernetes)\b/i, category: "infra_k8s" },
  {
    pattern: /\b(?:tests?|specs?|pytest|jest|vitest|mocha|rspec|junit|e2e|ctest)\b/i,
    category: "test_failure",
  },
];

/** The category a step name hints at, or null. */
export function hintFromStepName(name: string | null): Category | null {
  if (!name) return null;
  return STEP_HINTS.find((hint) => hint.pattern.test(name))?.category ?? null;
}
