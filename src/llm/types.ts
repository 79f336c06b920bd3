import type { Category } from "../diagnosis/categories.ts";

/**
 * The shared shapes of the LLM stage: settings, prompt, completion, answer. Each part
 * (client.ts, prompt.ts, answer.ts, patch-safety.ts, analyse.ts) builds on these only.
 */

/** One OpenAI-compatible endpoint: OpenAI, NVIDIA NIM, Groq, vLLM, Ollama, LM Studio… */
export type LlmEndpoint = {
  /** For logs and metrics: `primary`, `fallback`. */
  name: string;
  /** The API's base URL, e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`. */
  baseURL: string;
  /** Some local servers need none; the SDK is then given a placeholder. */
  apiKey: string | null;
  model: string;
};

/** How the LLM stage is set up; null settings mean no LLM at all (everything else works). */
export type LlmSettings = {
  /** Tried in order: the first, then the fallback when the first fails. */
  endpoints: LlmEndpoint[];
  /** Per request. */
  timeoutMs: number;
  /** Retries per endpoint on 429/5xx (Retry-After honoured). */
  maxRetries: number;
  /** Input tokens a prompt may use (default 6,000). */
  inputTokenBudget: number;
  /** Output tokens asked for. */
  maxOutputTokens: number;
  /** Price per 1,000 tokens, for the cost estimate; 0 when unknown. */
  pricePer1k: { input: number; output: number };
  /**
   * An embedding model the first endpoint serves, used instead of the local embeddings
   * (src/llm/embeddings.ts); absent, memory keeps its local vectors.
   */
  embeddingModel?: string | undefined;
};

/** A chat message as the OpenAI API takes it. */
export type LlmMessage = { role: "system" | "user"; content: string };

/** One section of a prompt, by name: kept whole, cut down, or left out for the budget. */
export type PromptSection = {
  name: string;
  tokens: number;
  /** `trimmed` says what was cut, in words. */
  status: "kept" | "trimmed" | "left_out";
  note?: string;
};

/** A prompt ready to send, and an account of what went into it. */
export type Prompt = {
  messages: LlmMessage[];
  /** Estimated input tokens. */
  tokens: number;
  sections: PromptSection[];
  /** The log lines the model was shown: a quoted line must be one of them. */
  logLines: string[];
  /** Files the evidence implicates, with their content at the head SHA: the only ones a patch may touch. */
  files: { path: string; content: string }[];
};

/** What an endpoint answered (or the cache, for the same prompt and model). */
export type Completion = {
  text: string;
  endpoint: string;
  model: string;
  usage: { inputTokens: number; outputTokens: number };
  /** Answered from the cache: no tokens spent. */
  cached: boolean;
  /** Estimated cost in the configured currency; 0 when cached or unpriced. */
  cost: number;
  /** The answer was cut off at the output-token limit (and so was not cached). */
  truncated?: boolean;
};

/** A search/replace edit: `search` must occur exactly once in the current file. */
export type LlmEdit = { path: string; search: string; replace: string };

/** The model's fix. */
export type LlmFix =
  | { kind: "rerun"; explanation: string }
  | { kind: "patch"; edits: LlmEdit[]; explanation: string }
  | { kind: "none"; explanation: string };

/** The model's answer, validated on arrival. */
export type LlmAnswer = {
  category: Category;
  rootCause: string;
  /** The log line the answer rests on: it must be one the model was shown. */
  logLine: string;
  /** The model's own confidence, 0..1: an input to the calibrated confidence, not the answer. */
  confidence: number;
  fix: LlmFix;
};

/**
 * What a prompt is built from (`evidence.ts` gathers it, `prompt.ts` builds from it). All text
 * is untrusted: it comes from logs, commits and files an attacker may control. Everything but
 * `files[].content` is redacted; `buildPrompt` redacts what it shows of the files.
 */
export type PromptEvidence = {
  /** `owner/name`. */
  repository: string;
  headSha: string;
  branch: string | null;
  workflow: string | null;
  job: string | null;
  /** The failing step's name as the API gives it. */
  step: string | null;
  /** The command the step ran, from the log (`##[group]Run …`): the API does not give it. */
  command: string | null;
  /** What rules and memory concluded before the LLM is asked. */
  verdict: {
    category: Category;
    confidence: number;
    transient: boolean;
    ruleId: string | null;
    /** `rules`, `memory` or `rules+memory`. */
    source: string;
    explanation: string | null;
    remedy: string | null;
  };
  errorLine: string;
  /** The diagnosis's excerpt: the telling lines of the log, in log order, `…` at gaps. */
  excerpt: string;
  /** The remembered failures most like this one, best first, with what fixed them. */
  memory: PromptMemory[];
  /** Files the evidence implicates, most telling first, as they are at `headSha`. */
  files: PromptFile[];
  /** The change since the last successful run; null when it could not be known (see `notes`). */
  commits: PromptCommits | null;
  /** What could not be gathered, and why: told to the model, never silently dropped. */
  notes: string[];
};

/** A remembered failure like this one, and its fix. */
export type PromptMemory = {
  category: string;
  fix: string;
  /** The change that fixed it, when one was remembered. */
  patch: string | null;
  similarity: number;
  /** How often the fix worked, 0..1. */
  probability: number;
  /** Where it was remembered: `repository`, `organization`, `global`. */
  scope: string;
  source: string;
  /** This failure's fingerprint was seen before, exactly. */
  exact: boolean;
};

/** A file the evidence points at, with its exact content at the head SHA. */
export type PromptFile = {
  path: string;
  /** The whole file, unredacted: a patch is checked against exactly this. */
  content: string;
  /** Lines (1-based) the log or the annotations point at, ascending; may be empty. */
  lines: number[];
};

/** The commits between the last successful run of the workflow and the failing commit. */
export type PromptCommits = {
  /** The last green commit. */
  base: string;
  /** Where that run was found: the failing branch, or another branch when this one has none. */
  baseBranch: string | null;
  /** The green run's id. */
  runId: number;
  /** Commits ahead of the green commit, as GitHub counts them (more than `commits` may hold). */
  total: number;
  /** Oldest first, messages redacted and clipped. */
  commits: { sha: string; message: string }[];
  /** Changed files, implicated ones first, patches redacted and clipped. */
  files: {
    path: string;
    status: string;
    additions: number;
    deletions: number;
    patch: string | null;
  }[];
  /** Files changed in all, as GitHub counts them. */
  totalFiles: number;
};
