import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import { type ApplicationFunction, createNodeMiddleware, type Probot } from "probot";
import {
  INTERACTIONS_PATH,
  MAX_INTERACTION_BYTES,
  type SlackInteractions,
} from "../slack/interactions.ts";
import type { Metrics } from "./metrics.ts";

/** GitHub caps webhook payloads at 25 MB; anything larger is not from GitHub. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;
export const WEBHOOK_PATH = "/api/github/webhooks";

export type ServerOptions = {
  log: Logger;
  metrics: Pick<Metrics, "registry">;
  /** Readiness checks; each returns null when fine or a sentence saying what is wrong. */
  readiness: Record<string, () => Promise<string | null>>;
  /** The webhook intake: absent in a worker-only process, or when the App is not configured. */
  webhooks?: { probot: Probot; app: ApplicationFunction } | undefined;
  /** What to tell a visitor (and a webhook sender) when the App is not configured. */
  setupHint?: string | undefined;
  /** Slack's Approve / Reject buttons: `POST /slack/interactions`, only when SLACK_SIGNING_SECRET is set. */
  slackInteractions?: SlackInteractions | undefined;
};

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/**
 * The HTTP face of a process: Probot's webhook middleware (behind a body-size limit),
 * /health/live, /health/ready, /metrics and, when Slack is set up, /slack/interactions.
 * Nothing else listens.
 */
export async function createHttpServer(options: ServerOptions): Promise<Server> {
  const { log } = options;
  const webhook = options.webhooks
    ? await createNodeMiddleware(options.webhooks.app, {
        probot: options.webhooks.probot,
        webhooksPath: WEBHOOK_PATH,
      })
    : null;
  const slack = options.slackInteractions;
  const routes: Record<string, Route> = {
    ...(slack ? { [`POST ${INTERACTIONS_PATH}`]: slackRoute(slack, log) } : {}),
    "GET /health/live": (_req, res) => json(res, 200, { status: "ok" }),
    "GET /health/ready": async (_req, res) => {
      const checks = await runChecks(options.readiness);
      const ok = Object.values(checks).every((value) => value === "ok");
      json(res, ok ? 200 : 503, { status: ok ? "ready" : "not ready", checks });
    },
    "GET /metrics": async (_req, res) => {
      const body = await options.metrics.registry.metrics();
      res.writeHead(200, { "content-type": options.metrics.registry.contentType }).end(body);
    },
    "GET /": (_req, res) =>
      text(
        res,
        200,
        options.setupHint ?? "CodeHealer is running. Webhooks go to POST /api/github/webhooks.\n",
      ),
  };

  return createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      if (path === WEBHOOK_PATH && req.method === "POST") {
        if (!webhook)
          return text(res, 503, options.setupHint ?? "This process does not take webhooks.\n");
        const body = await readBody(req, MAX_WEBHOOK_BYTES);
        if (body === null) {
          log.warn({ length: req.headers["content-length"] }, "webhook body over 25 MB refused");
          return text(res, 413, "payload larger than GitHub's 25 MB limit\n");
        }
        // Probot's middleware reads a pre-read body from `rawBody` (the Express convention).
        Object.assign(req, { body: {}, rawBody: body });
        await webhook(req, res);
        return;
      }
      const route = routes[`${req.method} ${path}`];
      if (route) return await route(req, res);
      text(res, 404, "not found\n");
    } catch (error) {
      log.error({ err: error, url: req.url }, "request failed");
      if (!res.headersSent) text(res, 500, "internal error\n");
      else res.end();
    }
  });
}

// Slack's interactivity requests: the raw body (the signature covers its exact bytes), capped.
function slackRoute(slack: SlackInteractions, log: Logger): Route {
  return async (req, res) => {
    const body = await readBody(req, MAX_INTERACTION_BYTES);
    if (body === null) {
      log.warn({ length: req.headers["content-length"] }, "Slack interaction over 64 KB refused");
      return text(res, 413, "payload too large\n");
    }
    const answer = await slack.receive({ body, headers: req.headers });
    text(res, answer.status, answer.body);
  };
}

/** Reads a request body, or returns null (and drains the rest) once it exceeds `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | null> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return null;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function runChecks(checks: ServerOptions["readiness"]): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const problem = await check().catch((error: unknown) =>
        error instanceof Error ? error.message : String(error),
      );
      return [name, problem ?? "ok"] as const;
    }),
  );
  return Object.fromEntries(entries);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(`${JSON.stringify(body)}\n`);
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(body);
}
