/** The CI systems whose log structure the reader understands; anything else is `plain`. */
export type LogFormat = "github-actions" | "travis" | "gitlab" | "jenkins" | "buildkite" | "plain";

/** What a structural line of a CI log says about the job, as opposed to what a tool printed. */
export type Marker =
  /** A new step (GitHub Actions `##[group]Run …`, a Travis or GitLab `$ command`, a stage…). */
  | { kind: "step"; name: string; format: LogFormat }
  /** The current step or the job failed here, with the exit code when the line gives one. */
  | { kind: "failure"; exitCode: number | null; message: string; format: LogFormat }
  /** A command that ended successfully (Travis `exited with 0`), closing its step. */
  | { kind: "success"; format: LogFormat }
  /** The current step did not really run (a Jenkins stage skipped after an earlier failure). */
  | { kind: "skipped"; format: LogFormat }
  /** An error annotation (`##[error]…`, `::error …::…`), with its file position when known. */
  | {
      kind: "error";
      message: string;
      path: string | null;
      line: number | null;
      format: LogFormat;
    }
  /** A line that only tells which CI wrote the log. */
  | { kind: "format"; format: LogFormat };

// `##[error]` messages written by the runner itself when a step ends badly, as opposed to
// annotations (problem matchers, `core.error`) that may come from a step that still passed.
const GHA_STEP_FAILURE =
  /^(?:Process completed with exit code (\d+)|The process '[^']*' failed with exit code (\d+)|The action '[^']*' has timed out after \d+ minutes|The job running on runner .* has exceeded the maximum execution time|The operation was canceled|The runner has received a shutdown signal|The hosted runner: .* lost communication with the server|The self-hosted runner: .* lost communication with the server|Executing the custom container implementation failed|Docker build failed with exit code (\d+))/;
const GHA_RUN_GROUP = /^##\[group\]Run (.*)$/;
const WORKFLOW_ERROR = /^::error(?: ([^:]*))?::(.*)$/;
const TRAVIS_EXIT = /^The command "(.*)" (?:failed and )?exited with (-?\d+)/;
const TRAVIS_TERMINATED =
  /^(?:The job exceeded the maximum (?:time|log) (?:limit|length)|No output has been received in the last)/;
