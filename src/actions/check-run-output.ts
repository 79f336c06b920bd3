import type { ConfigProblem } from "../policy/config.ts";
import type { CheckRunStep } from "../policy/steps.ts";
import { type IncidentView, whereItFailed } from "./incident-view.ts";
import {
  bound,
  CHECK_OUTPUT_LIMIT,
  codeBlock,
  failedJobLines,
  formatConfigProblems,
  link,
  percent,
  plain,
  shortSha,
} from "./markdown.ts";

/** The name of CodeHealer's check run; the check_run.requested_action handler matches it. */
export const CHECK_NAME = "CodeHealer";

/**
 * The buttons on the check run. GitHub's limits: at most 3, identifier and label ≤ 20
 * characters, description ≤ 40. The identifier comes back in `check_run.requested_action`.
 */
export const CHECK_RUN_BUTTONS = {
  retry: { label: "Retry", description: "Rerun the failed jobs", identifier: "retry" },
  open_fix_pr: {
    label: "Open fix PR",
    description: "Open a pull request with the fix",
    identifier: "open_fix_pr",
  },
  not_helpful: {
    label: "Not helpful",
    description: "Tell CodeHealer it got this wrong",
    identifier: "not_helpful",
  },
} as const;

export type CheckRunButton = keyof typeof CHECK_RUN_BUTTONS;

/** Most annotations GitHub takes in one request; the rest follow in further updates. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** Annotations CodeHealer adds per check run: enough to point at the lines. */
const MAX_ANNOTATIONS = 200;
const MESSAGE_LIMIT = 4_000;

/** An annotation as the Checks API takes it. */
export type CheckAnnotation = {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: "notice" | "warning" | "failure";
  title: string;
  message: string;
};

/** The body of the create (or update) request, annotations apart. */
export type CheckRunBody = {
  name: string;
  head_sha: string;
  status: "completed";
  conclusion: CheckRunStep["conclusion"];
  completed_at: string;
  /** The incident: the requested_action handler finds it from here. */
  external_id: string;
  output: { title: string; summary: string; text: string };
  actions: { label: string; description: string; identifier: string }[];
};

export type CheckRunInput = {
  conclusion: CheckRunStep["conclusion"];
  annotate: boolean;
  /** The plan's reasons, in order. */
  reasons: readonly string[];
  buttons: readonly CheckRunButton[];
  /** What is wrong with `.github/codehealer.yml`; the check then says how to fix it. */
  configProblems?: readonly ConfigProblem[];
};

// Annotation paths must be relative to the repository. Actions runners print workspace paths;
// GitHub's own run-level annotations use `.github`, which is not a file.
function repositoryPath(path: string | null): string | null {
  if (!path) return null;
  const relative = path
    .replace(/\\/g, "/")
    .replace(/^\/home\/runner\/work\/[^/]+\/[^/]+\//, "")
    .replace(/^\.\//, "");
  if (relative === ".github" || relative.startsWith("/") || /^[A-Za-z]:\//.test(relative))
    return null;
  return relative;
}

function annotations(view: IncidentView, level: CheckAnnotation["annotation_level"]) {
  const seen = new Set<string>();
  const out: CheckAnnotation[] = [];
  for (const job of view.jobs)
    for (const a of job.annotations) {
      const path = repositoryPath(a.path);
      if (path === null || a.line === null || a.line < 1) continue;
      const key = `${path}:${a.line}:${a.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        path,
        start_line: a.line,
        end_line: a.line,
        annotation_level: level,
        title: `CodeHealer: ${view.label}`.slice(0, 255),
        message: bound(`${a.message}\n\nCodeHealer: ${view.summary}`, MESSAGE_LIMIT),
      });
    }
  return out.slice(0, MAX_ANNOTATIONS);
}

const BUTTON_HELP: Record<CheckRunButton, string> = {
  retry: "**Retry** reruns the failed jobs",
  open_fix_pr: "**Open fix PR** opens a pull request with the proposed fix",
  not_helpful: "**Not helpful** tells CodeHealer this diagnosis was wrong",
};

function summary(view: IncidentView, input: CheckRunInput): string {
  const where = link(whereItFailed(view), view.htmlUrl);
  const lines = [
    `**${plain(view.label)}** in ${where} on \`${shortSha(view.headSha)}\` — CodeHealer is ${percent(view.confidence)} sure.`,
    "",
    `> ${plain(view.summary) || "No telling line was found in the log."}`,
  ];
  if (input.reasons.length > 0)
    lines.push("", "**What CodeHealer decided**", "", ...input.reasons.map((r) => `- ${plain(r)}`));
  const problems = input.configProblems ?? [];
  if (problems.length > 0)
    lines.push(
      "",
      `**\`.github/codehealer.yml\` is invalid**: CodeHealer runs on safe defaults (reports only) until it is fixed.`,
      "",
      formatConfigProblems(problems),
    );
  if (input.buttons.length > 0)
    lines.push("", `${input.buttons.map((b) => BUTTON_HELP[b]).join("; ")}.`);
  return bound(lines.join("\n"), CHECK_OUTPUT_LIMIT);
}

function text(view: IncidentView): string {
  const parts: string[] = [];
  if (view.jobs.length > 0) parts.push("### Failed jobs", failedJobLines(view.jobs).join("\n"));
  if (view.excerpt) parts.push("### The telling lines", codeBlock(view.excerpt));
  if (view.explanation) parts.push("### Why", plain(view.explanation));
  if (view.remedy) parts.push("### What usually fixes it", plain(view.remedy));
  if (view.rememberedFix) parts.push("### What fixed it last time", plain(view.rememberedFix));
  if (view.fingerprint) parts.push(`<sub>Fingerprint \`${view.fingerprint}\`</sub>`);
  return bound(parts.join("\n\n"), CHECK_OUTPUT_LIMIT);
}

/**
 * The check run GitHub should receive for an incident: the body of the create request and
 * every annotation (the effect sends them 50 at a time). Pure.
 */
export function buildCheckRun(
  view: IncidentView,
  input: CheckRunInput,
  now: Date,
): { body: CheckRunBody; annotations: CheckAnnotation[] } {
  const level = input.conclusion === "failure" ? "failure" : "warning";
  return {
    body: {
      name: CHECK_NAME,
      head_sha: view.headSha,
      status: "completed",
      conclusion: input.conclusion,
      completed_at: now.toISOString(),
      external_id: view.id,
      output: {
        title: `${view.label} (${percent(view.confidence)} sure)`.slice(0, 255),
        summary: summary(view, input),
        text: text(view),
      },
      actions: input.buttons.map((b) => ({ ...CHECK_RUN_BUTTONS[b] })),
    },
    annotations: input.annotate ? annotations(view, level) : [],
  };
}
