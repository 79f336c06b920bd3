/** When a breaker opens and for how long. */
export type BreakerOptions = {
  /** Consecutive failures that open it (default 3). */
  failures: number;
  /** How long it stays open before one trial request is let through (default 60 s). */
  coolDownMs: number;
};

export const DEFAULT_BREAKER: BreakerOptions = { failures: 3, coolDownMs: 60_000 };

/** Whether a request may go to the endpoint now; when not, until when it may not. */
export type BreakerVerdict = { allowed: true } | { allowed: false; until: Date; reason: string };

/**
 * A circuit breaker for one endpoint, in memory, for this process: a dead endpoint is skipped
 * at once instead of costing every incident its timeouts and retries.
 *
 * closed → (N consecutive failures) → open → (cool-down) → half-open: one trial request; its
 * success closes the breaker, its failure opens it for another cool-down. While the trial is
 * in flight other requests are refused, so a recovering endpoint gets one request, not all.
 */
export type Breaker = {
  /** Asks to send a request; an allowed request must end with `succeeded` or `failed`. */
  request(now: Date): BreakerVerdict;
  succeeded(): void;
  failed(now: Date): void;
  /** For logs and metrics. */
  state(now: Date): "closed" | "open" | "half-open";
};

export function createBreaker(options: BreakerOptions = DEFAULT_BREAKER): Breaker {
  let failures = 0;
  let openUntil: number | null = null;
  let trialInFlight = false;
  const state = (now: Date) =>
    openUntil === null ? "closed" : now.getTime() < openUntil ? "open" : "half-open";
  return {
    state,
    request(now) {
      const current = state(now);
      if (current === "closed") return { allowed: true };
      if (current === "open" || trialInFlight) {
        const until = new Date(Math.max(openUntil ?? 0, now.getTime()));
        const reason = current === "open" ? "open" : "half-open (a trial request is in flight)";
        return { allowed: false, until, reason };
      }
      trialInFlight = true;
      return { allowed: true };
    },
    succeeded() {
      failures = 0;
      openUntil = null;
      trialInFlight = false;
    },
    failed(now) {
      failures += 1;
      // A failed trial reopens at once; otherwise the count must reach the threshold.
      if (trialInFlight || failures >= options.failures) {
        openUntil = now.getTime() + options.coolDownMs;
      }
      trialInFlight = false;
    },
  };
}
