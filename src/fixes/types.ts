import type { Logger } from "pino";
import type { ProbotOctokit } from "probot";
import type { FixInput } from "../actions/fix-pr-body.ts";
import type { MemoryDiagnosis } from "../diagnosis/memory-recall.ts";
import type { ProposedFix } from "../policy/plan-input.ts";

/**
 * A fix found for an incident: the files to commit and the words around them (`fix`), and what
 * the plan weighs (`proposed`: the paths, where it came from, whether it was validated). Stored
 * on the incident (`incidents.fix`), so the check run's "Open fix PR" button can open it later.
 */
export type StoredFix = { fix: FixInput; proposed: ProposedFix };

/** What finding a fix needs: GitHub, to read the failing commit's files, and a logger. */
export type FixSourceDeps = { octokit: ProbotOctokit; log: Logger };

/** The failure to find a fix for. */
export type FixRequest = {
  repository: { owner: string; repo: string };
  /** The failing commit: files are read at this sha. */
  headSha: string;
  /** The incident's diagnosis after memory, with the remembered fix when memory had one. */
  diagnosis: MemoryDiagnosis;
  incidentId: string;
};

/** A step towards a fix that either worked or says, in a sentence, why it did not. */
export type Attempt<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The modes a fix may give a file: a regular file, or an executable one. */
export type FileMode = "100644" | "100755";
