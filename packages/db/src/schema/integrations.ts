import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { analysisRequests } from './analyses.ts';

/**
 * Every firing episode of an alert seen through a webhook, and the analysis it went to.
 * The primary key makes redelivery idempotent (same alert, same startsAt → same request);
 * looking up the newest occurrence of a fingerprint finds the analysis a repeated firing
 * attaches to.
 */
export const alertOccurrences = pgTable(
  'alert_occurrences',
  {
    /** alertmanager or grafana: the same fingerprint from two senders is two alerts. */
    source: text('source').notNull(),
    /** The sender's identity of the alert (a hash of its label set). */
    fingerprint: text('fingerprint').notNull(),
    /** startsAt of this firing episode. */
    startsAt: timestamp('starts_at', { withTimezone: true, precision: 3 }).notNull(),
    /** The analysis this firing is answered by: its own, or an earlier firing's it attached to. */
    requestId: uuid('request_id')
      .notNull()
      .references(() => analysisRequests.id, { onDelete: 'cascade' }),
    /** True when this firing joined an analysis started by an earlier one. */
    attached: boolean('attached').notNull().default(false),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /** When a `resolved` notification said this episode ended (its endsAt, else the time it came). */
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.source, t.fingerprint, t.startsAt] }),
    index('alert_occurrences_request_idx').on(t.requestId),
  ],
);

/** A backfill of historical incidents, received in one or more batches. */
export const backfills = pgTable('backfills', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** Projects of its incidents, so an API key sees only backfills within its projects. */
  projects: text('projects').array().notNull().default(sql`'{}'::text[]`),
  /**
   * The projects of the API key that created it, fixed at creation: only a key granted every
   * one of them sees it or appends to it. Null: created by a key of every project (or with no
   * keys configured), so only such keys do; backfills from before this column are null too.
   */
  ownerProjects: text('owner_projects').array(),
  /** Set when the client said the last batch was sent; until then the status is `receiving`. */
  receivedAllAt: timestamp('received_all_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The requests of a backfill. Progress is counted from their statuses, never kept as a
 * counter: a re-sent batch links the same requests again (primary key), so nothing drifts.
 */
export const backfillItems = pgTable(
  'backfill_items',
  {
    backfillId: uuid('backfill_id')
      .notNull()
      .references(() => backfills.id, { onDelete: 'cascade' }),
    requestId: uuid('request_id')
      .notNull()
      .references(() => analysisRequests.id, { onDelete: 'cascade' }),
    /** Line of the incident in the backfill file (the first one, if it occurs twice). */
    line: integer('line').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.backfillId, t.requestId] }),
    // Deleting a request (a withdrawn accept) must find its links without scanning every backfill.
    index('backfill_items_request_idx').on(t.requestId),
  ],
);

/** Lines of a backfill that could not be read, by number, once each. */
export const backfillRejections = pgTable(
  'backfill_rejections',
  {
    backfillId: uuid('backfill_id')
      .notNull()
      .references(() => backfills.id, { onDelete: 'cascade' }),
    line: integer('line').notNull(),
    error: text('error').notNull(),
  },
  (t) => [primaryKey({ columns: [t.backfillId, t.line] })],
);
