import { describe, expect, it } from "vitest";
import type { Category } from "../../src/diagnosis/categories.ts";
import { diagnoseText } from "../../src/diagnosis/diagnose.ts";

// Wraps tool output the way a GitHub Actions job log does: one failing step, then cleanup.
const job = (command: string, output: string, exitCode = 1) =>
  [
    "##[group]Run actions/checkout@v4",
    "Syncing repository: acme/app",
    "##[endgroup]",
    `##[group]Run ${command}`,
    command,
    "shell: /usr/bin/bash -e {0}",
    "##[endgroup]",
    ...output.trim().split("\n"),
    `##[error]Process completed with exit code ${exitCode}.`,
    "Post job cleanup.",
    "[command]/usr/bin/git version",
  ]
    .map((line, i) => `2026-11-20T10:15:${String(i % 60).padStart(2, "0")}.1234567Z ${line}`)
    .join("\n");

type Case = { log: string; category: Category; transient?: boolean; line: string };

const families: Record<string, Record<string, Case>> = {
  "Node.js package managers": {
    "an npm peer-dependency conflict": {
      log: job(
        "npm ci",
        `npm error code ERESOLVE
npm error ERESOLVE could not resolve
npm error While resolving: eslint-plugin-react@7.33.0
npm error Found: eslint@9.1.0`,
      ),
      category: "dependency_resolution",
      line: "npm error code ERESOLVE",
    },
    "a lockfile out of sync": {
      log: job(
        "npm ci",
        "npm error `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.\nnpm error Missing: left-pad@1.3.0 from lock file",
      ),
      category: "dependency_resolution",
      line: "are in sync",
    },
    "a package missing from the registry": {
      log: job(
        "pnpm install",
        " ERR_PNPM_FETCH_404  GET https://registry.npmjs.org/@acme%2Fmissing: Not Found - 404\nThis error happened while installing a direct dependency of /home/runner/work/app/app",
      ),
      category: "dependency_missing",
      line: "ERR_PNPM_FETCH_404",
    },
    "an import of an uninstalled package": {
      log: job(
        "node scripts/build.js",
        `node:internal/modules/cjs/loader:1228
  throw err;
  ^

Error: Cannot find module 'esbuild'
Require stack:
- /home/runner/work/app/app/scripts/build.js`,
      ),
      category: "dependency_missing",
      line: "Error: Cannot find module 'esbuild'",
    },
    "a registry that times out": {
      log: job(
        "yarn install --frozen-lockfile",
        `info There appears to be trouble with your network connection. Retrying...
error An unexpected error occurred: "https://registry.yarnpkg.com/react/-/react-18.2.0.tgz: ESOCKETTIMEDOUT".`,
      ),
      category: "network_transient",
      transient: true,
      line: "ESOCKETTIMEDOUT",
    },
  },
  TypeScript: {
    "a type error from tsc": {
      log: job(
        "npx tsc --noEmit",
        "src/cart.ts(42,7): error TS2322: Type 'string' is not assignable to type 'number'.\nFound 1 error in src/cart.ts:42",
        2,
      ),
      category: "type_error",
      line: "error TS2322",
    },
    "a TypeScript file that does not parse": {
      log: job("npx tsc", "src/a.ts:3:14 - error TS1005: ',' expected.", 2),
      category: "syntax_error",
      line: "TS1005",
    },
  },
  "JavaScript tests": {
    "a failing Jest test": {
      log: job(
        "npx jest",
        `FAIL src/cart.test.ts
  ● Cart › applies the discount

    expect(received).toBe(expected) // Object.is equality

    Expected: 90
    Received: 100

Tests:       1 failed, 41 passed, 42 total`,
      ),
      category: "test_failure",
      line: "● Cart › applies the discount",
    },
    "a failing Mocha test": {
      log: job(
        "npx mocha",
        `  12 passing (2s)
  1 failing

  1) Invoice
       totals lines:
     AssertionError: expected 3 to equal 4
      at Context.<anonymous> (test/invoice.test.js:12:20)`,
      ),
      category: "test_failure",
      line: "AssertionError: expected 3 to equal 4",
    },
    "a test that timed out alone": {
      log: job(
        "npx jest",
        `  ● Uploads › resumes an interrupted upload

    thrown: "Exceeded timeout of 5000 ms for a test.
    Add a timeout value to this test to increase the timeout, if this is a long-running test."

Tests:       1 failed, 211 passed, 212 total`,
      ),
      category: "flaky_test",
      transient: true,
      line: "Exceeded timeout of 5000 ms",
    },
  },
  Linters: {
    "ESLint errors": {
      log: job(
        "npx eslint .",
        `/home/runner/work/app/app/src/a.ts
  3:10  error  'unused' is defined but never used  @typescript-eslint/no-unused-vars

✖ 1 problem (1 error, 0 warnings)`,
      ),
      category: "lint_format",
      line: "'unused' is defined but never used",
    },
    "Prettier differences": {
      log: job(
        "npx prettier --check .",
        "Checking formatting...\n[warn] src/a.ts\n[warn] Code style issues found in the above file. Run Prettier with --write to fix.",
      ),
      category: "lint_format",
      line: "Code style issues found",
    },
    "Ruff findings": {
      log: job(
        "ruff check .",
        "app/main.py:1:8: F401 [*] `os` imported but unused\nFound 1 error.\n[*] 1 fixable with the `--fix` option.",
      ),
      category: "lint_format",
      line: "F401",
    },
    "Black reformatting": {
      log: job(
        "black --check .",
        "would reformat app/main.py\n\nOh no! 💥 💔 💥\n1 file would be reformatted, 12 files would be left unchanged.",
      ),
      category: "lint_format",
      line: "would reformat app/main.py",
    },
  },
  Python: {
    "a missing module in pytest collection": {
      log: job(
        "pytest",
        `==================================== ERRORS ====================================
________________________ ERROR collecting tests/test_io.py ________________________
ImportError while importing test module '/home/runner/work/app/app/tests/test_io.py'.
tests/test_io.py:3: in <module>
    import yaml
E   ModuleNotFoundError: No module named 'yaml'
!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!`,
        2,
      ),
      category: "dependency_missing",
      line: "No module named 'yaml'",
    },
    "a failing pytest assertion": {
      log: job(
        "pytest",
        `________________________________ test_total ________________________________

    def test_total():
>       assert total([1, 2]) == 4
E       assert 3 == 4

tests/test_cart.py:5: AssertionError
=========================== short test summary info ============================
FAILED tests/test_cart.py::test_total - assert 3 == 4
========================= 1 failed, 20 passed in 0.52s =========================`,
      ),
      category: "test_failure",
      line: "E       assert 3 == 4",
    },
    "a pip version conflict": {
      log: job(
        "pip install -r requirements.txt",
        `ERROR: Cannot install -r requirements.txt (line 2) and requests==2.20.0 because these package versions have conflicting dependencies.

The conflict is caused by:
    The user requested requests==2.20.0
    httpx 0.27.0 depends on requests>=2.31

ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts`,
      ),
      category: "dependency_resolution",
      line: "conflicting dependencies",
    },
    "a mypy error": {
      log: job(
        "mypy app",
        'app/models.py:12: error: Incompatible return value type (got "str", expected "int")  [return-value]\nFound 1 error in 1 file (checked 8 source files)',
      ),
      category: "type_error",
      line: "Incompatible return value type",
    },
    "a syntax error": {
      log: job(
        "python app/main.py",
        `  File "/home/runner/work/app/app/app/main.py", line 7
    print("hello"
         ^
SyntaxError: '(' was never closed`,
      ),
      category: "syntax_error",
      line: "SyntaxError: '(' was never closed",
    },
  },
  JVM: {
    "a javac error through Maven": {
      log: job(
        "mvn -B verify",
        `[INFO] BUILD FAILURE
[ERROR] COMPILATION ERROR :
[ERROR] /home/runner/work/app/app/src/main/java/com/acme/Order.java:[33,17] cannot find symbol
  symbol:   method total()
[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.13.0:compile (default-compile) on project app: Compilation failure`,
      ),
      category: "compile_error",
      line: "Order.java:[33,17] cannot find symbol",
    },
    "failing JUnit tests through Maven": {
      log: job(
        "mvn -B test",
        `[ERROR] Tests run: 12, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.2 s <<< FAILURE! -- in com.acme.OrderTest
[ERROR] com.acme.OrderTest.total -- Time elapsed: 0.01 s <<< FAILURE!
[ERROR] Failures:
[ERROR]   OrderTest.total:21 expected: <110> but was: <100>
[ERROR] Tests run: 12, Failures: 1, Errors: 0, Skipped: 0`,
      ),
      category: "test_failure",
      line: "OrderTest.total:21 expected: <110> but was: <100>",
    },
    "a missing Gradle dependency": {
      log: job(
        "./gradlew build",
        `FAILURE: Build failed with an exception.

* What went wrong:
Execution failed for task ':app:compileJava'.
> Could not resolve all files for configuration ':app:compileClasspath'.
   > Could not find com.acme:widgets:9.9.9.`,
      ),
      category: "dependency_missing",
      line: "Could not find com.acme:widgets:9.9.9",
    },
  },
  ".NET": {
    "a C# compiler error": {
      log: job(
        "dotnet build",
        "/src/App/Program.cs(12,9): error CS0103: The name 'Foo' does not exist in the current context [/src/App/App.csproj]\nBuild FAILED.",
      ),
      category: "compile_error",
      line: "error CS0103",
    },
    "a NuGet downgrade": {
      log: job(
        "dotnet restore",
        "/src/App/App.csproj : error NU1605: Detected package downgrade: Serilog from 3.1.1 to 2.12.0.",
      ),
      category: "dependency_resolution",
      line: "NU1605",
    },
  },
  Go: {
    "a compile error": {
      log: job(
        "go test ./...",
        "# github.com/acme/app/store\nstore/store.go:41:9: undefined: newCache\nFAIL\tgithub.com/acme/app/store [build failed]",
      ),
      category: "compile_error",
      line: "store/store.go:41:9: undefined: newCache",
    },
    "a failing test": {
      log: job(
        "go test ./...",
        "--- FAIL: TestTotal (0.00s)\n    cart_test.go:14: got 3, want 4\nFAIL\nFAIL\tgithub.com/acme/app/cart\t0.004s",
      ),
      category: "test_failure",
      line: "--- FAIL: TestTotal",
    },
    "a stale go.sum": {
      log: job(
        "go build ./...",
        "main.go:5:2: missing go.sum entry for module providing package github.com/spf13/cobra (imported by github.com/acme/app); to add:\n\tgo get github.com/acme/app",
      ),
      category: "dependency_resolution",
      line: "missing go.sum entry",
    },
  },
  Rust: {
    "a compile error": {
      log: job(
        "cargo build",
        'error[E0425]: cannot find value `totl` in this scope\n  --> src/main.rs:4:20\n   |\nerror: could not compile `app` (bin "app") due to 1 previous error',
        101,
      ),
      category: "compile_error",
      line: "error[E0425]",
    },
    "a clippy denial": {
      log: job(
        "cargo clippy -- -D warnings",
        "error: this `if` has identical blocks\n  --> src/lib.rs:10:5\n   = help: for further information visit https://rust-lang.github.io/rust-clippy/master/index.html#if_same_then_else\n   = note: `-D clippy::if-same-then-else` implied by `-D warnings`",
        101,
      ),
      category: "lint_format",
      line: "implied by `-D warnings`",
    },
  },
  "C and C++": {
    "a gcc error": {
      log: job(
        "make",
        "gcc -O2 -c src/net.c -o build/net.o\nsrc/net.c:88:12: error: 'sock' undeclared (first use in this function)\nmake: *** [Makefile:14: build/net.o] Error 1",
        2,
      ),
      category: "compile_error",
      line: "src/net.c:88:12: error: 'sock' undeclared",
    },
    "a missing header": {
      log: job(
        "make",
        "src/tls.c:2:10: fatal error: openssl/ssl.h: No such file or directory\ncompilation terminated.\nmake: *** [Makefile:9: tls.o] Error 1",
        2,
      ),
      category: "dependency_missing",
      line: "openssl/ssl.h: No such file or directory",
    },
    "a missing CMake package": {
      log: job(
        "cmake -B build",
        `CMake Error at CMakeLists.txt:8 (find_package):
  By not providing "FindFmt.cmake" in CMAKE_MODULE_PATH this project has
  asked CMake to find a package configuration file provided by "Fmt", but
  CMake did not find one.
-- Configuring incomplete, errors occurred!`,
      ),
      category: "dependency_missing",
      line: "By not providing",
    },
  },
  "Containers and deployment": {
    "a COPY of a missing file in a Docker build": {
      log: job(
        "docker build .",
        'ERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref 8f0::ab: "/dist": not found',
      ),
      category: "docker_build",
      line: "failed to compute cache key",
    },
    "an image pull back-off": {
      log: job(
        "kubectl rollout status deploy/web",
        'Waiting for deployment "web" rollout to finish: 0 of 1 updated replicas are available...\nweb-7d9c5f9b8d-x2x8q   0/1     ImagePullBackOff   0          2m\nerror: deployment "web" exceeded its progress deadline',
      ),
      category: "infra_k8s",
      line: "ImagePullBackOff",
    },
    "a Helm upgrade timeout": {
      log: job(
        "helm upgrade --install web ./chart --wait",
        "Error: UPGRADE FAILED: timed out waiting for the condition",
      ),
      category: "infra_k8s",
      line: "UPGRADE FAILED",
    },
    "an invalid Terraform configuration": {
      log: job(
        "terraform plan",
        '│ Error: Unsupported argument\n│\n│   on main.tf line 12, in resource "aws_s3_bucket" "logs":\n│   12:   acl_name = "private"',
      ),
      category: "config_invalid",
      line: "Error: Unsupported argument",
    },
  },
  Ruby: {
    "a Bundler resolution failure": {
      log: job(
        "bundle install",
        'Bundler could not find compatible versions for gem "rack":\n  In Gemfile:\n    rails (~> 7.1) was resolved to 7.1.3, which depends on\n      rack (>= 2.2.4)',
      ),
      category: "dependency_resolution",
      line: "Bundler could not find compatible versions",
    },
    "a failing RSpec example": {
      log: job(
        "bundle exec rspec",
        "Failures:\n\n  1) Order#total sums lines\n     Failure/Error: expect(order.total).to eq(4)\n\nFinished in 0.1 seconds\n3 examples, 1 failure\n\nrspec ./spec/order_spec.rb:5 # Order#total sums lines",
      ),
      category: "test_failure",
      line: "Failure/Error",
    },
  },
  "The runner and the network": {
    "a full disk": {
      log: job(
        "docker build .",
        "ERROR: failed to solve: write /var/lib/docker/tmp/x: no space left on device",
      ),
      category: "disk_full",
      line: "no space left on device",
    },
    "a process killed for memory": {
      log: job(
        "python train.py",
        "epoch 1/3\n/home/runner/work/_temp/1f2e.sh: line 1:  2211 Killed                  python train.py",
        137,
      ),
      category: "oom_killed",
      line: "Killed",
    },
    "a JavaScript heap exhaustion": {
      log: job(
        "npm run build",
        "<--- Last few GCs --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        134,
      ),
      category: "oom_killed",
      line: "JavaScript heap out of memory",
    },
    "a step time limit": {
      log: [
        "2026-11-20T10:00:00.0000000Z ##[group]Run npm test",
        "2026-11-20T10:00:01.0000000Z running…",
        "2026-11-20T11:00:00.0000000Z ##[error]The action 'Run tests' has timed out after 60 minutes.",
      ].join("\n"),
      category: "timeout",
      transient: false,
      line: "has timed out after 60 minutes",
    },
    "a runner that was shut down": {
      log: "2026-11-20T10:00:00.0000000Z ##[error]The runner has received a shutdown signal. This can happen when the runner service is stopped, or a manually started runner is canceled.",
      category: "unknown",
      transient: true,
      line: "shutdown signal",
    },
    "a DNS failure during checkout": {
      log: job(
        "git clone https://github.com/acme/lib",
        "Cloning into 'lib'...\nfatal: unable to access 'https://github.com/acme/lib/': Could not resolve host: github.com",
        128,
      ),
      category: "network_transient",
      transient: true,
      line: "Could not resolve host: github.com",
    },
    "a registry answering 503": {
      log: job(
        "npm ci",
        "npm error code E503\nnpm error 503 Service Unavailable - GET https://registry.npmjs.org/react",
      ),
      category: "network_transient",
      transient: true,
      line: "E503",
    },
    "the GitHub API rate limit": {
      log: job(
        "gh release view",
        "HTTP 403: API rate limit exceeded for installation ID 1234. (https://api.github.com/repos/acme/app/releases/latest)",
      ),
      category: "rate_limited",
      transient: true,
      line: "API rate limit exceeded",
    },
    "Docker Hub's pull limit": {
      log: job(
        "docker pull node:20",
        "Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit",
      ),
      category: "rate_limited",
      transient: true,
      line: "toomanyrequests",
    },
  },
  "Credentials and configuration": {
    "a token without permission": {
      log: job(
        "gh pr comment 1 --body hi",
        "GraphQL: Resource not accessible by integration (addComment)",
      ),
      category: "permission_auth",
      line: "Resource not accessible by integration",
    },
    "missing AWS credentials": {
      log: job(
        "aws s3 cp dist s3://bucket --recursive",
        "upload failed: dist/index.html to s3://bucket/index.html Unable to locate credentials",
      ),
      category: "permission_auth",
      line: "Unable to locate credentials",
    },
    "an SSH key that is refused": {
      log: job(
        "git clone git@github.com:acme/private.git",
        "Cloning into 'private'...\ngit@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.",
        128,
      ),
      category: "permission_auth",
      line: "Permission denied (publickey)",
    },
    "an invalid workflow": {
      log: "2026-11-20T10:00:00.0000000Z ##[error]The workflow is not valid. .github/workflows/ci.yml (Line: 12, Col: 5): Unexpected value 'run_on'",
      category: "config_invalid",
      line: "Unexpected value 'run_on'",
    },
    "a JDK too old for the target": {
      log: job(
        "mvn -B package",
        "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.11.0:compile (default-compile) on project app: Fatal error compiling: error: invalid target release: 21 -> [Help 1]",
      ),
      category: "config_invalid",
      line: "invalid target release: 21",
    },
  },
  "Security scanners": {
    "Trivy findings": {
      log: job(
        "trivy image app:latest --exit-code 1",
        "app:latest (debian 12.5)\nTotal: 3 (UNKNOWN: 0, LOW: 0, MEDIUM: 1, HIGH: 1, CRITICAL: 1)",
      ),
      category: "security_scan",
      line: "CRITICAL: 1",
    },
    "leaked secrets": {
      log: job("gitleaks detect", "10:15AM INF 42 commits scanned.\n10:15AM WRN leaks found: 1"),
      category: "security_scan",
      line: "leaks found: 1",
    },
  },
};

describe("diagnoseText on each family of failures", () => {
  for (const [family, cases] of Object.entries(families)) {
    describe(family, () => {
      for (const [name, c] of Object.entries(cases)) {
        it(`recognises ${name}`, () => {
          const diagnosis = diagnoseText(c.log);
          expect(diagnosis.category).toBe(c.category);
          expect(diagnosis.transient).toBe(c.transient ?? false);
          expect(diagnosis.errorLine).toContain(c.line);
          expect(diagnosis.ruleId).not.toBeNull();
        });
      }
    });
  }
});
