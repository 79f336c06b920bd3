import type { FixInput } from "../actions/fix-pr-body.ts";
import { inlineCode } from "../actions/markdown.ts";
import type { MemoryDiagnosis } from "../diagnosis/memory-recall.ts";
import type { ReadFile, RepositoryFile } from "./repository-files.ts";
import { unsafePath } from "./safe-path.ts";
import type { FixRequest, StoredFix } from "./types.ts";
import { logBlock, someFiles } from "./words.ts";

/** A script the log says could not be executed, and the line that says so. */
export type DeniedScript = { path: string; line: string };

// What each tool prints when execve() fails with EACCES on a file it was asked to run. A shell
// prints the same words when a redirection target is not writable (`echo x > file`), so a
// shell's line counts only beside the exit code 126 it gives a command it could not execute.
const SHELL_LINES: readonly RegExp[] = [
  // bash running a step's script: "/home/runner/work/_temp/….sh: line 2: ./build.sh: Permission denied"
  /^(?:\S+: )?line \d+: (\S+): Permission denied$/,
  /^(?:\S*\/)?bash: (\S+): Permission denied$/,
  // dash, /bin/sh on Debian and Ubuntu (npm scripts, make recipes): "sh: 1: ./build.sh: Permission denied"
  /^(?:\S*\/)?(?:sh|dash): \d+: (\S+): Permission denied$/,
  // GNU env, from a `#!/usr/bin/env` line or `env ./x`: "env: ‘./run.sh’: Permission denied"
  /^(?:\S*\/)?env: [‘'](\S+)[’']: Permission denied$/,
];
// GNU make running a recipe line without a shell prints this only when the exec itself failed.
const MAKE_LINE = /^make(?:\[\d+\])?: (?:execvp: )?(\S+): Permission denied$/;
const EXIT_126 = /(?:exit (?:code|status)|\bError|\bcode|returned)[: ]+126\b/i;

/** Scripts in one fix at most: a log naming more is not this simple problem. */
const MAX_SCRIPTS = 5;

// The path a log names, as a path in the repository: relative to the workspace (where a step
// starts), or absolute inside the runner's checkout of this repository. A bare name was found
// on PATH, not in the repository.
function repositoryPath(named: string, repo: string): string | null {
  const workspaces = [
    `/home/runner/work/${repo}/${repo}/`,
    `/__w/${repo}/${repo}/`,
    "/github/workspace/",
  ];
  let path = named;
  if (path.startsWith("/")) {
    const root = workspaces.find((w) => path.startsWith(w));
    if (!root) return null;
    path = path.slice(root.length);
  } else if (!path.includes("/")) return null;
  path = path.replace(/^(?:\.\/)+/, "");
  return unsafePath(path) === null ? path : null;
}

/**
 * The repository scripts the diagnosis says could not be executed: lines of the error line and
 * excerpt in the formats bash, dash, env and make print, each path inside the repository.
 * Pure. Empty when the lines do not say so with certainty (no exit code 126 beside a shell's
 * line, a path outside the checkout or found on PATH).
 */
export function deniedScripts(
  diagnosis: Pick<MemoryDiagnosis, "errorLine" | "excerpt">,
  repo: string,
): DeniedScript[] {
  const lines = [diagnosis.errorLine, ...diagnosis.excerpt.split("\n")].map((l) => l.trim());
  const exit126 = lines.some((l) => EXIT_126.test(l));
  const found = new Map<string, DeniedScript>();
  for (const line of lines) {
    const make = MAKE_LINE.exec(line);
    const shell = exit126 ? SHELL_LINES.map((p) => p.exec(line)).find(Boolean) : null;
    const named = (make ?? shell)?.[1];
    if (named === undefined) continue;
    const path = repositoryPath(named, repo);
    if (path !== null && !found.has(path)) found.set(path, { path, line });
  }
  return [...found.values()];
}

function describe(scripts: readonly DeniedScript[], files: readonly RepositoryFile[]): FixInput {
  const paths = files.map((f) => f.path);
  const one = paths.length === 1;
  const title = `fix: make ${someFiles(paths)} executable`;
  const body = [
    `The job runs ${paths.map(inlineCode).join(", ")} directly, and ${one ? "it was" : "they were"} refused with "Permission denied":`,
    logBlock(scripts.map((s) => s.line)),
    `In the repository, ${one ? "the file is" : "the files are"} stored with mode \`100644\`: without the executable bit that running ${one ? "it" : "them"} needs, although ${one ? "it starts" : "each starts"} with a \`#!\` line, the mark of a script meant to be run. This change sets mode \`100755\`, as \`git update-index --chmod=+x\` does; the content is unchanged.`,
  ].join("\n\n");
  const message = [
    title,
    "",
    `The job ran ${someFiles(paths)} directly and the shell refused with "Permission denied": git stored ${one ? "it" : "them"} without the executable bit (mode 100644). Set mode 100755; the content is unchanged.`,
  ].join("\n");
  return {
    files: files.map((f) => ({ path: f.path, content: f.content, mode: "100755" })),
    message,
    title,
    body,
  };
}

/**
 * A repository script that a step ran directly but could not execute: the fix gives it the
 * executable bit, and changes nothing else. Certain only when the log says the exec failed,
 * the file is in the repository as a regular non-executable file (mode 100644), and it starts
 * with `#!` (so the bit is what is missing, not an interpreter). Otherwise null, with why.
 */
export async function executableBitFix(
  log: (reason: string) => void,
  read: ReadFile,
  { diagnosis, repository, headSha }: Pick<FixRequest, "diagnosis" | "repository" | "headSha">,
): Promise<StoredFix | null> {
  const scripts = deniedScripts(diagnosis, repository.repo);
  if (scripts.length === 0) return null;
  if (scripts.length > MAX_SCRIPTS) {
    log(`no executable-bit fix: the log names ${scripts.length} scripts, more than ${MAX_SCRIPTS}`);
    return null;
  }
  const files: RepositoryFile[] = [];
  for (const { path } of scripts) {
    const read1 = await read(path);
    if (!read1.ok) {
      log(`no executable-bit fix: ${read1.reason}`);
      return null;
    }
    const file = read1.value;
    const why =
      file === null
        ? `${path} is not a file of the repository at ${headSha.slice(0, 7)} (made during the run, or run from another folder)`
        : file.mode === "100755"
          ? `${path} is already executable in the repository, so the bit is not what is missing`
          : !file.content.startsWith("#!")
            ? `${path} has no #! line, so it is not clear it is meant to be executed`
            : null;
    if (why !== null || file === null) {
      log(`no executable-bit fix: ${why}`);
      return null;
    }
    files.push(file);
  }
  return {
    fix: { ...describe(scripts, files), baseSha: headSha },
    proposed: {
      kind: "patch",
      files: files.map((f) => f.path),
      validated: false,
      source: "deterministic",
    },
  };
}
