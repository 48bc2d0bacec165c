ALTER TABLE "log_events" ADD COLUMN "error_like" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "log_events_scope_error_like_idx" ON "log_events" USING btree ("project","env","ts") WHERE "log_events"."error_like";--> statement-breakpoint
-- Events stored before this column existed: mark them as core's errorWeight would (warn and
-- above, or one of analyze.ts's ERROR_WORDS_LIST words in the message), once.
UPDATE "log_events" SET "error_like" = true
WHERE "severity" >= 40
   OR "message" ~* '\m(error|errors|exception|fail|failed|failure|failing|fatal|panic|refused|timed out|timeout|denied|unavailable|declined|insufficient|unreachable|traceback|forbidden|unauthorised|unauthorized|aborted|crashed|rejected)\M';
