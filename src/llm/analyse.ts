import type { Logger } from "pino";
import type { ProbotOctokit } from "probot";
import { z } from "zod";
import { CATEGORY_LABELS, type Category } from "../diagnosis/categories.ts";
import type { MemoryDiagnosis } from "../diagnosis/memory-recall.ts";
import type { StoredFix } from "../fixes/types.ts";
import { redact } from "../logs/redact.ts";
import type { Config } from "../policy/config.ts";
import type { Db } from "../store/database.ts";
import { getDelivery } from "../store/deliveries.ts";
import { getIncident, updateIncident } from "../store/incidents.ts";
import type { Incident } from "../store/schema.ts";
import { parseAnswer } from "./answer.ts";
import type { LlmClient } from "./client.ts";
import { llmConfidence } from "./confidence.ts";
import { gatherPromptEvidence } from "./evidence.ts";
import { LlmUnavailableError } from "./failure.ts";
import { checkPatch } from "./patch-safety.ts";
import { buildPrompt, reachesLlm } from "./prompt.ts";
import type { Completion, LlmAnswer, LlmSettings, Prompt } from "./types.ts";

/** The LLM as the worker has it: one client per process, so breakers and caches persist. */
export type Llm = { client: LlmClient; settings: LlmSettings };

export type AnalyseDeps = { db: Db; octokit: ProbotOctokit; log: Logger; llm: Llm };

/** What the LLM stage left on the diagnosis (`diagnosis.llm`), answered or not. */
export type LlmRecord =
  | {
      status: "answered";
      endpoint: string;
      model: string;
      cached: boolean;
      tokens: { input: number; output: number };
      cost: number;
      /** The model's own confidence, before it was weighed. */
      modelConfidence: number;
      rootCause: string;
      fix: LlmAnswer["fix"]["kind"];
      /** Why the model's patch was not accepted, when it was not. */
      patchRefused: string | null;
      /** What the prompt kept, trimmed and left out for the token budget. */
      sections: Prompt["sections"];
    }
  | { status: "discarded" | "unavailable"; reason: string };

/** A diagnosis the LLM answered. */
export type LlmDiagnosis = Omit<MemoryDiagnosis, "source"> & {
  source: "llm";
  reportOnly: string | null;
  llm: LlmRecord;
};

/** Categories a rerun can cure: the only ones where the model's "rerun" is believed. */
const RERUNNABLE: readonly Category[] = ["network_transient", "rate_limited", "flaky_test"];

const workflowIdOf = z.object({ workflow_run: z.object({ workflow_id: z.number().int() }) });

/** Asks once, and once more if the answer was invalid; the invalid answer is not cached. */
export async function ask(
  llm: Llm,
  prompt: Prompt,
  incidentId: string | null,
): Promise<
  { ok: true; answer: LlmAnswer; completion: Completion } | { ok: false; reason: string }
> {
  const first = await llm.client.complete(prompt, { incidentId, json: true });
  const parsed = parseAnswer(first.text, prompt);
  if (parsed.ok) return { ok: true, answer: parsed.answer, completion: first };
  await llm.client.forget(prompt, { json: true });
  const retry: Prompt = {
    ...prompt,
    messages: [
      ...prompt.messages,
      {
        role: "user",
        content: `Your answer was discarded: ${parsed.reason} Answer again with one JSON object of the shape the instructions give, and nothing else.`,
      },
    ],
  };
  const second = await llm.client.complete(retry, { incidentId, json: true });
  const again = parseAnswer(second.text, retry);
  if (again.ok) return { ok: true, answer: again.answer, completion: second };
  await llm.client.forget(retry, { json: true });
  return { ok: false, reason: `discarded twice: ${parsed.reason} Then: ${again.reason}` };
}

// The fix pull request's words for an accepted patch. Everything quoted is the model's and
// the log's: redacted, and presented as a proposal to review.
function storedFix(
  answer: LlmAnswer & { fix: { kind: "patch" } },
  files: { path: string; content: string }[],
  completion: Completion,
): StoredFix {
  const label = CATEGORY_LABELS[answer.category];
  const rootCause = redact(answer.rootCause);
  const title = `Fix ${label.toLowerCase()}: ${rootCause}`.slice(0, 120);
  return {
    fix: {
      files,
      title,
      message: `${title}\n\n${redact(answer.fix.explanation)}`.slice(0, 2_000),
      body: [
        `**Root cause** (as ${completion.model} reads it): ${rootCause}`,
        "",
        "**The log line it rests on**",
        "",
        "```",
        redact(answer.logLine),
        "```",
        "",
        `**The change**: ${redact(answer.fix.explanation)}`,
        "",
        `This patch was written by an LLM and passed CodeHealer's safety checks (it applies exactly, touches only the files the log implicates, and adds nothing that downloads and runs code or reads secrets). It is a proposal: read it as you would a stranger's.`,
      ].join("\n"),
    },
    proposed: {
      kind: "patch",
      files: files.map((file) => file.path),
      validated: false,
      source: "llm",
    },
  };
}

/**
 * The diagnosis after the LLM's answer: its category, root cause and quoted line, its
 * confidence weighed against the rules, memory and the quoted line (the model's own number is
 * only an input), and what the stage did (`llm`). A "rerun" is believed only for a category a
 * rerun can cure. Pure.
 */
