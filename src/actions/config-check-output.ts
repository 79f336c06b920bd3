import { type Config, DEFAULT_CONFIG } from "../policy/config.ts";
import { CONFIG_PATH, type ConfigFileState, type LocatedProblem } from "../policy/config-file.ts";
import { ANNOTATIONS_PER_REQUEST, type CheckAnnotation } from "./check-run-output.ts";
import {
  bound,
  CHECK_OUTPUT_LIMIT,
  formatConfigProblems,
  inlineCode,
  configProblemLine as problemLine,
  shortSha,
} from "./markdown.ts";

export { formatConfigProblems };

/** The check run that says whether `.github/codehealer.yml` is valid, on the commit changing it. */
export const CONFIG_CHECK_NAME = "CodeHealer configuration";

/** Marks CodeHealer's own configuration check runs, so a retried attempt finds the one it made. */
export const CONFIG_CHECK_EXTERNAL_ID = "codehealer-config";

export type ConfigCheckInput = {
  /** The pushed commit. */
  headSha: string;
  /** The branch it was pushed to, and the repository's default branch (the one that applies). */
  branch: string;
  defaultBranch: string;
  /** The owner's `.github` repository, whose file is the default of every repository of the owner. */
  orgWide: boolean;
  /** The file at `headSha`. */
  file: ConfigFileState;
};

type ValidFile = Extract<ConfigFileState, { state: "valid" }>;
type InvalidFile = Extract<ConfigFileState, { state: "invalid" }>;

/** The body of the create request. */
export type ConfigCheckBody = {
  name: string;
  head_sha: string;
  status: "completed";
  conclusion: "success" | "failure";
  completed_at: string;
  external_id: string;
  output: { title: string; summary: string; annotations: CheckAnnotation[] };
};

// Where the file applies: this repository, or also every repository of the owner without one.
function scope(input: ConfigCheckInput, owner: string): string {
  return input.orgWide
    ? `in every repository of ${inlineCode(owner)} without a \`${CONFIG_PATH}\` of its own`
    : "in this repository";
}

function whenItApplies(input: ConfigCheckInput): string | null {
  return input.branch === input.defaultBranch
    ? null
    : `This file applies once merged into ${inlineCode(input.defaultBranch)}: CodeHealer reads its configuration from the default branch.`;
}

/** What a valid file changes from the defaults, one line each; the thresholds, actions and switches first. */
export function changesFromDefaults(config: Config): string[] {
  const lines: string[] = [];
  if (!config.enabled)
    lines.push("- **`enabled: false`**: CodeHealer does nothing here, reports included.");
  if (config.dry_run)
    lines.push("- **`dry_run: true`**: every action is planned and logged, none performed.");
  for (const tier of ["auto", "review"] as const)
    if (config.thresholds[tier] !== DEFAULT_CONFIG.thresholds[tier])
      lines.push(
        `- \`thresholds.${tier}\`: ${config.thresholds[tier]} (default ${DEFAULT_CONFIG.thresholds[tier]})`,
      );
  const off = Object.entries(config.actions).filter(([, on]) => !on);
  if (off.length > 0)
    lines.push(`- actions turned off: ${off.map(([kind]) => `\`${kind}\``).join(", ")}`);
  const headline = new Set(["enabled", "dry_run", "thresholds", "actions", "_extends"]);
  const others = (Object.keys(config) as (keyof Config)[]).filter(
    (key) =>
      !headline.has(key) && JSON.stringify(config[key]) !== JSON.stringify(DEFAULT_CONFIG[key]),
  );
  if (others.length > 0) lines.push(`- also set: ${others.map((key) => `\`${key}\``).join(", ")}`);
  return lines;
}

function fallbackNotes(fallback: Config): string[] {
  const notes: string[] = [];
  if (!fallback.enabled) notes.push("Its `enabled: false` holds even so: CodeHealer stays off.");
  if (fallback.dry_run) notes.push("Its `dry_run: true` holds even so.");
  return notes;
}

function annotation(p: LocatedProblem): CheckAnnotation {
  return {
    path: CONFIG_PATH,
    start_line: p.line,
    end_line: p.line,
    annotation_level: "failure",
    title: p.path.slice(0, 255),
    message: p.message.slice(0, 4_000),
  };
}

type Output = ConfigCheckBody["output"];

function removed(input: ConfigCheckInput, owner: string, at: string): Output {
  const who = input.orgWide
    ? `repositories of ${inlineCode(owner)} without a file of their own use CodeHealer's defaults`
    : `CodeHealer uses the file in ${inlineCode(`${owner}/.github`)} if there is one, and its defaults otherwise`;
  return {
    title: `${CONFIG_PATH} removed: defaults apply`,
    summary: `${at} is removed: ${who}.`,
    annotations: [],
  };
}

function valid(input: ConfigCheckInput, file: ValidFile, owner: string, at: string): Output {
  const changes = changesFromDefaults(file.config);
  const paragraphs =
    changes.length > 0
      ? [`${at} is valid. What it changes from the defaults:`, changes.join("\n")]
      : [`${at} is valid. It changes nothing from the defaults.`];
  if (file.extendsFrom !== null)
    paragraphs.push(
      `It extends ${inlineCode(file.extendsFrom)}, which was not checked here; CodeHealer checks the whole when it reads it.`,
    );
  if (input.orgWide) paragraphs.push(`It applies ${scope(input, owner)}.`);
  return { title: `${CONFIG_PATH} is valid`, summary: paragraphs.join("\n\n"), annotations: [] };
}

function invalid(input: ConfigCheckInput, file: InvalidFile, owner: string, at: string): Output {
  const n = file.problems.length;
  const fallback =
    input.branch === input.defaultBranch
      ? `Until it is fixed CodeHealer runs on safe defaults ${scope(input, owner)}: reports only, no reruns or fix pull requests.`
      : `Merged as it is, CodeHealer would run on safe defaults ${scope(input, owner)} until it is fixed: reports only, no reruns or fix pull requests.`;
  return {
    title: `${n} ${n === 1 ? "problem" : "problems"} in ${CONFIG_PATH}`,
    summary: [
      `${at} is invalid:`,
      file.problems.map((p) => problemLine(p, p.line)).join("\n"),
      [fallback, ...fallbackNotes(file.fallback)].join(" "),
    ].join("\n\n"),
    annotations: file.problems.slice(0, ANNOTATIONS_PER_REQUEST).map(annotation),
  };
}

function output(input: ConfigCheckInput, owner: string): Output {
  const at = `\`${CONFIG_PATH}\` at \`${shortSha(input.headSha)}\``;
  const { file } = input;
  switch (file.state) {
    case "removed":
      return removed(input, owner, at);
    case "valid":
      return valid(input, file, owner, at);
    case "invalid":
      return invalid(input, file, owner, at);
  }
}

/** The check run GitHub should receive for the file at a commit. Pure. */
export function buildConfigCheck(
  input: ConfigCheckInput,
  owner: string,
  now: Date,
): ConfigCheckBody {
  const out = output(input, owner);
  const applies = whenItApplies(input);
  const summary = applies === null ? out.summary : `${out.summary}\n\n${applies}`;
  return {
    name: CONFIG_CHECK_NAME,
    head_sha: input.headSha,
    status: "completed",
    conclusion: input.file.state === "invalid" ? "failure" : "success",
    completed_at: now.toISOString(),
    external_id: CONFIG_CHECK_EXTERNAL_ID,
    output: { ...out, summary: bound(summary, CHECK_OUTPUT_LIMIT) },
  };
}
