import { executableBitFix } from "./executable-bit.ts";
import { preCommitFix } from "./pre-commit.ts";
import { rememberedPatchFix } from "./remembered-patch.ts";
import { repositoryReader } from "./repository-files.ts";
import type { FixRequest, FixSourceDeps, StoredFix } from "./types.ts";

export type { FixRequest, FixSourceDeps } from "./types.ts";

/** The fixes CodeHealer is certain of without an LLM, tried in order after memory's patch. */
const DETERMINISTIC = [
  { name: "executable-bit", find: executableBitFix },
  { name: "pre-commit", find: preCommitFix },
] as const;

/**
 * A fix for the incident found without an LLM, or null when none is certain:
 * 1. the patch memory remembered with the fix for this failure, applied to the failing commit
 *    only where every hunk matches exactly;
 * 2. otherwise, a deterministic fix: the executable bit for a script the job could not run, or
 *    the changes pre-commit's whitespace and end-of-file fixers made in CI.
 * Each source logs why it found nothing. Throws only when GitHub fails (other than a 404), so the
 * caller can retry; bad patch text or an odd log is a refusal, never an error.
 */
export async function findFix(deps: FixSourceDeps, request: FixRequest): Promise<StoredFix | null> {
  const read = repositoryReader(deps.octokit, request.repository, request.headSha);
  const logFor = (source: string) => (reason: string) =>
    deps.log.info({ incidentId: request.incidentId, source }, reason);

  const remembered = await rememberedPatchFix(logFor("memory"), read, request);
  if (remembered) return remembered;
  for (const { name, find } of DETERMINISTIC) {
    const fix = await find(logFor(name), read, request);
    if (fix) {
      deps.log.info(
        { incidentId: request.incidentId, source: name, files: fix.proposed.files },
        `fix found: ${name}`,
      );
      return fix;
    }
  }
  deps.log.debug({ incidentId: request.incidentId }, "no certain fix without an LLM");
  return null;
}
