#!/usr/bin/env node
import { createReadStream } from "node:fs";
import { parseArgs } from "node:util";
import { diagnoseStream } from "./diagnosis/diagnose.ts";
import { diagnosisJson, diagnosisText } from "./diagnosis/format.ts";
import { readEnv } from "./env.ts";
import { start } from "./start.ts";
import { migrate, migrationStatus, openDatabase } from "./store/database.ts";
import { jobCounts } from "./store/queue.ts";

const usage = `Usage: codehealer <command> [options]

Commands:
  start [--role web|worker|all]   run the app (default role: all; env CODEHEALER_ROLE)
  migrate [--db <dir>]            apply database migrations and exit
  jobs [--db <dir>]               show the durable queue's jobs by state (dead letters included)
  diagnose <file…|-> [--json]     diagnose CI logs offline; - reads standard input

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
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
  });
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
      let failed = 0;
      for (const file of positionals) {
        try {
          const input = file === "-" ? process.stdin : createReadStream(file);
          const diagnosis = await diagnoseStream(input);
          process.stdout.write(
            values.json ? `${diagnosisJson(file, diagnosis)}\n` : diagnosisText(file, diagnosis),
          );
        } catch (error) {
          failed++;
          process.stderr.write(
            `codehealer: ${file}: ${error instanceof Error ? error.message : String(error)}\n`,
          );
        }
      }
      return failed > 0 ? 1 : 0;
    }
    default:
      process.stderr.write(`codehealer: unknown command ${command}\n\n${usage}`);
      return 2;
  }
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
