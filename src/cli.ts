#!/usr/bin/env node
import { createReadStream, existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { replayCommand, replayUsage } from "./cli/replay.ts";
import { diagnoseStream } from "./diagnosis/diagnose.ts";
import { memoryDiagnosisJson, memoryDiagnosisText } from "./diagnosis/memory-format.ts";
import { type MemoryDiagnosis, recall, withMemory } from "./diagnosis/memory-recall.ts";
import { reindex } from "./diagnosis/memory-reindex.ts";
import { rememberDiagnosis, rememberProblem } from "./diagnosis/memory-remember.ts";
import { type Env, readEnv } from "./env.ts";
import { calibrateCommand } from "./learning/calibrate-command.ts";
import type { Llm } from "./llm/analyse.ts";
import { createLlmClient } from "./llm/client.ts";
import { diagnoseOffline } from "./llm/offline.ts";
import type { LlmSettings } from "./llm/types.ts";
import { createLogger } from "./log.ts";
import { formatIngestReport, ingestSlackCommand, ingestSlackSettings } from "./slack/command.ts";
import { start } from "./start.ts";
import { type Database, migrate, migrationStatus, openDatabase } from "./store/database.ts";
import { jobCounts } from "./store/queue.ts";

const usage = `Usage: codehealer <command> [options]

Commands:
  start [--role web|worker|all]   run the app (default role: all; env CODEHEALER_ROLE)
  migrate [--db <dir>]            apply database migrations and exit
  jobs [--db <dir>]               show the durable queue's jobs by state (dead letters included)
  diagnose <file…|-> [--json] [--repo owner/name]
                                  diagnose CI logs; - reads standard input. Rules always; memory
                                  too when the database exists (nothing is created otherwise)
  remember <log-file> --fix "<what fixed it>" [--patch <file>] [--repo owner/name]
                                  remember what fixed the failure in a log
  ingest-slack --channel <id> [--since <date|30d>] [--dry-run]
                                  remember a Slack channel's answered failure threads
                                  (needs SLACK_BOT_TOKEN; see docs/slack.md)
  calibrate [--json] [--repo owner/name] [--config <codehealer.yml>]
                                  success rate per confidence bucket from past outcomes, the
                                  calibration error, and recommended thresholds (docs/learning.md)
  reindex [--batch 500]           recompute stored fingerprints and embeddings after an
                                  algorithm or model change (resumable)
  replay <webhook.json> [--log <file>] [--config <codehealer.yml>] [--dry-run] [--json]
                                  run the pipeline on a recorded event and print the plan; never
                                  writes to GitHub or the database (replay --help, docs/replay.md)

The database is DATABASE_URL when set, otherwise the embedded one in CODEHEALER_DATA_DIR
(default ./.codehealer/db); --db <dir> chooses another embedded folder.
`;

/** The command line: each command is a few lines that call into the app. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      role: { type: "string" },
      db: { type: "string" },
      json: { type: "boolean" },
      repo: { type: "string" },
      fix: { type: "string" },
      patch: { type: "string" },
      batch: { type: "string" },
      channel: { type: "string" },
      since: { type: "string" },
      "dry-run": { type: "boolean" },
      log: { type: "string", multiple: true },
      config: { type: "string" },
      event: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
  });
  if (command === "replay" && values.help) {
    process.stdout.write(replayUsage);
    return 0;
  }
  if (!command || values.help || command === "help") {
    process.stdout.write(usage);
    return command ? 0 : 1;
  }
  const env = readEnv({
    ...process.env,
    ...(values.db ? { CODEHEALER_DATA_DIR: values.db, DATABASE_URL: "" } : {}),
  });
  switch (command) {
    case "start": {
      const role = values.role ?? env.CODEHEALER_ROLE;
      if (role !== "web" && role !== "worker" && role !== "all")
        throw new Error(`--role must be web, worker or all, not ${role}`);
      const running = await start(env, role);
      const shutdown = () => {
        running.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once("SIGTERM", shutdown);
      process.once("SIGINT", shutdown);
      return new Promise(() => {});
    }
    case "migrate": {
      const database = await openDatabase({
        url: env.DATABASE_URL,
        dataDir: env.CODEHEALER_DATA_DIR,
      });
      await migrate(database);
      const status = await migrationStatus(database);
      process.stdout.write(
        `migrations: ${status.applied} applied, ${status.expected} shipped (${database.driver})\n`,
      );
      await database.close();
      return 0;
    }
    case "jobs": {
      const database = await openDatabase({
        url: env.DATABASE_URL,
        dataDir: env.CODEHEALER_DATA_DIR,
      });
      const counts = await jobCounts(database);
      for (const row of counts)
        process.stdout.write(`${row.queue.padEnd(16)} ${row.state.padEnd(10)} ${row.count}\n`);
      if (counts.length === 0) process.stdout.write("no jobs\n");
      await database.close();
      return 0;
    }
    case "diagnose": {
      if (positionals.length === 0)
        throw new Error("diagnose needs a log file, or - for standard input");
      const repository = repositoryOption(values.repo);
      const memory = await openMemory(env);
      const llm = env.llm ? await offlineLlm(env.llm, memory) : null;
      let failed = 0;
      try {
        for (const file of positionals) {
          try {
            const input = file === "-" ? process.stdin : createReadStream(file);
            const rules = await diagnoseStream(input);
            const remembered = memory
              ? await recall(memory.db, rules, { repository })
              : withMemory(rules, []);
            const diagnosis = llm
              ? ((await diagnoseOffline(llm.llm, remembered, file)) as MemoryDiagnosis)
              : remembered;
            process.stdout.write(
              values.json
                ? `${memoryDiagnosisJson(file, diagnosis)}\n`
                : memoryDiagnosisText(file, diagnosis),
            );
          } catch (error) {
            failed++;
            process.stderr.write(`codehealer: ${file}: ${messageOf(error)}\n`);
          }
        }
      } finally {
        await llm?.close();
        await memory?.close();
      }
      return failed > 0 ? 1 : 0;
    }
    case "remember": {
      const [file, ...extra] = positionals;
      if (!file || extra.length > 0 || !values.fix?.trim())
        throw new Error(
          'remember needs one log file and what fixed it: remember <log-file> --fix "…"',
        );
      const repository = repositoryOption(values.repo);
      // Everything is checked before the database is opened: a refused call stores nothing.
      if ((await stat(file)).size === 0) throw new Error(`${file} is empty: nothing to remember`);
      const patch = values.patch ? await readFile(values.patch, "utf8") : null;
      const diagnosis = await diagnoseStream(createReadStream(file));
      const problem = rememberProblem(diagnosis);
      if (problem) throw new Error(`${file}: not remembered: ${problem}`);
      const database = await openDatabase({
        url: env.DATABASE_URL,
        dataDir: env.CODEHEALER_DATA_DIR,
      });
      try {
        await migrate(database);
        const solution = await rememberDiagnosis(database.db, diagnosis, {
          fix: values.fix,
          patch,
          repository,
        });
        const updated = solution.createdAt.getTime() !== solution.updatedAt.getTime();
        process.stdout.write(
          [
            `${updated ? "updated" : "remembered"} ${solution.sourceRef} (${solution.id})`,
            `  ${solution.category}: ${solution.errorLine ?? ""}`,
            `  fix: ${solution.fix}${solution.patch ? " (with a patch)" : ""}`,
            `  repository: ${solution.repository ?? "any"}  record: ${solution.successes} worked, ${solution.failures} did not`,
            "",
          ].join("\n"),
        );
      } finally {
        await database.close();
      }
      return 0;
    }
    case "ingest-slack": {
      const args = {
        channel: values.channel,
        since: values.since,
        dryRun: values["dry-run"] ?? false,
      };
      ingestSlackSettings(args); // a wrong channel or token is reported before anything is opened
      // The database before Slack: a fresh --db folder has no tables yet.
      const database = await openDatabase({
        url: env.DATABASE_URL,
        dataDir: env.CODEHEALER_DATA_DIR,
      });
      try {
        await migrate(database);
        const report = await ingestSlackCommand(args, {
          db: database.db,
          log: await createLogger({ ...env, LOG_LEVEL: "warn" }),
        });
        process.stdout.write(formatIngestReport(report, args.dryRun));
      } finally {
        await database.close();
      }
      return 0;
    }
    case "reindex": {
      const batch = values.batch === undefined ? 500 : Number(values.batch);
      const database = await openDatabase({
        url: env.DATABASE_URL,
        dataDir: env.CODEHEALER_DATA_DIR,
      });
      try {
        await migrate(database);
        const report = await reindex(database.db, {
          batch,
          onBatch: ({ table, done }) => process.stderr.write(`reindexed ${done} ${table}\n`),
        });
        process.stdout.write(
          `reindexed ${report.solutions} solutions and ${report.incidents} incidents (${database.driver})\n`,
        );
      } finally {
        await database.close();
      }
      return 0;
    }
    case "calibrate":
      return calibrateCommand(
        {
          json: values.json ?? false,
          repository: repositoryOption(values.repo),
          config: values.config,
        },
        env,
      );
    case "replay":
      return replayCommand(
        {
          files: positionals,
          logs: values.log ?? [],
          config: values.config,
          event: values.event,
          dryRun: values["dry-run"] ?? false,
          json: values.json ?? false,
        },
        { ...env, LOG_LEVEL: process.env.LOG_LEVEL, GITHUB_TOKEN: process.env.GITHUB_TOKEN },
      );
    default:
      process.stderr.write(`codehealer: unknown command ${command}\n\n${usage}`);
      return 2;
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function repositoryOption(repo: string | undefined): string | undefined {
  if (repo !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(repo))
    throw new Error(`--repo must be owner/name, not ${repo}`);
  return repo;
}

/**
 * The database memory lives in, for `diagnose`: only one that already exists (DATABASE_URL, or
 * the embedded folder) and is migrated. Without it diagnose still answers from the rules alone,
 * and says why on standard error.
 */
async function openMemory(env: Env): Promise<Database | null> {
  if (!env.DATABASE_URL && !existsSync(env.CODEHEALER_DATA_DIR)) return null;
  let database: Database | undefined;
  try {
    database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.CODEHEALER_DATA_DIR });
    if ((await migrationStatus(database)).current) return database;
    process.stderr.write("codehealer: memory not consulted: run codehealer migrate first\n");
  } catch (error) {
    process.stderr.write(`codehealer: memory not consulted: ${messageOf(error)}\n`);
  }
  await database?.close();
  return null;
}

/**
 * The LLM for `diagnose`: its cache and usage live in the memory's database when there is
 * one, else in a throwaway in-memory one.
 */
async function offlineLlm(
  settings: LlmSettings,
  memory: Database | null,
): Promise<{ llm: Llm; close(): Promise<void> }> {
  const log = pino({ level: process.env.LOG_LEVEL ?? "warn" }, pino.destination(2));
  const database = memory ?? (await openDatabase({ dataDir: "memory://" }));
  if (!memory) await migrate(database);
  return {
    llm: { settings, client: createLlmClient(settings, { db: database.db, log }) },
    close: async () => {
      if (!memory) await database.close();
    },
  };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // A plain message, not a stack trace: these are configuration problems a user can fix.
    process.stderr.write(`codehealer: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.LOG_LEVEL === "debug" && error instanceof Error)
      process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
