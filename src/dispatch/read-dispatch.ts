import { z } from "zod";
import { type ClientPayload, readClientPayload } from "./client-payload.ts";

/** The fields of a `repository_dispatch` delivery CodeHealer reads; GitHub signed the rest. */
const dispatchEvent = z.object({
  /** The sender's `event_type`. */
  action: z.string(),
  client_payload: z.unknown(),
  repository: z.object({
    full_name: z.string().regex(/^[^/\s]+\/[^/\s]+$/),
    default_branch: z.string().min(1),
  }),
  installation: z.object({ id: z.number().int() }).nullish(),
});

/** A dispatch CodeHealer acts on, read and validated. */
export type Dispatch = {
  repository: { owner: string; repo: string; fullName: string };
  installationId: number | null;
  /** The default branch: where the code lives and where a fix would go. */
  branch: string;
  event: ClientPayload;
};

/**
 * Reads a `repository_dispatch` delivery: the repository it was sent to and its
 * `client_payload` against the contract of its `event_type`. `unknownType` tells a dispatch
 * meant for something else (a workflow's own event type) from a malformed one of ours.
 */
export function readDispatch(
  payload: unknown,
): { ok: true; value: Dispatch } | { ok: false; reason: string; unknownType: boolean } {
  const parsed = dispatchEvent.safeParse(payload);
  if (!parsed.success)
    return {
      ok: false,
      unknownType: false,
      reason: `payload lacks what a dispatch needs: ${parsed.error.issues[0]?.path.join(".")}`,
    };
  const { action, client_payload, repository, installation } = parsed.data;
  const read = readClientPayload(action, client_payload);
  if (!read.ok) return read;
  const [owner = "", repo = ""] = repository.full_name.split("/");
  return {
    ok: true,
    value: {
      repository: { owner, repo, fullName: repository.full_name },
      installationId: installation?.id ?? null,
      branch: repository.default_branch,
      event: read.value,
    },
  };
}
