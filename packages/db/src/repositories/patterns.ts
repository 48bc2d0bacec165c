import { and, asc, desc, eq, ilike, inArray, isNotNull, or, sql, type SQL } from 'drizzle-orm';
import type { KnownPattern, Outcome } from '@loglore/core';
import type { Db } from '../client.ts';
import { analysisMemory, errorPatterns, patternProjectStats, patternUsages } from '../schema/index.ts';
import { projectIs } from './analyses.ts';

/**
 * A pattern with a track record: the global counters as stored, or (from the per-project
 * readers) one scope's counters in the same fields.
 */
export type ErrorPattern = typeof errorPatterns.$inferSelect;

/** Which projects' statistics a list shows: every project's together, or the sum of some. */
export type PatternScope = '*' | readonly string[];

type Stats = Pick<ErrorPattern, 'usageCount' | 'successCount' | 'failureCount' | 'firstSeen' | 'lastSeen'>;

/** The pattern's definition with the counters of one scope in place of the global ones. */
function withStats(pattern: ErrorPattern, stats: Stats | null): ErrorPattern {
  const usageCount = Number(stats?.usageCount ?? 0);
  const successCount = Number(stats?.successCount ?? 0);
  const failureCount = Number(stats?.failureCount ?? 0);
  const votes = successCount + failureCount;
  return {
    ...pattern,
    usageCount,
    successCount,
    failureCount,
    // The same rounding as the generated column (real).
    successRate: votes === 0 ? 0 : Math.fround(successCount / votes),
    firstSeen: stats?.firstSeen ? new Date(stats.firstSeen) : null,
    lastSeen: stats?.lastSeen ? new Date(stats.lastSeen) : null,
  };
}

/** What the catalog (or a newly derived pattern) says about a pattern; counts are never set here. */
export interface PatternDefinition {
  pattern_key: string;
  error_type: string;
  domain: string | null;
  title?: string | null;
  template?: string | null;
  typical_causes?: readonly string[];
  resolution_steps?: readonly string[];
}

/**
 * Seeds reference patterns. Definitions are refreshed on every start (the catalog may have
 * improved); counts and dates are never touched.
 */
export async function seedReferencePatterns(db: Db, patterns: readonly PatternDefinition[]): Promise<number> {
  if (patterns.length === 0) return 0;
  await db
    .insert(errorPatterns)
    .values(
      patterns.map((p) => ({
        patternKey: p.pattern_key,
        errorType: p.error_type,
        domain: p.domain,
        title: p.title ?? null,
        template: p.template ?? null,
        origin: 'catalog' as const,
        typicalCauses: [...(p.typical_causes ?? [])],
        resolutionSteps: [...(p.resolution_steps ?? [])],
      })),
    )
    .onConflictDoUpdate({
      target: errorPatterns.patternKey,
      set: {
        errorType: sql`excluded.error_type`,
        domain: sql`excluded.domain`,
        title: sql`excluded.title`,
        template: sql`excluded.template`,
        origin: sql`excluded.origin`,
        typicalCauses: sql`excluded.typical_causes`,
        resolutionSteps: sql`excluded.resolution_steps`,
        updatedAt: sql`now()`,
      },
    });
  return patterns.length;
}

/**
 * A pattern's facts and its track record in `project` (null: among requests without a
 * project): what an analysis of that project may be told. A derived pattern the project never
 * counted is not its to see (its template quotes another project's logs): undefined, as for an
 * unknown key. Reading is not a use: no counter moves.
 */
export async function getPatternInfo(db: Db, patternKey: string, project: string | null): Promise<ErrorPattern | undefined> {
  const [row] = await db
    .select({ pattern: errorPatterns, stats: patternProjectStats })
    .from(errorPatterns)
    .leftJoin(
      patternProjectStats,
      and(eq(patternProjectStats.patternKey, errorPatterns.patternKey), projectIs(patternProjectStats.project, project)),
    )
    .where(eq(errorPatterns.patternKey, patternKey));
  if (!row || (row.pattern.origin === 'derived' && !row.stats)) return undefined;
  return withStats(row.pattern, row.stats);
}

/** A pattern with its global counters, every project together (operators, tests). */
export async function getPatternTotals(db: Db, patternKey: string): Promise<ErrorPattern | undefined> {
  const [row] = await db.select().from(errorPatterns).where(eq(errorPatterns.patternKey, patternKey));
  return row;
}

/** The seed's look-up by (domain, error_type), most used first; read-only as well. */
export async function findPatternByType(db: Db, domain: string | null, errorType: string): Promise<ErrorPattern | undefined> {
  const domainMatch = domain === null ? sql`${errorPatterns.domain} is null` : eq(errorPatterns.domain, domain);
  const [row] = await db
    .select()
    .from(errorPatterns)
    .where(and(domainMatch, eq(errorPatterns.errorType, errorType)))
    .orderBy(desc(errorPatterns.usageCount))
    .limit(1);
  return row;
}

