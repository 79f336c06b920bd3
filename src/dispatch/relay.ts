import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import pino, { type Logger } from "pino";
import { z } from "zod";
import type { AnomalyDetected, ErrorDetected } from "./client-payload.ts";
import { fromAlertmanager } from "./from-alertmanager.ts";
import { fromSentry } from "./from-sentry.ts";

/**
 * The relay: Sentry and Alertmanager post their own webhooks, GitHub's dispatch API wants
 * `{ event_type, client_payload }` and a token. This small server takes the first, checks who
 * sent it, maps it (from-sentry.ts, from-alertmanager.ts) and makes the second. Run it beside
 * CodeHealer or anywhere that can reach GitHub: `node src/dispatch/relay.ts`
 * (docs/integrations.md).
 */

/** The relay's settings, read once at start-up. */
const relayEnv = z
  .object({
    /** A token that may create dispatches on the target repositories (contents: write). */
    GITHUB_TOKEN: z.string().min(1, "must be a token with contents: write on the repositories"),
    /** The Client Secret of the Sentry internal integration; Sentry signs with it. */
    SENTRY_CLIENT_SECRET: z.string().min(1).optional(),
    /** The bearer token Alertmanager's `http_config.authorization` sends. */
    ALERTMANAGER_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    /** GitHub's API root; GitHub Enterprise Server's is `https://<host>/api/v3`. */
    GITHUB_API_URL: z.url().default("https://api.github.com"),
    PORT: z.coerce.number().int().min(0).max(65_535).default(8787),
    HOST: z.string().min(1).default("127.0.0.1"),
  })
  .refine((env) => env.SENTRY_CLIENT_SECRET || env.ALERTMANAGER_TOKEN, {
    message: "set SENTRY_CLIENT_SECRET, ALERTMANAGER_TOKEN or both: nothing to relay otherwise",
  });
export type RelayEnv = z.infer<typeof relayEnv>;

/** What the relay asks GitHub to dispatch. */
export type DispatchBody =
  | { event_type: "error-detected"; client_payload: ErrorDetected }
  | { event_type: "anomaly-detected"; client_payload: AnomalyDetected };

export type RelayDeps = {
  sentrySecret?: string | undefined;
  alertmanagerToken?: string | undefined;
  /** Creates the dispatch on GitHub; throws with GitHub's answer when it is refused. */
  dispatch: (repository: string, body: DispatchBody) => Promise<void>;
  log: Logger;
};

export type RelayRequest = {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
};
export type RelayAnswer = { status: number; body: Record<string, unknown> };

const ROUTE = /^\/(sentry|alertmanager)\/([\w.-]+)\/([\w.-]+)\/?$/;

const header = (request: RelayRequest, name: string) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const same = (a: string, b: string) => {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
};

// Sentry signs the body with the integration's Client Secret (HMAC-SHA256, hex). Its own
// examples sign `JSON.stringify(body)`, which is the body as sent when Sentry sends it compact.
function signedBySentry(request: RelayRequest, secret: string, parsed: unknown): boolean {
  const signature = header(request, "sentry-hook-signature") ?? "";
  const sign = (text: string) => createHmac("sha256", secret).update(text, "utf8").digest("hex");
  return same(sign(request.body), signature) || same(sign(JSON.stringify(parsed)), signature);
}

const answer = (status: number, body: Record<string, unknown>): RelayAnswer => ({ status, body });

/**
 * One request to the relay:
 * 1. the route names the source and the repository: `POST /sentry/{owner}/{repo}`,
 *    `POST /alertmanager/{owner}/{repo}`;
 * 2. the sender is checked: Sentry's signature, Alertmanager's bearer token;
 * 3. the webhook is mapped to client_payloads (what cannot be is skipped, with the reason);
 * 4. each is dispatched to the repository. GitHub refusing one answers 502, so that
 *    Alertmanager tries again; CodeHealer finds a dispatch it already had by its occurrence.
 */
