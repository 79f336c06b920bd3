import { z } from "zod";
import {
  APPROVE_ACTION,
  type Approvable,
  type ButtonValue,
  decodeButtonValue,
  REJECT_ACTION,
} from "./buttons.ts";

/** A press of Approve or Reject on an incident's message, as Slack reported it. */
export type SlackPress = {
  action: "approve" | "reject";
  /** The Slack user who pressed it. */
  user: string;
  incidentId: string;
  /** What the button said waits for approval; the stored message has the last word. */
  approve: Approvable[];
  /** The message the button is on. */
  channel: string | null;
  messageTs: string | null;
  /** Where an answer only the presser sees (ephemeral) goes; null when Slack gave none we trust. */
  responseUrl: string | null;
};

// Only what CodeHealer reads of a `block_actions` payload; Slack sends much more.
const blockActions = z.object({
  type: z.literal("block_actions"),
  user: z.object({ id: z.string().min(1) }),
  container: z
    .object({ channel_id: z.string().optional(), message_ts: z.string().optional() })
    .optional(),
  channel: z.object({ id: z.string() }).optional(),
  message: z.object({ ts: z.string() }).optional(),
  response_url: z.string().optional(),
  actions: z
    .array(
      z.object({
        action_id: z.string(),
        value: z.string().optional(),
        type: z.string().optional(),
      }),
    )
    .min(1),
});

const ACTIONS: Record<string, SlackPress["action"]> = {
  [APPROVE_ACTION]: "approve",
  [REJECT_ACTION]: "reject",
};

/** Slack's `response_url`s live on its hooks host (GovSlack's too); nothing else is posted to. */
const trustedResponseUrl = (url: string | undefined): string | null =>
  url && /^https:\/\/hooks\.slack(-gov)?\.com\/[^\s]*$/.test(url) ? url : null;

/**
 * Reads an interactivity request's body (`payload=<JSON>`, form-encoded) into a press of one of
 * CodeHealer's buttons, or says why it is not one: another type of interaction (a shortcut, a
 * modal), another app's button, a value that is not ours. Pure.
 */
export function parseInteraction(
  body: Uint8Array,
): { kind: "press"; press: SlackPress } | { kind: "ignored"; reason: string } {
  const raw = new URLSearchParams(Buffer.from(body).toString("utf8")).get("payload");
  if (raw === null) return { kind: "ignored", reason: "no payload field" };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { kind: "ignored", reason: "payload is not JSON" };
  }
  const type = (json as { type?: unknown } | null)?.type;
  if (type !== "block_actions")
    return { kind: "ignored", reason: `interaction of type ${JSON.stringify(type)}` };
  const parsed = blockActions.safeParse(json);
  if (!parsed.success)
    return {
      kind: "ignored",
      reason: `block_actions payload lacks ${parsed.error.issues[0]?.path.join(".") || "a field"}`,
    };
  const payload = parsed.data;
  const [pressed] = payload.actions;
  const action = pressed ? ACTIONS[pressed.action_id] : undefined;
  if (!pressed || action === undefined)
    return { kind: "ignored", reason: `action ${JSON.stringify(pressed?.action_id)} is not ours` };
  const value: ButtonValue | null = decodeButtonValue(pressed.value);
  if (value === null)
    return { kind: "ignored", reason: `${pressed.action_id} carries no incident` };
  return {
    kind: "press",
    press: {
      action,
      user: payload.user.id,
      incidentId: value.incident,
      approve: value.approve,
      channel: payload.container?.channel_id ?? payload.channel?.id ?? null,
      messageTs: payload.container?.message_ts ?? payload.message?.ts ?? null,
      responseUrl: trustedResponseUrl(payload.response_url),
    },
  };
}
