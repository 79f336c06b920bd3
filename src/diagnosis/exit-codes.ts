import type { Rule } from "./rule.ts";

const exitRule = (
  code: number,
  rule: Omit<Rule, "id" | "keywords" | "patterns" | "examples">,
): Rule => ({
  id: `exit-code/${code}`,
  keywords: [],
  patterns: [],
  examples: [],
  ...rule,
});

/**
 * What a step's exit code says on its own. Weak evidence, used when no line of the log
 * says more: a specific rule always outranks these. By shell convention 128+N means the
 * process died of signal N.
 */
export const EXIT_CODE_RULES: ReadonlyMap<number, Rule> = new Map([
  [
    137,
    exitRule(137, {
      category: "oom_killed",
      transient: false,
      confidence: 0.6,
      explanation:
        "The process was killed with SIGKILL (exit code 137), usually by the out-of-memory killer.",
      remedy: "Reduce the memory the step needs or use a larger runner.",
    }),
  ],
  [
    124,
    exitRule(124, {
      category: "timeout",
      transient: false,
      confidence: 0.75,
      explanation: "The command was stopped by `timeout` (exit code 124).",
      remedy:
        "Find what is slow or hanging, or raise the time limit if the work legitimately takes longer.",
    }),
  ],
  [
    143,
    exitRule(143, {
      category: "timeout",
      transient: false,
      confidence: 0.45,
      explanation:
        "The process was terminated with SIGTERM (exit code 143), usually a cancellation or time limit.",
      remedy: "Check whether the job was cancelled or hit its time limit.",
    }),
  ],
  [
    127,
    exitRule(127, {
      category: "dependency_missing",
      transient: false,
      confidence: 0.45,
      explanation: "A command was not found (exit code 127).",
      remedy: "Install the tool in an earlier step, or fix the command name or PATH.",
    }),
  ],
  [
    126,
    exitRule(126, {
      category: "permission_auth",
      transient: false,
      confidence: 0.4,
      explanation:
        "A command could not be executed (exit code 126), usually a script without the executable bit.",
      remedy: "Make the script executable (`git update-index --chmod=+x <file>`).",
    }),
  ],
  [
    139,
    exitRule(139, {
      category: "runtime_error",
      transient: false,
      confidence: 0.65,
      explanation: "The process crashed with a segmentation fault (exit code 139).",
      remedy: "Reproduce under a debugger or sanitizer; native code is at fault.",
    }),
  ],
  [
    134,
    exitRule(134, {
      category: "runtime_error",
      transient: false,
      confidence: 0.55,
      explanation:
        "The process aborted (SIGABRT, exit code 134), e.g. a failed assertion in native code.",
      remedy: "Read the last messages before the abort.",
    }),
  ],
  [
    135,
    exitRule(135, {
      category: "runtime_error",
      transient: false,
      confidence: 0.55,
      explanation: "The process crashed with a bus error (SIGBUS, exit code 135).",
      remedy: "Reproduce locally; memory-mapped files and unaligned access are common causes.",
    }),
  ],
]);
