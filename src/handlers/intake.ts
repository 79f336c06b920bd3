import type { EmitterWebhookEvent } from "@octokit/webhooks";
import type { Logger } from "pino";
import type { Inbox } from "../store/inbox.ts";

export type IntakeDeps = {
  inbox: Inbox;
  log: Logger;
  /** Counts deliveries for /metrics; called once per delivery, new or not. */
  onDelivery?: (event: string, isNew: boolean) => void;
};

/**
 * The only thing the webhook answer waits for: store the delivery and queue its job (one
 * transaction, see store/inbox.ts), then return. A redelivery (same GUID) is acknowledged
 * without a second row.
 */
export function intake(deps: IntakeDeps) {
  return async (event: EmitterWebhookEvent): Promise<void> => {
    const payload = event.payload as unknown as Record<string, unknown>;
    const isNew = await deps.inbox.accept({
      id: event.id,
      event: event.name,
      action: stringField(payload, "action"),
      installationId: numberField(payload.installation, "id"),
      repository: stringField(payload.repository, "full_name"),
      payload,
    });
    deps.onDelivery?.(event.name, isNew);
    deps.log.debug(
      { delivery: event.id, event: event.name, isNew },
      isNew ? "delivery stored" : "redelivery ignored",
    );
  };
}

function stringField(value: unknown, key: string): string | null {
  const field =
    typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)[key]
      : undefined;
  return typeof field === "string" ? field : null;
}

function numberField(value: unknown, key: string): number | null {
  const field =
    typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)[key]
      : undefined;
  return typeof field === "number" && Number.isSafeInteger(field) ? field : null;
}
