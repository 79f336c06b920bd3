import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Db } from "../../src/store/database.ts";
import { feedback, incidents, type NewIncident } from "../../src/store/schema.ts";

/** One row of fixtures/learning/outcome-history.json: `count` incidents alike. */
export type HistoryRow = {
  repository: string;
  confidence: number | null;
  count: number;
  outcome?: string;
  transient?: boolean;
  feedback?: "good" | "bad";
};

/** The made-up outcome history of fixtures/learning (see its `about`). */
export const outcomeHistory = (): HistoryRow[] =>
  JSON.parse(
    readFileSync(new URL("../../fixtures/learning/outcome-history.json", import.meta.url), "utf8"),
  ).incidents;

/** Stores the rows as incidents, with their feedback, each on a run of its own. */
export async function seedHistory(db: Db, rows: readonly HistoryRow[]): Promise<void> {
  let runId = 900_000;
  for (const row of rows) {
    const made: NewIncident[] = Array.from({ length: row.count }, () => ({
      id: randomUUID(),
      repository: row.repository,
      provider: "actions",
      sourceEvent: "workflow_run",
      headSha: "0".repeat(40),
      runId: ++runId,
      conclusion: "failure",
      status: "acted",
      confidence: row.confidence,
      transient: row.transient ?? false,
      outcome: row.outcome ?? null,
    }));
    await db.insert(incidents).values(made);
    const verdict = row.feedback;
    if (verdict)
      await db
        .insert(feedback)
        .values(
          made.map((i) => ({ incidentId: i.id!, source: "cli" as const, actor: "ana", verdict })),
        );
  }
}