export async function relay(deps: RelayDeps, request: RelayRequest): Promise<RelayAnswer> {
  const route = ROUTE.exec(request.path.split("?")[0] ?? "");
  if (!route) return answer(404, { error: "POST /sentry/{owner}/{repo} or /alertmanager/…" });
  if (request.method !== "POST") return answer(405, { error: "only POST" });
  const [, source = "", owner = "", repo = ""] = route;
  const repository = `${owner}/${repo}`;
  const secret = source === "sentry" ? deps.sentrySecret : deps.alertmanagerToken;
  if (!secret) return answer(404, { error: `the relay has no ${source} secret configured` });
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body);
  } catch {
    return answer(400, { error: "the body is not JSON" });
  }
  const trusted =
    source === "sentry"
      ? signedBySentry(request, secret, parsed)
      : same(header(request, "authorization") ?? "", `Bearer ${secret}`);
  if (!trusted) return answer(401, { error: `not signed by the configured ${source} secret` });

  const bodies: DispatchBody[] = [];
  const skipped: string[] = [];
  if (source === "sentry") {
    const mapped = fromSentry(header(request, "sentry-hook-resource") ?? "", parsed);
    if (mapped.ok) bodies.push({ event_type: "error-detected", client_payload: mapped.payload });
    else skipped.push(mapped.reason);
  } else {
    const mapped = fromAlertmanager(parsed);
    for (const payload of mapped.payloads)
      bodies.push({ event_type: "anomaly-detected", client_payload: payload });
    skipped.push(...mapped.skipped);
  }
  for (const reason of skipped) deps.log.info({ source, repository }, `not relayed: ${reason}`);
  try {
    for (const body of bodies) await deps.dispatch(repository, body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    deps.log.warn({ source, repository }, reason);
    return answer(502, { error: reason, skipped });
  }
  deps.log.info({ source, repository, dispatched: bodies.length }, "relayed");
  return answer(200, { dispatched: bodies.length, skipped });
}

/** Creates dispatches through GitHub's REST API with `token`. */
export function githubDispatch(apiUrl: string, token: string): RelayDeps["dispatch"] {
  return async (repository, body) => {
    const response = await fetch(`${apiUrl.replace(/\/$/, "")}/repos/${repository}/dispatches`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        accept: "application/vnd.github+json",
        "content-type": "application/json",
        "user-agent": "codehealer-relay",
        "x-github-api-version": "2022-11-28",
      },
      body: JSON.stringify(body),
    });
    if (response.status === 204) return;
    const said = ((await response.json().catch(() => ({}))) as { message?: unknown }).message;
    throw new Error(
      `GitHub answered ${response.status} to the ${body.event_type} dispatch for ${repository}${typeof said === "string" ? `: ${said}` : ""}${response.status === 404 ? " (a token without contents: write on it gets 404)" : ""}`,
    );
  };
}

/** The most a webhook body may be: Sentry's events with long stack traces stay well under it. */
const BODY_LIMIT = 5 * 1024 * 1024;

/** Starts the relay on `PORT`; the environment is validated first, naming what is wrong. */
export async function startRelay(
  env: Record<string, string | undefined> = process.env,
  log: Logger = pino({ name: "codehealer-relay" }),
): Promise<{ server: Server; port: number }> {
  const parsed = relayEnv.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`relay settings: ${issue?.path.join(".") || "environment"}: ${issue?.message}`);
  }
  const settings = parsed.data;
  const deps: RelayDeps = {
    sentrySecret: settings.SENTRY_CLIENT_SECRET,
    alertmanagerToken: settings.ALERTMANAGER_TOKEN,
    dispatch: githubDispatch(settings.GITHUB_API_URL, settings.GITHUB_TOKEN),
    log,
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > BODY_LIMIT) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const request = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
    };
    const result = await relay(deps, request).catch((error: unknown) => {
      log.error({ err: error }, "relay failed");
      return answer(500, { error: "the relay failed; see its log" });
    });
    res.writeHead(result.status, { "content-type": "application/json" });
    res.end(JSON.stringify(result.body));
  });
  await new Promise<void>((resolve) => server.listen(settings.PORT, settings.HOST, resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : settings.PORT;
  log.info({ port }, "relaying Sentry and Alertmanager webhooks to GitHub's dispatch API");
  return { server, port };
}

if (import.meta.main) await startRelay();
