import { describe, expect, it } from "vitest";
import { type LineMatch, readLog, readLogText } from "../../src/logs/read-log.ts";

// A stand-in classifier: any line with "boom" is a hit.
const boom: LineMatch = { id: "boom", confidence: 0.9 };
const classifyLine = (text: string) => (text.includes("boom") ? [boom] : []);
const read = (text: string) => readLogText(text, { classifyLine });
const ts = (i: number) => `2026-11-20T10:15:${String(i % 60).padStart(2, "0")}.1234567Z`;
const actions = (...lines: string[]) => lines.map((l, i) => `${ts(i)} ${l}`).join("\n");

describe("readLog", () => {
  describe("on a GitHub Actions log", () => {
    const log = actions(
      "Current runner version: '2.330.0'",
      "##[group]Run actions/checkout@v4",
      "Syncing repository",
      "##[endgroup]",
      "##[group]Run npm test",
      "\x1b[36;1mnpm test\x1b[0m",
      "##[endgroup]",
      "before the failure",
      "\x1b[31mboom: it broke\x1b[0m",
      "after the failure",
      "##[error]Process completed with exit code 1.",
      "##[group]Run actions/upload-artifact@v4",
      "Post job cleanup.",
    );

    it("follows the steps from their `##[group]Run` headers", () => {
      const evidence = read(log);
      expect(evidence.format).toBe("github-actions");
      expect(evidence.steps.map((s) => s.name)).toEqual([
        "",
        "actions/checkout@v4",
        "npm test",
        "actions/upload-artifact@v4",
      ]);
    });

    it("marks the step that failed, with its exit code", () => {
      const evidence = read(log);
      const failed = evidence.steps.filter((s) => s.failed);
      expect(failed.map((s) => [s.name, s.exitCode])).toEqual([["npm test", 1]]);
      expect(evidence.failure).toMatchObject({
        step: 2,
        exitCode: 1,
        inferred: false,
        line: { text: "##[error]Process completed with exit code 1." },
      });
    });

    it("keeps hits with their context, without timestamps or ANSI codes", () => {
      const [hit] = read(log).hits;
      expect(hit?.line).toEqual({ n: 9, text: "boom: it broke" });
      expect(hit?.step).toBe(2);
      expect(hit?.before.map((l) => l.text)).toEqual([
        "npm test",
        "##[endgroup]",
        "before the failure",
      ]);
      expect(hit?.after.map((l) => l.text)).toContain("after the failure");
    });

    it("keeps the lines before the failure point", () => {
      const tail = read(log).failure?.tail.map((l) => l.text) ?? [];
      expect(tail.slice(-3)).toEqual([
        "boom: it broke",
        "after the failure",
        "##[error]Process completed with exit code 1.",
      ]);
    });

    it("reads CRLF line endings and a byte-order mark", () => {
      const evidence = read(`\uFEFF${log.replaceAll("\n", "\r\n")}`);
      expect(evidence.lines).toBe(13);
      expect(evidence.hits[0]?.line.text).toBe("boom: it broke");
    });

    it("collects `##[error]` annotations and echoed `::error` commands", () => {
      const evidence = read(
        actions(
          "##[group]Run npm run lint",
          "::error file=src/a.ts,line=3::Unexpected any",
          "##[error]Lint failed",
          "##[error]Process completed with exit code 1.",
        ),
      );
      expect(evidence.errors.map((e) => [e.message, e.path, e.fileLine])).toEqual([
        ["Unexpected any", "src/a.ts", 3],
        ["Lint failed", null, null],
      ]);
    });

    it("reads the step column of `gh run view --log` output", () => {
      const evidence = read(
        [
          `build\tSet up job\t${ts(0)} Current runner version`,
          `build\tRun tests\t\uFEFF${ts(1)} boom`,
          `build\tRun tests\t${ts(2)} ##[error]Process completed with exit code 1.`,
        ].join("\n"),
      );
      expect(evidence.steps.map((s) => s.name)).toEqual(["Set up job", "Run tests"]);
      expect(evidence.hits[0]?.step).toBe(1);
      expect(evidence.failure?.step).toBe(1);
    });
  });

  describe("on a Travis CI log", () => {
    const log = [
      "travis_fold:start:install\r\x1b[0Ktravis_time:start:01\r\x1b[0K$ npm ci",
      "added 10 packages",
      'travis_time:end:01:start=1,finish=2,duration=1\r\x1b[0K\x1b[32;1mThe command "npm ci" exited with 0.\x1b[0m',
      "travis_time:start:02\r\x1b[0K$ npm test",
      "boom",
      'travis_time:end:02:start=1,finish=2,duration=1\r\x1b[0K\x1b[31;1mThe command "npm test" exited with 1.\x1b[0m',
      "travis_time:start:03\r\x1b[0K$ npm run lint",
      'The command "npm run lint" exited with 2.',
      "Done. Your build exited with 1.",
    ].join("\n");

    it("takes each command as a step and the first one that failed as the failure", () => {
      const evidence = read(log);
      expect(evidence.format).toBe("travis");
      expect(evidence.steps.map((s) => s.name)).toEqual(["", "npm ci", "npm test", "npm run lint"]);
      expect(evidence.failure).toMatchObject({ step: 2, exitCode: 1 });
    });
  });

  describe("on GitLab and Jenkins logs", () => {
    it("puts a failure reported during cleanup on the last step that did work", () => {
      const evidence = read(
        [
          "section_start:1:step_script\r\x1b[0Kboom",
          "section_end:2:step_script",
          "section_start:3:cleanup_file_variables\r\x1b[0KCleaning up project directory",
          "section_end:4:cleanup_file_variables",
          "ERROR: Job failed: exit code 1",
        ].join("\n"),
      );
      expect(evidence.format).toBe("gitlab");
      expect(evidence.steps[evidence.failure?.step ?? -1]?.name).toBe("step_script");
    });

    it("skips Jenkins stages skipped after the failure", () => {
      const evidence = read(
        [
          "[Pipeline] { (Build)",
          "boom",
          "[Pipeline] { (Test)",
          'Stage "Test" skipped due to earlier failure(s)',
          "[Pipeline] { (Declarative: Post Actions)",
          "ERROR: script returned exit code 1",
          "Finished: FAILURE",
        ].join("\n"),
      );
      expect(evidence.steps[evidence.failure?.step ?? -1]?.name).toBe("Build");
    });
  });

  describe("on a plain log without structure", () => {
    it("puts everything in one step and infers the failure at the last line", () => {
      const evidence = read("compiling\nboom\nmore output\n");
      expect(evidence.steps).toHaveLength(1);
      expect(evidence.failure).toMatchObject({ inferred: true, line: { text: "more output" } });
    });

    it("infers the failure at the last error annotation when there is one", () => {
      const evidence = read("::error::first\nok\n::error::second\nsomething after\n");
      expect(evidence.failure).toMatchObject({ inferred: true, line: { text: "::error::second" } });
    });
  });

  describe("bounds", () => {
    it("keeps the first and the last hits of a step, not every one", () => {
      const lines = Array.from({ length: 10_000 }, (_, i) => `boom ${i}`).join("\n");
      const evidence = read(lines);
      expect(evidence.hits.map((h) => h.line.text)).toEqual(["boom 0", "boom 1", "boom 9999"]);
      expect(evidence.steps[0]?.counts.get("boom")).toBe(10_000);
    });

    it("keeps at most the requested number of tail lines", () => {
      const lines = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join("\n");
      const evidence = readLogText(lines, { classifyLine, tailLines: 5 });
      expect(evidence.tail.map((l) => l.text)).toEqual([
        "line 995",
        "line 996",
        "line 997",
        "line 998",
        "line 999",
      ]);
    });

    it("masks the lines of a private key block before anything is kept", () => {
      const evidence = read(
        [
          "echo key",
          "-----BEGIN OPENSSH PRIVATE KEY-----",
          "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
          "-----END OPENSSH PRIVATE KEY-----",
          "boom",
        ].join("\n"),
      );
      const kept = [...(evidence.hits[0]?.before ?? []), ...evidence.tail].map((l) => l.text);
      expect(kept.join("\n")).not.toContain("b3BlbnNzaC1rZXktdjEAAAAABG5vbmU");
      expect(kept).toContain("[REDACTED:private-key]");
    });
  });

  describe("hostile input", () => {
    it("returns an empty result for empty input", () => {
      const evidence = read("");
      expect(evidence.lines).toBe(0);
      expect(evidence.failure).toBeNull();
      expect(evidence.hits).toEqual([]);
    });

    it("reads binary junk without failing", async () => {
      const junk = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 256);
      async function* input() {
        yield junk;
      }
      const evidence = await readLog(input(), { classifyLine });
      expect(evidence.bytes).toBe(100_000);
      const control = (text: string) => [...text].some((c) => c.charCodeAt(0) < 32 && c !== "\t");
      for (const line of evidence.tail) expect(control(line.text)).toBe(false);
    });

    it("reads a log made only of ANSI codes as empty lines", () => {
      const evidence = read("\x1b[31m\x1b[0m\n\x1b[1;32m\x1b[0K\x1b[0m\n".repeat(1000));
      expect(evidence.hits).toEqual([]);
      expect(evidence.tail.every((l) => l.text === "")).toBe(true);
    });

    it("reads a 200 MB stream in bounded memory", async () => {
      const line = `${ts(0)} ${"a plain log line that keeps going ".repeat(3)}\n`;
      const block = line.repeat(Math.floor((1024 * 1024) / line.length));
      async function* huge() {
        for (let i = 0; i < 200; i++) {
          yield i % 50 === 49 ? `${block}${ts(1)} boom ${i}\n` : block;
        }
      }
      const evidence = await readLog(huge(), { classifyLine });
      expect(evidence.bytes).toBeGreaterThan(199 * 1024 * 1024);
      expect(evidence.hits.length).toBeLessThanOrEqual(3);
      expect(evidence.tail.length).toBeLessThanOrEqual(40);
      expect(JSON.stringify(evidence).length).toBeLessThan(100_000);
    });
  });
});
