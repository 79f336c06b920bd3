import { APIError } from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import type { LlmMessage } from "./types.ts";

/**
 * What an endpoint refused once and is no longer asked for. OpenAI-compatible servers differ:
 * some local ones reject JSON mode, OpenAI's reasoning models reject `max_tokens` (they want
 * `max_completion_tokens`) and any temperature but the default.
 */
export type Quirk = "no-response-format" | "max-completion-tokens" | "no-temperature";

export type ChatQuestion = {
  model: string;
  messages: readonly LlmMessage[];
  maxTokens: number;
  json: boolean;
};

/** The request body for an endpoint, leaving out what it is known to refuse. */
export function chatBody(
  question: ChatQuestion,
  quirks: ReadonlySet<Quirk>,
): ChatCompletionCreateParamsNonStreaming {
  const { model, messages, maxTokens, json } = question;
  return {
    model,
    messages: messages.map(({ role, content }) => ({ role, content })),
    ...(quirks.has("max-completion-tokens")
      ? { max_completion_tokens: maxTokens }
      : { max_tokens: maxTokens }),
    // Deterministic answers: the response cache relies on the same question meaning the same answer.
    ...(quirks.has("no-temperature") ? {} : { temperature: 0 }),
    ...(json && !quirks.has("no-response-format")
      ? { response_format: { type: "json_object" as const } }
      : {}),
  };
}

/**
 * The quirk a refusal asks for: a 400 or 422 naming a parameter the body did send. Null for
 * every other error, which is then the endpoint's failure, not a matter of wording.
 */
export function quirkOf(
  error: unknown,
  body: ChatCompletionCreateParamsNonStreaming,
): Quirk | null {
  if (!(error instanceof APIError) || (error.status !== 400 && error.status !== 422)) return null;
  const said = `${error.param ?? ""} ${error.message}`;
  if (body.response_format && /response_format|json_object|json mode/i.test(said))
    return "no-response-format";
  if (body.max_tokens !== undefined && /max_completion_tokens/i.test(said))
    return "max-completion-tokens";
  if (body.temperature !== undefined && /temperature/i.test(said)) return "no-temperature";
  return null;
}
