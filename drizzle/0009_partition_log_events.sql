-- log_events becomes a table partitioned by range of ts: one partition per UTC day
-- (log_events_pYYYYMMDD) and log_events_default for rows of a day without one. Retention then
-- drops a whole day at once, and each day's indexes stay the size of a day.
-- Written by hand (drizzle-kit does not model partitioning); the snapshot of this migration is
-- what drizzle-kit generated for the schema's new primary key (ts, id).

-- Makes the partition of one UTC day, once; answers whether it made it. Every process calls it
-- (ingest for the days it stored, the maintenance job ahead of time, this migration), so the
-- DDL is serialised by an advisory lock and rechecked under it. Rows of that day that reached
-- the default partition first move into the new partition in the same transaction: attaching
-- a partition whose range the default partition holds rows of would fail. log_events itself is
-- locked against writes first (SHARE ROW EXCLUSIVE, readers go on): inserts in flight finish
-- before the rows move, and inserts that wait route their rows once the partition is there. A
-- COPY that had already chosen the default partition for a row of that day would fail on its
-- partition constraint otherwise.
CREATE FUNCTION log_events_ensure_partition(day date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  part text := 'log_events_p' || to_char(day, 'YYYYMMDD');
  lo timestamptz := day::timestamp AT TIME ZONE 'UTC';
  hi timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
  IF to_regclass(quote_ident(part)) IS NOT NULL THEN
    RETURN false;
  END IF;
  PERFORM pg_advisory_xact_lock(7201611240);
  IF to_regclass(quote_ident(part)) IS NOT NULL THEN
    RETURN false;
  END IF;
  LOCK TABLE ONLY log_events IN SHARE ROW EXCLUSIVE MODE;
  EXECUTE format('CREATE TABLE %I (LIKE log_events INCLUDING DEFAULTS)', part);
  EXECUTE format(
    'WITH moved AS (DELETE FROM log_events_default WHERE ts >= $1 AND ts < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
    part
  ) USING lo, hi;
  EXECUTE format('ALTER TABLE log_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
  RETURN true;
END
$$;
--> statement-breakpoint
ALTER TABLE "log_events" RENAME TO "log_events_unpartitioned";--> statement-breakpoint
ALTER SEQUENCE "log_events_id_seq" RENAME TO "log_events_unpartitioned_id_seq";--> statement-breakpoint
ALTER INDEX "log_events_scope_ts_idx" RENAME TO "log_events_unpartitioned_scope_ts_idx";--> statement-breakpoint
ALTER INDEX "log_events_scope_errors_idx" RENAME TO "log_events_unpartitioned_scope_errors_idx";--> statement-breakpoint
ALTER INDEX "log_events_scope_error_like_idx" RENAME TO "log_events_unpartitioned_scope_error_like_idx";--> statement-breakpoint
ALTER INDEX "log_events_scope_window_idx" RENAME TO "log_events_unpartitioned_scope_window_idx";--> statement-breakpoint
ALTER INDEX "log_events_trace_idx" RENAME TO "log_events_unpartitioned_trace_idx";--> statement-breakpoint
ALTER TABLE "log_events_unpartitioned" RENAME CONSTRAINT "log_events_pkey" TO "log_events_unpartitioned_pkey";--> statement-breakpoint
CREATE TABLE "log_events" (
	"id" bigint GENERATED ALWAYS AS IDENTITY (sequence name "log_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1) NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"project" text,
	"env" text,
	"domain" text,
	"service" text,
	"level" text NOT NULL,
	"severity" smallint NOT NULL,
	"trace_id" text,
	"message" text NOT NULL,
	"attrs" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"error_like" boolean DEFAULT false NOT NULL,
	CONSTRAINT "log_events_ts_id_pk" PRIMARY KEY("ts","id")
) PARTITION BY RANGE ("ts");
--> statement-breakpoint
CREATE TABLE "log_events_default" PARTITION OF "log_events" DEFAULT;--> statement-breakpoint
-- A partition for every day the stored events cover (years of four digits: a stray instant far
-- outside them stays in the default partition rather than making a partition of its own).
SELECT log_events_ensure_partition(d.day)
FROM (
  SELECT DISTINCT ("ts" AT TIME ZONE 'UTC')::date AS day FROM "log_events_unpartitioned"
  WHERE extract(year FROM "ts" AT TIME ZONE 'UTC') BETWEEN 1000 AND 9999
) d ORDER BY d.day;--> statement-breakpoint
INSERT INTO "log_events" ("id", "ts", "project", "env", "domain", "service", "level", "severity", "trace_id", "message", "attrs", "ingested_at", "error_like")
OVERRIDING SYSTEM VALUE
SELECT "id", "ts", "project", "env", "domain", "service", "level", "severity", "trace_id", "message", "attrs", "ingested_at", "error_like"
FROM "log_events_unpartitioned";--> statement-breakpoint
-- New ids continue after the stored ones (the evidence watermark relies on ids growing).
SELECT setval('log_events_id_seq', max("id")) FROM "log_events_unpartitioned" HAVING max("id") IS NOT NULL;--> statement-breakpoint
DROP TABLE "log_events_unpartitioned";--> statement-breakpoint
CREATE INDEX "log_events_scope_ts_idx" ON "log_events" USING btree ("project","env","domain","ts");--> statement-breakpoint
CREATE INDEX "log_events_scope_errors_idx" ON "log_events" USING btree ("project","env","ts") WHERE "log_events"."severity" >= 40;--> statement-breakpoint
CREATE INDEX "log_events_scope_error_like_idx" ON "log_events" USING btree ("project","env","ts") WHERE "log_events"."error_like";--> statement-breakpoint
CREATE INDEX "log_events_scope_window_idx" ON "log_events" USING btree ("project","env","ts","id");--> statement-breakpoint
CREATE INDEX "log_events_trace_idx" ON "log_events" USING btree ("trace_id") WHERE "log_events"."trace_id" is not null;
