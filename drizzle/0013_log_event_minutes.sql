CREATE SEQUENCE "public"."log_event_minutes_mark_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "log_event_minutes" (
	"project" text,
	"env" text,
	"domain" text,
	"service" text,
	"minute" timestamp with time zone NOT NULL,
	"count" integer NOT NULL,
	"mark" bigint NOT NULL,
	CONSTRAINT "log_event_minutes_key" UNIQUE NULLS NOT DISTINCT("project","env","minute","domain","service")
);
--> statement-breakpoint
-- Events stored before this migration, counted once (one mark for all of them).
INSERT INTO "log_event_minutes" ("project", "env", "domain", "service", "minute", "count", "mark")
SELECT e."project", e."env", e."domain", e."service", date_trunc('minute', e."ts" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', count(*)::int, (SELECT nextval('log_event_minutes_mark_seq'))
FROM "log_events" e
GROUP BY 1, 2, 3, 4, 5;
