import { and, desc, eq, ne } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../store/database.ts";
import { incidents } from "../store/schema.ts";
import type { SecretFinding } from "./secret-lines.ts";

/** The rule of the incidents `secretIncident` opens. */
export const SECRET_RULE = "push/secret";

// What secretIncident stores in `evidence.secrets`; read leniently, an older row counts for less.
const stored = z.object({
  secrets: z.array(z.object({ path: z.string(), kind: z.string(), shown: z.string() })).catch([]),
});

const same = (f: Pick<SecretFinding, "path" | "kind" | "shown">) =>
  `${f.path}\n${f.kind}\n${f.shown}`;

/**
 * The findings no earlier push of the repository was alerted for. A secret pushed to a branch
 * comes back in the push that merges the branch, and in every rebase or force push of it: the
 * same masked line in the same file is one leak, alerted once. Looks at the newest 500 secret
 * incidents of the repository other than this commit's own (a retried delivery carries on with
 * its own).
 */
export async function notYetAlerted(
  db: Db,
  repository: string,
  sha: string,
  findings: readonly SecretFinding[],
): Promise<SecretFinding[]> {
  const rows = await db
    .select({ evidence: incidents.evidence })
    .from(incidents)
    .where(
      and(
        eq(incidents.repository, repository),
        eq(incidents.ruleId, SECRET_RULE),
        ne(incidents.headSha, sha),
      ),
    )
    .orderBy(desc(incidents.createdAt))
    .limit(500);
  const alerted = new Set(
    rows.flatMap((row) => stored.safeParse(row.evidence).data?.secrets.map(same) ?? []),
  );
  return findings.filter((f) => !alerted.has(same(f)));
}
