import { and, eq, lt } from "drizzle-orm";
import type { Db } from "./database.ts";
import { type Delivery, deliveries } from "./schema.ts";

export type DeliveryInput = Pick<
  Delivery,
  "id" | "event" | "action" | "installationId" | "repository" | "payload"
>;

export async function getDelivery(db: Db, id: string): Promise<Delivery | undefined> {
  const [row] = await db.select().from(deliveries).where(eq(deliveries.id, id));
  return row;
}

/** Marks a delivery as done with, and why: the reason is what an operator reads first. */
export async function settleDelivery(
  db: Db,
  id: string,
  status: Exclude<Delivery["status"], "received">,
  reason: string,
): Promise<void> {
  await db
    .update(deliveries)
    .set({ status, statusReason: reason, processedAt: new Date() })
    .where(eq(deliveries.id, id));
}

/**
 * Deliveries stored but never settled that are older than `before`: a process that died between
 * storing a delivery and queueing its job leaves these behind, and the worker re-queues them.
 */
export async function unsettledDeliveries(db: Db, before: Date, limit = 500): Promise<string[]> {
  const found = await db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.status, "received"), lt(deliveries.receivedAt, before)))
    .orderBy(deliveries.receivedAt)
    .limit(limit);
  return found.map((row) => row.id);
}
