CREATE TABLE "llm_responses" (
	"key" text PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"endpoint" text NOT NULL,
	"text" text NOT NULL,
	"input_tokens" integer NOT NULL,
	"output_tokens" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "llm_usage" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"incident_id" uuid,
	"endpoint" text NOT NULL,
	"model" text NOT NULL,
	"input_tokens" integer NOT NULL,
	"output_tokens" integer NOT NULL,
	"cost" double precision NOT NULL,
	"cached" boolean NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "llm_usage" ADD CONSTRAINT "llm_usage_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "llm_responses_created_at_idx" ON "llm_responses" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "llm_usage_incident_idx" ON "llm_usage" USING btree ("incident_id");--> statement-breakpoint
CREATE INDEX "llm_usage_at_idx" ON "llm_usage" USING btree ("at");