/**
 * The patterns `projects` may see, most used first, with their statistics: with `'*'` every
 * pattern and the global counters; with a list of projects the reference catalog and the
 * derived patterns those projects counted, each with the sum of those projects' statistics.
 */
export async function listPatterns(
  db: Db,
  projects: PatternScope,
  filter: {
    domain?: string | undefined;
    errorType?: string | undefined;
    /** Exactly this pattern. */
    patternKey?: string | undefined;
    /** A case-insensitive substring of the key or the title. */
    q?: string | undefined;
    limit?: number | undefined;
  } = {},
): Promise<ErrorPattern[]> {
  const where: SQL[] = [];
  if (filter.domain) where.push(eq(errorPatterns.domain, filter.domain));
  if (filter.patternKey) where.push(eq(errorPatterns.patternKey, filter.patternKey));
  if (filter.q) {
    const like = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(errorPatterns.patternKey, like), ilike(errorPatterns.title, like))!);
  }
  if (filter.errorType) where.push(eq(errorPatterns.errorType, filter.errorType));
  const limit = filter.limit ?? 100;
  if (projects === '*') {
    return db
      .select()
      .from(errorPatterns)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(errorPatterns.usageCount), desc(errorPatterns.lastSeen), asc(errorPatterns.patternKey))
      .limit(limit);
  }
  const stats = db
    .select({
      patternKey: patternProjectStats.patternKey,
      usageCount: sql<number>`sum(${patternProjectStats.usageCount})::int`.as('scoped_usage_count'),
      successCount: sql<number>`sum(${patternProjectStats.successCount})::int`.as('scoped_success_count'),
      failureCount: sql<number>`sum(${patternProjectStats.failureCount})::int`.as('scoped_failure_count'),
      firstSeen: sql<Date | null>`min(${patternProjectStats.firstSeen})`.as('scoped_first_seen'),
      lastSeen: sql<Date | null>`max(${patternProjectStats.lastSeen})`.as('scoped_last_seen'),
    })
    .from(patternProjectStats)
    .where(inArray(patternProjectStats.project, [...projects]))
    .groupBy(patternProjectStats.patternKey)
    // Aliases unlike any error_patterns column: drizzle refers to them unqualified.
    .as('scoped_stats');
  const rows = await db
    .select({
      pattern: errorPatterns,
      stats: {
        usageCount: stats.usageCount,
        successCount: stats.successCount,
        failureCount: stats.failureCount,
        firstSeen: stats.firstSeen,
        lastSeen: stats.lastSeen,
      },
    })
    .from(errorPatterns)
    .leftJoin(stats, eq(stats.patternKey, errorPatterns.patternKey))
    .where(and(or(eq(errorPatterns.origin, 'catalog'), isNotNull(stats.patternKey)), ...where))
    .orderBy(sql`coalesce(${stats.usageCount}, 0) desc`, sql`${stats.lastSeen} desc nulls last`, asc(errorPatterns.patternKey))
    .limit(limit);
  return rows.map((r) => withStats(r.pattern, r.stats));
}

/**
 * Counts one analysis towards its pattern, globally and in the analysis' project (null: no
 * project), creating a derived pattern on first sight. Exactly once per (pattern, request):
 * the usage row's primary key decides, inside the same transaction as both counters, so a
 * replayed job or eight concurrent updaters count it once. Answers the global counters.
 */
