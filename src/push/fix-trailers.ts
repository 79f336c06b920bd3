import { INCIDENT_TRAILER } from "../actions/fix-pr.ts";
import type { PushCommit } from "./read-push.ts";

/** A commit of a push that says it carries CodeHealer's fix for an incident. */
export type FixCommit = { sha: string; incidentId: string };

// Anywhere in the message, not only in the closing trailer block: a squash merge lists each
// squashed commit's message (`* fix: …\n\nCodeHealer-Incident: …`), and a cherry-pick may add
// lines (`(cherry picked from commit …)`) after it.
const TRAILER = new RegExp(
  `^[ \\t]*${INCIDENT_TRAILER}:[ \\t]*([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})[ \\t]*$`,
  "gim",
);

/**
 * The incidents a push's commits name in their `CodeHealer-Incident` trailer, each once, with
 * the first commit (in push order) that names it. Pure.
 */
export function fixCommits(commits: readonly PushCommit[]): FixCommit[] {
  const found = new Map<string, string>();
  for (const commit of commits)
    for (const match of commit.message.matchAll(TRAILER)) {
      const incidentId = (match[1] ?? "").toLowerCase();
      if (!found.has(incidentId)) found.set(incidentId, commit.id);
    }
  return [...found].map(([incidentId, sha]) => ({ sha, incidentId }));
}