export function withLlmAnswer(
  diagnosis: MemoryDiagnosis,
  asked: { answer: LlmAnswer; completion: Completion; prompt: Prompt; patchRefused: string | null },
): LlmDiagnosis {
  const { answer, completion, prompt, patchRefused } = asked;
  const rules = diagnosis.category !== "unknown" && diagnosis.ruleId ? diagnosis : null;
  const memory = diagnosis.remembered
    ? { category: diagnosis.category, probability: diagnosis.remembered.probability }
    : null;
  const confidence = llmConfidence(answer, { rules, memory, quotedLineFound: true });
  const llm: LlmRecord = {
    status: "answered",
    endpoint: completion.endpoint,
    model: completion.model,
    cached: completion.cached,
    tokens: { input: completion.usage.inputTokens, output: completion.usage.outputTokens },
    cost: completion.cost,
    modelConfidence: answer.confidence,
    rootCause: redact(answer.rootCause),
    fix: answer.fix.kind,
    patchRefused,
    sections: prompt.sections,
  };
  const transient = answer.fix.kind === "rerun" && RERUNNABLE.includes(answer.category);
  return {
    ...diagnosis,
    category: answer.category,
    transient,
    confidence,
    errorLine: redact(answer.logLine),
    summary: redact(`${CATEGORY_LABELS[answer.category]}: ${answer.rootCause}`).slice(0, 300),
    explanation: redact(answer.rootCause),
    remedy: redact(answer.fix.explanation),
    source: "llm",
    reportOnly: patchRefused
      ? `the LLM's patch was refused by the safety checks (${patchRefused}).`
      : null,
    llm,
  };
}

/**
 * The LLM stage, between diagnosis and plan, for a failure rules and memory could not settle,
 * or a failure in the code they are sure of but have no fix for ({@link reachesLlm}):
 * 1. gather the prompt's evidence (the redacted excerpt, rule hits, memory candidates, the
 *    failing step, the commits since the last green run, the implicated files at the head SHA)
 *    and build the prompt within the token budget;
 * 2. ask (cache first); an invalid answer is asked again once, then discarded with its reason;
 * 3. weigh the model's confidence against the rules, memory and the quoted line;
 * 4. check the patch: accepted only if it applies exactly to implicated files, within limits,
 *    away from denied paths, adding nothing dangerous. Refused: the failure is only reported,
 *    and the plan says why;
 * 5. store the new diagnosis (with `diagnosis.llm`, what the stage did) and the fix.
 * Returns the incident as it now stands. An endpoint that cannot answer leaves the rules' and
 * memory's diagnosis in place. A failure already analysed is not asked again.
 */
export async function analyseIncident(
  deps: AnalyseDeps,
  incident: Incident,
  config: Config,
  options: { fixKnown: boolean },
): Promise<Incident> {
  const diagnosis = incident.diagnosis as (MemoryDiagnosis & { llm?: LlmRecord }) | null;
  if (!diagnosis || diagnosis.llm || diagnosis.category === "security_scan") return incident;
  const threshold = config.thresholds.review;
  if (!reachesLlm(diagnosis, { threshold, fixKnown: options.fixKnown })) return incident;
  const [owner = "", repo = ""] = incident.repository.split("/");
  const repository = { owner, repo };
  const log = deps.log.child({ incident: incident.id, stage: "llm" });

  const delivery = incident.deliveryId ? await getDelivery(deps.db, incident.deliveryId) : null;
  const workflow = workflowIdOf.safeParse(delivery?.payload);
  const evidence = await gatherPromptEvidence(deps.octokit, {
    repository,
    incident,
    diagnosis,
    workflowId: workflow.success ? workflow.data.workflow_run.workflow_id : null,
  });
  const prompt = buildPrompt(evidence, { budget: deps.llm.settings.inputTokenBudget });

  let asked: Awaited<ReturnType<typeof ask>>;
  try {
    asked = await ask(deps.llm, prompt, incident.id);
  } catch (error) {
    if (!(error instanceof LlmUnavailableError)) throw error;
    log.warn({ reason: error.message }, "no LLM endpoint answered; the rules' diagnosis stands");
    const llm: LlmRecord = { status: "unavailable", reason: error.message };
    await updateIncident(deps.db, incident.id, { diagnosis: { ...diagnosis, llm } });
    return (await getIncident(deps.db, incident.id)) ?? incident;
  }
  if (!asked.ok) {
    log.warn({ reason: asked.reason }, "the LLM's answer was discarded");
    const llm: LlmRecord = { status: "discarded", reason: asked.reason };
    await updateIncident(deps.db, incident.id, { diagnosis: { ...diagnosis, llm } });
    return (await getIncident(deps.db, incident.id)) ?? incident;
  }

  const { answer, completion } = asked;
  let fix: StoredFix | null = null;
  let patchRefused: string | null = null;
  if (answer.fix.kind === "patch") {
    const checked = checkPatch(answer.fix.edits, { files: prompt.files, config });
    if (checked.ok) fix = storedFix({ ...answer, fix: answer.fix }, checked.files, completion);
    else patchRefused = checked.reason;
  }
  const updated = withLlmAnswer(diagnosis, { answer, completion, prompt, patchRefused });
  const { confidence, transient, summary } = updated;
  await updateIncident(deps.db, incident.id, {
    category: updated.category,
    transient,
    confidence,
    errorLine: updated.errorLine,
    summary,
    diagnosis: updated,
    ...(fix ? { fix } : {}),
  });
  log.info(
    {
      category: answer.category,
      confidence,
      modelConfidence: answer.confidence,
      fix: answer.fix.kind,
      patchRefused,
      cached: completion.cached,
    },
    "LLM diagnosis",
  );
  return (await getIncident(deps.db, incident.id)) ?? incident;
}
