import { z } from "zod";
import type { StoredFix } from "../fixes/types.ts";

// `incidents.fix` is jsonb written by the act stage; read here at the boundary, so that a row
// from an older shape is "no fix" rather than a crash halfway through opening a pull request.
const storedFixSchema = z.object({
  fix: z.object({
    files: z.array(
      z.object({
        path: z.string(),
        content: z.string(),
        mode: z.enum(["100644", "100755"]).optional(),
      }),
    ),
    message: z.string(),
    title: z.string(),
    body: z.string(),
    baseSha: z.string().optional(),
  }),
  proposed: z.object({
    kind: z.literal("patch"),
    files: z.array(z.string()),
    validated: z.boolean(),
    source: z.enum(["memory", "deterministic", "llm"]),
  }),
}) satisfies z.ZodType<StoredFix>;

/** The fix stored on an incident (`incidents.fix`), or null when there is none or it is unreadable. */
export function readStoredFix(value: unknown): StoredFix | null {
  const parsed = storedFixSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