export async function recordPatternUsage(
  db: Db,
  input: { definition: PatternDefinition; requestId: string; occurredAt: Date; project: string | null },
): Promise<{ counted: boolean; pattern: ErrorPattern }> {
  return db.transaction(async (tx) => {
    const d = input.definition;
    await tx
      .insert(errorPatterns)
      .values({
        patternKey: d.pattern_key,
        errorType: d.error_type,
        domain: d.domain,
        title: d.title ?? null,
        template: d.template ?? null,
        origin: 'derived',
        typicalCauses: [...(d.typical_causes ?? [])],
        resolutionSteps: [...(d.resolution_steps ?? [])],
      })
      .onConflictDoNothing({ target: errorPatterns.patternKey });
    const inserted = await tx
      .insert(patternUsages)
      .values({ patternKey: d.pattern_key, requestId: input.requestId, project: input.project, occurredAt: input.occurredAt })
      .onConflictDoNothing()
      .returning({ requestId: patternUsages.requestId });
    if (inserted.length === 0) {
      const [pattern] = await tx.select().from(errorPatterns).where(eq(errorPatterns.patternKey, d.pattern_key));
      return { counted: false, pattern: pattern! };
    }
    const at = input.occurredAt.toISOString();
    // The global row first, then the project's: recordOutcome locks them in the same order, so
    // a vote and a count of the same pattern never deadlock.
    const [pattern] = await tx
      .update(errorPatterns)
      .set({
        usageCount: sql`${errorPatterns.usageCount} + 1`,
        firstSeen: sql`least(coalesce(${errorPatterns.firstSeen}, ${at}::timestamptz), ${at}::timestamptz)`,
        lastSeen: sql`greatest(coalesce(${errorPatterns.lastSeen}, ${at}::timestamptz), ${at}::timestamptz)`,
        updatedAt: sql`now()`,
      })
      .where(eq(errorPatterns.patternKey, d.pattern_key))
      .returning();
    await tx
      .insert(patternProjectStats)
      .values({ patternKey: d.pattern_key, project: input.project, usageCount: 1, firstSeen: input.occurredAt, lastSeen: input.occurredAt })
      .onConflictDoUpdate({
        target: [patternProjectStats.patternKey, patternProjectStats.project],
        set: {
          usageCount: sql`${patternProjectStats.usageCount} + 1`,
          firstSeen: sql`least(coalesce(${patternProjectStats.firstSeen}, ${at}::timestamptz), ${at}::timestamptz)`,
          lastSeen: sql`greatest(coalesce(${patternProjectStats.lastSeen}, ${at}::timestamptz), ${at}::timestamptz)`,
          updatedAt: sql`now()`,
        },
      });
    return { counted: true, pattern: pattern! };
  });
}

/**
 * Records whether an analysis' resolution worked. One vote per analysis: a repeated vote
 * changes nothing, a changed vote moves one count from one side to the other, in the global
 * counters and in the analysis' project's. Answers the pattern with that project's statistics
 * (what the vote changed; another project's are not the voter's to see). Returns undefined
 * when the analysis is unknown.
 */
export async function recordOutcome(
  db: Db,
  input: { requestId: string; outcome: Outcome; resolution?: string | null },
): Promise<{ pattern: ErrorPattern | undefined; changed: boolean } | undefined> {
  return db.transaction(async (tx) => {
    const [memory] = await tx
      .select({ outcome: analysisMemory.outcome, patternKey: analysisMemory.patternKey, project: analysisMemory.project })
      .from(analysisMemory)
      .where(eq(analysisMemory.requestId, input.requestId))
      .for('update');
    if (!memory) return undefined;
    const previous = memory.outcome;
    await tx
      .update(analysisMemory)
      .set({
        outcome: input.outcome,
        outcomeAt: sql`now()`,
        ...(input.resolution ? { resolution: input.resolution } : {}),
      })
      .where(eq(analysisMemory.requestId, input.requestId));
    const changed = previous !== input.outcome;
    if (changed && memory.patternKey) {
      const delta = (o: Outcome | null, which: Outcome) => (input.outcome === which ? 1 : 0) - (o === which ? 1 : 0);
      await tx
        .update(errorPatterns)
        .set({
          successCount: sql`${errorPatterns.successCount} + ${delta(previous, 'resolved')}`,
          failureCount: sql`${errorPatterns.failureCount} + ${delta(previous, 'not_resolved')}`,
          updatedAt: sql`now()`,
        })
        .where(eq(errorPatterns.patternKey, memory.patternKey));
      const success = delta(previous, 'resolved');
      const failure = delta(previous, 'not_resolved');
      await tx
        .insert(patternProjectStats)
        .values({ patternKey: memory.patternKey, project: memory.project, successCount: Math.max(0, success), failureCount: Math.max(0, failure) })
        .onConflictDoUpdate({
          target: [patternProjectStats.patternKey, patternProjectStats.project],
          set: {
            successCount: sql`${patternProjectStats.successCount} + ${success}`,
            failureCount: sql`${patternProjectStats.failureCount} + ${failure}`,
            updatedAt: sql`now()`,
          },
        });
    }
    const pattern = memory.patternKey ? await getPatternInfo(tx, memory.patternKey, memory.project) : undefined;
    return { pattern, changed };
  });
}

/** The API/analysis view of a pattern row. */
export function toKnownPattern(row: ErrorPattern): KnownPattern {
  return {
    pattern_key: row.patternKey,
    error_type: row.errorType,
    domain: row.domain,
    template: row.template,
    typical_causes: row.typicalCauses,
    resolution_steps: row.resolutionSteps,
    usage_count: row.usageCount,
    success_count: row.successCount,
    failure_count: row.failureCount,
    success_rate: row.successRate,
  };
}
