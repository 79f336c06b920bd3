import type { PlanDiagnosis } from "./plan-input.ts";
import type { Tier } from "./steps.ts";

/**
 * A failed security scan, or any diagnosis flagged as a vulnerability or a leaked secret. These
 * are never fixed or rerun automatically, however sure the diagnosis: a rerun can turn a real
 * finding green, and the right fix (rotate a key, bump a dependency across a major) is a
 * person's call.
 */
export function isSecurityFinding(diagnosis: PlanDiagnosis): boolean {
  return diagnosis.category === "security_scan" || diagnosis.security === true;
}

/** The confidence as a number in 0..1; anything else (NaN from a broken producer) counts as 0. */
export function confidenceOf(diagnosis: PlanDiagnosis): number {
  const c = diagnosis.confidence;
  return Number.isFinite(c) ? Math.min(1, Math.max(0, c)) : 0;
}

/** The tier a diagnosis reaches by its confidence alone, before any guardrail. */
export function tierOf(
  diagnosis: PlanDiagnosis,
  thresholds: { auto: number; review: number },
): Tier {
  if (isSecurityFinding(diagnosis)) return "security";
  if (diagnosis.reportOnly) return "report";
  const confidence = confidenceOf(diagnosis);
  if (confidence >= thresholds.auto) return "auto";
  if (confidence >= thresholds.review) return "review";
  return "report";
}
