import { z } from "zod";
import {
  actionsSchema,
  environmentSchema,
  globs,
  inOrder,
  quietWindowSchema,
  thresholdsSchema,
} from "./config-fields.ts";
import { type ConfigProblem, configProblems, sizeProblem } from "./config-problems.ts";

export { AUTO_FLOOR, type Day } from "./config-fields.ts";
export type { ConfigProblem } from "./config-problems.ts";

/** The file a repository (or its organisation's `.github` repository) configures CodeHealer in. */
export const CONFIG_FILE = "codehealer.yml";

/**
 * `.github/codehealer.yml`. Every field has a description: docs/configuration.md is written
 * from this schema by `scripts/config-docs.ts`. Keys are snake_case, as in the YAML file.
 */
export const configSchema = z
  .strictObject({
    /** The kill switch. */
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "The kill switch: `false` stops everything CodeHealer does in this repository, reports included.",
      ),
    /** Plan and log, perform nothing. */
    dry_run: z
      .boolean()
      .default(false)
      .describe(
        "Plan every action and log it as `[dry-run] Would …`, without performing any. For trying CodeHealer out on a repository.",
      ),
    /** The confidence tiers. */
    thresholds: thresholdsSchema
      .prefault({})
      .describe(
        "Confidence tiers. CodeHealer's confidence is the probability that its proposed action is right.",
      ),
    /** Per-environment thresholds, typically stricter for production. */
    environments: z
      .array(environmentSchema)
      .max(20)
      .default([])
      .describe(
        "Thresholds for some branches or workflows, usually stricter for production. When calibration is in use, an override can only raise a threshold.",
      ),
    /** Which kinds of action are allowed at all. */
    actions: actionsSchema
      .prefault({})
      .describe("Which kinds of action CodeHealer may take at all."),
    /** Actions that always wait for a person. */
    require_approval_for: z
      .array(z.enum(["rerun", "fix_pr"]))
      .max(2)
      .default([])
      .describe(
        "Actions that always wait for a person, whatever the confidence: a fix pull request is opened as a draft and a rerun is only proposed, with a notification asking for approval.",
      ),
    /** Reruns per workflow run, counting people's reruns too. */
    rerun_budget: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(2)
      .describe(
        "Most reruns of one workflow run. Reruns by people count too: on attempt 3 a run has been rerun twice.",
      ),
    /** The blast radius. */
    max_actions_per_hour: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(10)
      .describe(
        "Most automatic actions (reruns and fix pull requests) in this repository in any hour. Reports (issues, check runs, comments, notifications) do not count and are not limited.",
      ),
    /** Added to the built-in denied paths, never replacing them. */
    denied_paths: globs(100)
      .default([])
      .describe(
        "Files a fix may never touch, as globs, in addition to the built-in ones (workflows, composite actions, migrations, keys, `.env` files, anything named like a secret or credential, and lockfiles unless allowed). A pattern without `/` matches at any depth; one that matches a folder covers everything in it; case is ignored.",
      ),
    /** Lets fixes edit lockfiles. */
    allow_lockfiles: z
      .boolean()
      .default(false)
      .describe(
        "Let fixes edit lockfiles (`package-lock.json`, `yarn.lock`, `pnpm-lock.yaml`, `Cargo.lock`, `poetry.lock`, `go.sum`, …).",
      ),
    /** Never pushed to. */
    protected_branches: globs(50)
      .default(["main", "master", "release/*", "releases/*"])
      .describe(
        "Branches CodeHealer never pushes to, as globs; the default branch always is one. A fix is always pushed to a new `codehealer/fix-…` branch and proposed by pull request; if these globs cover that branch too, no fix is proposed.",
      ),
    /** No automatic action inside these windows. */
    quiet_hours: z
      .array(quietWindowSchema)
      .max(14)
      .default([])
      .describe(
        "Windows with no automatic action (reruns, fix pull requests); reports still go out, and an approval given by a person is still carried out.",
      ),
    /** When to trust calibrated thresholds over the configured ones. */
    calibration: z
      .strictObject({
        /** Use calibrated thresholds at all. */
        enabled: z
          .boolean()
          .default(true)
          .describe(
            "Use thresholds calibrated from past outcomes (`codehealer calibrate`) instead of `thresholds`, once there are enough of them.",
          ),
        /** Outcomes needed before calibration is trusted. */
        min_samples: z
          .number()
          .int()
          .min(10)
          .max(100_000)
          .default(100)
          .describe("How many past outcomes calibration needs before its thresholds are used."),
      })
      .prefault({})
      .describe("Thresholds learnt from outcomes: merged fixes, reruns that passed, feedback."),
    /** Read by Probot before CodeHealer sees the file. */
    _extends: z
      .string()
      .optional()
      .describe(
        "Another repository's configuration to start from (`.github`, `other-repo` or `owner/repo:path/to/file.yml`); this file's settings win. Handled by Probot.",
      ),
  })
  .superRefine((config, ctx) => {
    // An override may give one threshold only; the other is the repository's, and the pair
    // must still be in order.
    config.environments.forEach((env, i) => {
      const auto = env.thresholds.auto ?? config.thresholds.auto;
      const review = env.thresholds.review ?? config.thresholds.review;
      if (inOrder(auto, review) === false)
        ctx.addIssue({
          code: "custom",
          path: [
            "environments",
            i,
            "thresholds",
            env.thresholds.review === undefined ? "auto" : "review",
          ],
          message: `leaves review above auto (${review} > ${auto}) for these runs`,
        });
    });
  });

