import { type AuditOutcome, once, recordDryRun } from "../store/audit.ts";
import { CHECK_NAME } from "./check-run-output.ts";
import { auditEntry, type EffectDeps, fullName, type Target } from "./effect.ts";
import { explained } from "./github-error.ts";
import { bound, CHECK_OUTPUT_LIMIT } from "./markdown.ts";

/** The check run's output as a `check_run` webhook carries it: what a note is added to. */
export type CheckRunOutput = { title: string; summary: string; text: string | null };

export type CheckRunNoteInput = {
  checkRunId: number;
  output: CheckRunOutput;
  /** One line of Markdown: what happened after a button was pressed. */
  note: string;
  /** One note per key: a second press or a redelivery does not add it again. */
  key: string;
};

/**
 * Adds a line to the end of CodeHealer's check run summary ("Retried by @alice"), keeping its
 * title, text and annotations: the person who pressed a button sees what came of it where
 * they pressed it. A summary that already ends with the note (an interrupted earlier attempt
 * wrote it) is left as it is.
 */
export async function noteOnCheckRun(
  deps: EffectDeps,
  target: Target,
  { checkRunId, output, note, key }: CheckRunNoteInput,
  { dryRun }: { dryRun: boolean },
): Promise<AuditOutcome> {
  const repository = fullName(target);
  const entry = auditEntry(target, "check_run", key);
  const detail = { checkRunId, note };
  if (dryRun)
    return recordDryRun(
      deps.db,
      entry,
      `[dry-run] Would add "${note}" to the ${CHECK_NAME} check run ${checkRunId} in ${repository}`,
      detail,
      deps.now(),
    );
  const what = `Adding a note to the ${CHECK_NAME} check run ${checkRunId} in ${repository}`;
  return once(
    deps.db,
    entry,
    () =>
      explained(what, "checks: write", async () => {
        if (output.summary.trimEnd().endsWith(note)) return { detail: { ...detail, sent: false } };
        // The note goes last and the summary is cut before it, so the note is always seen.
        const room = CHECK_OUTPUT_LIMIT - note.length - 2;
        const summary = `${bound(output.summary.trimEnd(), room)}\n\n${note}`;
        const { data } = await deps.octokit.request(
          "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
          {
            owner: target.owner,
            repo: target.repo,
            check_run_id: checkRunId,
            output: {
              title: output.title,
              summary,
              ...(output.text === null ? {} : { text: output.text }),
            },
          },
        );
        return { targetUrl: data.html_url, detail: { ...detail, sent: true } };
      }),
    { now: deps.now() },
  );
}
