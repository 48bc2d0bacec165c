import { and, asc, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { LEVEL_SEVERITY, type LogEvent } from '@loglore/core';
import type { Db } from '../client.ts';
import { logEvents } from '../schema/index.ts';

// 11 parameters a row: 5,000 rows stay under Postgres' 65,535 bind parameters.
const INSERT_BATCH = 5_000;

/** Inserts normalised events in multi-row batches; returns how many were written. */
export async function insertLogEvents(db: Db, events: readonly LogEvent[]): Promise<number> {
  for (let i = 0; i < events.length; i += INSERT_BATCH) {
    const batch = events.slice(i, i + INSERT_BATCH).map((e) => ({
      ts: new Date(e.ts),
      project: e.project,
      env: e.env,
      domain: e.domain,
      service: e.service,
      level: e.level,
      severity: LEVEL_SEVERITY[e.level],
      traceId: e.trace_id,
      message: e.message,
      attrs: e.attrs ?? {},
    }));
    await db.insert(logEvents).values(batch);
  }
  return events.length;
}

export interface LogScope {
  project?: string | null;
  env?: string | null;
  domain?: string | null;
  services?: readonly string[];
  traceIds?: readonly string[];
  from: Date;
  to: Date;
}

export interface EvidenceQuery extends LogScope {
  /** Only events at or above this severity (e.g. 40 for warn and above). */
  minSeverity?: number;
  /**
   * Only error-like events: warn and above, or a message holding one of these words (matched
   * case-insensitively on word boundaries). The rest of a window is noise to an analysis.
   */
  errorLikeWords?: readonly string[];
  limit?: number;
}

function errorLike(words: readonly string[]): SQL {
  const pattern = `\\m(?:${words.map((w) => w.replace(/[^a-z ]/gi, '')).join('|')})\\M`;
  return sql`(${logEvents.severity} >= 40 or ${logEvents.message} ~* ${pattern})`;
}

function scopeWhere(scope: LogScope, minSeverity?: number, errorLikeWords?: readonly string[]): SQL | undefined {
  const where: SQL[] = [gte(logEvents.ts, scope.from), lt(logEvents.ts, scope.to)];
  if (scope.project) where.push(eq(logEvents.project, scope.project));
  if (scope.env) where.push(eq(logEvents.env, scope.env));
  // A domain filter keeps events of that domain and events that carry none (a service's own
  // logs rarely say their business domain).
  if (scope.domain) where.push(sql`(${logEvents.domain} = ${scope.domain} or ${logEvents.domain} is null)`);
  if (scope.services?.length) where.push(inArray(logEvents.service, [...scope.services]));
  if (scope.traceIds?.length) where.push(inArray(logEvents.traceId, [...scope.traceIds]));
  if (minSeverity !== undefined) where.push(gte(logEvents.severity, minSeverity));
  if (errorLikeWords?.length) where.push(errorLike(errorLikeWords));
  return and(...where);
}

/** Events in a scope and window, most severe first, then newest first. */
export async function selectLogEvents(db: Db, query: EvidenceQuery): Promise<LogEvent[]> {
  const rows = await db
    .select()
    .from(logEvents)
    .where(scopeWhere(query, query.minSeverity, query.errorLikeWords))
    .orderBy(desc(logEvents.severity), desc(logEvents.ts), asc(logEvents.id))
    .limit(query.limit ?? 10_000);
  return rows.map((r) => ({
    ts: r.ts.toISOString(),
    project: r.project,
    env: r.env,
    domain: r.domain,
    service: r.service,
    level: r.level as LogEvent['level'],
    trace_id: r.traceId,
    message: r.message,
    attrs: r.attrs,
  }));
}

/** How many events a scope and window hold in all. */
export async function countLogEventsInScope(db: Db, scope: LogScope): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(logEvents).where(scopeWhere(scope));
  return Number(row?.n ?? 0);
}

/** How many events a scope holds, by level: the volume the evidence was drawn from. */
export async function countLogEvents(db: Db, scope: LogScope): Promise<Record<string, number>> {
  const rows = await db
    .select({ level: logEvents.level, n: sql<number>`count(*)::int` })
    .from(logEvents)
    .where(scopeWhere(scope))
    .groupBy(logEvents.level);
  return Object.fromEntries(rows.map((r) => [r.level, Number(r.n)]));
}
