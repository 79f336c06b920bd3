import type { Rule } from "../rule.ts";

/**
 * JavaScript test runners (Jest, Vitest, Mocha, Karma, Playwright), TAP, generic assertions;
 * and the explicit signs that a test is flaky rather than broken.
 */
export const TEST_RULES: readonly Rule[] = [
  {
    id: "flaky/explicit",
    category: "flaky_test",
    transient: true,
    confidence: 0.72,
    keywords: [
      "flaky",
      "flakes: ",
      "failed and then succeeded",
      "passed on retry",
      "passed on rerun",
      "succeeded on retry",
    ],
    patterns: [
      /\[flaky\]|marked as flaky|\bflaky tests? (?:detected|found)|Flaky Test Report/i,
      /\bFLAKY\b|^\s*\d+ flaky$/,
      /failed and then succeeded|passed on (?:retry|rerun)|succeeded on retry/i,
      /Flakes: [1-9]\d*/,
    ],
    explanation: "A test failed and then passed when retried: it is flaky.",
    remedy: "Rerun the job, and open an issue to stabilise or quarantine the flaky test.",
    examples: [
      "The following tests failed and then succeeded when run in a new process['test/test_x.py::T::test_y']",
      "  1 flaky",
      "[WARNING] Tests run: 220, Failures: 0, Errors: 0, Skipped: 0, Flakes: 1",
    ],
  },
  {
    id: "flaky/test-timeout",
    category: "flaky_test",
    transient: true,
    confidence: 0.86,
    keywords: ["exceeded timeout", "timeout of", "timeout - async", "timeout >"],
    patterns: [
      /Exceeded timeout of \d+ ?ms for a (?:test|hook)/,
      /Timeout of \d+ms exceeded\. For async tests/,
      /Error: Timeout - Async (?:function|callback) did not complete within/,
      /Failed: Timeout >[\d.]+s/,
    ],
    explanation:
      "A single test ran past its time limit, a common sign of a timing-dependent (flaky) test.",
    remedy:
      "Rerun to confirm; then make the test wait on a condition instead of time, or raise its timeout.",
    examples: [
      'thrown: "Exceeded timeout of 5000 ms for a test.',
      'Error: Timeout of 2000ms exceeded. For async tests and hooks, ensure "done()" is called; if returning a Promise, ensure it resolves.',
      "E       Failed: Timeout >30.0s",
    ],
  },
  {
    id: "js/failed-test",
    category: "test_failure",
    transient: false,
    confidence: 0.82,
    keywords: ["●", "fail ", "not ok", "› "],
    patterns: [
      /^\s*● (?!Console$|Validation |Test suite failed to run)\S.*$/,
      /^\s*FAIL\s+\S+\.[cm]?[jt]sx? > /,
      /^not ok \d+ /,
      /^\s+\d+\) \[[\w -]+\] › \S+:\d+:\d+ › /,
      /Executed \d+ of \d+ \(\d+ FAILED\)|\) .+ FAILED$/,
    ],
    explanation: "JavaScript tests failed.",
    remedy: "Reproduce the failing test locally; the line names it.",
    examples: [
      "  ● UserService › creates a user",
      " FAIL  src/cart.test.ts > Cart > applies discounts",
      "not ok 3 - parses empty input",
      "  1) [chromium] › tests/login.spec.ts:12:5 › logs in",
    ],
  },
  {
    // Runners print a mark beside each failing test as it runs; the assertion that explains
    // it comes later, and is the better quote when the log has it.
    id: "js/failed-test-mark",
    category: "test_failure",
    transient: false,
    confidence: 0.72,
    keywords: ["✕", "×", "✖"],
    patterns: [/^\s*[✕×✖] (?!\d+ problems?)\S/],
    explanation: "JavaScript tests failed.",
    remedy: "Reproduce the failing test locally; the line names it.",
    examples: [
      "    ✕ renders the header (12 ms)",
      " × returns the total 8ms",
      "✖ parses dates (1.2ms)",
    ],
  },
  {
    id: "js/suite-failed",
    category: "test_failure",
    transient: false,
    confidence: 0.5,
    keywords: ["test suite failed to run"],
    patterns: [/● Test suite failed to run/],
    detailBelow: true,
    explanation: "A test file could not even be loaded.",
    remedy: "Read the error below: usually an import, syntax or configuration problem.",
    examples: ["  ● Test suite failed to run"],
  },
  {
    id: "js/test-summary",
    category: "test_failure",
    transient: false,
    confidence: 0.5,
    keywords: ["failed", "failing"],
    patterns: [
      /^Tests:\s+[1-9]\d* failed/,
      /^Test Suites:\s+[1-9]\d* failed/,
      /^\s*Test Files\s+[1-9]\d* failed/,
      /^\s*Tests\s+[1-9]\d* failed/,
      /^\s*[1-9]\d* failing$/,
      /^\s+[1-9]\d* failed$/,
    ],
    symptom: true,
    explanation: "JavaScript tests failed.",
    remedy: "Look for the first failing test above this summary.",
    examples: [
      "Tests:       2 failed, 118 passed, 120 total",
      "  3 failing",
      " Test Files  1 failed | 12 passed (13)",
    ],
  },
  {
    id: "test/assertion",
    category: "test_failure",
    transient: false,
    confidence: 0.78,
    keywords: ["assertionerror", "assertionfailederror", "but was", "expected", "assertion failed"],
    patterns: [
      /\bAssertion(?:Failed)?Error\b/,
      /expected:? ?<[^>]*> but was:? ?<[^>]*>/,
      /^\s*Expected(?: value)?:? .+(?:Received|but got|to (?:be|equal))/,
      /\bassertion failed\b/i,
    ],
    explanation: "A test assertion failed.",
    remedy: "Reproduce the failing test locally.",
    examples: [
      "AssertionError: expected 3 to equal 4",
      "org.opentest4j.AssertionFailedError: expected: <true> but was: <false>",
      "assertion failed: `(left == right)`",
    ],
  },
];
