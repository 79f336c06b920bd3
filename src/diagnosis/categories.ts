/**
 * Every kind of failure a diagnosis can name. The list is closed: rules, memory and the LLM
 * all answer with one of these, and `unknown` is the honest answer when nothing fits.
 */
export const CATEGORIES = [
  "dependency_missing",
  "dependency_resolution",
  "compile_error",
  "type_error",
  "test_failure",
  "flaky_test",
  "lint_format",
  "timeout",
  "network_transient",
  "rate_limited",
  "oom_killed",
  "disk_full",
  "permission_auth",
  "config_invalid",
  "docker_build",
  "infra_k8s",
  "security_scan",
  "syntax_error",
  "runtime_error",
  "unknown",
] as const;

/** One of {@link CATEGORIES}. */
export type Category = (typeof CATEGORIES)[number];

/** Short human wording of each category, used at the start of a diagnosis summary. */
export const CATEGORY_LABELS: Record<Category, string> = {
  dependency_missing: "Missing dependency",
  dependency_resolution: "Dependency resolution failed",
  compile_error: "Compilation failed",
  type_error: "Type check failed",
  test_failure: "Tests failed",
  flaky_test: "Flaky test",
  lint_format: "Lint or formatting check failed",
  timeout: "Timed out",
  network_transient: "Network failure",
  rate_limited: "Rate limited",
  oom_killed: "Out of memory",
  disk_full: "Disk full",
  permission_auth: "Permission or credentials problem",
  config_invalid: "Invalid configuration",
  docker_build: "Docker build failed",
  infra_k8s: "Kubernetes or Helm deployment failed",
  security_scan: "Security scan failed",
  syntax_error: "Syntax error",
  runtime_error: "Runtime crash",
  unknown: "Unrecognised failure",
};
