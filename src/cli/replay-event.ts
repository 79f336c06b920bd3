import { randomUUID } from "node:crypto";
import { open } from "node:fs/promises";
import { FIX_BRANCH_ROOT } from "../actions/fix-pr.ts";
import { isFailedConclusion } from "../github/conclusions.ts";
import { MAX_WEBHOOK_BYTES } from "../web/server.ts";

/** A problem with what the user gave `codehealer replay`: exit code 2, one line, no stack. */
export class ReplayInputError extends Error {}

/** The events replay runs: the failures CodeHealer heals. */
export const REPLAY_EVENTS = ["workflow_run", "check_run", "check_suite"] as const;
export type ReplayEventName = (typeof REPLAY_EVENTS)[number];

/** A recorded webhook delivery, recognised and checked. */
export type RecordedEvent = {
  id: string;
  name: ReplayEventName;
  /** Always `completed`: a payload without an action is taken as one. */
  action: "completed";
  payload: Record<string, unknown>;
};

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Why a file could not be read, in words rather than an errno code. */
export function unreadable(file: string, error: NodeJS.ErrnoException): ReplayInputError {
  const why =
    error.code === "ENOENT"
      ? "no such file"
      : error.code === "EACCES"
        ? "permission denied"
        : (error.code ?? error.message);
  return new ReplayInputError(`cannot read ${file}: ${why}`);
}

/** Reads a file of at most `max` bytes; a larger one is refused without being read whole. */
async function readCapped(file: string, max: number): Promise<string> {
  const handle = await open(file, "r").catch((error: NodeJS.ErrnoException) => {
    throw unreadable(file, error);
  });
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new ReplayInputError(`${file} is not a file`);
    const { size } = stats;
    if (size > max)
      throw new ReplayInputError(
        `${file} is ${(size / 1024 / 1024).toFixed(1)} MB; a webhook delivery is at most ${max / 1024 / 1024} MB`,
      );
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

const header = (headers: unknown, name: string): string | null => {
  if (!isObject(headers)) return null;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return typeof value === "string" ? value : null;
};

/**
 * The forms a recorded delivery comes in: a bare payload (`@octokit/webhooks-examples`, the
 * fixtures); `{ name | event, payload }` (Probot's event, `id` too); or `{ headers, payload | body }`
 * as GitHub's "Recent deliveries" page shows a delivery, the body possibly still a string.
 */
function unwrap(
  file: string,
  root: Json,
): { payload: Json; name: string | null; id: string | null } {
  const inner = root.payload ?? root.body;
  const wrapped =
    inner !== undefined &&
    (typeof root.name === "string" || typeof root.event === "string" || isObject(root.headers));
  if (!wrapped) return { payload: root, name: null, id: null };
  let payload: unknown = inner;
  if (typeof inner === "string") {
    try {
      payload = JSON.parse(inner);
    } catch {
      throw new ReplayInputError(`${file}: the delivery's body is not JSON`);
    }
  }
  if (!isObject(payload))
    throw new ReplayInputError(`${file}: the delivery's payload is not an object`);
  const name =
    (typeof root.event === "string" ? root.event : null) ??
    (typeof root.name === "string" ? root.name : null) ??
    header(root.headers, "x-github-event");
  const id = typeof root.id === "string" ? root.id : header(root.headers, "x-github-delivery");
  return { payload, name, id };
}

// The event a bare payload is, from the key only that event's payload has at its top.
const inferName = (payload: Json): ReplayEventName | null =>
  REPLAY_EVENTS.find((name) => isObject(payload[name])) ?? null;

// What the run concluded and the branch it ran on, wherever the event keeps them.
function runOf(name: ReplayEventName, payload: Json): { conclusion: unknown; branch: unknown } {
  const run = isObject(payload[name]) ? payload[name] : {};
  const suite = name === "check_run" && isObject(run.check_suite) ? run.check_suite : run;
  return { conclusion: run.conclusion, branch: suite.head_branch };
}

/**
 * Reads a recorded webhook delivery for replay and checks, before anything is opened, that it
 * is one CodeHealer would heal: a completed workflow run, check run or check suite (`event` as
 * given by `--event`, else as the file says, else from the payload's keys) that failed, on a
 * branch other than CodeHealer's own fix branches. Anything else is a {@link ReplayInputError}.
 */
export async function readRecordedEvent(file: string, event?: string): Promise<RecordedEvent> {
  const text = await readCapped(file, MAX_WEBHOOK_BYTES);
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new ReplayInputError(`${file} is not JSON: ${(error as Error).message}`);
  }
  if (!isObject(root))
    throw new ReplayInputError(`${file} is not a webhook payload (a JSON object)`);
  const unwrapped = unwrap(file, root);
  const { payload } = unwrapped;
  const given = event ?? unwrapped.name;
  const [name, givenAction] = given ? given.split(".") : [inferName(payload)];
  if (!name)
    throw new ReplayInputError(
      `${file} is not a workflow_run, check_run or check_suite payload (none is at its top); pass --event <name> if it is one`,
    );
  const known = REPLAY_EVENTS.find((candidate) => candidate === name);
  if (!known)
    throw new ReplayInputError(
      `replay runs workflow_run, check_run and check_suite events, not ${name} (${file})`,
    );
  const action = typeof payload.action === "string" ? payload.action : (givenAction ?? "completed");
  if (action !== "completed")
    throw new ReplayInputError(
      `replay runs completed runs; ${file} is ${known}.${action}, which CodeHealer does not heal`,
    );
  const { conclusion, branch } = runOf(known, payload);
  if (conclusion === null || (typeof conclusion === "string" && !isFailedConclusion(conclusion)))
    throw new ReplayInputError(
      `nothing to do: the run did not fail (conclusion: ${conclusion ?? "none yet"})`,
    );
  if (typeof branch === "string" && branch.startsWith(FIX_BRANCH_ROOT))
    throw new ReplayInputError(
      `nothing to do: ${branch} is a CodeHealer fix branch; its runs validate a fix and are never healed`,
    );
  return { id: unwrapped.id ?? `replay-${randomUUID()}`, name: known, action, payload };
}
