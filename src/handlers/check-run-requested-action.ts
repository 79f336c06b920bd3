import { z } from "zod";
import { CHECK_NAME, CHECK_RUN_BUTTONS, type CheckRunButton } from "../actions/check-run-output.ts";
import { pressButton } from "../actions/requested-action.ts";
import { getIncident } from "../store/incidents.ts";
import { type Handler, ignored, type PipelineDeps, processed } from "./types.ts";

/** The fields this handler needs; anything else in the payload is GitHub's business. */
const requestedActionPayload = z.object({
  check_run: z.object({
    id: z.number().int().positive(),
    name: z.string(),
    external_id: z.string().nullable(),
    app: z.object({ id: z.number().int() }).nullable().optional(),
    output: z
      .object({
        title: z.string().nullable(),
        summary: z.string().nullable(),
        text: z.string().nullable().optional(),
      })
      .nullable()
      .optional(),
  }),
  requested_action: z.object({ identifier: z.string() }),
  repository: z.object({ name: z.string(), owner: z.object({ login: z.string() }) }),
  sender: z.object({ login: z.string().min(1) }),
});

const isButton = (identifier: string): identifier is CheckRunButton =>
  Object.hasOwn(CHECK_RUN_BUTTONS, identifier);

/**
 * A button on CodeHealer's check run: Retry, Open fix PR, Not helpful. Only a press on our own
 * check run, naming an incident of this repository, is carried out (`pressButton`).
 */
export const onCheckRunRequestedAction: Handler<"check_run.requested_action"> = async (
  context,
  deps: PipelineDeps,
) => {
  const parsed = requestedActionPayload.safeParse(context.payload);
  if (!parsed.success)
    return ignored(
      `payload lacks what a button press needs: ${parsed.error.issues[0]?.path.join(".")}`,
    );
  const { check_run: run, requested_action: action, repository, sender } = parsed.data;
  const full = `${repository.owner.login}/${repository.name}`;
  if (run.name !== CHECK_NAME) return ignored(`check run "${run.name}" is not CodeHealer's`);
  if (deps.appId !== null && run.app?.id !== deps.appId)
    return ignored(
      `check run ${run.id} belongs to app ${run.app?.id ?? "unknown"}, not CodeHealer`,
    );
  if (!isButton(action.identifier))
    return ignored(`no button "${action.identifier}" on CodeHealer's check run`);
  const incidentId = z.guid().safeParse(run.external_id);
  if (!incidentId.success)
    return ignored(
      `check run ${run.id} names no incident (external_id ${JSON.stringify(run.external_id)})`,
    );
  const incident = await getIncident(deps.db, incidentId.data);
  if (!incident || incident.repository !== full)
    return ignored(
      `check run ${run.id} names incident ${incidentId.data}, which ${full} does not have`,
    );
  const output = run.output?.title
    ? { title: run.output.title, summary: run.output.summary ?? "", text: run.output.text ?? null }
    : null;
  const message = await pressButton(
    {
      db: deps.db,
      octokit: context.octokit,
      log: deps.log,
      now: deps.now ?? (() => new Date()),
      dryRun: deps.dryRun === true,
    },
    {
      button: action.identifier,
      incident,
      actor: sender.login,
      repository: { owner: repository.owner.login, repo: repository.name },
      checkRun: { id: run.id, output },
    },
  );
  return processed(message);
};
