ALTER TABLE "pattern_usages" ADD COLUMN "project" text;--> statement-breakpoint
-- Usage rows from before take the project of the analysis they counted (none left: null, which
-- only a key of every project counts, as before when the join found nothing).
UPDATE "pattern_usages" u SET "project" = m."project" FROM "analysis_memory" m WHERE m."request_id" = u."request_id";
