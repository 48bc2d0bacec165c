import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { conversations } from './conversations.ts';

/**
 * The record of truth for every accepted analysis request. A row exists before the request is
 * answered 202; the reconciler re-enqueues rows whose jobs vanished from Redis.
 */
export const analysisRequests = pgTable(
  'analysis_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    conversationId: uuid('conversation_id').references(() => conversations.id, { onDelete: 'set null' }),
    /** chat, api, alertmanager, grafana or backfill. */
    source: text('source').notNull(),
    text: text('text').notNull(),
    /** Explicit hints given with the request; they win over extracted values. */
    project: text('project'),
    env: text('env'),
    domain: text('domain'),
    /** When the incident happened (alert startsAt, backfill time); anchors relative time expressions. */
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
    /** Client-chosen key; a repeated key answers the same request. */
    idempotencyKey: text('idempotency_key').unique(),
    status: text('status').$type<'queued' | 'running' | 'completed' | 'failed'>().notNull().default('queued'),
    /** BullMQ priority of its jobs (1 is highest); backfills run below live traffic. */
    priority: integer('priority').notNull().default(1),
    /** Extra request data that is not a column (alert labels, backfill fields). */
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    /** Parameters once extracted. */
    parameters: jsonb('parameters').$type<Record<string, unknown>>(),
    /** The final result (DESIGN.md `result`), also kept in analysis_memory. */
    result: jsonb('result').$type<Record<string, unknown>>(),
    /** How many times the reconciler had to re-enqueue it. */
    enqueueCount: integer('enqueue_count').notNull().default(1),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('analysis_requests_open_idx').on(t.status, t.updatedAt).where(sql`${t.status} in ('queued', 'running')`),
    index('analysis_requests_conversation_idx').on(t.conversationId, t.createdAt),
    // Browsing: a project's analyses newest first (keyset on created_at, id), and every project's.
    index('analysis_requests_project_created_idx').on(t.project, t.createdAt.desc(), t.id.desc()),
    index('analysis_requests_created_idx').on(t.createdAt.desc(), t.id.desc()),
    check('analysis_requests_status_check', sql`${t.status} in ('queued', 'running', 'completed', 'failed')`),
  ],
);

/** Analysis memory: one row per finished analysis ("this happened before"). */
export const analysisMemory = pgTable(
  'analysis_memory',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** Unique: storing the same request's result twice keeps one row. */
    requestId: uuid('request_id').notNull().unique(),
    conversationId: uuid('conversation_id').references(() => conversations.id, { onDelete: 'set null' }),
    /**
     * The project of the request it answers (analysis_requests.project: the API key scope), null
     * for a request without one. Every read of memory filters on it: a project recalls only its
     * own analyses, and a request without a project only analyses without one.
     */
    project: text('project'),
    source: text('source').notNull(),
    queryText: text('query_text').notNull(),
    /** Extracted parameters; a similar look-up's candidates must contain its filter (@>). */
    parameters: jsonb('parameters').$type<Record<string, unknown>>().notNull(),
    traceIds: text('trace_ids').array().notNull().default(sql`'{}'::text[]`),
    findings: jsonb('findings').$type<unknown>().notNull().default([]),
    /** Readable stable name of the dominant error (e.g. DB_POOL_EXHAUSTED); null when none. */
    errorPattern: text('error_pattern'),
    /** Key of the error_patterns row it counted towards. */
    patternKey: text('pattern_key'),
    resolution: text('resolution'),
    summary: text('summary'),
    confidenceScore: real('confidence_score'),
    /** Feedback: did the resolution work? Null until someone says. */
    outcome: text('outcome').$type<'resolved' | 'not_resolved'>(),
    outcomeAt: timestamp('outcome_at', { withTimezone: true }),
    /** When the incident happened (may be long before created_at for backfills). */
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * Signatures of the significant error templates the analysis found (the hash of each
     * normalised template, as core's templateSignature): "the same evidence" across analyses.
     */
    templateKeys: text('template_keys').array().notNull().default(sql`'{}'::text[]`),
    /** Services that logged the concluded failure, most errors first. */
    services: text('services').array().notNull().default(sql`'{}'::text[]`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('analysis_memory_pattern_key_idx').on(t.patternKey, t.occurredAt.desc()),
    // "the last confirmed resolution of this pattern in this project" (recurrence), and the
    // walk of a project's analyses of one pattern nearest in time (recall by evidence).
    index('analysis_memory_project_pattern_idx').on(t.project, t.patternKey, t.occurredAt),
    // Candidate walks of find-similar, each bounded and within one project: the same error
    // pattern, the nearest in time, the nearest confirmed resolutions. Overlapping templates,
    // services and words of the question come from analysis_memory_keys.
    index('analysis_memory_project_error_pattern_idx').on(t.project, t.errorPattern, t.occurredAt),
    index('analysis_memory_project_occurred_idx').on(t.project, t.occurredAt),
    index('analysis_memory_project_resolved_idx').on(t.project, t.occurredAt).where(sql`${t.outcome} = 'resolved'`),
    index('analysis_memory_created_idx').on(t.createdAt.desc()),
    check('analysis_memory_outcome_check', sql`${t.outcome} is null or ${t.outcome} in ('resolved', 'not_resolved')`),
  ],
);

/**
 * What find-similar looks analyses up by, one row per key of an analysis: `w:<word>` for each
 * word of its question (analysis_memory_text_keys), `h<band>:<hash>` for each of the 8 MinHash
 * bands of its trigrams (analysis_memory_minhash_keys), `t:<signature>` for each template key and
 * `s:<service>` for each service. Written by the analysis_memory_keys_fill trigger when the
 * memory row is inserted (those columns never change afterwards), so every writer fills it alike;
 * candidates are the newest few analyses of a project per key, an index walk that costs the
 * same at a thousand analyses as at a million.
 */
export const analysisMemoryKeys = pgTable(
  'analysis_memory_keys',
  {
    memoryId: bigint('memory_id', { mode: 'number' })
      .notNull()
      .references(() => analysisMemory.id, { onDelete: 'cascade' }),
    /** The memory row's project (null: none), copied so a walk stays within one project. */
    project: text('project'),
    key: text('key').notNull(),
    /** The memory row's occurred_at, copied: walks go newest first. */
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.memoryId, t.key] }),
    index('analysis_memory_keys_walk_idx').on(t.project, t.key, t.occurredAt, t.memoryId),
  ],
);

/**
 * The step events of every analysis, kept for replay (SSE Last-Event-ID, late clients).
 * Pub/sub is fire-and-forget; this table is what a reconnecting client reads.
 */
export const analysisEvents = pgTable(
  'analysis_events',
  {
    requestId: uuid('request_id')
      .notNull()
      .references(() => analysisRequests.id, { onDelete: 'cascade' }),
    /** 1, 2, 3... per request, in publication order; the SSE event id. */
    seq: smallint('seq').notNull(),
    conversationId: uuid('conversation_id'),
    step: text('step').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.requestId, t.seq] }),
    // A step publishes once per request: a retried step finds its event and republishes it.
    uniqueIndex('analysis_events_request_step_key').on(t.requestId, t.step),
    index('analysis_events_conversation_idx').on(t.conversationId, t.at),
    // retention: the oldest events first
    index('analysis_events_at_idx').on(t.at),
  ],
);
