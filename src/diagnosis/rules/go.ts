import type { Rule } from "../rule.ts";

// golangci-lint appends the linter's name to each finding; the compiler does not.
const LINTERS =
  "errcheck|govet|staticcheck|unused|gosimple|ineffassign|revive|gofmt|gofumpt|goimports|misspell|lll|gocritic|stylecheck|gosec|dupl|goconst|gocyclo|unparam|nakedret|prealloc|bodyclose|noctx|godot|whitespace|wsl|nolintlint|errorlint|exhaustive|forcetypeassert|predeclared|usestdlibvars";

/** Go: the compiler, modules, `go test`, and linters. */
export const GO_RULES: readonly Rule[] = [
  {
    id: "go/lint",
    category: "lint_format",
    transient: false,
    confidence: 0.88,
    keywords: [".go:", "`-ed"],
    patterns: [
      new RegExp(`\\.go:\\d+(?::\\d+)?: .* \\((?:${LINTERS})\\)$`),
      /File is not `(?:gofmt|gofumpt|goimports)`-ed/,
    ],
    explanation: "A Go linter (golangci-lint, gofmt) reported problems.",
    remedy: "Fix the findings or run `gofmt -w` / `golangci-lint run --fix` locally.",
    examples: [
      "internal/api/server.go:88:12: Error return value of `w.Write` is not checked (errcheck)",
    ],
  },
  {
    id: "go/compile-error",
    category: "compile_error",
    transient: false,
    confidence: 0.82,
    keywords: [".go:", "build failed", "setup failed"],
    patterns: [
      new RegExp(`^(?:\\.{1,2}/)?[\\w./@-]*\\.go:\\d+(?::\\d+)?: (?!.*\\((?:${LINTERS})\\)$)`),
      /^FAIL\s+\S+ \[(?:build|setup) failed\]/,
    ],
    explanation: "The Go code does not compile.",
    remedy: "Fix the compile error at the reported file and line.",
    examples: [
      "./main.go:12:2: undefined: fooBar",
      "pkg/store/store_test.go:4: log redeclared as imported package name",
      "FAIL\tgithub.com/acme/app/pkg/store [build failed]",
    ],
  },
  {
    id: "go/failed-test",
    category: "test_failure",
    transient: false,
    confidence: 0.8,
    keywords: ["--- fail", "_test.go:"],
    patterns: [/^\s*--- FAIL: \S+/, /^\s+\S+_test\.go:\d+: /],
    explanation: "Go tests failed.",
    remedy: "Reproduce with `go test -run <TestName>` locally.",
    examples: ["--- FAIL: TestCreateOrder (0.01s)", "    order_test.go:42: got 100, want 110"],
  },
  {
    id: "go/test-timeout",
    category: "timeout",
    transient: false,
    confidence: 0.75,
    keywords: ["test timed out"],
    patterns: [/panic: test timed out after \S+/],
    explanation: "A Go test binary exceeded its `-timeout` (a test hung).",
    remedy:
      "Find the hanging test in the goroutine dump below; raise `-timeout` only if the tests are legitimately slow.",
    examples: ["panic: test timed out after 10m0s"],
  },
  {
    id: "go/module-resolution",
    category: "dependency_resolution",
    transient: false,
    confidence: 0.9,
    keywords: ["go.sum entry", "updates to go.mod", "inconsistent vendoring", "checksum mismatch"],
    patterns: [
      /missing go\.sum entry/,
      /go: updates to go\.mod needed/,
      /inconsistent vendoring/,
      /verifying \S+: checksum mismatch/,
    ],
    explanation: "go.mod/go.sum are out of date or inconsistent with the code.",
    remedy: "Run `go mod tidy` (and `go mod vendor` if vendoring) locally and commit the result.",
    examples: [
      "main.go:5:2: missing go.sum entry for module providing package github.com/spf13/cobra (imported by example.com/app); to add:",
      "go: updates to go.mod needed; to update it:",
    ],
  },
  {
    id: "go/module-missing",
    category: "dependency_missing",
    transient: false,
    confidence: 0.88,
    keywords: [
      "provides package",
      "cannot find package",
      "providing package",
      "does not contain package",
      "unknown revision",
    ],
    patterns: [
      /no required module provides package \S+/,
      /cannot find package "[^"]+" in any of/,
      /cannot find module providing package \S+/,
      /module \S+ found \(.*\), but does not contain package/,
      /unknown revision \S+/,
    ],
    explanation: "A Go package the code imports is not in any required module.",
    remedy: "Add the module with `go get`, or fix the import path or version.",
    examples: [
      "cmd/main.go:7:2: no required module provides package github.com/acme/missing; to add it:",
    ],
  },
  {
    id: "go/panic",
    category: "runtime_error",
    transient: false,
    confidence: 0.65,
    keywords: ["panic: "],
    patterns: [/^panic: (?!test timed out)/],
    explanation: "A Go program panicked.",
    remedy: "Read the goroutine trace below the panic for the failing call.",
    examples: ["panic: runtime error: invalid memory address or nil pointer dereference"],
  },
];
