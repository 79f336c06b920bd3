CREATE INDEX "solutions_repository_idx" ON "solutions" USING btree ("repository");--> statement-breakpoint
CREATE INDEX "solutions_organization_idx" ON "solutions" USING btree ("organization");