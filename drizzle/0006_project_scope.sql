CREATE TABLE "pattern_project_stats" (
	"pattern_key" text NOT NULL,
	"project" text,
	"usage_count" integer DEFAULT 0 NOT NULL,
	"success_count" integer DEFAULT 0 NOT NULL,
	"failure_count" integer DEFAULT 0 NOT NULL,
	"first_seen" timestamp with time zone,
	"last_seen" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pattern_project_stats_key" UNIQUE NULLS NOT DISTINCT("pattern_key","project")
);
--> statement-breakpoint
ALTER TABLE "analysis_memory" ADD COLUMN "project" text;--> statement-breakpoint
ALTER TABLE "backfills" ADD COLUMN "owner_projects" text[];--> statement-breakpoint
CREATE INDEX "analysis_memory_project_pattern_idx" ON "analysis_memory" USING btree ("project","pattern_key","occurred_at");
--> statement-breakpoint
-- Existing memory takes the project of the request it answers.
UPDATE "analysis_memory" m SET "project" = r."project" FROM "analysis_requests" r WHERE r."id" = m."request_id";--> statement-breakpoint
-- Per-project statistics of what was counted before: uses from pattern_usages, votes from memory.
INSERT INTO "pattern_project_stats" ("pattern_key", "project", "usage_count", "success_count", "failure_count", "first_seen", "last_seen")
SELECT k."pattern_key", k."project",
  coalesce(u."n", 0), coalesce(v."success", 0), coalesce(v."failure", 0), u."first_seen", u."last_seen"
FROM (
  SELECT u."pattern_key", m."project" FROM "pattern_usages" u JOIN "analysis_memory" m ON m."request_id" = u."request_id"
  UNION
  SELECT "pattern_key", "project" FROM "analysis_memory" WHERE "pattern_key" IS NOT NULL AND "outcome" IS NOT NULL
) k
LEFT JOIN (
  SELECT u."pattern_key", m."project", count(*)::int AS "n", min(u."occurred_at") AS "first_seen", max(u."occurred_at") AS "last_seen"
  FROM "pattern_usages" u JOIN "analysis_memory" m ON m."request_id" = u."request_id"
  GROUP BY 1, 2
) u ON u."pattern_key" = k."pattern_key" AND u."project" IS NOT DISTINCT FROM k."project"
LEFT JOIN (
  SELECT "pattern_key", "project",
    (count(*) FILTER (WHERE "outcome" = 'resolved'))::int AS "success",
    (count(*) FILTER (WHERE "outcome" = 'not_resolved'))::int AS "failure"
  FROM "analysis_memory" WHERE "pattern_key" IS NOT NULL GROUP BY 1, 2
) v ON v."pattern_key" = k."pattern_key" AND v."project" IS NOT DISTINCT FROM k."project";--> statement-breakpoint
-- A backfill from before keeps the keys that saw it (those granted its incidents' projects);
-- one without incidents was everybody's, and is now only for keys of every project.
UPDATE "backfills" SET "owner_projects" = "projects" WHERE cardinality("projects") > 0;
