import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "../store/database.ts";
import { incidentCounts } from "../store/incidents.ts";
import type { JobCount } from "../store/queue.ts";

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * The Prometheus metrics of one process. Counters and the latency histogram are this process's
 * own; job and incident gauges are read from the database at scrape time, so any replica's
 * /metrics shows the shared state.
 */
export function createMetrics(sources: { db: Db; jobCounts: () => Promise<JobCount[]> }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "codehealer_process_" });
  const deliveries = new Counter({
    name: "codehealer_deliveries_received_total",
    help: "Webhook deliveries received, by event and whether the delivery was new or a redelivery.",
    labelNames: ["event", "redelivery"] as const,
    registers: [registry],
  });
  const processing = new Histogram({
    name: "codehealer_processing_seconds",
    help: "Time from receiving a delivery to the worker settling it.",
    labelNames: ["event", "status"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  new Gauge({
    name: "codehealer_jobs",
    help: "Jobs in the durable queue, by queue and state (dead letters are in the <queue>.dead queues).",
    labelNames: ["queue", "state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await sources.jobCounts())
        this.set({ queue: row.queue, state: row.state }, row.count);
    },
  });
  new Gauge({
    name: "codehealer_incidents",
    help: "Incidents by status.",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await incidentCounts(sources.db))
        this.set({ status: row.status }, row.count);
    },
  });
  const llmRequests = new Counter({
    name: "codehealer_llm_requests_total",
    help: "LLM requests by endpoint and outcome: answered, failed (after retries), or skipped because the endpoint's breaker was open.",
    labelNames: ["endpoint", "outcome"] as const,
    registers: [registry],
  });
  const llmTokens = new Counter({
    name: "codehealer_llm_tokens_total",
    help: "Tokens spent on LLM completions, by endpoint and direction (input or output). Cache hits spend none.",
    labelNames: ["endpoint", "direction"] as const,
    registers: [registry],
  });
  const llmCost = new Counter({
    name: "codehealer_llm_cost_total",
    help: "Estimated cost of LLM completions, at the configured prices per 1,000 tokens.",
    registers: [registry],
  });
  const llmCacheHits = new Counter({
    name: "codehealer_llm_cache_hits_total",
    help: "LLM questions answered from the response cache, spending no tokens.",
    registers: [registry],
  });
  return {
    registry,
    deliveryReceived: (event: string, isNew: boolean) =>
      deliveries.inc({ event, redelivery: String(!isNew) }),
    deliverySettled: (event: string, status: string, seconds: number) =>
      processing.observe({ event, status }, seconds),
    llmRequest: (endpoint: string, outcome: "answered" | "failed" | "breaker_open") =>
      llmRequests.inc({ endpoint, outcome }),
    llmSpent: (
      endpoint: string,
      spent: { inputTokens: number; outputTokens: number; cost: number },
    ) => {
      llmTokens.inc({ endpoint, direction: "input" }, spent.inputTokens);
      llmTokens.inc({ endpoint, direction: "output" }, spent.outputTokens);
      llmCost.inc(spent.cost);
    },
    llmCacheHit: () => llmCacheHits.inc(),
  };
}
