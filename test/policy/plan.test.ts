import { describe, expect, it } from "vitest";
import { SAFE_CONFIG } from "../../src/policy/config.ts";
import { type Plan, plan, type Step, type Tier } from "../../src/policy/plan.ts";
import { type Given, given, TYPE_ERROR } from "./given.ts";

const CHECK: Step = { kind: "check_run", conclusion: "neutral", annotate: false };
const RERUN: Step = { kind: "rerun", failedJobsOnly: true };
const ISSUE: Step = { kind: "issue", fingerprint: "b50fddff4175cf5fd27fa0288bc0e19a" };
const NOTIFY: Step = { kind: "notify", approval: false };
const REPORT: Step[] = [CHECK, ISSUE, NOTIFY];
const FIX_HEAD = "codehealer/fix-415775e25088";
const TYPE_ISSUE: Step = { kind: "issue", fingerprint: TYPE_ERROR.fingerprint };
const TYPE_REPORT: Step[] = [CHECK, TYPE_ISSUE, NOTIFY];
const fixPr = (draft: boolean, base = "main"): Step => ({
  kind: "fix_pr",
  draft,
  base,
  head: FIX_HEAD,
});
const ask = (...approve: ("rerun" | "fix_pr")[]): Step => ({
  kind: "notify",
  approval: true,
  approve,
});
const FORK_PR = { number: 7, fromFork: true, authorTrusted: false };
const QUIET_PARIS = { timezone: "Europe/Paris", start: "22:00", end: "07:00" };
const PRODUCTION = { name: "production", branches: ["main"], thresholds: { auto: 0.95 } };

type Row = {
  it: string;
  given: Given;
  tier: Tier;
  steps: Step[];
  /** `step/rule` of each refusal, in order. */
  refused?: string[];
  /** Words one of the reasons or refusals must contain. */
  says?: string;
};

const TIERS: Row[] = [
  {
    it: "reruns only the failed jobs of a transient registry timeout on attempt 1",
    given: {},
    tier: "auto",
    steps: [RERUN, CHECK],
  },
  {
    it: "refuses a third rerun of a run already rerun twice, and reports instead",
    given: { state: { runAttempt: 3, rerunsOfThisRun: 2 } },
    tier: "report",
    steps: REPORT,
    refused: ["rerun/rerun_budget"],
    says: "rerun 2 times",
  },
  {
    it: "counts reruns made by people against the budget",
    given: { state: { runAttempt: 3, rerunsOfThisRun: 0 } },
    tier: "report",
    steps: REPORT,
    refused: ["rerun/rerun_budget"],
  },
  {
    it: "never reruns a deterministic type error, however sure",
    given: { diagnosis: { ...TYPE_ERROR, confidence: 0.99 } },
    tier: "report",
    steps: TYPE_REPORT,
    refused: ["rerun/deterministic_failure"],
    says: "No automatic action survived",
  },
  {
    it: "opens a ready fix pull request for a validated fix at 0.9",
    given: { diagnosis: TYPE_ERROR, fix: {} },
    tier: "auto",
    steps: [fixPr(false), CHECK],
    refused: ["rerun/deterministic_failure"],
    says: "`main` is protected: the fix goes to `codehealer/fix-415775e25088`",
  },
  {
    it: "opens a draft and asks for approval for a validated fix at 0.7",
    given: { diagnosis: { ...TYPE_ERROR, confidence: 0.7 }, fix: {} },
    tier: "review",
    steps: [fixPr(true), CHECK, ask("fix_pr")],
    refused: ["rerun/deterministic_failure"],
  },
  {
    it: "proposes a rerun for approval when a transient failure is only fairly sure",
    given: { diagnosis: { confidence: 0.8 } },
    tier: "review",
    steps: [CHECK, ask("rerun")],
  },
  {
    it: "only reports a diagnosis below the review threshold, even a transient one",
    given: { diagnosis: { category: "unknown", confidence: 0.3 } },
    tier: "report",
    steps: REPORT,
  },
  {
    it: "puts a failed security scan in the security tier and never fixes it",
    given: { diagnosis: { ...TYPE_ERROR, category: "security_scan", confidence: 0.97 }, fix: {} },
    tier: "security",
    steps: [{ ...CHECK, conclusion: "failure" }, TYPE_ISSUE, NOTIFY],
    refused: ["fix_pr/security"],
  },
  {
    it: "treats a diagnosis flagged as a leaked secret as security, and never reruns it",
    given: { diagnosis: { security: true, confidence: 0.2 } },
    tier: "security",
    steps: [{ ...CHECK, conclusion: "failure" }, ISSUE, NOTIFY],
    refused: ["rerun/security"],
  },
];

