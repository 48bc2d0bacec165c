CREATE TABLE "alert_occurrences" (
	"source" text NOT NULL,
	"fingerprint" text NOT NULL,
	"starts_at" timestamp (3) with time zone NOT NULL,
	"request_id" uuid NOT NULL,
	"attached" boolean DEFAULT false NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "alert_occurrences_source_fingerprint_starts_at_pk" PRIMARY KEY("source","fingerprint","starts_at")
);
--> statement-breakpoint
CREATE TABLE "backfill_items" (
	"backfill_id" uuid NOT NULL,
	"request_id" uuid NOT NULL,
	"line" integer NOT NULL,
	CONSTRAINT "backfill_items_backfill_id_request_id_pk" PRIMARY KEY("backfill_id","request_id")
);
--> statement-breakpoint
CREATE TABLE "backfill_rejections" (
	"backfill_id" uuid NOT NULL,
	"line" integer NOT NULL,
	"error" text NOT NULL,
	CONSTRAINT "backfill_rejections_backfill_id_line_pk" PRIMARY KEY("backfill_id","line")
);
--> statement-breakpoint
CREATE TABLE "backfills" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"projects" text[] DEFAULT '{}'::text[] NOT NULL,
	"received_all_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alert_occurrences" ADD CONSTRAINT "alert_occurrences_request_id_analysis_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."analysis_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backfill_items" ADD CONSTRAINT "backfill_items_backfill_id_backfills_id_fk" FOREIGN KEY ("backfill_id") REFERENCES "public"."backfills"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backfill_items" ADD CONSTRAINT "backfill_items_request_id_analysis_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."analysis_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backfill_rejections" ADD CONSTRAINT "backfill_rejections_backfill_id_backfills_id_fk" FOREIGN KEY ("backfill_id") REFERENCES "public"."backfills"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_occurrences_request_idx" ON "alert_occurrences" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "backfill_items_request_idx" ON "backfill_items" USING btree ("request_id");