CREATE TABLE "actions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"incident_id" uuid,
	"repository" text,
	"kind" text NOT NULL,
	"idempotency_key" text,
	"target_url" text,
	"status" text NOT NULL,
	"error" text,
	"detail" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "actions_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"event" text NOT NULL,
	"action" text,
	"installation_id" bigint,
	"repository" text,
	"payload" json NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" text DEFAULT 'received' NOT NULL,
	"status_reason" text,
	"processed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "feedback" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"incident_id" uuid NOT NULL,
	"source" text NOT NULL,
	"actor" text,
	"verdict" text NOT NULL,
	"note" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"repository" text NOT NULL,
	"installation_id" bigint,
	"provider" text NOT NULL,
	"source_event" text NOT NULL,
	"delivery_id" text,
	"head_sha" text NOT NULL,
	"branch" text,
	"run_id" bigint NOT NULL,
	"run_attempt" integer DEFAULT 1 NOT NULL,
	"job_id" bigint,
	"job_name" text,
	"workflow_name" text,
	"conclusion" text NOT NULL,
	"html_url" text,
	"status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"category" text,
	"transient" boolean,
	"fingerprint" text,
	"fingerprint_version" integer,
	"confidence" real,
	"tier" text,
	"error_line" text,
	"summary" text,
	"rule_id" text,
	"excerpt" text,
	"embedding" vector(384),
	"embedding_model" text,
	"evidence" jsonb,
	"diagnosis" jsonb,
	"outcome" text
);
--> statement-breakpoint
ALTER TABLE "actions" ADD CONSTRAINT "actions_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_delivery_id_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."deliveries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "actions_incident_idx" ON "actions" USING btree ("incident_id");--> statement-breakpoint
CREATE INDEX "actions_repository_at_idx" ON "actions" USING btree ("repository","at");--> statement-breakpoint
CREATE INDEX "deliveries_status_idx" ON "deliveries" USING btree ("status","received_at");--> statement-breakpoint
CREATE INDEX "feedback_incident_idx" ON "feedback" USING btree ("incident_id");--> statement-breakpoint
CREATE UNIQUE INDEX "incidents_run_attempt_key" ON "incidents" USING btree ("repository","provider","run_id","run_attempt");--> statement-breakpoint
CREATE INDEX "incidents_fingerprint_idx" ON "incidents" USING btree ("fingerprint");--> statement-breakpoint
CREATE INDEX "incidents_status_idx" ON "incidents" USING btree ("status");