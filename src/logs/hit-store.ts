import type { Hit, LineMatch, Step } from "./read-log.ts";

/** Bounds on what the store keeps. */
export type HitLimits = {
  /** First hits kept per step and classifier id (the last one is kept too). */
  firstsPerBucket: number;
  /** All kept hits together. */
  maxHits: number;
  /** Hits a finished step that neither failed nor reported an error keeps. */
  keptOfQuietStep: number;
};

/** The kept hits, per step and classifier id. */
export type HitStore<M extends LineMatch> = {
  /** Whether a new hit for this step and id would be kept, so the caller can skip building it. */
  wants: (step: number, id: string) => boolean;
  add: (hit: Hit<M>) => void;
  /** A step ended; `quiet` says it neither failed nor reported an error. */
  close: (step: Step, quiet: boolean) => void;
  /** Every kept hit, in log order. */
  all: () => Hit<M>[];
};

type Bucket<M extends LineMatch> = { firsts: Hit<M>[]; last: Hit<M> | null };

/**
 * Keeps, for each step and classifier id, the first few hits and the latest one: the first
 * occurrence of an error is usually its cause and the last is nearest the failure, while
 * the thousand in between add nothing but memory.
 */
export function createHitStore<M extends LineMatch>(limits: HitLimits): HitStore<M> {
  const buckets: Map<string, Bucket<M>>[] = [];
  let kept = 0;
  const bucketsOf = (step: number) => {
    while (buckets.length <= step) buckets.push(new Map());
    return buckets[step] as Map<string, Bucket<M>>;
  };

  return {
    wants(step, id) {
      return bucketsOf(step).has(id) || kept < limits.maxHits;
    },
    add(hit) {
      const map = bucketsOf(hit.step);
      let bucket = map.get(hit.match.id);
      if (bucket === undefined) {
        if (kept >= limits.maxHits) return;
        bucket = { firsts: [], last: null };
        map.set(hit.match.id, bucket);
      }
      if (bucket.firsts.length < limits.firstsPerBucket && kept < limits.maxHits) {
        bucket.firsts.push(hit);
        kept++;
      } else {
        if (bucket.last === null) kept++;
        bucket.last = hit;
      }
    },
    close(step, quiet) {
      const map = buckets[step.index];
      if (!quiet || map === undefined || map.size <= limits.keptOfQuietStep) return;
      // A quiet step keeps only its strongest hits: they may still explain a later
      // failure (a warning, a quiet error) but rarely do.
      const strongest = [...map.entries()]
        .sort(
          ([, a], [, b]) =>
            (b.firsts[0]?.match.confidence ?? 0) - (a.firsts[0]?.match.confidence ?? 0),
        )
        .slice(0, limits.keptOfQuietStep);
      for (const bucket of map.values()) kept -= bucket.firsts.length + (bucket.last ? 1 : 0);
      map.clear();
      for (const [id, bucket] of strongest) {
        map.set(id, { firsts: bucket.firsts.slice(0, 1), last: null });
        kept++;
      }
    },
    all() {
      const out: Hit<M>[] = [];
      for (const map of buckets) {
        for (const bucket of map.values()) {
          out.push(...bucket.firsts);
          if (bucket.last !== null) out.push(bucket.last);
        }
      }
      return out.sort((a, b) => a.line.n - b.line.n);
    },
  };
}
