ALTER TABLE "analysis_memory" ADD COLUMN "template_keys" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "analysis_memory" ADD COLUMN "services" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
CREATE INDEX "analysis_memory_pattern_key_idx" ON "analysis_memory" USING btree ("pattern_key","occurred_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "analysis_memory_template_keys_idx" ON "analysis_memory" USING gin ("template_keys");--> statement-breakpoint
CREATE INDEX "analysis_memory_services_idx" ON "analysis_memory" USING gin ("services");