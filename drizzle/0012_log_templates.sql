CREATE TABLE "log_template_minutes" (
	"project" text,
	"env" text,
	"service" text,
	"domain" text,
	"severity" smallint NOT NULL,
	"template_id" text NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"count" integer NOT NULL,
	"first_ts" timestamp with time zone NOT NULL,
	"last_ts" timestamp with time zone NOT NULL,
	CONSTRAINT "log_template_minutes_key" UNIQUE NULLS NOT DISTINCT("project","env","minute","template_id","service","domain","severity")
);
--> statement-breakpoint
CREATE TABLE "log_templates" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "log_templates_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project" text,
	"template_id" text NOT NULL,
	"masked" text NOT NULL,
	"token_count" smallint NOT NULL,
	"canonical_id" text,
	"template" text NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "log_templates_project_template_key" UNIQUE NULLS NOT DISTINCT("project","template_id")
);
--> statement-breakpoint
ALTER TABLE "log_events" ADD COLUMN "template_id" text;--> statement-breakpoint
CREATE INDEX "log_templates_merge_idx" ON "log_templates" USING btree ("project","token_count","first_seen","template_id");