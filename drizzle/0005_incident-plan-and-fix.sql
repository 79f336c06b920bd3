ALTER TABLE "incidents" ADD COLUMN "plan" jsonb;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "fix" jsonb;