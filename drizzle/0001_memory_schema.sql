CREATE TABLE "conversations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "messages_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"conversation_id" uuid NOT NULL,
	"role" text NOT NULL,
	"content" text NOT NULL,
	"request_id" uuid,
	"parameters" jsonb,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "messages_role_check" CHECK ("messages"."role" in ('user', 'assistant', 'system'))
);
--> statement-breakpoint
CREATE TABLE "analysis_events" (
	"request_id" uuid NOT NULL,
	"seq" smallint NOT NULL,
	"conversation_id" uuid,
	"step" text NOT NULL,
	"payload" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analysis_events_request_id_seq_pk" PRIMARY KEY("request_id","seq")
);
--> statement-breakpoint
CREATE TABLE "analysis_memory" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "analysis_memory_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"request_id" uuid NOT NULL,
	"conversation_id" uuid,
	"source" text NOT NULL,
	"query_text" text NOT NULL,
	"parameters" jsonb NOT NULL,
	"trace_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"findings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error_pattern" text,
	"pattern_key" text,
	"resolution" text,
	"summary" text,
	"confidence_score" real,
	"outcome" text,
	"outcome_at" timestamp with time zone,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analysis_memory_request_id_unique" UNIQUE("request_id"),
	CONSTRAINT "analysis_memory_outcome_check" CHECK ("analysis_memory"."outcome" is null or "analysis_memory"."outcome" in ('resolved', 'not_resolved'))
);
--> statement-breakpoint
CREATE TABLE "analysis_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"conversation_id" uuid,
	"source" text NOT NULL,
	"text" text NOT NULL,
	"project" text,
	"env" text,
	"domain" text,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"idempotency_key" text,
	"status" text DEFAULT 'queued' NOT NULL,
	"priority" integer DEFAULT 1 NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"parameters" jsonb,
	"result" jsonb,
	"enqueue_count" integer DEFAULT 1 NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "analysis_requests_idempotency_key_unique" UNIQUE("idempotency_key"),
	CONSTRAINT "analysis_requests_status_check" CHECK ("analysis_requests"."status" in ('queued', 'running', 'completed', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "error_patterns" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "error_patterns_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"pattern_key" text NOT NULL,
	"domain" text,
	"error_type" text NOT NULL,
	"title" text,
	"template" text,
	"origin" text DEFAULT 'derived' NOT NULL,
	"typical_causes" text[] DEFAULT '{}'::text[] NOT NULL,
	"resolution_steps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"usage_count" integer DEFAULT 0 NOT NULL,
	"success_count" integer DEFAULT 0 NOT NULL,
	"failure_count" integer DEFAULT 0 NOT NULL,
	"success_rate" real GENERATED ALWAYS AS (case when success_count + failure_count = 0 then 0 else success_count::real / (success_count + failure_count) end) STORED NOT NULL,
	"first_seen" timestamp with time zone,
	"last_seen" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "error_patterns_pattern_key_unique" UNIQUE("pattern_key")
);
--> statement-breakpoint
CREATE TABLE "pattern_usages" (
	"pattern_key" text NOT NULL,
	"request_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pattern_usages_pattern_key_request_id_pk" PRIMARY KEY("pattern_key","request_id")
);
--> statement-breakpoint
CREATE TABLE "log_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "log_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
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
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analysis_events" ADD CONSTRAINT "analysis_events_request_id_analysis_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."analysis_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analysis_memory" ADD CONSTRAINT "analysis_memory_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analysis_requests" ADD CONSTRAINT "analysis_requests_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversations_project_idx" ON "conversations" USING btree ("project","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "messages_conversation_idx" ON "messages" USING btree ("conversation_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_request_role_key" ON "messages" USING btree ("request_id","role") WHERE "messages"."request_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "analysis_events_request_step_key" ON "analysis_events" USING btree ("request_id","step");--> statement-breakpoint
CREATE INDEX "analysis_events_conversation_idx" ON "analysis_events" USING btree ("conversation_id","at");--> statement-breakpoint
CREATE INDEX "analysis_memory_parameters_idx" ON "analysis_memory" USING gin ("parameters" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "analysis_memory_error_pattern_idx" ON "analysis_memory" USING btree ("error_pattern");--> statement-breakpoint
CREATE INDEX "analysis_memory_created_idx" ON "analysis_memory" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "analysis_memory_query_trgm_idx" ON "analysis_memory" USING gin ("query_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "analysis_requests_open_idx" ON "analysis_requests" USING btree ("status","updated_at") WHERE "analysis_requests"."status" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "analysis_requests_conversation_idx" ON "analysis_requests" USING btree ("conversation_id","created_at");--> statement-breakpoint
CREATE INDEX "error_patterns_domain_type_idx" ON "error_patterns" USING btree ("domain","error_type");--> statement-breakpoint
CREATE INDEX "log_events_scope_ts_idx" ON "log_events" USING btree ("project","env","domain","ts");--> statement-breakpoint
CREATE INDEX "log_events_scope_errors_idx" ON "log_events" USING btree ("project","env","ts") WHERE "log_events"."severity" >= 40;--> statement-breakpoint
CREATE INDEX "log_events_trace_idx" ON "log_events" USING btree ("trace_id") WHERE "log_events"."trace_id" is not null;