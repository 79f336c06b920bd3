import { z } from "zod";
import { globProblem } from "./glob.ts";

/**
 * The parts of the `.github/codehealer.yml` schema (see `config.ts` for the whole). Each field
 * has a JSDoc note for readers of the code and a description for users, from which
 * docs/configuration.md is generated.
 */

/** Below this, an automatic action would more often be wrong than right. */
export const AUTO_FLOOR = 0.5;

/** The days of the week, Monday first, as quiet hours name them. */
export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** A day of the week, as quiet hours name it. */
export type Day = (typeof DAYS)[number];

// `title` names the type in the generated docs, where a bare "string" would say too little.
const glob = z
  .string()
  .max(200)
  .superRefine((pattern, ctx) => {
    const problem = globProblem(pattern);
    if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
  })
  .meta({ title: "glob" });

/** A list of at most `max` globs. */
export const globs = (max: number) => z.array(glob).max(max);

const isTimeZone = (name: string): boolean => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
};

/**
 * Whether review ≤ auto; null when either is out of range, which has its own problem already
 * (zod runs refinements after range errors, and one mistake should be reported once).
 */
export function inOrder(auto: number, review: number): boolean | null {
  if (auto < AUTO_FLOOR || auto > 1 || review < 0 || review > 1) return null;
  return review <= auto;
}

export const thresholdsSchema = z
  .strictObject({
    /** Confidence from which CodeHealer acts alone. */
    auto: z
      .number()
      .min(AUTO_FLOOR)
      .max(1)
      .default(0.85)
      .describe(
        "Least confidence at which CodeHealer acts on its own: reruns the failed jobs of a transient failure, or opens a ready fix pull request. At least 0.5: below that an action is more often wrong than right.",
      ),
    /** Confidence from which CodeHealer proposes and asks. */
    review: z
      .number()
      .min(0)
      .max(1)
      .default(0.6)
      .describe(
        "Least confidence at which CodeHealer proposes a fix for a person to approve: a draft pull request and a notification asking for approval. Below it CodeHealer only reports (an issue and a notification). Not above `auto`.",
      ),
  })
  .superRefine((t, ctx) => {
    if (inOrder(t.auto, t.review) === false)
      ctx.addIssue({
        code: "custom",
        path: ["review"],
        message: `must not be above thresholds.auto (${t.review} > ${t.auto})`,
      });
  });

export const environmentSchema = z
  .strictObject({
    /** Shown in a plan's reasons. */
    name: z
      .string()
      .min(1)
      .max(60)
      .optional()
      .describe(
        "A name for these runs, quoted in CodeHealer's reasons (for example `production`).",
      ),
    /** Branch globs; with `workflows`, both must match. */
    branches: globs(50)
      .min(1)
      .optional()
      .describe(
        "Branches the override applies to, as globs (`main`, `release/*`). `*` stays within one `/`-separated part of the name; `**` crosses them.",
      ),
    /** Workflow globs over the name or the file. */
    workflows: globs(50)
      .min(1)
      .optional()
      .describe(
        "Workflows the override applies to, as globs over the workflow's name (`Deploy*`) or its file (`.github/workflows/deploy.yml`). With `branches`, a run must match both.",
      ),
    /** Partial: what is left out keeps the repository's value. */
    thresholds: z
      .strictObject({
        /** As `thresholds.auto`, for these runs. */
        auto: z
          .number()
          .min(AUTO_FLOOR)
          .max(1)
          .optional()
          .describe("`thresholds.auto` for these runs."),
        /** As `thresholds.review`, for these runs. */
        review: z.number().min(0).max(1).optional().describe("`thresholds.review` for these runs."),
      })
      .describe(
        "Thresholds for matching runs; one left out keeps the repository's. When several overrides match, the strictest value of each applies.",
      ),
  })
  .superRefine((env, ctx) => {
    if (env.branches === undefined && env.workflows === undefined)
      ctx.addIssue({
        code: "custom",
        message: "must name `branches`, `workflows` or both: otherwise it applies to nothing",
      });
  });

const clock = /^([01]\d|2[0-3]):[0-5]\d$/;
const clockOrMidnight = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

export const quietWindowSchema = z
  .strictObject({
    /** IANA name, checked against the runtime's time-zone data. */
    timezone: z
      .string()
      .refine(isTimeZone, "must be an IANA time zone such as `Europe/Paris` or `UTC`")
      .meta({
        title: "time zone",
        description: "The time zone the window is in, as an IANA name (`Europe/Paris`, `UTC`).",
      }),
    /** Inclusive. */
    start: z
      .string()
      .regex(clock, "must be a time of day as `HH:MM` on a 24-hour clock, such as `22:00`")
      .meta({ title: "HH:MM", description: "When the window opens, on a 24-hour clock." }),
    /** Exclusive; before `start` for a window across midnight. */
    end: z
      .string()
      .regex(clockOrMidnight, "must be a time of day as `HH:MM` on a 24-hour clock, or `24:00`")
      .meta({
        title: "HH:MM",
        description:
          "When the window closes: earlier than `start` for a window across midnight (`22:00` to `07:00`), `24:00` for the end of the day.",
      }),
    /** The days the window opens on. */
    days: z
      .array(z.enum(DAYS))
      .min(1)
      .max(7)
      .optional()
      .describe(
        "The days the window opens on (`mon` … `sun`); every day when left out. A window across midnight belongs to the day it opens on: `fri` 22:00 to 07:00 ends on Saturday morning.",
      ),
  })
  .superRefine((w, ctx) => {
    if (w.start === w.end)
      ctx.addIssue({
        code: "custom",
        path: ["end"],
        message: "must differ from `start`; for a whole day write `00:00` to `24:00`",
      });
  });

/** Which kinds of action CodeHealer may take at all. */
export const actionsSchema = z.strictObject({
  /** Rerun failed jobs. */
  rerun: z
    .boolean()
    .default(true)
    .describe(
      "Rerun the failed jobs of a run whose failure is transient (a registry timeout, a lost runner). Only for GitHub Actions runs.",
    ),
  /** Open fix pull requests. */
  fix_pr: z
    .boolean()
    .default(true)
    .describe(
      "Open a pull request with a fix: ready for review in the auto tier, a draft in the review tier. Never merged by CodeHealer.",
    ),
  /** Open or update issues. */
  issue: z
    .boolean()
    .default(true)
    .describe(
      "Open an issue for a failure CodeHealer reports rather than fixes; one per distinct failure, found again by its fingerprint and updated.",
    ),
  /** Add CodeHealer's own check run. */
  check_run: z
    .boolean()
    .default(true)
    .describe(
      "Add a CodeHealer check run to the failing commit, with the diagnosis, annotations and action buttons. Failing for security findings, neutral otherwise.",
    ),
  /** The one sticky pull request comment. */
  comment: z
    .boolean()
    .default(true)
    .describe("Keep one comment on the pull request up to date with the diagnosis."),
  /** Notifications (Slack). */
  notify: z
    .boolean()
    .default(true)
    .describe(
      "Send notifications (Slack, when set up): reports, security alerts and requests for approval.",
    ),
});