/** CodeHealer's settings for one repository, defaults filled in. */
export type Config = z.infer<typeof configSchema>;

/** A quiet-hours window. */
export type QuietWindow = Config["quiet_hours"][number];

/** An environment override. */
export type EnvironmentOverride = Config["environments"][number];

/** An action that may wait for approval. */
export type ApprovableAction = Config["require_approval_for"][number];

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The settings of a repository without a configuration file. */
export const DEFAULT_CONFIG: Config = deepFreeze(configSchema.parse({}));

/**
 * The settings of a repository whose configuration is invalid: the defaults with every
 * automatic action (rerun, fix pull request) off. CodeHealer still reports, so the team learns
 * both about the failure and about the broken file.
 */
export const SAFE_CONFIG: Config = deepFreeze({
  ...configSchema.parse({}),
  actions: { ...DEFAULT_CONFIG.actions, rerun: false, fix_pr: false },
});

/** What `parseConfig` made of a configuration. */
export type ParsedConfig = { config: Config; problems: ConfigProblem[] };

// The schema under optional, default and prefault wrappers.
function bare(schema: z.ZodType): z.ZodType {
  if (
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodPrefault ||
    schema instanceof z.ZodOptional
  )
    return bare(schema.unwrap() as z.ZodType);
  return schema;
}

/** The setting names allowed at a path of the file, for "did you mean" hints. */
export function settingsAt(path: readonly PropertyKey[]): string[] {
  let node = bare(configSchema);
  for (const key of path) {
    if (node instanceof z.ZodArray) node = bare(node.element as z.ZodType);
    else if (node instanceof z.ZodObject && typeof key === "string" && key in node.shape)
      node = bare(node.shape[key] as z.ZodType);
    else return [];
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The fallback for an invalid file, keeping only what makes it safer still: a file that says
 * `enabled: false`, `dry_run: true` or turns an action off is obeyed on those points even when
 * something else in it is wrong. A typo elsewhere must not restart a stopped app.
 */
function safeFallback(raw: unknown): Config {
  if (!isRecord(raw)) return SAFE_CONFIG;
  const actions = isRecord(raw.actions) ? raw.actions : {};
  const off = Object.keys(SAFE_CONFIG.actions).filter((kind) => actions[kind] === false);
  if (raw.enabled !== false && raw.dry_run !== true && off.length === 0) return SAFE_CONFIG;
  return deepFreeze({
    ...configSchema.parse({}),
    enabled: raw.enabled !== false,
    dry_run: raw.dry_run === true,
    actions: {
      ...SAFE_CONFIG.actions,
      ...Object.fromEntries(off.map((kind) => [kind, false])),
    },
  });
}

/**
 * Validates what was read from `.github/codehealer.yml` (after Probot parsed the YAML and
 * applied `_extends`; `null` or `undefined` when there is no file). A valid file gives its
 * settings and no problems. An invalid one gives every problem, each with the exact path of
 * the setting (`environments[0].thresholds.auto`) and what is wrong with it, and the safe
 * fallback: {@link SAFE_CONFIG}, report only. Unknown keys are problems too: a typo must not
 * silently drop a guardrail.
 */
export function parseConfig(raw: unknown): ParsedConfig {
  if (raw === null || raw === undefined) return { config: DEFAULT_CONFIG, problems: [] };
  const tooBig = sizeProblem(raw);
  if (tooBig !== null) return { config: safeFallback(raw), problems: [tooBig] };
  if (!isRecord(raw)) {
    const kind = Array.isArray(raw) ? "a list" : `a ${typeof raw}`;
    return {
      config: SAFE_CONFIG,
      problems: [{ path: "(root)", message: `must be a mapping of settings, not ${kind}` }],
    };
  }
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return { config: parsed.data, problems: [] };
  return { config: safeFallback(raw), problems: configProblems(parsed.error.issues, settingsAt) };
}

/**
 * The result for a file that could not be read at all (invalid YAML, a directory, a recursive
 * `_extends`: Probot throws for these before `parseConfig` could see anything): the safe
 * fallback, and the reason as the one problem.
 */
export function unreadableConfig(reason: string): ParsedConfig {
  return {
    config: SAFE_CONFIG,
    problems: [{ path: "(root)", message: `could not be read: ${reason}` }],
  };
}
