import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diagnoseText } from "../../src/diagnosis/diagnose.ts";
import { plan } from "../../src/policy/plan.ts";
import { config, STATE } from "./given.ts";

// Real logs of failing tools (fixtures/logs/README.md), diagnosed by the rules, then planned
// with the default configuration: what a repository without .github/codehealer.yml gets.
const diagnose = (file: string) =>
  diagnoseText(readFileSync(join(import.meta.dirname, "../../fixtures/logs", file), "utf8"));

describe("plan, on diagnoses of captured logs with the defaults", () => {
  describe("when npm cannot reach its registry", () => {
    it("reruns it, or proposes the rerun when the rules are not sure enough to act alone", () => {
      const diagnosis = diagnose("npm-network-refused.log");
      const result = plan({ diagnosis, fix: null, config: config(), state: STATE });
      expect(diagnosis).toMatchObject({ category: "network_transient", transient: true });
      if (diagnosis.confidence >= 0.85)
        expect(result.steps).toContainEqual({ kind: "rerun", failedJobsOnly: true });
      else
        expect(result.steps).toContainEqual({ kind: "notify", approval: true, approve: ["rerun"] });
      expect(result.refused).toEqual([]);
    });
  });

  describe("when tsc rejects the code", () => {
    it("never reruns, and files an issue under the diagnosis's fingerprint", () => {
      const diagnosis = diagnose("typescript-type-error.log");
      const result = plan({ diagnosis, fix: null, config: config(), state: STATE });
      expect(result.steps.map((s) => s.kind)).toEqual(["check_run", "issue", "notify"]);
      expect(result.steps).toContainEqual({ kind: "issue", fingerprint: diagnosis.fingerprint });
      expect(result.refused.map((r) => r.rule)).toEqual(["deterministic_failure"]);
    });
  });
});
