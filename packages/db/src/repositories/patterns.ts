import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { KnownPattern, Outcome } from '@loglore/core';
import type { Db } from '../client.ts';
import { analysisMemory, errorPatterns, patternUsages } from '../schema/index.ts';

export type ErrorPattern = typeof errorPatterns.$inferSelect;

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

/** A pattern's facts and track record. Reading is not a use: no counter moves. */
export async function getPatternInfo(db: Db, patternKey: string): Promise<ErrorPattern | undefined> {
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

export async function listPatterns(
  db: Db,
  filter: { domain?: string | undefined; errorType?: string | undefined; limit?: number | undefined } = {},
): Promise<ErrorPattern[]> {
  const where: SQL[] = [];
  if (filter.domain) where.push(eq(errorPatterns.domain, filter.domain));
  if (filter.errorType) where.push(eq(errorPatterns.errorType, filter.errorType));
  return db
    .select()
    .from(errorPatterns)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(errorPatterns.usageCount), desc(errorPatterns.lastSeen), asc(errorPatterns.patternKey))
    .limit(filter.limit ?? 100);
}

/**
 * Counts one analysis towards its pattern, creating a derived pattern on first sight.
 * Exactly once per (pattern, request): the usage row's primary key decides, inside the same
 * transaction as the counter, so a replayed job or eight concurrent updaters count it once.
 */
export async function recordPatternUsage(
  db: Db,
  input: { definition: PatternDefinition; requestId: string; occurredAt: Date },
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
      .values({ patternKey: d.pattern_key, requestId: input.requestId, occurredAt: input.occurredAt })
      .onConflictDoNothing()
      .returning({ requestId: patternUsages.requestId });
    if (inserted.length === 0) {
      const [pattern] = await tx.select().from(errorPatterns).where(eq(errorPatterns.patternKey, d.pattern_key));
      return { counted: false, pattern: pattern! };
    }
    const at = input.occurredAt.toISOString();
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
    return { counted: true, pattern: pattern! };
  });
}

/**
 * Records whether an analysis' resolution worked. One vote per analysis: a repeated vote
 * changes nothing, a changed vote moves one count from one side to the other.
 * Returns undefined when the analysis is unknown.
 */
export async function recordOutcome(
  db: Db,
  input: { requestId: string; outcome: Outcome; resolution?: string | null },
): Promise<{ pattern: ErrorPattern | undefined; changed: boolean } | undefined> {
  return db.transaction(async (tx) => {
    const [memory] = await tx
      .select({ outcome: analysisMemory.outcome, patternKey: analysisMemory.patternKey })
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
    }
    const pattern = memory.patternKey
      ? (await tx.select().from(errorPatterns).where(eq(errorPatterns.patternKey, memory.patternKey)))[0]
      : undefined;
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
