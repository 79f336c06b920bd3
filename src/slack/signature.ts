import { createHmac, timingSafeEqual } from "node:crypto";

/** How far a request's timestamp may be from now, either way: Slack's own five minutes. */
export const SIGNATURE_WINDOW_SECONDS = 5 * 60;

/** A request that passed, or why it did not, in a few words for the log. */
export type SignatureCheck =
  | { ok: true; signature: string; timestamp: number }
  | { ok: false; reason: string };

/** The two headers Slack signs a request with, as Node hands them over. */
export type SignedRequest = {
  body: Uint8Array;
  signature: string | string[] | undefined;
  timestamp: string | string[] | undefined;
};

const single = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;

/**
 * Checks Slack's signature on a request (version `v0`): `X-Slack-Signature` must be `v0=` and
 * the hex HMAC-SHA256, keyed by the signing secret, of `v0:<timestamp>:<raw body>`, compared in
 * constant time; `X-Slack-Request-Timestamp` must be within five minutes of now, in either
 * direction. The body is the bytes as received: any re-encoding would change the HMAC.
 * Replays within the window are the caller's to refuse (`firstSighting`).
 */
export function verifySlackSignature(
  secret: string,
  request: SignedRequest,
  now: Date,
): SignatureCheck {
  const signature = single(request.signature);
  const stamp = single(request.timestamp);
  if (signature === undefined || stamp === undefined)
    return { ok: false, reason: "unsigned: no X-Slack-Signature or X-Slack-Request-Timestamp" };
  if (!/^\d{1,12}$/.test(stamp)) return { ok: false, reason: "malformed timestamp" };
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: "malformed signature" };
  const expected = createHmac("sha256", secret)
    .update(`v0:${stamp}:`)
    .update(request.body)
    .digest();
  const given = Buffer.from(signature.slice(3), "hex");
  if (!timingSafeEqual(given, expected)) return { ok: false, reason: "bad signature" };
  const timestamp = Number(stamp);
  const skew = timestamp - Math.floor(now.getTime() / 1000);
  if (skew < -SIGNATURE_WINDOW_SECONDS)
    return { ok: false, reason: `stale timestamp (${-skew} s old)` };
  if (skew > SIGNATURE_WINDOW_SECONDS)
    return { ok: false, reason: `timestamp ${skew} s in the future` };
  return { ok: true, signature, timestamp };
}

/** Signs a request as Slack does: what tests send, and how to check a captured request by hand. */
export function signSlackRequest(secret: string, timestamp: number, body: string): string {
  const hmac = createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex");
  return `v0=${hmac}`;
}
