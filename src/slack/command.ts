import type { Logger } from "pino";
import { z } from "zod";
import type { Db } from "../store/database.ts";
import { slackClient } from "./client.ts";
import { type IngestReport, ingestSlack } from "./ingest.ts";
import { parseSince } from "./since.ts";

/** The Slack settings `codehealer ingest-slack` reads. */
const slackEnvSchema = z.object({
  /** The Slack app's bot token (OAuth & Permissions), with channels:history (groups:history for private channels). */
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, "must be a Slack bot token (xoxb-…)"),
  /** Another Slack API root, such as GovSlack's `https://slack-gov.com/api/`. */
  SLACK_API_URL: z.url().optional(),
});

export type IngestSlackArgs = {
  /** `--channel`: a channel id such as C0123456789. */
  channel?: string | undefined;
  /** `--since`: an ISO date or a span such as 30d. */
  since?: string | undefined;
  /** `--dry-run`: decide, store nothing. */
  dryRun?: boolean | undefined;
};

export type IngestSlackDeps = {
  /** A migrated database; the caller opens and closes it. */
  db: Db;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  now?: Date;
};

/** What `codehealer ingest-slack` needs, checked: each error names what to fix. */
export type IngestSlackSettings = {
  channel: string;
  since: Date | null;
  token: string;
  slackApiUrl: string | undefined;
};

/**
 * Checks the command's arguments and the Slack settings without touching Slack or the
 * database, so a mistake is reported before anything is opened.
 */
export function ingestSlackSettings(
  args: IngestSlackArgs,
  env: NodeJS.ProcessEnv = process.env,
  now: Date = new Date(),
): IngestSlackSettings {
  if (!args.channel || !/^[CG][A-Z0-9]{6,}$/.test(args.channel))
    throw new Error(
      `--channel must be a channel id such as C0123456789 (in Slack: the channel's details, at the bottom), not ${args.channel ? `"${args.channel}"` : "missing"}`,
    );
  const parsed = slackEnvSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== "")),
  );
  if (!parsed.success)
    throw new Error(
      `Invalid environment:\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`,
    );
  return {
    channel: args.channel,
    since: args.since ? parseSince(args.since, now) : null,
    token: parsed.data.SLACK_BOT_TOKEN,
    slackApiUrl: parsed.data.SLACK_API_URL,
  };
}

/**
 * `codehealer ingest-slack --channel C… [--since 30d] [--dry-run]`: checks its arguments and
 * the Slack settings (each error names what to fix), then ingests the channel.
 */
export async function ingestSlackCommand(
  args: IngestSlackArgs,
  { db, log, env = process.env, now = new Date() }: IngestSlackDeps,
): Promise<IngestReport> {
  const settings = ingestSlackSettings(args, env, now);
  const client = slackClient(settings.token, {
    log,
    ...(settings.slackApiUrl ? { slackApiUrl: settings.slackApiUrl } : {}),
  });
  return ingestSlack(
    { client, db, log },
    { channel: settings.channel, since: settings.since, dryRun: args.dryRun },
  );
}

/** The report as the command prints it: totals, each remembered thread, and skips by reason. */
export function formatIngestReport(report: IngestReport, dryRun = false): string {
  const lines = [
    `${report.threads} threads read, ${report.kept} answered about a failure, ${report.stored} stored${dryRun ? " (dry run)" : ""}`,
    ...report.solutions.map(
      (s) => `  ${dryRun ? "would store" : "stored"}  ${s.permalink}  ${s.category}`,
    ),
  ];
  const reasons = new Map<string, number>();
  for (const { reason } of report.skipped) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  for (const [reason, count] of [...reasons].sort((a, b) => b[1] - a[1]))
    lines.push(`  skipped ${String(count).padStart(4)}  ${reason}`);
  return `${lines.join("\n")}\n`;
}
