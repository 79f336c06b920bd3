import type { Rule } from "./rule.ts";
import { ACCESS_RULES } from "./rules/access.ts";
import { CONFIG_RULES } from "./rules/config.ts";
import { CONTAINER_RULES } from "./rules/containers.ts";
import { DOTNET_RULES } from "./rules/dotnet.ts";
import { GENERIC_RULES } from "./rules/generic.ts";
import { GO_RULES } from "./rules/go.ts";
import { JAVASCRIPT_RULES } from "./rules/javascript.ts";
import { JVM_RULES } from "./rules/jvm.ts";
import { LINT_RULES } from "./rules/lint.ts";
import { NATIVE_RULES } from "./rules/native.ts";
import { NETWORK_RULES } from "./rules/network.ts";
import { PYTHON_RULES } from "./rules/python.ts";
import { RUBY_PHP_RULES } from "./rules/ruby-php.ts";
import { RUNNER_RULES } from "./rules/runner.ts";
import { RUST_RULES } from "./rules/rust.ts";
import { SECURITY_RULES } from "./rules/security.ts";
import { TEST_RULES } from "./rules/tests.ts";

export type { Rule } from "./rule.ts";

/**
 * The catalogue of known failure signatures, in priority order: when two rules are equally
 * sure, the earlier one wins. Failures of the machine and the network come first because
 * they explain everything after them; ecosystem rules follow; generic test summaries and
 * the catch-all error line come last.
 */
export const RULES: readonly Rule[] = [
  ...RUNNER_RULES,
  ...NETWORK_RULES,
  ...ACCESS_RULES,
  ...CONFIG_RULES,
  ...JAVASCRIPT_RULES,
  ...PYTHON_RULES,
  ...JVM_RULES,
  ...DOTNET_RULES,
  ...GO_RULES,
  ...RUST_RULES,
  ...NATIVE_RULES,
  ...CONTAINER_RULES,
  ...RUBY_PHP_RULES,
  ...SECURITY_RULES,
  ...LINT_RULES,
  ...TEST_RULES,
  ...GENERIC_RULES,
];

/** Rules by id. */
export const RULES_BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map((rule) => [rule.id, rule]));

/** Position of each rule in {@link RULES}: lower is higher priority. */
export const RULE_PRIORITY: ReadonlyMap<Rule, number> = new Map(RULES.map((rule, i) => [rule, i]));
