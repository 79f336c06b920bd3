import { describe, expect, it } from "vitest";
import { type LogFormat, parseMarker } from "../../src/logs/markers.ts";

const at = (text: string, format: LogFormat = "plain", previous = "") =>
  parseMarker(text, format, previous);

describe("parseMarker", () => {
  describe("GitHub Actions", () => {
    it("opens a step at each `##[group]Run` header", () => {
      expect(at("##[group]Run npm test")).toEqual({
        kind: "step",
        name: "npm test",
        format: "github-actions",
      });
    });

    it("does not open a step for other groups inside a step", () => {
      expect(at("##[group]Sccache compilation log")).toBeNull();
    });

    it("reads the runner's own failure messages with their exit code", () => {
      expect(at("##[error]Process completed with exit code 2.")).toMatchObject({
        kind: "failure",
        exitCode: 2,
      });
      expect(at("##[error]The process '/usr/bin/bash' failed with exit code 137")).toMatchObject({
        kind: "failure",
        exitCode: 137,
      });
      expect(at("##[error]The action 'Test' has timed out after 360 minutes.")).toMatchObject({
        kind: "failure",
        exitCode: null,
      });
    });

    it("treats other `##[error]` lines as annotations, not as the failure", () => {
      expect(at("##[error]src/a.ts(1,2): error TS2307: Cannot find module 'x'")).toMatchObject({
        kind: "error",
        message: "src/a.ts(1,2): error TS2307: Cannot find module 'x'",
      });
    });

    it("reads the file and line of an echoed `::error` workflow command", () => {
      expect(at("::error file=src/app.ts,line=12,col=3::Unexpected any")).toEqual({
        kind: "error",
        message: "Unexpected any",
        path: "src/app.ts",
        line: 12,
        format: "plain",
      });
    });
  });

  describe("Travis CI", () => {
    it("opens a step for a command announced by travis_time", () => {
      expect(at("$ npm test", "travis", "travis_time:start:0a1b2c3d")).toEqual({
        kind: "step",
        name: "npm test",
        format: "travis",
      });
    });

    it("ignores commands that scripts echo themselves", () => {
      expect(at("$ ng e2e", "travis", "Compiling...")).toBeNull();
    });

    it("reads a command's exit as success or failure", () => {
      expect(at('The command "npm test" exited with 0.')).toMatchObject({ kind: "success" });
      expect(at('The command "npm test" exited with 1.')).toMatchObject({
        kind: "failure",
        exitCode: 1,
      });
      expect(at('The command "npm ci" failed and exited with 127 during .')).toMatchObject({
        kind: "failure",
        exitCode: 127,
      });
    });

    it("reads a stalled build as a failure", () => {
      expect(
        at(
          "No output has been received in the last 10m0s, this potentially indicates a stalled build.",
        ),
      ).toMatchObject({ kind: "failure" });
    });
  });

  describe("GitLab, Jenkins and Buildkite", () => {
    it("opens a step at a GitLab section and reads the job failure", () => {
      expect(at("section_start:1700000000:step_script")).toMatchObject({
        kind: "step",
        name: "step_script",
      });
      expect(at("ERROR: Job failed: exit code 1")).toMatchObject({ kind: "failure", exitCode: 1 });
    });

    it("opens a step at a Jenkins stage and reads its failure", () => {
      expect(at("[Pipeline] { (Unit tests)")).toMatchObject({ kind: "step", name: "Unit tests" });
      expect(at("ERROR: script returned exit code 2")).toMatchObject({
        kind: "failure",
        exitCode: 2,
      });
      expect(at("Finished: FAILURE")).toMatchObject({ kind: "failure" });
    });

    it("opens Buildkite steps only once the log is known to be Buildkite's", () => {
      expect(at("~~~ Running tests")).toMatchObject({ kind: "step", format: "buildkite" });
      expect(at("--- FAIL: TestX (0.00s)")).toBeNull();
      expect(at("--- :jest: Unit", "buildkite")).toMatchObject({
        kind: "step",
        name: ":jest: Unit",
      });
      expect(at("🚨 Error: The command exited with status 1")).toMatchObject({
        kind: "failure",
        exitCode: 1,
      });
    });
  });
});
