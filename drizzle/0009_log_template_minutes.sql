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
