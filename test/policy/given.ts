import { expect } from "vitest";
import { parseConfig } from "../../src/policy/config.ts";
import type {
  PlanDiagnosis,
  PlanInput,
  PlanState,
  ProposedFix,
} from "../../src/policy/plan-input.ts";

/** A Wednesday, 14:00 in Paris. */
export const NOON_UTC = new Date("2025-06-04T12:00:00Z");

/** `npm ci` timing out against the registry: transient, and sure of it. */
export const REGISTRY_TIMEOUT: PlanDiagnosis = {
  category: "network_transient",
  transient: true,
  confidence: 0.9,
  fingerprint: "b50fddff4175cf5fd27fa0288bc0e19a",
  summary: 'Network failure in step "npm ci": npm error code ETIMEDOUT',
  errorLine:
    "npm error network request to https://registry.npmjs.org/pino failed, reason: ETIMEDOUT",
  ruleId: "network/timeout",
  source: "rules",
};

/** `tsc` rejecting an assignment: deterministic. */
export const TYPE_ERROR: PlanDiagnosis = {
  category: "type_error",
  transient: false,
  confidence: 0.9,
  fingerprint: "415775e25088b1349148e4d261e97cf4",
  summary: 'Type check failed in step "npm run typecheck": error TS2322',
  errorLine:
    "src/routes/invoices.ts(15,5): error TS2322: Type 'string' is not assignable to type 'number'.",
  ruleId: "typescript/tsc",
  source: "rules",
};

/** A fix that was applied and made the failing job pass. */
export const VALIDATED_FIX: ProposedFix = {
  kind: "patch",
  files: ["src/routes/invoices.ts"],
  validated: true,
  source: "deterministic",
};

/** A failed push build on `main`, first attempt, nothing spent yet. */
export const STATE: PlanState = {
  now: NOON_UTC,
  repository: "acme/shop",
  branch: "main",
  workflow: "CI",
  workflowPath: ".github/workflows/ci.yml",
  event: "workflow_run",
  runAttempt: 1,
  rerunsOfThisRun: 0,
  automatedActionsLastHour: 0,
  pullRequest: null,
  isDefaultBranch: true,
};

/** A configuration as it would be written in YAML; it must be valid. */
export function config(raw: Record<string, unknown> = {}) {
  const parsed = parseConfig(raw);
  expect(parsed.problems).toEqual([]);
  return parsed.config;
}

export type Given = {
  diagnosis?: Partial<PlanDiagnosis>;
  fix?: Partial<ProposedFix> | null;
  config?: Record<string, unknown>;
  state?: Partial<PlanState>;
  calibration?: PlanInput["calibration"];
};

/** A plan input: a registry timeout on `main` with the defaults, changed as `given` says. */
export function given(g: Given = {}): PlanInput {
  return {
    diagnosis: { ...REGISTRY_TIMEOUT, ...g.diagnosis },
    fix: g.fix === undefined || g.fix === null ? null : { ...VALIDATED_FIX, ...g.fix },
    config: config(g.config),
    state: { ...STATE, ...g.state },
    calibration: g.calibration ?? null,
  };
}
