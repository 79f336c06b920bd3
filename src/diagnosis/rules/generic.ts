import type { Rule } from "../rule.ts";

/**
 * The last resort: a line that looks like an error without matching any known signature.
 * It never names a category; it lets the diagnosis quote the most telling line it saw.
 */
export const GENERIC_RULES: readonly Rule[] = [
  {
    id: "generic/error-line",
    category: "unknown",
    transient: false,
    confidence: 0.2,
    keywords: [
      "error",
      "fatal",
      "fail",
      "exception",
      "panic",
      "denied",
      "not found",
      "cannot",
      "unable to",
    ],
    patterns: [
      /\b(?:error|fatal|failed|failure|exception|panic|denied|not found|cannot|unable to)\b/i,
    ],
    unless: [
      /\b0 (?:errors?|failures?|failed)\b|\b(?:errors?|failures?|failed): 0\b|\bno errors?\b|without errors?/i,
      /-Werror|fail-fast|fail_fast|continue-on-error|if-no-files-found|ignore-errors|error_?log|errorformat|on_?error/i,
      /^##\[(?:error\]Process completed|warning\]|debug\])|^(?:Error: )?Process completed with exit code/,
      /^npm (?:ERR!|error) (?:code ELIFECYCLE|errno|Exit status|Failed at|This is probably|A complete log|Lifecycle script|\s*$|\s{2,}\/)/,
      /To see the full stack trace|Re-run Maven|For more information about the errors|\[Help \d\]|-> \[Help|resume the build with|mvn <args>|mvn <goals>/,
      /^(?:BUILD FAILED|BUILD FAILURE|\[INFO\] BUILD FAILURE|Finished: FAILURE|Build step '.*' marked build as failure|FAILURE: Build failed with an exception\.)/,
      /^(?:error Command failed|info Visit|ERR_PNPM_RECURSIVE|Error: Process completed|Done\. Your build exited)/,
      /make(?:\[\d+\])?: \*\*\*|exited with \d+|exit code \d+$|The command .* (?:exited|failed)/,
      /\bwarning\b|\bWARN(?:ING)?\b|\bDEBUG\b|\bdeprecat/i,
      /^\s*at [\w$.<>]+ ?\(|^\s+at [\w$.]+\(/,
    ],
    symptom: true,
    explanation: "The log shows an error CodeHealer has no rule for.",
    remedy:
      "Read the quoted line and the excerpt; if this failure recurs, teach CodeHealer a rule for it.",
    examples: ["error: something unexpected happened", "FATAL: could not start the server"],
  },
];