const GUARDRAILS: Row[] = [
  {
    it: "only reports a diagnosis marked report-only, however sure, and says why",
    given: { diagnosis: { reportOnly: "the LLM's patch touched .github/workflows/ci.yml." } },
    tier: "report",
    steps: REPORT,
    says: "Report only: the LLM's patch touched",
  },
  {
    it: "opens a fix that was not validated as a draft only, and asks for approval",
    given: { diagnosis: TYPE_ERROR, fix: { validated: false, source: "llm" } },
    tier: "review",
    steps: [fixPr(true), CHECK, ask("fix_pr")],
    refused: ["rerun/deterministic_failure", "fix_pr/fix_not_validated"],
    says: "marked ready only if its own CI passes",
  },
  {
    it: "refuses a fix touching a workflow",
    given: { diagnosis: TYPE_ERROR, fix: { files: ["src/a.ts", ".github/workflows/ci.yml"] } },
    tier: "report",
    steps: TYPE_REPORT,
    refused: ["rerun/deterministic_failure", "fix_pr/denied_path"],
    says: "`.github/workflows/ci.yml` matches `.github/workflows/**`",
  },
  {
    it: "refuses a fix touching a lockfile",
    given: { diagnosis: TYPE_ERROR, fix: { files: ["package.json", "package-lock.json"] } },
    tier: "report",
    steps: TYPE_REPORT,
    refused: ["rerun/deterministic_failure", "fix_pr/denied_path"],
    says: "allow_lockfiles: true",
  },
  {
    it: "lets a fix touch a lockfile when allow_lockfiles is set",
    given: {
      diagnosis: TYPE_ERROR,
      fix: { files: ["package.json", "package-lock.json"] },
      config: { allow_lockfiles: true },
    },
    tier: "auto",
    steps: [fixPr(false), CHECK],
    refused: ["rerun/deterministic_failure"],
  },
  {
    it: "refuses a fix touching the repository's own denied paths",
    given: {
      diagnosis: TYPE_ERROR,
      fix: { files: ["infra/main.tf"] },
      config: { denied_paths: ["infra/"] },
    },
    tier: "report",
    steps: TYPE_REPORT,
    refused: ["rerun/deterministic_failure", "fix_pr/denied_path"],
    says: "in denied_paths",
  },
  {
    it: "refuses a fix whose path climbs out of the repository",
    given: { diagnosis: TYPE_ERROR, fix: { files: ["src/../../etc/passwd"] } },
    tier: "report",
    steps: TYPE_REPORT,
    refused: ["rerun/deterministic_failure", "fix_pr/denied_path"],
    says: "not a plain path",
  },
  {
    it: "refuses a fix that changes no file",
    given: { diagnosis: TYPE_ERROR, fix: { files: [] } },
    tier: "report",
    steps: TYPE_REPORT,
    refused: ["rerun/deterministic_failure", "fix_pr/empty_fix"],
  },
  {
    it: "refuses a fix for a run without a branch",
    given: { diagnosis: TYPE_ERROR, fix: {}, state: { branch: null, isDefaultBranch: false } },
    tier: "report",
    steps: TYPE_REPORT,
    refused: ["rerun/deterministic_failure", "fix_pr/no_branch"],
  },
  {
    it: "refuses a fix when the fix branch itself is protected",
    given: {
      diagnosis: TYPE_ERROR,
      fix: {},
      config: { protected_branches: ["main", "codehealer/**"] },
    },
    tier: "report",
    steps: TYPE_REPORT,
    refused: ["rerun/deterministic_failure", "fix_pr/protected_branch"],
  },
  {
    it: "refuses automatic actions once the blast radius is reached; the report remains",
    given: { state: { automatedActionsLastHour: 10 } },
    tier: "report",
    steps: REPORT,
    refused: ["rerun/blast_radius"],
    says: "No automatic action survived",
  },
  {
    it: "lets through only what the hour's allowance still covers",
    given: {
      diagnosis: { category: "flaky_test", transient: true },
      fix: { files: ["test/cart.test.ts"] },
      state: { automatedActionsLastHour: 9 },
    },
    tier: "auto",
    steps: [RERUN, CHECK],
    refused: ["fix_pr/blast_radius"],
  },
  {
    it: "gives a fork's pull request a comment and the check run only",
    given: {
      diagnosis: { ...TYPE_ERROR },
      fix: {},
      state: { pullRequest: FORK_PR, branch: "patch-1", isDefaultBranch: false },
    },
    tier: "report",
    steps: [CHECK, { kind: "comment" }],
    refused: ["rerun/deterministic_failure", "fix_pr/fork"],
  },
  {
    it: "never reruns a fork's transient failure either",
    given: { state: { pullRequest: FORK_PR, branch: "patch-1", isDefaultBranch: false } },
    tier: "report",
    steps: [CHECK, { kind: "comment" }],
    refused: ["rerun/fork"],
  },
  {
    it: "treats a commit that is on no branch here as a fork's: the check run only",
    given: { state: { foreignCommit: true, branch: "main" } },
    tier: "report",
    steps: [CHECK],
    refused: ["rerun/fork", "issue/fork", "notify/fork"],
    says: "is not on a branch of",
  },
  {
    it: "reports a pull request's own failure on the pull request, never as an issue",
    given: {
      diagnosis: TYPE_ERROR,
      state: {
        pullRequest: { number: 8, fromFork: false, authorTrusted: true },
        branch: "x",
        isDefaultBranch: false,
      },
    },
    tier: "report",
    steps: [CHECK, { kind: "comment" }],
    refused: ["rerun/deterministic_failure"],
  },
  {
    it: "treats an untrusted author's pull request like a fork's",
    given: {
      state: {
        pullRequest: { number: 8, fromFork: false, authorTrusted: false },
        branch: "x",
        isDefaultBranch: false,
      },
    },
    tier: "report",
    steps: [CHECK, { kind: "comment" }],
    refused: ["rerun/untrusted_author"],
  },
  {
    it: "reruns a trusted pull request's failure and keeps its sticky comment",
    given: {
      state: {
        pullRequest: { number: 9, fromFork: false, authorTrusted: true },
        branch: "feat",
        isDefaultBranch: false,
      },
    },
    tier: "auto",
    steps: [RERUN, CHECK, { kind: "comment" }],
  },
  {
    it: "defers automatic actions in quiet hours across midnight, in the window's time zone",
    // 01:30 on Thursday in Paris.
    given: {
      config: { quiet_hours: [QUIET_PARIS] },
      state: { now: new Date("2025-06-04T23:30:00Z") },
    },
    tier: "report",
    steps: REPORT,
    refused: ["rerun/quiet_hours"],
    says: "deferred until 07:00",
  },
  {
    it: "acts outside quiet hours",
    given: {
      config: { quiet_hours: [QUIET_PARIS] },
      state: { now: new Date("2025-06-04T12:00:00Z") },
    },
    tier: "auto",
    steps: [RERUN, CHECK],
  },
  {
    it: "still proposes a rerun for approval in quiet hours: a person will carry it out",
    given: {
      diagnosis: { confidence: 0.7 },
      config: { quiet_hours: [QUIET_PARIS] },
      state: { now: new Date("2025-06-04T23:30:00Z") },
    },
    tier: "review",
    steps: [CHECK, ask("rerun")],
  },
  {
    it: "does nothing at all when the kill switch is off",
    given: { diagnosis: TYPE_ERROR, fix: {}, config: { enabled: false } },
    tier: "report",
    steps: [],
    refused: ["all/kill_switch"],
  },
  {
    it: "refuses an action the repository turned off",
    given: { config: { actions: { rerun: false } } },
    tier: "report",
    steps: REPORT,
    refused: ["rerun/disabled_action"],
  },
  {
    it: "leaves out a report the repository turned off",
    given: { diagnosis: { confidence: 0.3 }, config: { actions: { issue: false } } },
    tier: "report",
    steps: [CHECK, NOTIFY],
    refused: ["issue/disabled_action"],
  },
  {
    it: "reruns only GitHub Actions runs, not other CI's check suites",
    given: { state: { event: "check_suite" } },
    tier: "report",
    steps: REPORT,
    refused: ["rerun/not_rerunnable"],
  },
  {
    it: "opens a draft instead of a ready pull request when fixes need approval",
    given: { diagnosis: TYPE_ERROR, fix: {}, config: { require_approval_for: ["fix_pr"] } },
    tier: "review",
    steps: [fixPr(true), CHECK, ask("fix_pr")],
    refused: ["rerun/deterministic_failure", "fix_pr/approval_required"],
    says: "Approval is required",
  },
  {
    it: "proposes a rerun instead of making it when reruns need approval",
    given: { config: { require_approval_for: ["rerun"] } },
    tier: "review",
    steps: [CHECK, ask("rerun")],
    refused: ["rerun/approval_required"],
  },
  {
    it: "pins the check run's findings to lines when the job had annotations",
    given: {
      diagnosis: { ...TYPE_ERROR, annotations: [{ path: "src/a.ts", line: 3, message: "TS2322" }] },
    },
    tier: "report",
    steps: [{ ...CHECK, annotate: true }, TYPE_ISSUE, NOTIFY],
    refused: ["rerun/deterministic_failure"],
  },
];

