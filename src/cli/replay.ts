import pino from "pino";
import type { ActSources } from "../actions/act.ts";
import type { RunPullRequest } from "../actions/pull-request.ts";
import type { Env } from "../env.ts";
import { DEFAULT_CONFIG } from "../policy/config.ts";
import { CONFIG_PATH } from "../policy/config-file.ts";
import { ReplayInputError, readRecordedEvent } from "./replay-event.ts";
import { type ReplayReport, replayJson, replayText } from "./replay-format.ts";
import { type Replayed, replayEvent } from "./replay-run.ts";
import {
  type ConfigFromFile,
  checkLogFiles,
  fileJobSource,
  offlineOctokit,
  payloadPullRequest,
  readConfigFile,
  readOnlyOctokit,
} from "./replay-sources.ts";

export const replayUsage = `Usage: codehealer replay <webhook.json> [--log <file>]… [--config <codehealer.yml>]
                        [--event <name>] [--dry-run] [--json]

Runs CodeHealer's pipeline on a recorded webhook delivery (a failed workflow_run, check_run or
check_suite) and prints the plan: the diagnosis, the tier, the steps and what was refused, and why.

  --log <file>        the failed job's log, instead of downloading it (repeat for several jobs)
  --config <file>     the repository's configuration (.github/codehealer.yml) to try; without it the
                      defaults, or the repository's own file when GITHUB_TOKEN is set
  --event <name>      workflow_run, check_run or check_suite, when the file does not say
  --dry-run           also print the GitHub calls the plan would make ([dry-run] Would …)
  --json              print { tier, confidence, steps, refused, reasons, diagnosis, dryRun, … }

Safe by construction: replay never writes to GitHub (with GITHUB_TOKEN, every request other than
a read is refused before it is sent; without it, no request is sent at all) and never touches
your database (DATABASE_URL is ignored: replay runs on an empty database in memory, so memory of
past incidents is not consulted). Without --log, logs are downloaded with GITHUB_TOKEN (GHE_HOST
and GITHUB_API_URL are honoured). Exit codes: 0 planned, 1 the pipeline failed, 2 bad input.
See docs/replay.md.
`;

export type ReplayArgs = {
  files: readonly string[];
  logs: readonly string[];
  config?: string | undefined;
  event?: string | undefined;
  dryRun: boolean;
  json: boolean;
};

type ReplayEnv = Pick<Env, "GHE_HOST" | "GITHUB_API_URL"> & {
  /** The log level a user asked for; replay is quiet (warnings only) otherwise. */
  LOG_LEVEL?: string | undefined;
  GITHUB_TOKEN?: string | undefined;
};

/**
 * `codehealer replay`, returning the exit code. A problem with the input (the file, a flag, an
 * event CodeHealer does not heal) is one line on standard error and exit code 2; the pipeline
 * failing is thrown (exit code 1).
 */
export async function replayCommand(
  args: ReplayArgs,
  env: ReplayEnv,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  try {
    out.write(await replay(args, env));
    return 0;
  } catch (error) {
    if (!(error instanceof ReplayInputError)) throw error;
    err.write(`codehealer: replay: ${error.message}\n`);
    return 2;
  }
}

/**
 * 1. check the input: one webhook file, readable logs (or a token to download them), a
 *    configuration file that can be read;
 * 2. choose the sources: files and the payload offline, GitHub (read only) with a token;
 * 3. replay the event through the pipeline;
 * 4. print the plan, and what was assumed to make it.
 */
