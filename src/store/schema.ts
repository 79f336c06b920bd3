import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  json,
  jsonb,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  vector,
} from "drizzle-orm/pg-core";
import { EMBEDDING_DIMENSIONS } from "../diagnosis/embedding.ts";

/** Width of every embedding the store keeps; vectors from other models are kept apart by `embeddingModel`. */
export { EMBEDDING_DIMENSIONS };

const at = (name: string) => timestamp(name, { withTimezone: true }).notNull().defaultNow();

/**
 * Every webhook delivery GitHub sent us, stored before the webhook is acknowledged so that a
 * crash never loses one. The delivery GUID is the key: a redelivery is recognised and ignored.
 */
export const deliveries = pgTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    event: text("event").notNull(),
    action: text("action"),
    installationId: bigint("installation_id", { mode: "number" }),
    repository: text("repository"),
    // json, not jsonb: the payload is written once per delivery and read back whole, never
    // queried inside, so parsing it into jsonb would cost every webhook for nothing.
    payload: json("payload").notNull(),
    receivedAt: at("received_at"),
    /** received → processed | ignored | failed; `statusReason` says why. */
    status: text("status", { enum: ["received", "processed", "ignored", "failed"] })
      .notNull()
      .default("received"),
    statusReason: text("status_reason"),
    processedAt: timestamp("processed_at", { withTimezone: true }),
  },
  (t) => [index("deliveries_status_idx").on(t.status, t.receivedAt)],
);

/**
 * One failed run attempt (or, for CI outside GitHub Actions, one failed check suite), from
 * the moment it is noticed through its diagnosis to its outcome.
 */
export const incidents = pgTable(
  "incidents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    repository: text("repository").notNull(),
    installationId: bigint("installation_id", { mode: "number" }),
    /**
     * Where the failure lives: `actions` (workflow runs), `checks` (check suites of other CI), or
     * `external` (a Sentry error, a Prometheus alert, a labelled issue: `evidence.external`).
     */
    provider: text("provider", { enum: ["actions", "checks", "external"] }).notNull(),
    sourceEvent: text("source_event").notNull(),
    deliveryId: text("delivery_id").references(() => deliveries.id),
    headSha: text("head_sha").notNull(),
    branch: text("branch"),
    runId: bigint("run_id", { mode: "number" }).notNull(),
    runAttempt: integer("run_attempt").notNull().default(1),
    jobId: bigint("job_id", { mode: "number" }),
    jobName: text("job_name"),
    workflowName: text("workflow_name"),
    conclusion: text("conclusion").notNull(),
    htmlUrl: text("html_url"),
    status: text("status", {
      // open → diagnosed → acting → acted; resolved when the fix lands, failed when it gives up.
      enum: ["open", "diagnosed", "acting", "acted", "resolved", "failed"],
    })
      .notNull()
      .default("open"),
    createdAt: at("created_at"),
    updatedAt: at("updated_at"),
    // The diagnosis: filled by the diagnosis stage.
    category: text("category"),
    transient: boolean("transient"),
    fingerprint: text("fingerprint"),
    fingerprintVersion: integer("fingerprint_version"),
    confidence: real("confidence"),
    tier: text("tier", { enum: ["auto", "review", "report", "security"] }),
    errorLine: text("error_line"),
    summary: text("summary"),
    ruleId: text("rule_id"),
    excerpt: text("excerpt"),
    embedding: vector("embedding", { dimensions: EMBEDDING_DIMENSIONS }),
    embeddingModel: text("embedding_model"),
    evidence: jsonb("evidence"),
    diagnosis: jsonb("diagnosis"),
    /** The plan decided for the incident: tier, steps, refusals and reasons (the act stage). */
    plan: jsonb("plan"),
    /**
     * The fix found for the incident, whether or not the plan opened it: what the check run's
     * "Open fix PR" button opens later.
     */
    fix: jsonb("fix"),
    outcome: text("outcome"),
  },
  (t) => [
    // One incident per run attempt: a duplicate event never creates a second.
    uniqueIndex("incidents_run_attempt_key").on(t.repository, t.provider, t.runId, t.runAttempt),
    index("incidents_fingerprint_idx").on(t.fingerprint),
    index("incidents_status_idx").on(t.status),
  ],
);

/** The audit trail: everything CodeHealer did, tried or decided not to do. */
export const actions = pgTable(
  "actions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    incidentId: uuid("incident_id").references(() => incidents.id),
    repository: text("repository"),
    kind: text("kind").notNull(),
    /** Makes an action idempotent: the same key is never performed twice. */
    idempotencyKey: text("idempotency_key").unique(),
    targetUrl: text("target_url"),
    status: text("status", { enum: ["planned", "done", "failed", "skipped", "dry-run"] }).notNull(),
    error: text("error"),
    detail: jsonb("detail"),
    at: at("at"),
  },
  (t) => [
    index("actions_incident_idx").on(t.incidentId),
    index("actions_repository_at_idx").on(t.repository, t.at),
  ],
);

/** What people said about an incident or an action: ChatOps, Slack buttons, check-run buttons. */
export const feedback = pgTable(
  "feedback",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id),
    source: text("source", { enum: ["chatops", "slack", "check_run", "cli"] }).notNull(),
    actor: text("actor"),
    verdict: text("verdict", { enum: ["good", "bad"] }).notNull(),
    note: text("note"),
    at: at("at"),
  },
  (t) => [index("feedback_incident_idx").on(t.incidentId)],
);

/**
 * The memory: failures whose fix is known, and what fixed them. Learned from incidents with a
 * known outcome, from the team's Slack threads, and from people (`codehealer remember`).
 */