const THRESHOLDS: Row[] = [
  {
    it: "holds main to the production override's stricter threshold",
    given: { config: { environments: [PRODUCTION] } },
    tier: "review",
    steps: [CHECK, ask("rerun")],
    says: "environment override production",
  },
  {
    it: "leaves other branches on the repository's thresholds",
    given: {
      config: { environments: [PRODUCTION] },
      state: { branch: "feature/cart", isDefaultBranch: false },
    },
    tier: "auto",
    steps: [RERUN, CHECK],
  },
  {
    it: "matches a production workflow by its file",
    given: {
      config: {
        environments: [
          { workflows: [".github/workflows/deploy-*.yml"], thresholds: { auto: 0.99 } },
        ],
      },
      state: {
        workflow: "Deploy",
        workflowPath: ".github/workflows/deploy-prod.yml",
        branch: "feat",
        isDefaultBranch: false,
      },
    },
    tier: "review",
    steps: [CHECK, ask("rerun")],
  },
  {
    it: "takes the strictest threshold when several overrides match",
    given: {
      config: {
        environments: [
          { branches: ["**"], thresholds: { auto: 0.7 } },
          { branches: ["main"], thresholds: { auto: 0.92 } },
        ],
      },
    },
    tier: "review",
    steps: [CHECK, ask("rerun")],
  },
  {
    it: "uses calibrated thresholds once there are enough outcomes, and says so",
    given: {
      diagnosis: { confidence: 0.8 },
      calibration: { thresholds: { auto: 0.78, review: 0.5 }, samples: 400 },
    },
    tier: "auto",
    steps: [RERUN, CHECK],
    says: "calibrated on 400 past outcomes",
  },
  {
    it: "keeps the configured thresholds while calibration has too few outcomes",
    given: {
      diagnosis: { confidence: 0.8 },
      calibration: { thresholds: { auto: 0.78, review: 0.5 }, samples: 40 },
    },
    tier: "review",
    steps: [CHECK, ask("rerun")],
    says: "fewer than the 100 it needs",
  },
  {
    it: "lets an environment override only raise calibrated thresholds",
    given: {
      diagnosis: { confidence: 0.8 },
      config: { environments: [{ branches: ["main"], thresholds: { auto: 0.75 } }] },
      calibration: { thresholds: { auto: 0.82, review: 0.5 }, samples: 400 },
    },
    tier: "review",
    steps: [CHECK, ask("rerun")],
  },
];

