/**
 * Conclusions of a run, job or check that mean it broke. `cancelled` is a person's choice,
 * `action_required` waits for one, `stale` and `skipped` say nothing: none of them is a failure.
 */
export const FAILED_CONCLUSIONS = ["failure", "timed_out", "startup_failure"] as const;

/** Whether a conclusion (null while running) is one of {@link FAILED_CONCLUSIONS}. */
export const isFailedConclusion = (conclusion: string | null | undefined): boolean =>
  FAILED_CONCLUSIONS.some((failed) => failed === conclusion);