export const solutions = pgTable(
  "solutions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    fingerprint: text("fingerprint").notNull(),
    fingerprintVersion: integer("fingerprint_version").notNull(),
    embedding: vector("embedding", { dimensions: EMBEDDING_DIMENSIONS }).notNull(),
    /** Which model made the embedding: vectors of different models are never compared. */
    embeddingModel: text("embedding_model").notNull(),
    category: text("category").notNull(),
    repository: text("repository"),
    organization: text("organization"),
    /** What fixed it, in a sentence or a paragraph (redacted). */
    fix: text("fix").notNull(),
    /** The change that fixed it, as a unified diff or search/replace edits, when there was one. */
    patch: text("patch"),
    source: text("source", { enum: ["incident", "slack", "manual"] }).notNull(),
    /** Where it came from: an incident id, a Slack thread permalink, or `manual:<id>`. */
    sourceRef: text("source_ref").notNull(),
    errorLine: text("error_line"),
    excerpt: text("excerpt"),
    successes: integer("successes").notNull().default(0),
    failures: integer("failures").notNull().default(0),
    createdAt: at("created_at"),
    updatedAt: at("updated_at"),
  },
  (t) => [
    // The same thread or incident is remembered once; ingesting it again updates it.
    uniqueIndex("solutions_source_ref_key").on(t.source, t.sourceRef),
    index("solutions_fingerprint_idx").on(t.fingerprint),
    // A search scoped to one repository or organisation reads these rows directly instead of
    // walking much of the HNSW graph to find them (bench:memory: ~100 ms → ~2 ms).
    index("solutions_repository_idx").on(t.repository),
    index("solutions_organization_idx").on(t.organization),
    index("solutions_embedding_hnsw").using("hnsw", t.embedding.op("vector_cosine_ops")),
  ],
);

/**
 * The LLM's answers, by a hash of what was asked (model, messages, output limit, JSON mode):
 * the same prompt to the same model is answered from here and spends no tokens.
 */
export const llmResponses = pgTable(
  "llm_responses",
  {
    key: text("key").primaryKey(),
    model: text("model").notNull(),
    /** The endpoint that answered, by name (`primary`, `fallback`). */
    endpoint: text("endpoint").notNull(),
    text: text("text").notNull(),
    inputTokens: integer("input_tokens").notNull(),
    outputTokens: integer("output_tokens").notNull(),
    createdAt: at("created_at"),
  },
  // For pruning old answers by age.
  (t) => [index("llm_responses_created_at_idx").on(t.createdAt)],
);

/** Every completion the LLM stage used, cache hits included (with no tokens): tokens and cost. */
export const llmUsage = pgTable(
  "llm_usage",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** Null for completions outside an incident (`codehealer diagnose`). */
    incidentId: uuid("incident_id").references(() => incidents.id),
    endpoint: text("endpoint").notNull(),
    model: text("model").notNull(),
    inputTokens: integer("input_tokens").notNull(),
    outputTokens: integer("output_tokens").notNull(),
    /** Estimated, at the prices configured when it was spent. */
    cost: doublePrecision("cost").notNull(),
    cached: boolean("cached").notNull(),
    at: at("at"),
  },
  (t) => [index("llm_usage_incident_idx").on(t.incidentId), index("llm_usage_at_idx").on(t.at)],
);

/**
 * CodeHealer's Slack message about an incident: one per incident, posted once and then updated
 * in place (`chat.update`) as the incident moves on. `ts` is empty while the first post is in
 * flight: a row without it, found later, means an attempt died mid-post, and the channel is
 * searched for that attempt's message before another is posted.
 */
export const slackMessages = pgTable("slack_messages", {
  incidentId: uuid("incident_id")
    .primaryKey()
    .references(() => incidents.id),
  channel: text("channel").notNull(),
  ts: text("ts"),
  /** What the notify step said (text, approval asked for): every update renders it again. */
  notification: jsonb("notification").notNull(),
  /** What happened since, oldest first: `{ at, text }`, the text in Slack mrkdwn. */
  updates: jsonb("updates").notNull().default([]),
  /**
   * A person's answer to the approval: `approving` while it is carried out, then `approved` or
   * `rejected`, when the buttons are gone. Empty while it waits (or after an approval that
   * failed in a way another press may cure).
   */
  decision: text("decision", { enum: ["approving", "approved", "rejected"] }),
  decidedBy: text("decided_by"),
  decidedAt: timestamp("decided_at", { withTimezone: true }),
  createdAt: at("created_at"),
  updatedAt: at("updated_at"),
});

/**
 * Signatures of the Slack requests accepted in the last minutes: a request seen twice is a
 * replay and is refused. Rows older than the five-minute window are pruned, since a request
 * that old fails the timestamp check anyway.
 */
export const slackRequests = pgTable(
  "slack_requests",
  {
    signature: text("signature").primaryKey(),
    /** `X-Slack-Request-Timestamp`, in seconds. */
    timestamp: bigint("timestamp", { mode: "number" }).notNull(),
    seenAt: at("seen_at"),
  },
  (t) => [index("slack_requests_timestamp_idx").on(t.timestamp)],
);

export type Delivery = typeof deliveries.$inferSelect;
export type Incident = typeof incidents.$inferSelect;
export type NewIncident = typeof incidents.$inferInsert;
export type Action = typeof actions.$inferSelect;
export type Feedback = typeof feedback.$inferSelect;
export type Solution = typeof solutions.$inferSelect;
export type NewSolution = typeof solutions.$inferInsert;
export type LlmResponse = typeof llmResponses.$inferSelect;
export type LlmUsage = typeof llmUsage.$inferSelect;
export type SlackMessage = typeof slackMessages.$inferSelect;