const GITLAB_SECTION = /^section_start:\d+:([^\r[]+)/;
const GITLAB_FAILED = /^ERROR: Job failed: (?:exit code (\d+)|.*)/;
const JENKINS_STAGE = /^\[Pipeline\] \{ \((.+)\)$/;
const JENKINS_SKIPPED = /^Stage "[^"]*" skipped due to /;
const JENKINS_FAILURE =
  /^(?:Build step '[^']*' marked build as failure|ERROR: script returned exit code (\d+)|Finished: (?:FAILURE|ABORTED))/;
const BUILDKITE_HEADER = /^(?:---|\+\+\+|~~~) (.+)$/;
const BUILDKITE_FAILURE = /^🚨 Error: The command exited with status (-?\d+)/;
// The GitHub web UI's copy of a log renders `##[error]` as `Error: `.
const RENDERED_EXIT = /^Error: Process completed with exit code (\d+)/;
const TASKCLUSTER_FAILURE = /Unsuccessful task run with exit code: (\d+)/;

function toCode(...groups: (string | undefined)[]): number | null {
  for (const g of groups) if (g !== undefined) return Number(g);
  return null;
}

function parseProperties(list: string | undefined): { path: string | null; line: number | null } {
  let path: string | null = null;
  let line: number | null = null;
  for (const pair of (list ?? "").split(",")) {
    const [key, value] = pair.split("=", 2);
    if (key?.trim() === "file" && value) path = value.trim();
    if (key?.trim() === "line" && value && /^\d+$/.test(value.trim())) line = Number(value);
  }
  return { path, line };
}

function githubActions(text: string): Marker | null {
  if (text.startsWith("##[group]")) {
    const run = GHA_RUN_GROUP.exec(text);
    return run ? { kind: "step", name: run[1] ?? "", format: "github-actions" } : null;
  }
  if (text.startsWith("##[error]")) {
    const message = text.slice(9);
    const failure = GHA_STEP_FAILURE.exec(message);
    if (failure !== null) {
      const exitCode = toCode(failure[1], failure[2], failure[3]);
      return { kind: "failure", exitCode, message, format: "github-actions" };
    }
    return { kind: "error", message, path: null, line: null, format: "github-actions" };
  }
  return text.startsWith("##[") ? { kind: "format", format: "github-actions" } : null;
}

/**
 * Recognises the structural lines of the CI systems CodeHealer knows, given the format
 * detected so far and the line before. A bare `$ command` line opens a step only right
 * after Travis' `travis_time:start` mark: scripts echo their own commands the same way.
 */
export function parseMarker(text: string, format: LogFormat, previous = ""): Marker | null {
  switch (text.charCodeAt(0)) {
    case 35: // #
      return githubActions(text);
    case 58: {
      // ":" — a workflow command echoed verbatim, e.g. `::error file=a.ts,line=3::boom`
      const command = WORKFLOW_ERROR.exec(text);
      if (command === null) return null;
      const { path, line } = parseProperties(command[1]);
      return { kind: "error", message: command[2] ?? "", path, line, format };
    }
    case 36: // $
      if (text.startsWith("$ ") && previous.startsWith("travis_time:start:")) {
        return { kind: "step", name: text.slice(2), format: "travis" };
      }
      return null;
    case 84: {
      // T
      const exit = TRAVIS_EXIT.exec(text);
      if (exit !== null) {
        const code = Number(exit[2]);
        return code === 0
          ? { kind: "success", format: "travis" }
          : { kind: "failure", exitCode: code, message: text, format: "travis" };
      }
      if (TRAVIS_TERMINATED.test(text)) {
        return { kind: "failure", exitCode: null, message: text, format: "travis" };
      }
      return null;
    }
    case 83: // S
      return JENKINS_SKIPPED.test(text) ? { kind: "skipped", format: "jenkins" } : null;
    case 78: // N
      return TRAVIS_TERMINATED.test(text)
        ? { kind: "failure", exitCode: null, message: text, format: "travis" }
        : null;
    case 116: // t
      return text.startsWith("travis_") ? { kind: "format", format: "travis" } : null;
    case 115: {
      // s
      const section = GITLAB_SECTION.exec(text);
      if (section !== null) return { kind: "step", name: section[1] ?? "", format: "gitlab" };
      return text.startsWith("section_end:") ? { kind: "format", format: "gitlab" } : null;
    }
    case 69: {
      // E
      const gitlab = GITLAB_FAILED.exec(text);
      if (gitlab !== null) {
        return { kind: "failure", exitCode: toCode(gitlab[1]), message: text, format: "gitlab" };
      }
      const jenkins = JENKINS_FAILURE.exec(text);
      if (jenkins !== null) {
        return { kind: "failure", exitCode: toCode(jenkins[1]), message: text, format: "jenkins" };
      }
      const rendered = RENDERED_EXIT.exec(text);
      return rendered
        ? { kind: "failure", exitCode: Number(rendered[1]), message: text, format }
        : null;
    }
    case 66: // B
    case 70: {
      // F
      const jenkins = JENKINS_FAILURE.exec(text);
      return jenkins ? { kind: "failure", exitCode: null, message: text, format: "jenkins" } : null;
    }
    case 91: {
      // [
      const stage = JENKINS_STAGE.exec(text);
      if (stage !== null) return { kind: "step", name: stage[1] ?? "", format: "jenkins" };
      if (text.startsWith("[Pipeline]")) return { kind: "format", format: "jenkins" };
      const task = TASKCLUSTER_FAILURE.exec(text);
      return task ? { kind: "failure", exitCode: Number(task[1]), message: text, format } : null;
    }
    case 45: // -
    case 43: // +
    case 126: {
      // ~
      // `~~~ ` only appears in Buildkite logs; `--- ` and `+++ ` also start diffs and Go test
      // output, so they open a step only once the log is known to be Buildkite's.
      const header = BUILDKITE_HEADER.exec(text);
      if (header === null || (format !== "buildkite" && !text.startsWith("~~~ "))) return null;
      return { kind: "step", name: header[1] ?? "", format: "buildkite" };
    }
    case 0xd83d: {
      // 🚨 (a surrogate pair starting with U+D83D)
      const failure = BUILDKITE_FAILURE.exec(text);
      return failure
        ? { kind: "failure", exitCode: Number(failure[1]), message: text, format: "buildkite" }
        : null;
    }
    default:
      return null;
  }
}
