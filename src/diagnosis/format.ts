import type { Diagnosis } from "./diagnose.ts";

/** One line of JSON per log, for scripts: the fields `codehealer diagnose --json` promises. */
export function diagnosisJson(file: string, diagnosis: Diagnosis): string {
  return JSON.stringify({
    file,
    category: diagnosis.category,
    transient: diagnosis.transient,
    confidence: Number(diagnosis.confidence.toFixed(3)),
    errorLine: diagnosis.errorLine,
    fingerprint: diagnosis.fingerprint,
    summary: diagnosis.summary,
    ruleId: diagnosis.ruleId,
    failedStep: diagnosis.failedStep,
    remedy: diagnosis.remedy ?? null,
    source: diagnosis.source,
  });
}

/** A few lines for a person reading a terminal. */
export function diagnosisText(file: string, diagnosis: Diagnosis): string {
  const lines = [
    `${file}`,
    `  ${diagnosis.category}${diagnosis.transient ? " (transient: a rerun would likely pass)" : ""} — confidence ${Math.round(diagnosis.confidence * 100)}%`,
    `  ${diagnosis.summary}`,
  ];
  if (diagnosis.remedy) lines.push(`  remedy: ${diagnosis.remedy}`);
  if (diagnosis.errorLine) lines.push(`  line: ${diagnosis.errorLine}`);
  lines.push(
    `  fingerprint: ${diagnosis.fingerprint}${diagnosis.ruleId ? `  rule: ${diagnosis.ruleId}` : ""}`,
    "",
  );
  return lines.join("\n");
}
