import type { IncomingHttpHeaders } from "node:http";
import { firstSighting } from "../store/slack-messages.ts";
import { parseInteraction } from "./interaction-payload.ts";
import { answerPress, type PressDeps } from "./press.ts";
import { SIGNATURE_WINDOW_SECONDS, verifySlackSignature } from "./signature.ts";

/** The most a Slack interaction's body may weigh; a button press is a few kilobytes. */
export const MAX_INTERACTION_BYTES = 64 * 1024;
export const INTERACTIONS_PATH = "/slack/interactions";

export type SlackInteractionsDeps = PressDeps & { signingSecret: string };

/** How the endpoint answers one request. */
export type InteractionAnswer = { status: number; body: string };

/** `POST /slack/interactions`, behind the HTTP server's body-size limit. */
export type SlackInteractions = {
  receive(request: { body: Uint8Array; headers: IncomingHttpHeaders }): Promise<InteractionAnswer>;
  /** Resolves once every press acknowledged so far has been carried out (tests; shutdown). */
  idle(): Promise<void>;
};

const UNAUTHORIZED: InteractionAnswer = { status: 401, body: "invalid request signature\n" };
const ACKNOWLEDGED: InteractionAnswer = { status: 200, body: "" };

/**
 * Slack's interactivity endpoint:
 * 1. verify the signature (`v0`, HMAC-SHA256 of the raw body) and the timestamp (five minutes
 *    either way); anything unsigned, stale or forged is a 401 and one log line;
 * 2. refuse a replay: the same signed request seen before, by any process (`firstSighting`);
 * 3. acknowledge at once — Slack shows the person an error unless it hears back within three
 *    seconds, and an approval talks to GitHub — then carry out the press (`answerPress`) in
 *    the background, its failures logged and told to the person. A press lost to a crash
 *    in between is pressed again: the buttons stay until an approval is carried out, and
 *    every step is idempotent.
 */
export function slackInteractions(deps: SlackInteractionsDeps): SlackInteractions {
  const inFlight = new Set<Promise<void>>();
  const log = deps.log.child({ component: "slack-interactions" });
  return {
    async receive({ body, headers }) {
      const now = deps.now();
      const check = verifySlackSignature(
        deps.signingSecret,
        {
          body,
          signature: headers["x-slack-signature"],
          timestamp: headers["x-slack-request-timestamp"],
        },
        now,
      );
      if (!check.ok) {
        log.warn(`Slack interaction refused: ${check.reason}`);
        return UNAUTHORIZED;
      }
      const seen = { signature: check.signature, timestamp: check.timestamp };
      if (!(await firstSighting(deps.db, seen, { now, windowSeconds: SIGNATURE_WINDOW_SECONDS }))) {
        log.warn("Slack interaction refused: replayed (its signature was seen before)");
        return UNAUTHORIZED;
      }
      const parsed = parseInteraction(body);
      if (parsed.kind === "ignored") {
        log.info(`Slack interaction ignored: ${parsed.reason}`);
        return ACKNOWLEDGED;
      }
      const { press } = parsed;
      const work: Promise<void> = answerPress(deps, press)
        .then(
          (said) => log.info({ incident: press.incidentId, user: press.user }, said),
          (error: unknown) =>
            log.error(
              { err: error, incident: press.incidentId, user: press.user },
              `Slack ${press.action} failed`,
            ),
        )
        .finally(() => inFlight.delete(work));
      inFlight.add(work);
      return ACKNOWLEDGED;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
