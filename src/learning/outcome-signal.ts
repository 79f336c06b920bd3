/** What became of a rerun CodeHealer made: the next attempt of the run passed or failed. */
export type RerunOutcome = "rerun_passed" | "rerun_failed";

/** Outcomes that say the action was right. */
export const SUCCESS_OUTCOMES = ["fix_merged", "fix_validated", "rerun_passed"] as const;
/** Outcomes that say the action was wrong. */
export const FAILURE_OUTCOMES = ["fix_failed", "fix_rejected", "rerun_failed"] as const;
/** Every outcome calibration reads; `incidents.outcome` may hold other words (a worker's error). */
export const KNOWN_OUTCOMES = [...SUCCESS_OUTCOMES, ...FAILURE_OUTCOMES] as const;

/** What is known of an incident after the fact. */
export type OutcomeRecord = {
  outcome: string | null;
  /** The diagnosis called the failure transient: a rerun was what it proposed. */
  transient: boolean | null;
  /** Someone said the diagnosis was helpful (`good`) or not (`bad`). */
  good: boolean;
  bad: boolean;
};

/**
 * Whether the action CodeHealer's confidence stood for was right, or null when nothing says.
 * Pure. In order:
 * 1. a person's "bad" outweighs everything: they saw something the outcome does not show;
 * 2. a rerun's result speaks for the diagnosis only as far as the diagnosis proposed the rerun:
 *    a transient failure that passed again was right, one that failed again was wrong; a failure
 *    called deterministic that passed on a person's retry was wrong, and one that failed again
 *    says nothing of the fix the diagnosis wanted;
 * 3. a fix merged or passing its own CI was right; one failing CI or closed unmerged was wrong;
 * 4. otherwise a person's "good".
 */
export function actionWasRight(record: OutcomeRecord): boolean | null {
  if (record.bad) return false;
  const transient = record.transient === true;
  switch (record.outcome) {
    case "rerun_passed":
      return transient;
    case "rerun_failed":
      return transient ? false : record.good ? true : null;
    case "fix_merged":
    case "fix_validated":
      return true;
    case "fix_failed":
    case "fix_rejected":
      return false;
    default:
      return record.good ? true : null;
  }
}
