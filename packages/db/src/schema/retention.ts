import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * A project's own retention, in days, per kind of row; a null column (or no row) means the
 * configured default (LOGLORE_RETENTION_*_DAYS), and 0 keeps that kind for ever. Requests
 * without a project always take the defaults.
 */
export const projectRetention = pgTable('project_retention', {
  project: text('project').primaryKey(),
  /** log_events, by the event's own instant (ts). */
  logDays: integer('log_days'),
  /** analysis_requests and analysis_memory (and what cascades from a request), by created_at. */
  analysisDays: integer('analysis_days'),
  /** analysis_events (the step events kept for replay), by their instant. */
  eventDays: integer('event_days'),
  /** messages of the project's conversations by created_at, then conversations left empty. */
  messageDays: integer('message_days'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
