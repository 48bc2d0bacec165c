CREATE TABLE "project_retention" (
	"project" text PRIMARY KEY NOT NULL,
	"log_days" integer,
	"analysis_days" integer,
	"event_days" integer,
	"message_days" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "messages_created_idx" ON "messages" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "analysis_events_at_idx" ON "analysis_events" USING btree ("at");