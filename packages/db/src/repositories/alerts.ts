import { and, desc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { alertOccurrences, analysisRequests } from '../schema/index.ts';
import { createAnalysisRequest, projectIs, type AnalysisRequest, type NewAnalysisRequest } from './analyses.ts';

export type AlertOccurrence = typeof alertOccurrences.$inferSelect;

export interface AlertFiring {
  source: string;
  fingerprint: string;
  startsAt: Date;
  /** The request to create when this firing neither repeats a delivery nor attaches. */
  request: NewAnalysisRequest;
}

/**
 * created: a new analysis; redelivered: this firing was seen before (same fingerprint and
 * startsAt), its analysis answers; attached: a new firing of an alert whose analysis is
 * still open or recently finished, which answers instead of a new one.
 */
export type AlertFiringOutcome = 'created' | 'redelivered' | 'attached';

/**
 * A firing of the notification would be answered by an analysis of a project the caller may
 * not see. Thrown inside the transaction, so nothing of the notification is recorded.
 */
export class AlertOfAnotherProjectError extends Error {
  constructor() {
    super('an alert of this notification belongs to an analysis of another project');
    this.name = 'AlertOfAnotherProjectError';
  }
}

/**
 * Records the firing alerts of one notification in one transaction and says which analysis
 * answers each. A firing attaches to the newest analysis of the same (source, fingerprint)
 * that is queued or running, or completed less than `attachWindowMs` ago, in the firing's
 * project (another project's analysis is never joined, nor revealed); a failed one does not
 * hold it (the alert deserves a fresh try). Firings of one fingerprint are serialised
 * with a transaction-scoped advisory lock, so two concurrent notifications (Alertmanager HA
 * peers) cannot both start an analysis for one alert. When a firing would be answered by an
 * analysis outside `projects` (`'*'`: every project; a request without a project is in `'*'`
 * only), the whole notification is rolled back with {@link AlertOfAnotherProjectError}.
 */
export async function recordAlertFirings(
  db: Db,
  firings: readonly AlertFiring[],
  attachWindowMs: number,
  projects: '*' | readonly string[] = '*',
): Promise<{ request: AnalysisRequest; outcome: AlertFiringOutcome }[]> {
  if (firings.length === 0) return [];
  const visible = (request: AnalysisRequest) => projects === '*' || (request.project !== null && projects.includes(request.project));
  return db.transaction(async (tx) => {
    // Locks in a fixed order: two notifications sharing alerts cannot deadlock.
    const lockKeys = [...new Set(firings.map((f) => `${f.source}\n${f.fingerprint}`))].sort();
    for (const key of lockKeys) await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);

    const results: { request: AnalysisRequest; outcome: AlertFiringOutcome }[] = [];
    for (const firing of firings) {
      const [seen] = await tx
        .select({ request: analysisRequests })
        .from(alertOccurrences)
        .innerJoin(analysisRequests, eq(analysisRequests.id, alertOccurrences.requestId))
        .where(
          and(
            eq(alertOccurrences.source, firing.source),
            eq(alertOccurrences.fingerprint, firing.fingerprint),
            eq(alertOccurrences.startsAt, firing.startsAt),
          ),
        );
      if (seen) {
        if (!visible(seen.request)) throw new AlertOfAnotherProjectError();
        results.push({ request: seen.request, outcome: 'redelivered' });
        continue;
      }
      const [open] = await tx
        .select({ request: analysisRequests })
        .from(alertOccurrences)
        .innerJoin(analysisRequests, eq(analysisRequests.id, alertOccurrences.requestId))
        .where(
          and(
            eq(alertOccurrences.source, firing.source),
            eq(alertOccurrences.fingerprint, firing.fingerprint),
            projectIs(analysisRequests.project, firing.request.project ?? null),
            or(
              inArray(analysisRequests.status, ['queued', 'running']),
              and(eq(analysisRequests.status, 'completed'), sql`${analysisRequests.finishedAt} >= now() - ${attachWindowMs}::int * interval '1 millisecond'`),
            ),
          ),
        )
        .orderBy(desc(alertOccurrences.startsAt))
        .limit(1);
      if (open) {
        if (!visible(open.request)) throw new AlertOfAnotherProjectError();
        await tx
          .insert(alertOccurrences)
          .values({ source: firing.source, fingerprint: firing.fingerprint, startsAt: firing.startsAt, requestId: open.request.id, attached: true });
        results.push({ request: open.request, outcome: 'attached' });
        continue;
      }
      const { request, created } = await createAnalysisRequest(tx, firing.request);
      await tx
        .insert(alertOccurrences)
        .values({ source: firing.source, fingerprint: firing.fingerprint, startsAt: firing.startsAt, requestId: request.id })
        .onConflictDoNothing();
      results.push({ request, outcome: created ? 'created' : 'redelivered' });
    }
    return results;
  });
}

/**
 * Records that a firing episode ended, on its occurrence and on the analysis that answered
 * it (`metadata.resolved_at`, the latest end when several firings share the analysis).
 * Nothing is analysed. Returns the request id, or null when that firing was never seen
 * (a resolution of an alert loglore did not receive) or its analysis belongs to a project
 * outside `projects` (`'*'`: every project; a request without a project is in `'*'` only).
 */
export async function recordAlertResolved(
  db: Db,
  input: { source: string; fingerprint: string; startsAt: Date; resolvedAt: Date; projects?: '*' | readonly string[] },
): Promise<string | null> {
  return db.transaction(async (tx) => {
    const at = input.resolvedAt.toISOString();
    const where = and(
      eq(alertOccurrences.source, input.source),
      eq(alertOccurrences.fingerprint, input.fingerprint),
      eq(alertOccurrences.startsAt, input.startsAt),
    );
    const [found] = await tx
      .select({ requestId: alertOccurrences.requestId, project: analysisRequests.project })
      .from(alertOccurrences)
      .innerJoin(analysisRequests, eq(analysisRequests.id, alertOccurrences.requestId))
      .where(where)
      .for('update', { of: alertOccurrences });
    if (!found) return null;
    const projects = input.projects ?? '*';
    if (projects !== '*' && (found.project === null || !projects.includes(found.project))) return null;
    await tx
      .update(alertOccurrences)
      .set({ resolvedAt: sql`greatest(coalesce(${alertOccurrences.resolvedAt}, ${at}::timestamptz), ${at}::timestamptz)` })
      .where(where);
    await tx
      .update(analysisRequests)
      .set({
        metadata: sql`${analysisRequests.metadata} || jsonb_build_object('resolved_at', to_char(
          greatest((${analysisRequests.metadata}->>'resolved_at')::timestamptz, ${at}::timestamptz) at time zone 'UTC',
          'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
      })
      .where(eq(analysisRequests.id, found.requestId));
    return found.requestId;
  });
}

/** Every firing episode recorded for an analysis, oldest first. */
export async function listAlertOccurrences(db: Db, requestId: string): Promise<AlertOccurrence[]> {
  return db.select().from(alertOccurrences).where(eq(alertOccurrences.requestId, requestId)).orderBy(alertOccurrences.startsAt);
}
