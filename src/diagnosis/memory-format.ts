import type { LlmRecord } from "../llm/analyse.ts";
import type { Diagnosis } from "./diagnose.ts";
import { diagnosisJson, diagnosisText } from "./format.ts";
import type { MemoryDiagnosis } from "./memory-recall.ts";

const round = (value: number) => Number(value.toFixed(3));

// The rules' formatters own the fields they print; memory adds its own after them.
const rulesView = (diagnosis: MemoryDiagnosis): Diagnosis => ({ ...diagnosis, source: "rules" });

/**
 * One line of JSON per log: the rules' fields, then where the answer came from (`source`), the
 * remembered fix when one applies (`fix`, `remembered`) and the similar failures remembered.
 */
export function memoryDiagnosisJson(file: string, diagnosis: MemoryDiagnosis): string {
  const { remembered, similar } = diagnosis;
  return JSON.stringify({
    ...(JSON.parse(diagnosisJson(file, rulesView(diagnosis))) as Record<string, unknown>),
    source: diagnosis.source,
    llm: (diagnosis as { llm?: unknown }).llm ?? null,
    fix: remembered?.fix ?? null,
    remembered: remembered ? { ...remembered, probability: round(remembered.probability) } : null,
    similar: similar.map((s) => ({
      ref: s.ref,
      source: s.source,
      category: s.category,
      fix: s.fix,
      similarity: round(s.similarity),
      probability: round(s.probability),
      exact: s.exact,
      scope: s.scope,
    })),
  });
}

/** A few lines for a person reading a terminal, with what memory said after the rules' lines. */
export function memoryDiagnosisText(file: string, diagnosis: MemoryDiagnosis): string {
  const lines: string[] = [];
  const percent = (value: number) => `${Math.round(value * 100)}%`;
  if (diagnosis.remembered) {
    const { fix, probability } = diagnosis.remembered;
    lines.push(`  remembered fix (${percent(probability)}, source ${diagnosis.source}): ${fix}`);
  }
  for (const s of diagnosis.similar) {
    const how = s.exact ? "same fingerprint" : `similarity ${s.similarity.toFixed(2)}`;
    lines.push(`  seen before (${how}, ${s.scope}, ${s.ref}): ${s.fix}`);
  }
  const llm = (diagnosis as { llm?: LlmRecord }).llm;
  if (llm?.status === "answered")
    lines.push(
      `  LLM (${llm.model}${llm.cached ? ", cached" : `, ${llm.tokens.input}+${llm.tokens.output} tokens`}, its own confidence ${percent(llm.modelConfidence)}): ${llm.rootCause}`,
    );
  else if (llm) lines.push(`  LLM ${llm.status}: ${llm.reason}`);
  const text = diagnosisText(file, rulesView(diagnosis));
  return lines.length === 0 ? text : `${text.trimEnd()}\n${lines.join("\n")}\n`;
}
