CREATE TABLE "solutions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"fingerprint" text NOT NULL,
	"fingerprint_version" integer NOT NULL,
	"embedding" vector(384) NOT NULL,
	"embedding_model" text NOT NULL,
	"category" text NOT NULL,
	"repository" text,
	"organization" text,
	"fix" text NOT NULL,
	"patch" text,
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"error_line" text,
	"excerpt" text,
	"successes" integer DEFAULT 0 NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "solutions_source_ref_key" ON "solutions" USING btree ("source","source_ref");--> statement-breakpoint
CREATE INDEX "solutions_fingerprint_idx" ON "solutions" USING btree ("fingerprint");--> statement-breakpoint
CREATE INDEX "solutions_embedding_hnsw" ON "solutions" USING hnsw ("embedding" vector_cosine_ops);