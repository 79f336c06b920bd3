import { fullName } from "../actions/effect.ts";
import { type FollowUp, followUp, retryIfWorthIt } from "../actions/fix-follow-up.ts";
import type { Config } from "../policy/config.ts";
import { solutionPatches } from "../store/solution-patches.ts";
import { notYetAlerted } from "./alerted-secrets.ts";
import { writePushCheck } from "./push-check.ts";
import { pushDiff } from "./push-diff.ts";
import type { Push } from "./read-push.ts";
import { buildRepeatedCheck, repeatedCheckKey } from "./repeated-check-output.ts";
import { type RepeatedMistake, repeatedMistakes } from "./repeated-lines.ts";
import { type AlertDeps, alertSecrets } from "./secret-alert.ts";
import { secretFindings } from "./secret-lines.ts";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The neutral `CodeHealer: repeated mistake` check run, once per commit. */
async function warnRepeated(
  deps: AlertDeps,
  push: Push,
  mistakes: readonly RepeatedMistake[],
  dryRun: boolean,
): Promise<FollowUp> {
  const target = { owner: push.owner, repo: push.repo, incidentId: null };
  const key = repeatedCheckKey(fullName(push), push.after);
  const outcome = retryIfWorthIt(
    await writePushCheck(deps, target, key, buildRepeatedCheck(push.after, mistakes, deps.now()), {
      dryRun,
    }),
  );
  const what = `${plural(mistakes.length, "repeated mistake")} on ${push.after.slice(0, 7)}`;
  switch (outcome.status) {
    case "done":
      return followUp(
        !outcome.replayed,
        `${what}: check run ${outcome.replayed ? "already written" : "written"}`,
      );
    case "dry-run":
      return followUp(true, outcome.message);
    case "skipped":
      return followUp(false, `${what}: ${outcome.reason}`);
    case "failed":
      return followUp(true, `${what}: ${outcome.error}`);
  }
}

/**
 * What the lines a push adds tell, from one comparison of the push:
 * 1. which reports may go out at all: with check runs, issues and notifications all off, GitHub
 *    is not asked for the diff;
 * 2. secret-looking strings no earlier push was alerted for → a security-tier alert
 *    (`alertSecrets`);
 * 3. lines a remembered fix removed, coming back → a warning check run.
 * Remembered patches are read only when check runs are on; without one, no repeated-mistake check.
 */
export async function scanPush(
  deps: AlertDeps,
  push: Push,
  config: Config,
  dryRun: boolean,
): Promise<FollowUp[]> {
  const allowed = config.actions;
  if (!allowed.check_run && !allowed.issue && !allowed.notify)
    return [
      followUp(false, "check runs, issues and notifications are off: the push is not scanned"),
    ];
  const repository = fullName(push);
  const patches = allowed.check_run
    ? await solutionPatches(deps.db, { repository, organization: push.owner })
    : [];
  const got = await pushDiff(deps.octokit, push);
  if ("skipped" in got) return [followUp(false, `not scanned: ${got.skipped}`)];
  const { files, notes } = got.diff;
  const scanned = `${plural(files.length, "file")} scanned${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
  const found = secretFindings(files);
  const findings =
    found.length > 0 ? await notYetAlerted(deps.db, repository, push.after, found) : [];
  const mistakes = repeatedMistakes(files, patches, repository);
  return [
    findings.length > 0
      ? await alertSecrets(deps, push, findings, {
          checkRun: allowed.check_run,
          issue: allowed.issue,
          notify: allowed.notify,
          dryRun,
        })
      : followUp(
          false,
          found.length > 0
            ? `${scanned}: ${plural(found.length, "secret")} already alerted in an earlier push`
            : `${scanned}: no secret`,
        ),
    mistakes.length > 0
      ? await warnRepeated(deps, push, mistakes, dryRun)
      : followUp(
          false,
          patches.length > 0
            ? "no line a remembered fix removed comes back"
            : "no remembered patch to compare with",
        ),
  ];
}
