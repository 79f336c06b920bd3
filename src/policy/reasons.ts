import { CATEGORY_LABELS } from "../diagnosis/categories.ts";
import type { PlanDiagnosis, ProposedFix } from "./plan-input.ts";
import type { AppliedThresholds, Tier } from "./steps.ts";

const fixed = (n: number) => n.toFixed(2);

const SOURCES = {
  rules: "the rules",
  memory: "memory of past incidents",
  "rules+memory": "the rules and memory, agreeing",
  llm: "the LLM, weighed against the rules and memory",
} as const;

/** What was diagnosed, how surely, and from what. */
export function diagnosisReason(diagnosis: PlanDiagnosis, confidence: number): string {
  const nature = diagnosis.transient ? "transient" : "deterministic";
  const source = SOURCES[diagnosis.source ?? "rules"];
  const remembered = diagnosis.remembered
    ? `; a remembered fix applies with probability ${fixed(diagnosis.remembered.probability)}`
    : "";
  const invalid =
    confidence !== diagnosis.confidence
      ? ` (reported as ${diagnosis.confidence}, read as ${fixed(confidence)})`
      : "";
  return `Diagnosis: ${CATEGORY_LABELS[diagnosis.category]} (${diagnosis.category}, ${nature}), from ${source}, confidence ${fixed(confidence)}${invalid}${remembered}.`;
}

/** Which tier the confidence reached, against which threshold. */
export function tierReason(tier: Tier, confidence: number, t: AppliedThresholds): string {
  const c = fixed(confidence);
  switch (tier) {
    case "security":
      return "Security finding: never fixed or rerun automatically; the check fails, an issue is filed and the team is told.";
    case "auto":
      return `Confidence ${c} reaches the auto threshold ${fixed(t.auto)}: CodeHealer may act on its own.`;
    case "review":
      return `Confidence ${c} is below the auto threshold ${fixed(t.auto)} but reaches review ${fixed(t.review)}: a person approves before anything changes.`;
    case "report":
      return `Confidence ${c} is below the review threshold ${fixed(t.review)}: CodeHealer only reports.`;
  }
}

/** Where a fix came from, in words. */
export const FIX_SOURCES = {
  memory: "remembered from a past incident",
  deterministic: "from a known recipe",
  llm: "written by the LLM",
} as const;

/** The fix on offer, if any. */
export function fixReason(fix: ProposedFix | null): string {
  if (fix === null) return "No fix was proposed.";
  const files = `${fix.files.length} file${fix.files.length === 1 ? "" : "s"}`;
  const validated = fix.validated ? "validated" : "not validated";
  return `Fix: ${FIX_SOURCES[fix.source]}, ${validated}, changing ${files}.`;
}
