import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgSequence, pgTable, primaryKey, smallint, text, timestamp, unique } from 'drizzle-orm/pg-core';

/**
 * Ingested log events, the evidence analyses are built from.
 *
 * Partitioned by range of `ts`, one partition per UTC day (`log_events_pYYYYMMDD`) plus
 * `log_events_default` for days without one; drizzle-kit does not model partitioning, so the
 * partitions live in migration 0009 and repositories/partitions.ts, not here. Hence the
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
    /**
     * Fingerprint of an error-like event's message (core's fingerprintLine: the hash of its
     * masked tokens), set at ingest; null for the other events. The template it belongs to is
     * its row in log_templates (its canonical_id when merged into another).
     */
    templateId: text('template_id'),
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
    // "how many events in this project/env and window": the rows of the minutes a window's edges
    // cut, which log_event_minutes cannot split, counted by an index-only scan
    index('log_events_scope_window_idx').on(t.project, t.env, t.ts, t.id),
    index('log_events_trace_idx').on(t.traceId).where(sql`${t.traceId} is not null`),
    // a template's events in a window, in time order: the bounded samples an analysis reads
    // (its first, latest and newest traced events) next to the per-minute aggregates
    index('log_events_template_ts_idx').on(t.project, t.env, t.templateId, t.ts).where(sql`${t.templateId} is not null`),
    // error-like events stored before fingerprints at ingest (migration 0012): a window holding
    // any is analysed from its rows
    // a hinted service's newest traced errors, newest first: the traces an analysis focused on
    // that service follows (services are hinted lower-cased)
    index('log_events_hinted_idx').on(t.project, t.env, sql`lower(${t.service})`, t.ts).where(sql`${t.errorLike} and ${t.traceId} is not null`),
    index('log_events_untemplated_idx').on(t.project, t.env, t.ts).where(sql`${t.errorLike} and ${t.templateId} is null`),
  ],
);

/**
 * The templates of a project's error-like events, one row per fingerprint (see
 * log_events.template_id), counted at ingest. A fingerprint the miner merged into another
 * template keeps its row and points to that template's fingerprint in `canonical_id`; merges
 * are only ever added, so the id an event maps to is stable across analyses and processes.
 */
export const logTemplates = pgTable(
  'log_templates',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    project: text('project'),
    /** The fingerprint: `t` + 16 hex digits of the masked line. */
    templateId: text('template_id').notNull(),
    /** The masked line the fingerprint is the hash of (the miner's input when merges are replayed). */
    masked: text('masked').notNull(),
    /** Tokens of `masked`: only forms of equal token count can merge. */
    tokenCount: smallint('token_count').notNull(),
    /** The fingerprint of the template this one was merged into; null while it is its own template. */
    canonicalId: text('canonical_id'),
    /** The template's text: `masked`, generalised (`<*>`) where merged variants differed. */
    template: text('template').notNull(),
    /** Earliest and latest event time (ts) seen with this fingerprint. */
    firstSeen: timestamp('first_seen', { withTimezone: true }).notNull(),
    lastSeen: timestamp('last_seen', { withTimezone: true }).notNull(),
    /** Events stored with this fingerprint. */
    count: bigint('count', { mode: 'number' }).notNull(),
  },
  (t) => [
    // one row per project and fingerprint; a project-less row is one project too
    unique('log_templates_project_template_key').on(t.project, t.templateId).nullsNotDistinct(),
    // the forms a merge replays: one project, one token count, in order of first occurrence
    index('log_templates_merge_idx').on(t.project, t.tokenCount, t.firstSeen, t.templateId),
  ],
);
/**
 * Per-minute counts of error-like events by fingerprint, kept at ingest in the same
 * transaction as the events: an analysis reads a window's and its baseline's templates from
 * here instead of mining rows. Keyed by the hard scope (project, env), the hints that rank
 * (service, domain) and the level, so every filter and weight of the evidence query can be
 * answered; the fingerprint, not the merged template, so a merge never rewrites a count.
 */
export const logTemplateMinutes = pgTable(
  'log_template_minutes',
  {
    project: text('project'),
    env: text('env'),
    service: text('service'),
    domain: text('domain'),
    /** Numeric level of the events (log_events.severity). */
    severity: smallint('severity').notNull(),
    templateId: text('template_id').notNull(),
    /** The minute (UTC, truncated) the events' ts fall in. */
    minute: timestamp('minute', { withTimezone: true }).notNull(),
    count: integer('count').notNull(),
    /** Earliest and latest ts of the counted events within the minute. */
    firstTs: timestamp('first_ts', { withTimezone: true }).notNull(),
    lastTs: timestamp('last_ts', { withTimezone: true }).notNull(),
  },
  (t) => [
    unique('log_template_minutes_key').on(t.project, t.env, t.minute, t.templateId, t.service, t.domain, t.severity).nullsNotDistinct(),
  ],
);

/**
 * Marks of ingest into log_event_minutes: each statement that adds events to the rollup takes
 * one value and writes it to every minute it touched, so a scope's highest mark changes
 * whenever events are stored into it.
 */
export const logEventMinutesMark = pgSequence('log_event_minutes_mark_seq');

/**
 * Every stored event (not only error-like ones) counted per scope, hint dimensions and minute,
 * written in the transaction that stores the rows: the totals and evidence watermark of a
 * window come from it, not from counting rows.
 */
export const logEventMinutes = pgTable(
  'log_event_minutes',
  {
    project: text('project'),
    env: text('env'),
    domain: text('domain'),
    service: text('service'),
    /** The minute (UTC, truncated) the events' ts fall in. */
    minute: timestamp('minute', { withTimezone: true }).notNull(),
    count: integer('count').notNull(),
    /** The log_event_minutes_mark_seq value of the last statement that added to this row. */
    mark: bigint('mark', { mode: 'number' }).notNull(),
  },
  (t) => [unique('log_event_minutes_key').on(t.project, t.env, t.minute, t.domain, t.service).nullsNotDistinct()],
);
