import type { ProbotOctokit } from "probot";
import type { ActionKind, AuditEntry } from "../store/audit.ts";
import type { Db } from "../store/database.ts";

/** What every effect is given: passed in, so that tests pass their own. */
export type EffectDeps = {
  /** Authenticated as the installation; Probot's retry and throttling do the waiting. */
  octokit: ProbotOctokit;
  db: Db;
  now: () => Date;
};

/** The repository an effect acts on, and the incident it acts for. */
export type Target = { owner: string; repo: string; incidentId: string | null };

/** `owner/repo`. */
export const fullName = (target: Pick<Target, "owner" | "repo">): string =>
  `${target.owner}/${target.repo}`;

/** The audit entry of an effect on `target`, under `key`. */
export const auditEntry = (target: Target, kind: ActionKind, key: string): AuditEntry => ({
  key,
  incidentId: target.incidentId,
  repository: fullName(target),
  kind,
});
