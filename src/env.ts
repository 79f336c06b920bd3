import { getPrivateKey } from "@probot/get-private-key";
import { z } from "zod";
import { readLlmSettings } from "./llm/settings.ts";
import type { LlmSettings } from "./llm/types.ts";
import { approversSchema, channelIdSchema, channelMapSchema } from "./slack/settings.ts";

const port = z.coerce.number().int().min(0).max(65_535);

/** Environment variables CodeHealer reads, validated once at start-up. */
const envSchema = z.object({
  /** The GitHub App's id, from its settings page. */
  APP_ID: z.string().regex(/^\d+$/, "must be the numeric GitHub App id").optional(),
  /** The secret GitHub signs webhook deliveries with. */
  WEBHOOK_SECRET: z.string().min(1).optional(),
  /** A Postgres URL (with pgvector); without it the embedded PGlite database is used. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must start with postgres://")
    .optional(),
  /** Where the embedded database keeps its files. */
  CODEHEALER_DATA_DIR: z.string().min(1).default("./.codehealer/db"),
  /** Which half of the app this process runs: the webhook intake, the worker, or both. */
  CODEHEALER_ROLE: z.enum(["web", "worker", "all"]).default("all"),
  /**
   * Every repository in dry run: each step is logged and audited as `[dry-run] Would …` and none
   * is performed. For trying CodeHealer on an organisation before letting it act.
   */
  CODEHEALER_DRY_RUN: z
    .enum(["true", "false", "1", "0"], { message: "must be true or false" })
    .default("false")
    .transform((value) => value === "true" || value === "1"),
  /** How many jobs one worker process runs at once. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  PORT: port.default(3000),
  /** The interface to listen on; Docker images set 0.0.0.0. */
  HOST: z.string().min(1).default("localhost"),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  LOG_FORMAT: z.enum(["json", "pretty"]).optional(),
  /** GitHub Enterprise Server host name, when not github.com. */
  GHE_HOST: z.string().min(1).optional(),
  /**
   * The REST API's full base URL, when neither github.com nor `https://<GHE_HOST>/api/v3` is
   * right: a GitHub Enterprise Server behind a proxy, or a stand-in GitHub on loopback
   * (`npm run bench:e2e`). Overrides the URL GHE_HOST implies.
   */
  GITHUB_API_URL: z
    .url({
      protocol: /^https?$/,
      message: "must be an http(s) URL, such as https://ghe.example.com/api/v3",
    })
    .transform((url) => url.replace(/\/+$/, ""))
    .optional(),
  /**
   * The Slack app's bot token: notifications (with `chat:write`), approvals, and
   * `codehealer ingest-slack`. See docs/slack.md.
   */
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xoxb-/, "must be a Slack bot token (xoxb-…)")
    .optional(),
  /** Another Slack API root, such as GovSlack's `https://slack-gov.com/api/`. */
  SLACK_API_URL: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).optional(),
  /** The channel incident notifications go to when SLACK_CHANNELS names none for a repository. */
  SLACK_CHANNEL: channelIdSchema.optional(),
  /** Channels per repository or owner: `acme/api=C0123456789,acme=C0456789012`. */
  SLACK_CHANNELS: channelMapSchema.optional(),
  /** Who may approve or reject in Slack: user ids (`U…`) and user group ids (`S…`). */
  SLACK_APPROVERS: approversSchema.optional(),
  /**
   * The Slack app's signing secret (Basic Information → App Credentials): turns on
   * `POST /slack/interactions`, where the Approve and Reject buttons are answered.
   */
  SLACK_SIGNING_SECRET: z.string().min(8, "must be the app's signing secret").optional(),
});

export type Env = z.infer<typeof envSchema> & {
  /** The App's private key (PEM), from PRIVATE_KEY or the file named by PRIVATE_KEY_PATH. */
  privateKey: string | undefined;
  /** The LLM endpoints (`OPENAI_BASE_URL`, `OPENAI_API_KEY`, `CODEHEALER_LLM_*`); null for none. */
  llm: LlmSettings | null;
};

/** Reads and validates the environment; the error names every variable that is wrong. */
export function readEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const parsed = envSchema.safeParse(blankless);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `  ${issue.path.join(".")}: ${issue.message}`,
    );
    throw new Error(`Invalid environment:\n${problems.join("\n")}`);
  }
  let privateKey: string | undefined;
  try {
    privateKey = getPrivateKey({ env })?.toString() ?? undefined;
  } catch (error) {
    throw new Error(`Invalid environment:\n  PRIVATE_KEY: ${(error as Error).message}`);
  }
  return { ...parsed.data, privateKey, llm: readLlmSettings(env) };
}

/** The GitHub App settings that are missing, in the words a user must set. */
export function missingAppCredentials(env: Env): string[] {
  return [
    env.APP_ID ? null : "APP_ID",
    env.privateKey ? null : "PRIVATE_KEY (or PRIVATE_KEY_PATH)",
    env.WEBHOOK_SECRET ? null : "WEBHOOK_SECRET",
  ].filter((name): name is string => name !== null);
}
