import { generateKeyPairSync, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { sign } from "@octokit/webhooks-methods";

export const WEBHOOK_SECRET = "test-webhook-secret";

/** A throwaway App private key made for the test run; no key is kept in the repository. */
export const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
  type: "pkcs1",
  format: "pem",
}) as string;

/** Environment for a configured CodeHealer talking to an intercepted GitHub. */
export const appEnv = {
  APP_ID: "123",
  PRIVATE_KEY: privateKey,
  WEBHOOK_SECRET,
  LOG_LEVEL: "silent",
} as const;

/** A recorded payload from fixtures/webhooks (see its README for where each came from). */
export function webhookFixture(name: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/webhooks/${name}.json`, import.meta.url), "utf8"),
  );
}

/** POSTs a delivery the way GitHub does: JSON body, event and GUID headers, HMAC-SHA256 signature. */
export async function deliver(
  baseUrl: string,
  event: string,
  body: string | Record<string, unknown>,
  options: { id?: string; secret?: string; signature?: string | null } = {},
): Promise<Response> {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": options.id ?? randomUUID(),
  };
  const signature =
    options.signature === undefined
      ? await sign(options.secret ?? WEBHOOK_SECRET, raw)
      : options.signature;
  if (signature !== null) headers["x-hub-signature-256"] = signature;
  return fetch(`${baseUrl}/api/github/webhooks`, { method: "POST", headers, body: raw });
}
