import type { MemoryDiagnosis } from "../diagnosis/memory-recall.ts";
import { ask, type Llm, type LlmDiagnosis, type LlmRecord, withLlmAnswer } from "./analyse.ts";
import { localPromptEvidence } from "./evidence.ts";
import { LlmUnavailableError } from "./failure.ts";
import { buildPrompt, reachesLlm } from "./prompt.ts";

/** A diagnosis the LLM was asked about offline, whatever came of it. */
export type OfflineDiagnosis =
  | MemoryDiagnosis
  | LlmDiagnosis
  | (MemoryDiagnosis & { llm: LlmRecord });

/**
 * `codehealer diagnose` with an LLM configured: a log the rules and memory are unsure of is
 * shown to the LLM with what the log says (no repository files, no commits: there is no
 * repository offline), and its answer weighed as in the app. A patch cannot be checked against
 * files that were not read, so it is never offered. Without an answer the diagnosis stands,
 * and says why (`llm.status`).
 */
export async function diagnoseOffline(
  llm: Llm,
  diagnosis: MemoryDiagnosis,
  file: string,
): Promise<OfflineDiagnosis> {
  // No repository offline, so no patch to ask for: only an unsure diagnosis is worth a question.
  if (!reachesLlm(diagnosis, { fixKnown: true })) return diagnosis;
  const evidence = localPromptEvidence(diagnosis, {
    repository: "(a log read offline)",
    headSha: "",
    branch: null,
    workflow: null,
    job: null,
    step: diagnosis.failedStep,
    annotations: [],
    notes: [`Read offline from ${file}: no repository files, no commits.`],
  });
  const prompt = buildPrompt(evidence, { budget: llm.settings.inputTokenBudget });
  let asked: Awaited<ReturnType<typeof ask>>;
  try {
    asked = await ask(llm, prompt, null);
  } catch (error) {
    if (!(error instanceof LlmUnavailableError)) throw error;
    return { ...diagnosis, llm: { status: "unavailable", reason: error.message } };
  }
  if (!asked.ok) return { ...diagnosis, llm: { status: "discarded", reason: asked.reason } };
  const patchRefused =
    asked.answer.fix.kind === "patch"
      ? "offline, no repository file was read to check the patch against"
      : null;
  return withLlmAnswer(diagnosis, { ...asked, prompt, patchRefused });
}