const refusals = (p: Plan) => p.refused.map((r) => `${r.step}/${r.rule}`);

describe("plan", () => {
  for (const [name, rows] of [
    ["tiers", TIERS],
    ["guardrails", GUARDRAILS],
    ["thresholds", THRESHOLDS],
  ] as const) {
    describe(name, () => {
      for (const row of rows) {
        it(row.it, () => {
          const result = plan(given(row.given));
          expect(result.steps).toEqual(row.steps);
          expect(refusals(result)).toEqual(row.refused ?? []);
          expect(result.tier).toBe(row.tier);
          const story = [...result.reasons, ...result.refused.map((r) => r.reason)].join("\n");
          if (row.says) expect(story).toContain(row.says);
        });
      }
    });
  }

  describe("every plan", () => {
    const all = [...TIERS, ...GUARDRAILS, ...THRESHOLDS];

    it("explains every refusal in a sentence a maintainer reads", () => {
      for (const row of all)
        for (const refusal of plan(given(row.given)).refused) {
          expect(refusal.reason.length, row.it).toBeGreaterThan(30);
          expect(refusal.reason, row.it).toMatch(/[.?]$/);
        }
    });

    it("never reruns a deterministic failure, whatever the settings", () => {
      for (const row of all) {
        const input = given({
          ...row.given,
          diagnosis: { ...row.given.diagnosis, transient: false },
        });
        expect(
          plan(input).steps.map((s) => s.kind),
          row.it,
        ).not.toContain("rerun");
      }
    });

    it("never fixes or reruns a security finding, whatever the settings", () => {
      for (const row of all) {
        const input = given({
          ...row.given,
          diagnosis: { ...row.given.diagnosis, category: "security_scan" },
        });
        const kinds = plan(input).steps.map((s) => s.kind);
        expect(kinds, row.it).not.toContain("rerun");
        expect(kinds, row.it).not.toContain("fix_pr");
      }
    });

    it("is pure: the same input gives the same plan and is left as it was", () => {
      for (const row of all) {
        const input = given(row.given);
        const before = structuredClone(input);
        expect(plan(input)).toEqual(plan(input));
        expect(input).toEqual(before);
      }
    });
  });

  describe("in dry-run mode", () => {
    it("plans the same steps and marks the plan dry", () => {
      const wet = plan(given());
      const dry = plan(given({ config: { dry_run: true } }));
      expect(dry.steps).toEqual(wet.steps);
      expect(dry.dryRun).toBe(true);
      expect(wet.dryRun).toBe(false);
      expect(dry.reasons.join("\n")).toContain("[dry-run] Would");
    });
  });

  describe("when the configuration is invalid", () => {
    it("reports only, and says the file is why", () => {
      const problems = [{ path: "thresholds.auto", message: "must be at most 1, not 1.2" }];
      const result = plan({ ...given(), config: SAFE_CONFIG, configProblems: problems });
      expect(result.steps).toEqual(REPORT);
      expect(result.refused).toEqual([
        {
          step: "rerun",
          rule: "invalid_config",
          reason: expect.stringContaining("thresholds.auto: must be at most 1, not 1.2"),
        },
      ]);
    });
  });

  describe("when the kill switch is off", () => {
    it("says so once, and nothing else is refused or done", () => {
      const result = plan(given({ config: { enabled: false } }));
      expect(result.refused).toHaveLength(1);
      expect(result.refused[0]?.reason).toContain("enabled: false");
    });
  });

  describe("when a confidence is not a number", () => {
    it("reads it as 0 and only reports", () => {
      const result = plan(given({ diagnosis: { confidence: Number.NaN } }));
      expect(result.confidence).toBe(0);
      expect(result.steps).toEqual(REPORT);
    });
  });

  describe("its steps", () => {
    it("can each be told in words by a switch that TypeScript checks is exhaustive", () => {
      const steps = [...TIERS, ...GUARDRAILS].flatMap((row) => plan(given(row.given)).steps);
      expect(new Set(steps.map((s) => s.kind))).toEqual(
        new Set(["rerun", "fix_pr", "issue", "check_run", "comment", "notify"]),
      );
      for (const step of steps) expect(describeStep(step)).not.toBe("");
    });
  });

  describe("when memory settled the diagnosis", () => {
    it("says where the confidence came from", () => {
      const result = plan(
        given({
          diagnosis: {
            source: "rules+memory",
            remembered: { solutionId: "s1", probability: 0.93 },
          },
        }),
      );
      expect(result.reasons[0]).toContain("the rules and memory, agreeing");
      expect(result.reasons[0]).toContain("remembered fix applies with probability 0.93");
    });
  });
});

// Exhaustiveness: an executor's switch over step kinds fails to compile if a kind is added.
function describeStep(step: Step): string {
  switch (step.kind) {
    case "rerun":
      return "rerun the failed jobs";
    case "fix_pr":
      return step.draft ? "open a draft fix pull request" : "open a fix pull request";
    case "issue":
      return `file or update the issue for ${step.fingerprint}`;
    case "check_run":
      return `add a ${step.conclusion} check run`;
    case "comment":
      return "update the pull request comment";
    case "notify":
      return step.approval ? `ask to approve ${step.approve.join(" and ")}` : "notify";
    default:
      return step satisfies never;
  }
}
