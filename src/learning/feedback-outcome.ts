import { once } from "../store/audit.ts";
import type { Db } from "../store/database.ts";
import type { Feedback, Incident } from "../store/schema.ts";
import { applyLesson, lessonOf } from "./memory-lesson.ts";

/** Memory learns from people's feedback on an incident once, however many say the same. */
export const feedbackLessonKey = (incidentId: string): string => `learn_feedback:${incidentId}`;

/**
 * What memory learns from a person's word on an incident (the check run's Not helpful, a Slack
 * reject, `/codehealer feedback`): a "bad" on an incident memory settled is a failure of the
 * solution that settled it, counted once per incident (audited under
 * {@link feedbackLessonKey}). Call it after `recordFeedback` stored a new word. Calibration reads
 * the feedback table itself: every word counts there, nothing needs calling for it.
 * Returns what memory learned, in a few words.
 */
export async function learnFromFeedback(
  db: Db,
  incident: Incident,
  verdict: Feedback["verdict"],
  now: Date = new Date(),
): Promise<string> {
  const lesson = lessonOf(incident, { kind: "feedback", verdict });
  if (lesson.kind === "none") return `nothing learned: ${lesson.why}`;
  const entry = {
    key: feedbackLessonKey(incident.id),
    incidentId: incident.id,
    repository: incident.repository,
    kind: "feedback" as const,
  };
  const outcome = await once(
    db,
    entry,
    async () => ({ detail: { verdict, learned: await applyLesson(db, incident, lesson) } }),
    { now, onFailure: "throw" },
  );
  if (outcome.status !== "done") return `nothing learned: ${outcome.status}`;
  return outcome.replayed
    ? "nothing learned: memory learned from this incident's feedback before"
    : String(outcome.detail?.learned);
}