async function replay(args: ReplayArgs, env: ReplayEnv): Promise<string> {
  const [file, ...extra] = args.files;
  if (file === undefined || extra.length > 0)
    throw new ReplayInputError(
      "replay needs one webhook file: codehealer replay <webhook.json> [--log <file>]",
    );
  const token = env.GITHUB_TOKEN || null;
  if (args.logs.length === 0 && token === null)
    throw new ReplayInputError(
      "no --log given and no GITHUB_TOKEN to download it: pass the failed job's log with --log <file>",
    );
  await checkLogFiles(args.logs);
  const event = await readRecordedEvent(file, args.event);
  const config = args.config ? await readConfigFile(args.config) : null;

  const baseUrl =
    env.GITHUB_API_URL ?? (env.GHE_HOST ? `https://${env.GHE_HOST}/api/v3` : undefined);
  const octokit = token ? readOnlyOctokit(token, baseUrl) : offlineOctokit();
  // Offline, what GitHub would say is the default or comes from the payload; a file always wins.
  const offline: Partial<ActSources> = {
    config: async () => ({ config: DEFAULT_CONFIG, problems: [] }),
    pullRequest: payloadPullRequest,
    fix: async () => null,
    // Other CI does not say where its commit lives; offline, it is taken to be the repository's.
    commitOnBranch: async () => true,
  };
  const sources = { ...(token ? {} : offline), ...(config ? { config: async () => config } : {}) };
  const level = env.LOG_LEVEL || "warn";
  const log = pino({ level, name: "codehealer" }, pino.destination({ dest: 2, sync: true }));
  const replayed = await replayEvent(
    { octokit, log, sources, ...(args.logs.length > 0 ? { jobs: fileJobSource(args.logs) } : {}) },
    event,
  );

  const report = {
    replayed,
    event: `${event.name}.${event.action}`,
    dryRun: args.dryRun,
    config: configSource(config, token !== null, replayed.config.problems.length > 0),
    assumptions: assumptions(replayed, { logs: args.logs, config, github: token !== null }),
  };
  return args.json ? `${replayJson(report)}\n` : replayText(report);
}

function configSource(
  config: ConfigFromFile | null,
  github: boolean,
  invalid: boolean,
): ReplayReport["config"] {
  const fallback = invalid ? " — invalid, so the safe fallback applies (reports only):" : "";
  if (config) return { source: "file", file: config.file, text: `${config.file}${fallback}` };
  if (github)
    return { source: "github", file: CONFIG_PATH, text: `${CONFIG_PATH} from GitHub${fallback}` };
  return {
    source: "defaults",
    file: null,
    text: `the defaults (no --config given, and no GITHUB_TOKEN to read ${CONFIG_PATH})`,
  };
}

/** What replay could not know, or did not look for, and assumed instead. */
function assumptions(
  replayed: Replayed,
  given: { logs: readonly string[]; config: ConfigFromFile | null; github: boolean },
): string[] {
  const { logs, config, github } = given;
  return [
    logs.length > 0
      ? `logs: ${logs.join(", ")} (${logs.length === 1 ? "the failed job" : "one failed job each"})`
      : "logs: downloaded from GitHub",
    ...(config?.extendsFrom
      ? [`configuration: _extends: ${config.extendsFrom} is not followed; this file alone applies`]
      : []),
    "memory: not consulted; replay runs on an empty database, so no past incident or remembered fix counts",
    guardrailAssumption(replayed.incident.runAttempt, replayed.config.config.rerun_budget),
    pullRequestAssumption(replayed.pullRequest, github),
    github
      ? `fix: ${replayed.fix ? `found (${replayed.fix.proposed.source})` : "none found"}`
      : "fix: none looked for; finding one reads the repository's files (needs GITHUB_TOKEN)",
    "time: now; quiet hours are judged at the time of the replay",
  ];
}

function guardrailAssumption(attempt: number, budget: number): string {
  const reruns = attempt - 1;
  return `guardrails: CodeHealer has made no rerun or other action yet (empty database); the run is at attempt ${attempt}, so ${reruns} rerun${reruns === 1 ? "" : "s"} of a budget of ${budget} ${reruns === 1 ? "is" : "are"} spent`;
}

function pullRequestAssumption(pull: RunPullRequest | null, github: boolean): string {
  if (github)
    return pull
      ? `pull request: #${pull.number} from GitHub (${pull.fromFork ? "a fork" : "this repository"}, author ${pull.authorTrusted ? "trusted" : "not trusted"})`
      : "pull request: none (GitHub lists no open pull request for the run)";
  if (!pull) return "pull request: none in the payload";
  if (pull.fromFork)
    return `pull request${pull.number > 0 ? ` #${pull.number}` : " (number unknown offline)"}: from a fork, so its author is taken as untrusted`;
  return `pull request: #${pull.number} from this repository; its author is assumed trusted (offline, GitHub cannot say)`;
}
