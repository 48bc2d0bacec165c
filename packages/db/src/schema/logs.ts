import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgTable, smallint, text, timestamp } from 'drizzle-orm/pg-core';

/** Ingested log events, the evidence analyses are built from. */
export const logEvents = pgTable(
  'log_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    ts: timestamp('ts', { withTimezone: true }).notNull(),
    project: text('project'),
    env: text('env'),
    domain: text('domain'),
    service: text('service'),
    level: text('level').notNull(),
    /** Numeric level (10 trace ... 60 fatal) so "errors first" is an index range. */
    severity: smallint('severity').notNull(),
    traceId: text('trace_id'),
    message: text('message').notNull(),
    attrs: jsonb('attrs').$type<Record<string, unknown>>().notNull().default({}),
    ingestedAt: timestamp('ingested_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // "this project/env/domain in this window"
    index('log_events_scope_ts_idx').on(t.project, t.env, t.domain, t.ts),
    // "... errors first": warn and above, the rows an analysis ranks
    index('log_events_scope_errors_idx').on(t.project, t.env, t.ts).where(sql`${t.severity} >= 40`),
    index('log_events_trace_idx').on(t.traceId).where(sql`${t.traceId} is not null`),
  ],
);
