import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, primaryKey, real, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';

/** Reference memory: known error patterns with causes, fixes and their track record. */
export const errorPatterns = pgTable(
  'error_patterns',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** Stable unique key, e.g. `db.pool_exhausted` (catalog) or `derived.1a2b3c4d`. */
    patternKey: text('pattern_key').notNull().unique(),
    domain: text('domain'),
    errorType: text('error_type').notNull(),
    title: text('title'),
    /** Representative log template, variables as `<*>`. */
    template: text('template'),
    /** catalog: seeded reference pattern; derived: learned from an analysis. */
    origin: text('origin').$type<'catalog' | 'derived'>().notNull().default('derived'),
    typicalCauses: text('typical_causes').array().notNull().default(sql`'{}'::text[]`),
    resolutionSteps: jsonb('resolution_steps').$type<string[]>().notNull().default([]),
    /** Analyses that named this pattern; each counts once (see pattern_usages). */
    usageCount: integer('usage_count').notNull().default(0),
    successCount: integer('success_count').notNull().default(0),
    failureCount: integer('failure_count').notNull().default(0),
    /** success / (success + failure); 0 before any feedback. */
    successRate: real('success_rate')
      .notNull()
      .generatedAlwaysAs(
        sql`case when success_count + failure_count = 0 then 0 else success_count::real / (success_count + failure_count) end`,
      ),
    firstSeen: timestamp('first_seen', { withTimezone: true }),
    lastSeen: timestamp('last_seen', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('error_patterns_domain_type_idx').on(t.domain, t.errorType)],
);

/**
 * Which analysis counted towards which pattern. The primary key is what makes pattern
 * statistics exact: an update replayed by a retried job inserts nothing and counts nothing.
 */
export const patternUsages = pgTable(
  'pattern_usages',
  {
    patternKey: text('pattern_key').notNull(),
    requestId: uuid('request_id').notNull(),
    /**
     * The analysis' project (null: none), kept here so a project's `daily` counts are read from
     * the ledger alone: retention may purge the analysis, never its count.
     */
    project: text('project'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.patternKey, t.requestId] })],
);

/**
 * A pattern's track record within one project (null: requests without a project). Kept in the
 * same transactions as the global counters of error_patterns (the usage row decides a use once;
 * a vote moves both), so the two never disagree. A key is shown the statistics of its projects,
 * and a derived pattern (its template quotes a project's logs) is listed only to keys of a
 * project that has a row here.
 */
export const patternProjectStats = pgTable(
  'pattern_project_stats',
  {
    patternKey: text('pattern_key').notNull(),
    project: text('project'),
    usageCount: integer('usage_count').notNull().default(0),
    successCount: integer('success_count').notNull().default(0),
    failureCount: integer('failure_count').notNull().default(0),
    firstSeen: timestamp('first_seen', { withTimezone: true }),
    lastSeen: timestamp('last_seen', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // One row per (pattern, project), the null project included.
  (t) => [unique('pattern_project_stats_key').on(t.patternKey, t.project).nullsNotDistinct()],
);
