import type { Server } from "node:http";
import { sql } from "drizzle-orm";
import { Probot, ProbotOctokit } from "probot";
import { type Env, missingAppCredentials } from "./env.ts";
import codehealer from "./index.ts";
import { createLlmClient } from "./llm/client.ts";
import { createLogger } from "./log.ts";
import { checkSlackEnv, setUpSlack } from "./slack/setup.ts";
import type { Database } from "./store/database.ts";
import { migrate, migrationStatus, openDatabase, rows } from "./store/database.ts";
import { createInbox } from "./store/inbox.ts";
import { startQueue } from "./store/queue.ts";
import { createMetrics } from "./web/metrics.ts";
import { createHttpServer, WEBHOOK_PATH } from "./web/server.ts";
import { startWorker, unauthenticatedOctokit } from "./worker.ts";

export type Role = Env["CODEHEALER_ROLE"];

/** A running CodeHealer process; `stop()` lets in-flight jobs finish, then closes everything. */
export type Running = { server: Server; port: number; database: Database; stop(): Promise<void> };

/**
 * Starts a CodeHealer process:
 * 1. open the store and apply migrations;
 * 2. start the durable queue;
 * 3. (web) take webhooks: store, queue, acknowledge; and Slack's buttons when set up;
 * 4. (worker) run the pipeline from the queue, notifying Slack when set up;
 * 5. serve health and metrics either way.
 */
export async function start(env: Env, role: Role = env.CODEHEALER_ROLE): Promise<Running> {
  const log = await createLogger(env);
  if (role !== "all" && !env.DATABASE_URL) {
    throw new Error(
      `--role ${role} needs DATABASE_URL: the embedded database belongs to one process, so web and worker ` +
        "processes can only be separated when they share a Postgres. Use --role all, or set DATABASE_URL.",
    );
  }
  checkSlackEnv(env);
  const missing = missingAppCredentials(env);
  const setupHint = missing.length > 0 ? setupMessage(missing, env.PORT) : undefined;
  if (setupHint) log.warn(setupHint);

  // A job holding a lock (src/store/lock.ts) keeps one connection while it works through
  // others: two per job, and room for the queue and the web side.
  const database = await openDatabase({
    url: env.DATABASE_URL,
    dataDir: env.CODEHEALER_DATA_DIR,
    poolSize: Math.max(10, 2 * env.WORKER_CONCURRENCY + 6),
  });
  await migrate(database);
  const queue = await startQueue(database, { log });
  const metrics = createMetrics({ db: database.db, jobCounts: queue.counts });
  const baseUrl = githubApiUrl(env);
  const probot = setupHint
    ? null
    : new Probot({
        appId: env.APP_ID,
        privateKey: env.privateKey,
        secret: env.WEBHOOK_SECRET,
        log,
        ...(baseUrl ? { baseUrl } : {}),
        Octokit: ProbotOctokit,
      });

  const octokitFor = probot
    ? async (id: number | null) => (id ? probot.auth(id) : probot.auth())
    : unauthenticatedOctokit;
  const slack = setUpSlack(env, { db: database.db, log, octokitFor });

  let stopWorker = () => {};
  if (role !== "web") {
    stopWorker = await startWorker(
      {
        db: database.db,
        queue,
        log,
        appId: env.APP_ID ? Number(env.APP_ID) : null,
        octokitFor,
        metrics,
        notifier: slack.notifier,
        dryRun: env.CODEHEALER_DRY_RUN,
        llm: env.llm
          ? {
              settings: env.llm,
              client: createLlmClient(env.llm, { db: database.db, log, metrics }),
            }
          : null,
      },
      queue,
      env.WORKER_CONCURRENCY,
    );
  }
  const server = await createHttpServer({
    log,
    metrics,
    setupHint,
    slackInteractions: role !== "worker" ? (slack.interactions ?? undefined) : undefined,
    webhooks:
      role !== "worker" && probot
        ? {
            probot,
            app: codehealer({
              inbox: createInbox(database.db, queue),
              log,
              onDelivery: metrics.deliveryReceived,
            }),
          }
        : undefined,
    readiness: {
      database: async () =>
        (await rows(database.db, sql`select 1 as ok`)).length === 1 ? null : "no answer",
      migrations: async () => {
        const status = await migrationStatus(database);
        return status.current ? null : `${status.applied} of ${status.expected} migrations applied`;
      },
      github: async () =>
        setupHint ? `GitHub App not configured: set ${missing.join(", ")}` : null,
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(env.PORT, env.HOST, () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : env.PORT);
    });
  });
  log.info(
    { role, port, database: database.driver },
    `CodeHealer listening on http://${env.HOST}:${port}`,
  );

  return {
    server,
    port,
    database,
    async stop() {
      stopWorker();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await slack.interactions?.idle();
      await queue.stop();
      await database.close();
    },
  };
}

/** The REST API's base URL: GITHUB_API_URL, else GHE_HOST's, else github.com (Probot's default). */
function githubApiUrl(env: Env): string | undefined {
  return env.GITHUB_API_URL ?? (env.GHE_HOST ? `https://${env.GHE_HOST}/api/v3` : undefined);
}

function setupMessage(missing: string[], port: number): string {
  return [
    "CodeHealer is running, but it is not connected to a GitHub App yet, so it cannot take webhooks.",
    `Set ${missing.join(", ")} and restart.`,
    "To create the App: open GitHub → Settings → Developer settings → GitHub Apps → New GitHub App,",
    "or register it from app.yml in this repository (permissions and events are listed there; see docs/deployment.md).",
    `Point its webhook URL at http(s)://<this host>:${port}${WEBHOOK_PATH} and give it the same WEBHOOK_SECRET.`,
    "",
  ].join("\n");
}
