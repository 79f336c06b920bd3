import type { ProbotOctokit } from "probot";
import { z } from "zod";
import { isFailedConclusion } from "../github/conclusions.ts";

/** Conclusions that say a check passed: skipped and neutral ones do not hold a fix back. */
const PASSING = ["success", "neutral", "skipped"];

const suiteSchema = z.object({
  id: z.number(),
  status: z.string().nullable(),
  conclusion: z.string().nullable(),
  latest_check_runs_count: z.number().optional(),
  app: z.object({ id: z.number(), name: z.string().optional() }).nullable().optional(),
});
/** One check suite on a commit, as `GET …/commits/{ref}/check-suites` lists it. */
export type CheckSuite = z.infer<typeof suiteSchema>;

/** What the CI of a commit says, all its check suites together. */
export type CiVerdict =
  | { state: "pending"; waiting: string[] }
  | { state: "failed"; suites: string[] }
  | { state: "inconclusive"; suites: string[] }
  | { state: "passed"; suites: number };

const nameOf = (suite: CheckSuite) => suite.app?.name ?? `check suite ${suite.id}`;

/**
 * The verdict of a commit's CI. Pure. Not counted:
 * - suites with no check run: GitHub creates a suite for every installed App with the checks
 *   permission on each push, and the suite of an App that never reports stays `queued`
 *   forever (CodeHealer's own is one);
 * - CodeHealer's own suite (`appId`): its check run is a report, not CI.
 */
export function ciVerdict(suites: readonly CheckSuite[], appId: number | null): CiVerdict {
  const counted = suites.filter(
    (suite) => (suite.latest_check_runs_count ?? 1) > 0 && suite.app?.id !== appId,
  );
  const waiting = counted.filter((suite) => suite.status !== "completed");
  if (waiting.length > 0) return { state: "pending", waiting: waiting.map(nameOf) };
  // A check rejected the commit; `action_required`, `cancelled` or `stale` are inconclusive.
  const failed = counted.filter((suite) => isFailedConclusion(suite.conclusion));
  if (failed.length > 0) return { state: "failed", suites: failed.map(nameOf) };
  const unclear = counted.filter((suite) => !PASSING.includes(suite.conclusion ?? ""));
  if (unclear.length > 0) return { state: "inconclusive", suites: unclear.map(nameOf) };
  if (counted.length === 0) return { state: "pending", waiting: [] };
  return { state: "passed", suites: counted.length };
}

/** Every check suite on a commit. GitHub failing is thrown. */
export async function commitCheckSuites(
  octokit: ProbotOctokit,
  repository: { owner: string; repo: string },
  sha: string,
): Promise<CheckSuite[]> {
  const suites = await octokit.paginate("GET /repos/{owner}/{repo}/commits/{ref}/check-suites", {
    ...repository,
    ref: sha,
    per_page: 100,
  });
  return z.array(suiteSchema).parse(suites);
}
