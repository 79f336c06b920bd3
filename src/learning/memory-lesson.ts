import type { MemoryDiagnosis } from "../diagnosis/memory-recall.ts";
import { rememberIncident } from "../diagnosis/memory-remember.ts";
import type { StoredFix } from "../fixes/types.ts";
import type { Db } from "../store/database.ts";
import type { Incident } from "../store/schema.ts";
import { recordSolutionOutcome } from "../store/solutions.ts";

/** What happened after CodeHealer acted on an incident. */
export type Aftermath =
  | {
      kind: "fix";
      merged: boolean;
      /** Where it was merged: `#64`, or the commit that brought it to the default branch. */
      via: string;
      /** The fix as a unified diff against the commit it was made on, when it could be written. */
      patch: string | null;
    }
  | { kind: "rerun"; passed: boolean; attempt: number }
  | { kind: "feedback"; verdict: "good" | "bad" };

/** What memory learns from it. */
export type Lesson =
  | { kind: "reinforce" | "weaken"; solutionId: string }
  | { kind: "remember"; fix: string; patch: string | null }
  | { kind: "none"; why: string };

/** The most of a fix's words kept as the remembered fix. */
const FIX_WORDS = 1_000;

type Known = Pick<
  Incident,
  | "diagnosis"
  | "fix"
  | "transient"
  | "fingerprint"
  | "fingerprintVersion"
  | "embedding"
  | "embeddingModel"
>;

// A solution is found again by the incident's fingerprint and vector: without them, it is not kept.
const findable = (incident: Known) =>
  !!incident.fingerprint &&
  incident.fingerprintVersion !== null &&
  !!incident.embedding?.length &&
  !!incident.embeddingModel;
const UNFINDABLE: Lesson = {
  kind: "none",
  why: "the failure has no fingerprint or vector to be found again by",
};

const diagnosisOf = (incident: Known) => incident.diagnosis as Partial<MemoryDiagnosis> | null;

// The remembered solution that settled the diagnosis, when memory (not the LLM after it) did.
function settlingSolution(incident: Known) {
  const diagnosis = diagnosisOf(incident);
  const settled = diagnosis?.source === "memory" || diagnosis?.source === "rules+memory";
  return settled && diagnosis?.remembered ? diagnosis.remembered : null;
}

/** A merged fix's words, as memory keeps them: its commit message, in one paragraph. */
export function fixWords(fix: StoredFix, via: string): string {
  const words = fix.fix.message.replace(/\s+/g, " ").trim() || fix.fix.title.trim();
  const clipped = words.length > FIX_WORDS ? `${words.slice(0, FIX_WORDS - 1)}…` : words;
  return `${clipped} (merged in ${via})`;
}

/** The words of a rerun remembered as the fix. */
export const rerunWords = (attempt: number) =>
  `Rerun the failed jobs: the failure was transient, and the rerun (attempt ${attempt}) passed.`;

/**
 * What memory learns from an incident's aftermath. Pure.
 * - A fix merged: the remembered solution whose patch it was worked once more; a fix from
 *   elsewhere (a deterministic fixer, the LLM) is remembered, with its patch, as a solution of its
 *   own that worked once. Closed unmerged: a remembered patch failed once; a new fix teaches
 *   nothing (why it was closed is not known).
 * - A rerun, when the diagnosis called the failure transient: the remembered solution that
 *   settled it, if it is advice without a patch (a rerun is how CodeHealer carries it out),
 *   worked or failed once more; otherwise a rerun that passed is remembered as the fix.
 * - A "bad" from a person on an incident memory settled: that solution failed once.
 */
export function lessonOf(incident: Known, aftermath: Aftermath): Lesson {
  const settling = settlingSolution(incident);
  switch (aftermath.kind) {
    case "fix": {
      const fix = incident.fix as StoredFix | null;
      if (!fix) return { kind: "none", why: "the incident has no stored fix" };
      const remembered = diagnosisOf(incident)?.remembered;
      if (fix.proposed.source === "memory" && remembered)
        return {
          kind: aftermath.merged ? "reinforce" : "weaken",
          solutionId: remembered.solutionId,
        };
      if (!aftermath.merged)
        return {
          kind: "none",
          why: `a new ${fix.proposed.source} fix closed unmerged teaches nothing`,
        };
      if (!findable(incident)) return UNFINDABLE;
      return {
        kind: "remember",
        fix: fixWords(fix, aftermath.via),
        patch: aftermath.patch,
      };
    }
    case "rerun": {
      if (incident.transient !== true)
        return { kind: "none", why: "the diagnosis did not propose a rerun" };
      if (settling && !settling.patch)
        return { kind: aftermath.passed ? "reinforce" : "weaken", solutionId: settling.solutionId };
      if (!aftermath.passed)
        return { kind: "none", why: "a rerun that failed is not a fix to remember" };
      if (!findable(incident)) return UNFINDABLE;
      return { kind: "remember", fix: rerunWords(aftermath.attempt), patch: null };
    }
    case "feedback":
      if (aftermath.verdict === "good")
        return { kind: "none", why: "a good word is not a fix seen to work" };
      if (!settling) return { kind: "none", why: "memory did not settle this incident" };
      return { kind: "weaken", solutionId: settling.solutionId };
  }
}

/**
 * Carries a lesson into memory; returns what changed, in a few words. Run it in the
 * transaction that records the outcome, so the two happen together or not at all.
 */
export async function applyLesson(db: Db, incident: Incident, lesson: Lesson): Promise<string> {
  switch (lesson.kind) {
    case "reinforce":
    case "weaken":
      await recordSolutionOutcome(db, lesson.solutionId, lesson.kind === "reinforce");
      return `solution ${lesson.solutionId} ${lesson.kind === "reinforce" ? "worked" : "failed"} once more`;
    case "remember": {
      const solution = await rememberIncident(db, incident, {
        fix: lesson.fix,
        patch: lesson.patch,
        succeeded: true,
      });
      return `remembered as solution ${solution.id}${solution.patch ? ", with its patch" : ""}`;
    }
    case "none":
      return `nothing learned: ${lesson.why}`;
  }
}
