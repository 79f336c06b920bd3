import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import { ProbotOctokit } from "probot";
import type { ActSources } from "../actions/act.ts";
import type { RunPullRequest } from "../actions/pull-request.ts";
import type { JobSource } from "../diagnosis/incident.ts";
import { DEFAULT_MAX_LOG_BYTES } from "../logs/download.ts";
import { type ParsedConfig, SAFE_CONFIG } from "../policy/config.ts";
import { checkConfigText } from "../policy/config-file.ts";
import { MAX_CONFIG_BYTES } from "../policy/config-problems.ts";
import { ReplayInputError, unreadable } from "./replay-event.ts";

/**
 * An Octokit that sends nothing: replay without `GITHUB_TOKEN` has no GitHub, and a request
 * reaching for it is a bug that must fail loudly rather than go out unauthenticated.
 */
export function offlineOctokit(): ProbotOctokit {
  const octokit = new ProbotOctokit();
  octokit.hook.before("request", (options) => {
    throw new Error(
      `replay has no GitHub access (no GITHUB_TOKEN), and did not send ${options.method} ${options.url}`,
    );
  });
  return octokit;
}

/**
 * An Octokit that reads GitHub with a token and refuses every write before it is sent: replay
 * never changes anything on GitHub. GraphQL is a POST, so it is refused too.
 */
export function readOnlyOctokit(token: string, baseUrl?: string): ProbotOctokit {
  const octokit = new ProbotOctokit({ auth: { token }, ...(baseUrl ? { baseUrl } : {}) });
  octokit.hook.before("request", (options) => {
    if (options.method !== "GET" && options.method !== "HEAD")
      throw new Error(`replay never writes to GitHub: refused ${options.method} ${options.url}`);
  });
  return octokit;
}

/** Checks that every log file can be read, before anything else is opened. */
export async function checkLogFiles(files: readonly string[]): Promise<void> {
  for (const file of files) {
    const stats = await stat(file).catch((error: NodeJS.ErrnoException) => {
      throw unreadable(`--log ${file}`, error);
    });
    if (!stats.isFile()) throw new ReplayInputError(`--log ${file} is not a file`);
  }
}

/**
 * The failed jobs of a replayed run from log files, one job per file named after it. A check
 * run's job keeps its id and name from the event; the text of other CI is its reported output,
 * as GitHub would have it. Logs are capped as downloads are: the tail is kept.
 */
export function fileJobSource(files: readonly string[]): JobSource {
  const fileOf = (jobId: number) => {
    const file = files[jobId - 1];
    if (file === undefined) throw new Error(`no log file for job ${jobId}`);
    return file;
  };
  return {
    async failedJobs(incident) {
      return Promise.all(
        files.map(async (file, index) => ({
          // A check run's log is its output, read here; an Actions job's is opened by its id.
          id: (index === 0 ? incident.jobId : null) ?? index + 1,
          name: (index === 0 ? incident.jobName : null) ?? basename(file),
          conclusion: "failure",
          htmlUrl: null,
          failedSteps: [],
          annotations: [],
          ...(incident.provider === "checks" ? { output: await readTail(file) } : {}),
        })),
      );
    },
    async openLog(_incident, job, maxBytes = DEFAULT_MAX_LOG_BYTES) {
      const file = fileOf(job.id);
      const { size } = await stat(file);
      const start = Math.max(0, size - maxBytes);
      return { body: createReadStream(file, { start }), bytes: size, truncated: start > 0 };
    },
  };
}

async function readTail(file: string, max = DEFAULT_MAX_LOG_BYTES): Promise<string> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, max);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString("utf8");
  } finally {
    await handle.close();
  }
}

/** A configuration file read as the app reads `.github/codehealer.yml`, with what replay must say of it. */
export type ConfigFromFile = ParsedConfig & { file: string; extendsFrom: string | null };

/**
 * Reads a configuration file as the app would: the same YAML parsing and limits, an invalid
 * file giving the safe fallback and its problems, each at its line. `_extends` is not followed.
 */
export async function readConfigFile(file: string): Promise<ConfigFromFile> {
  const handle = await open(file, "r").catch((error: NodeJS.ErrnoException) => {
    throw unreadable(`--config ${file}`, error);
  });
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new ReplayInputError(`--config ${file} is not a file`);
    if (stats.size > MAX_CONFIG_BYTES)
      return {
        file,
        extendsFrom: null,
        config: SAFE_CONFIG,
        problems: [
          {
            path: "(root)",
            message: `is ${Math.ceil(stats.size / 1024)} KB, and CodeHealer reads at most ${MAX_CONFIG_BYTES / 1024} KB of configuration: it was not parsed`,
          },
        ],
      };
    const checked = checkConfigText(await handle.readFile("utf8"));
    if (checked.state === "valid")
      return { file, extendsFrom: checked.extendsFrom, config: checked.config, problems: [] };
    if (checked.state === "invalid")
      return { file, extendsFrom: null, config: checked.fallback, problems: checked.problems };
    throw new Error(`${file}: unexpected configuration state ${checked.state}`);
  } finally {
    await handle.close();
  }
}

/**
 * The pull request a run belongs to, from the payload alone: GitHub's own list on the run, or
 * a `pull_request` run whose head lives in another repository (GitHub lists no fork pull
 * request; its number is then unknown, shown as 0). Offline there is no asking who the author
 * is: a fork's is taken as untrusted, a same-repository one as trusted; replay says so.
 */
export const payloadPullRequest: ActSources["pullRequest"] = async (repository, origin) => {
  const fullName = `${repository.owner}/${repository.repo}`;
  const fromFork = origin.headRepository !== null && origin.headRepository !== fullName;
  const listed = origin.pullRequests[0];
  const forkRun = fromFork && (origin.event?.startsWith("pull_request") ?? false);
  if (listed === undefined && !forkRun) return null;
  const pull: RunPullRequest = {
    number: listed ?? 0,
    headSha: origin.headSha,
    fromFork,
    authorTrusted: !fromFork,
  };
  return pull;
};
