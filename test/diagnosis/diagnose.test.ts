import { describe, expect, it } from "vitest";
import { diagnoseStream, diagnoseText } from "../../src/diagnosis/diagnose.ts";
import { FINGERPRINT_VERSION } from "../../src/logs/fingerprint.ts";

const stamp = (lines: string[]) =>
  lines
    .map(
      (l, i) =>
        `2026-11-20T10:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}.1234567Z ${l}`,
    )
    .join("\n");
const filler = (n: number, text = "ok") => Array.from({ length: n }, (_, i) => `${text} ${i}`);

describe("diagnose", () => {
  describe("when several lines look like errors", () => {
    it("names the first cause, not the test failures it led to", () => {
      const d = diagnoseText(
        stamp([
          "##[group]Run npm ci && npm test",
          "npm error code ERESOLVE",
          "npm error ERESOLVE could not resolve",
          ...filler(30),
          "FAIL test/app.test.js",
          "  ● Test suite failed to run",
          "    Cannot find module 'express' from 'src/app.js'",
          "Tests:       0 total",
          "##[error]Process completed with exit code 1.",
        ]),
      );
      expect(d.category).toBe("dependency_resolution");
      expect(d.errorLine).toBe("npm error code ERESOLVE");
    });

    it("names a full disk over the compile error it caused", () => {
      const d = diagnoseText(
        stamp([
          "##[group]Run make",
          "cc -c a.c -o a.o",
          "/usr/bin/ld: final link failed: No space left on device",
          "collect2: error: ld returned 1 exit status",
          "make: *** [Makefile:3: app] Error 1",
          "##[error]Process completed with exit code 2.",
        ]),
      );
      expect(d.category).toBe("disk_full");
    });

    it("ignores error annotations of an earlier step that passed", () => {
      const d = diagnoseText(
        stamp([
          "##[group]Run npm run build:types",
          "##[error]src/stories.tsx(4,26): error TS2307: Cannot find module 'lib/chart' or its corresponding type declarations.",
          "##[group]Run npm test",
          ...filler(200, "PASS src/component"),
          "FAIL src/exports.test.ts",
          "  ● core › should export everything",
          "Tests:       1 failed, 834 passed, 835 total",
          "##[error]Process completed with exit code 1.",
        ]),
      );
      expect(d.category).toBe("test_failure");
      expect(d.failedStep).toBe("npm test");
      expect(d.errorLine).toBe("  ● core › should export everything");
    });

    it("ignores a download that failed, was retried and then succeeded", () => {
      const d = diagnoseText(
        stamp([
          "##[group]Run ./gradlew build",
          "Download https://repo.maven.apache.org/x.pom: Connection reset by peer, retrying in 2s (attempt 1 of 3)",
          "Downloaded https://repo.maven.apache.org/x.pom",
          ...filler(50, "> Task :compileJava"),
          "/home/runner/work/a/a/src/main/java/A.java:3: error: cannot find symbol",
          "##[error]Process completed with exit code 1.",
        ]),
      );
      expect(d.category).toBe("compile_error");
      expect(d.transient).toBe(false);
    });

    it("looks back to an earlier step when the failing one does not explain itself", () => {
      const d = diagnoseText(
        [
          "travis_time:start:01\r$ git clone --depth 1 https://github.com/vim/vim",
          "Cloning into 'vim'...",
          "fatal: unable to access 'https://github.com/vim/vim/': Empty reply from server",
          "bash: line 3: cd: vim: No such file or directory",
          'The command "git clone --depth 1 https://github.com/vim/vim" exited with 0.',
          "travis_time:start:02\r$ test/run",
          "bash: test/run: No such file or directory",
          'The command "test/run" exited with 127.',
        ].join("\n"),
      );
      expect(d.category).toBe("network_transient");
      expect(d.transient).toBe(true);
      expect(d.errorLine).toContain("Empty reply from server");
    });
  });

  describe("when deciding whether a rerun would help", () => {
    it("prefers a strong code error to a network blip in the same step", () => {
      const d = diagnoseText(
        stamp([
          "##[group]Run make test",
          "curl: (56) Recv failure: Connection reset by peer",
          "src/a.c:3:1: error: expected ';' before '}' token",
          "##[error]Process completed with exit code 2.",
        ]),
      );
      expect(d).toMatchObject({ category: "compile_error", transient: false });
    });

    it("does not suggest a rerun when a strong code error shares the step with the network failure", () => {
      const d = diagnoseText(
        stamp([
          "##[group]Run make deps test",
          "##[error]fatal: unable to access 'https://github.com/acme/lib/': Could not resolve host: github.com",
          "src/a.c:3:1: error: expected ';' before '}' token",
          "##[error]Process completed with exit code 2.",
        ]),
      );
      expect(d).toMatchObject({ category: "network_transient", transient: false });
    });

    it("calls a test timeout flaky only when no other test failed", () => {
      const timedOut = (n: number) =>
        stamp([
          "##[group]Run npx jest",
          ...Array.from({ length: n }, (_, i) => `  ● Upload › case ${i}`),
          '    thrown: "Exceeded timeout of 5000 ms for a test.',
          `Tests:       ${n} failed, 100 passed, ${100 + n} total`,
          "##[error]Process completed with exit code 1.",
        ]);
      expect(diagnoseText(timedOut(1))).toMatchObject({ category: "flaky_test", transient: true });
      expect(diagnoseText(timedOut(5))).toMatchObject({
        category: "test_failure",
        transient: false,
      });
    });
  });

  describe("when nothing is recognised", () => {
    const log = stamp([
      "##[group]Run ./deploy.sh",
      "deploying shard 3",
      "the widget frobnicator declined",
      "##[error]Process completed with exit code 3.",
    ]);

    it("says unknown with low confidence", () => {
      const d = diagnoseText(log);
      expect(d.category).toBe("unknown");
      expect(d.ruleId).toBeNull();
      expect(d.confidence).toBeLessThanOrEqual(0.3);
      expect(d.transient).toBe(false);
    });

    it("still quotes a line and fingerprints the failure", () => {
      const d = diagnoseText(log);
      expect(d.errorLine).not.toBe("");
      expect(d.fingerprint).toMatch(/^[0-9a-f]{32}$/);
      expect(d.fingerprintVersion).toBe(FINGERPRINT_VERSION);
      expect(d.excerpt).toContain("the widget frobnicator declined");
    });

    it("quotes the last error annotation that is not the runner's exit message", () => {
      const d = diagnoseText(
        stamp([
          "##[group]Run ./deploy.sh",
          "##[error]frobnicator declined the widget",
          "##[error]Process completed with exit code 3.",
        ]),
      );
      expect(d.errorLine).toBe("##[error]frobnicator declined the widget");
    });

    it("takes a hint from the failing step's name", () => {
      const d = diagnoseText(
        stamp([
          "##[group]Run npm run lint:styles",
          "src/a.css is not pretty",
          "##[error]Process completed with exit code 1.",
        ]),
      );
      expect(d.category).toBe("lint_format");
      expect(d.ruleId).toBeNull();
      expect(d.confidence).toBeLessThan(0.5);
    });

    it("gives distinct unknown failures distinct fingerprints", () => {
      const other = log.replace("the widget frobnicator declined", "the gizmo refused to boot");
      expect(diagnoseText(other).fingerprint).not.toBe(diagnoseText(log).fingerprint);
    });
  });

  describe("with what the CI API says besides the log", () => {
    const log = stamp([
      "##[group]Run ./run.sh",
      "working",
      "##[group]Run ./other.sh",
      "working too",
    ]);

    it("reads the exit code", () => {
      expect(diagnoseText(log, { exitCode: 137 })).toMatchObject({
        category: "oom_killed",
        ruleId: "exit-code/137",
      });
      expect(diagnoseText(log, { exitCode: 124 })).toMatchObject({ category: "timeout" });
      expect(diagnoseText(log, { exitCode: 127 })).toMatchObject({
        category: "dependency_missing",
      });
    });

    it("uses the named failed step", () => {
      expect(diagnoseText(log, { failedStep: "./run.sh" }).failedStep).toBe("./run.sh");
    });

    it("classifies the check-run annotations", () => {
      const d = diagnoseText(log, {
        annotations: [
          {
            path: "src/a.ts",
            line: 3,
            message: "src/a.ts(3,1): error TS2304: Cannot find name 'x'.",
          },
        ],
      });
      expect(d.category).toBe("type_error");
      expect(d.errorLine).toContain("TS2304");
    });
  });

  describe("the diagnosis it returns", () => {
    const log = stamp([
      "##[group]Run pip install -r requirements.txt",
      "Collecting yaml",
      "export PASSWORD=hunter2hunter2",
      "ERROR: No matching distribution found for yaml==9.9 https://u:pw12345@pypi.example/simple",
      "##[error]Process completed with exit code 1.",
    ]);

    it("explains itself and suggests a fix", () => {
      const d = diagnoseText(log);
      expect(d.source).toBe("rules");
      expect(d.ruleId).toBe("pip/no-matching-distribution");
      expect(d.explanation).toBeTruthy();
      expect(d.remedy).toBeTruthy();
      expect(d.summary).toMatch(
        /^Dependency resolution failed in step "pip install -r requirements.txt": ERROR: No matching/,
      );
    });

    it("redacts secrets in the error line and the excerpt, and nothing else", () => {
      const d = diagnoseText(log);
      expect(d.errorLine).toBe(
        "ERROR: No matching distribution found for yaml==9.9 https://[REDACTED:url-credentials]@pypi.example/simple",
      );
      expect(d.excerpt).not.toContain("hunter2");
      expect(d.excerpt).not.toContain("pw12345");
    });

    it("redacts secrets in the failed step's name", () => {
      const d = diagnoseText(
        stamp([
          "##[group]Run curl -u deploy:s3cretpassw0rd https://deploy.example/x",
          "curl: (22) The requested URL returned error: 404",
          "##[error]Process completed with exit code 22.",
        ]),
      );
      expect(d.failedStep).not.toContain("s3cretpassw0rd");
      expect(d.summary).not.toContain("s3cretpassw0rd");
    });

    it("is the same from a stream as from a string", async () => {
      async function* chunks() {
        for (let i = 0; i < log.length; i += 7) yield Buffer.from(log.slice(i, i + 7));
      }
      expect(await diagnoseStream(chunks())).toEqual(diagnoseText(log));
    });

    it("is bounded for a log full of errors", () => {
      const noisy = stamp([
        "##[group]Run make",
        ...Array.from(
          { length: 20_000 },
          (_, i) => `src/f${i}.c:${i}:1: error: '${"v".repeat(i % 300)}' undeclared`,
        ),
        "##[error]Process completed with exit code 2.",
      ]);
      const d = diagnoseText(noisy);
      expect(d.category).toBe("compile_error");
      expect(d.excerpt.split("\n").length).toBeLessThanOrEqual(60);
      expect(Buffer.byteLength(d.excerpt)).toBeLessThanOrEqual(8 * 1024);
    });
  });

  describe("hostile input", () => {
    it("diagnoses an empty log as unknown", () => {
      expect(diagnoseText("")).toMatchObject({
        category: "unknown",
        errorLine: "",
        failedStep: null,
      });
    });

    it("survives binary junk and a single huge line", () => {
      const junk = String.fromCharCode(...Array.from({ length: 5000 }, (_, i) => (i * 31) % 256));
      expect(diagnoseText(junk).category).toBeDefined();
      const d = diagnoseText(`error: ${"x".repeat(10 * 1024 * 1024)}`);
      expect(d.errorLine.length).toBeLessThanOrEqual(4096);
    });
  });
});
