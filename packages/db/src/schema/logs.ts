import { sql } from 'drizzle-orm';
import { bigint, boolean, index, jsonb, pgTable, primaryKey, smallint, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Ingested log events, the evidence analyses are built from.
 *
 * Partitioned by range of `ts`, one partition per UTC day (`log_events_pYYYYMMDD`) plus
 * `log_events_default` for days without one; drizzle-kit does not model partitioning, so the
 * partitions live in migration 0008 and repositories/partitions.ts, not here. Hence the
 * primary key (ts, id): a key of a partitioned table must hold the partition key.
 */
export const logEvents = pgTable(
  'log_events',
  {
    /** Insertion order across every partition (one identity sequence on the parent). */
    id: bigint('id', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    ts: timestamp('ts', { withTimezone: true }).notNull(),
    project: text('project'),
    env: text('env'),
    domain: text('domain'),
    service: text('service'),
    level: text('level').notNull(),
    /** Numeric level (10 trace ... 60 fatal) so "errors first" is an index range. */
    severity: smallint('severity').notNull(),
    traceId: text('trace_id'),
    /**
     * Error evidence for an analysis: warn or above, or a lower level whose message reads like
     * a failure (core's errorWeight > 0). Decided once at ingest, so analyses select by index
     * instead of running a regex over every line of a window.
     */
    errorLike: boolean('error_like').notNull().default(false),
    message: text('message').notNull(),
    attrs: jsonb('attrs').$type<Record<string, unknown>>().notNull().default({}),
    ingestedAt: timestamp('ingested_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.ts, t.id] }),
    // "this project/env/domain in this window"
    index('log_events_scope_ts_idx').on(t.project, t.env, t.domain, t.ts),
    // "... errors first": warn and above, the rows an analysis ranks
    index('log_events_scope_errors_idx').on(t.project, t.env, t.ts).where(sql`${t.severity} >= 40`),
    // the error evidence of a window: what an analysis reads
    index('log_events_scope_error_like_idx').on(t.project, t.env, t.ts).where(sql`${t.errorLike}`),
    // "what has been ingested into this project/env and window": the evidence watermark an
    // analysis cache entry is checked against, count(*) and max(id) by an index-only scan
    index('log_events_scope_window_idx').on(t.project, t.env, t.ts, t.id),
    index('log_events_trace_idx').on(t.traceId).where(sql`${t.traceId} is not null`),
  ],
);
