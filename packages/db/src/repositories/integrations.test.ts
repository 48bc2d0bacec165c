import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '@loglore/core';
import { createTestDatabase, type TestDatabase } from '../testing.ts';
import { getAnalysisRequest, markRequestCompleted, markRequestFailed, markRequestRunning } from './analyses.ts';
import { listAlertOccurrences, recordAlertFirings, recordAlertResolved, type AlertFiring } from './alerts.ts';
import {
  createBackfill,
  getBackfillProgress,
  listBackfillRejections,
  storeBackfillBatch,
  type BackfillEntry,
} from './backfills.ts';
import { queryRows } from '../client.ts';
import { analysisRequests, logEvents } from '../schema/index.ts';

const WINDOW_MS = 30 * 60_000;

function firing(fingerprint: string, startsAt: string, source = 'alertmanager'): AlertFiring {
  return {
    source,
    fingerprint,
    startsAt: new Date(startsAt),
    request: {
      source,
      text: `alert ${fingerprint}`,
      occurredAt: new Date(startsAt),
      idempotencyKey: `alert-${source}-${fingerprint}-${startsAt}`,
      metadata: { alert: { fingerprint } },
    },
  };
}

function log(message: string): LogEvent {
  return { ts: '2026-03-02T10:14:58.000Z', project: 'payments', env: 'prod', domain: 'npsb', service: null, level: 'error', trace_id: null, message, attrs: {} };
}

function entry(n: number, line = n, logs: LogEvent[] = []): BackfillEntry {
  return {
    line,
    request: {
      text: `incident ${n}`,
      project: n % 2 ? 'payments' : 'cards',
      env: 'prod',
      domain: 'npsb',
      occurredAt: new Date('2026-03-02T10:15:00Z'),
      idempotencyKey: `backfill-test-${n}`,
      priority: 10,
      metadata: { known: { error_pattern: 'DB_POOL_EXHAUSTED', resolution: null, outcome: 'resolved' } },
    },
    logs,
  };
}

describe('alert occurrences on postgres', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('a new firing creates an analysis and a redelivery answers the same one', async () => {
    const db = database.db;
    const [first] = await recordAlertFirings(db, [firing('fp-a', '2026-11-25T10:00:00.000Z')], WINDOW_MS);
    expect(first!.outcome).toBe('created');
    const [again] = await recordAlertFirings(db, [firing('fp-a', '2026-11-25T10:00:00.000Z')], WINDOW_MS);
    expect(again).toMatchObject({ outcome: 'redelivered', request: { id: first!.request.id } });
  });

  it('a repeated firing attaches while the analysis is open or recently completed, not after a failure or the window', async () => {
    const db = database.db;
    const [first] = await recordAlertFirings(db, [firing('fp-b', '2026-11-25T10:00:00.000Z')], WINDOW_MS);
    const id = first!.request.id;
    const [second] = await recordAlertFirings(db, [firing('fp-b', '2026-11-25T10:05:00.000Z')], WINDOW_MS);
    expect(second).toMatchObject({ outcome: 'attached', request: { id } });

    await markRequestRunning(db, id);
    await markRequestCompleted(db, id, {});
    const [third] = await recordAlertFirings(db, [firing('fp-b', '2026-11-25T10:10:00.000Z')], WINDOW_MS);
    expect(third).toMatchObject({ outcome: 'attached', request: { id } });

    // Finished longer ago than the window: a new firing is a new incident.
    await db.update(analysisRequests).set({ finishedAt: sql`now() - interval '31 minutes'` }).where(sql`${analysisRequests.id} = ${id}`);
    const [fourth] = await recordAlertFirings(db, [firing('fp-b', '2026-11-25T11:00:00.000Z')], WINDOW_MS);
    expect(fourth!.outcome).toBe('created');
    expect(fourth!.request.id).not.toBe(id);

    await markRequestFailed(db, fourth!.request.id, 'boom');
    const [fifth] = await recordAlertFirings(db, [firing('fp-b', '2026-11-25T11:05:00.000Z')], WINDOW_MS);
    expect(fifth!.outcome).toBe('created');

    expect((await listAlertOccurrences(db, id)).map((o) => [o.startsAt.toISOString(), o.attached])).toEqual([
      ['2026-11-25T10:00:00.000Z', false],
      ['2026-11-25T10:05:00.000Z', true],
      ['2026-11-25T10:10:00.000Z', true],
    ]);
  });

  it('the same fingerprint from another sender is another alert', async () => {
    const db = database.db;
    const [am] = await recordAlertFirings(db, [firing('fp-c', '2026-11-25T10:00:00.000Z')], WINDOW_MS);
    const [gf] = await recordAlertFirings(db, [firing('fp-c', '2026-11-25T10:00:00.000Z', 'grafana')], WINDOW_MS);
    expect(gf!.outcome).toBe('created');
    expect(gf!.request.id).not.toBe(am!.request.id);
  });

  it('concurrent notifications of one alert start one analysis', async () => {
    const db = database.db;
    const results = await Promise.all(
      ['10:00', '10:01', '10:02', '10:03'].map((t) => recordAlertFirings(db, [firing('fp-d', `2026-11-25T${t}:00.000Z`)], WINDOW_MS)),
    );
    const outcomes = results.map(([r]) => r!.outcome).sort();
    expect(outcomes).toEqual(['attached', 'attached', 'attached', 'created']);
    expect(new Set(results.map(([r]) => r!.request.id)).size).toBe(1);
  });

  it('a resolution is recorded on the occurrence and the analysis; an unknown one finds nothing', async () => {
    const db = database.db;
    const [first] = await recordAlertFirings(db, [firing('fp-e', '2026-11-25T10:00:00.000Z')], WINDOW_MS);
    const id = await recordAlertResolved(db, {
      source: 'alertmanager',
      fingerprint: 'fp-e',
      startsAt: new Date('2026-11-25T10:00:00.000Z'),
      resolvedAt: new Date('2026-11-25T10:20:00.000Z'),
    });
    expect(id).toBe(first!.request.id);
    // A redelivered resolution with an earlier end does not move it back.
    await recordAlertResolved(db, {
      source: 'alertmanager',
      fingerprint: 'fp-e',
      startsAt: new Date('2026-11-25T10:00:00.000Z'),
      resolvedAt: new Date('2026-11-25T10:19:00.000Z'),
    });
    const request = await getAnalysisRequest(db, id!);
    expect(request!.metadata).toMatchObject({ alert: { fingerprint: 'fp-e' }, resolved_at: '2026-11-25T10:20:00.000Z' });
    expect(request!.status).toBe('queued');
    const [occurrence] = await listAlertOccurrences(db, id!);
    expect(occurrence!.resolvedAt?.toISOString()).toBe('2026-11-25T10:20:00.000Z');

    expect(
      await recordAlertResolved(db, { source: 'alertmanager', fingerprint: 'never-seen', startsAt: new Date(), resolvedAt: new Date() }),
    ).toBeNull();
  });

  it('a resolution for an analysis of a project outside the caller\'s is not recorded', async () => {
    const db = database.db;
    const input = firing('fp-f', '2026-11-25T10:00:00.000Z');
    const [first] = await recordAlertFirings(db, [{ ...input, request: { ...input.request, project: 'cards' } }], WINDOW_MS);
    const resolution = { source: 'alertmanager', fingerprint: 'fp-f', startsAt: new Date('2026-11-25T10:00:00.000Z'), resolvedAt: new Date() };
    expect(await recordAlertResolved(db, { ...resolution, projects: ['payments'] })).toBeNull();
    expect((await getAnalysisRequest(db, first!.request.id))!.metadata).not.toHaveProperty('resolved_at');
    expect(await recordAlertResolved(db, { ...resolution, projects: ['cards'] })).toBe(first!.request.id);
  });
});

describe('backfills on postgres', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('a batch creates a request per incident with its logs, and a re-sent batch creates nothing', async () => {
    const db = database.db;
    const backfill = await createBackfill(db, null);
    const entries = [entry(1, 1, [log('pool exhausted'), log('timeout')]), entry(2), entry(3, 3, [log('again')])];
    const { items: first } = await storeBackfillBatch(db, { ownerProjects: null, backfillId: backfill.id, entries, rejected: [{ line: 4, error: 'bad' }], final: false });
    expect(first.map((i) => [i.line, i.created, i.status])).toEqual([
      [1, true, 'queued'],
      [2, true, 'queued'],
      [3, true, 'queued'],
    ]);
    const { items: again } = await storeBackfillBatch(db, { ownerProjects: null, backfillId: backfill.id, entries, rejected: [{ line: 4, error: 'bad' }], final: false });
    expect(again.map((i) => i.requestId)).toEqual(first.map((i) => i.requestId));
    expect(again.every((i) => !i.created)).toBe(true);

    const [{ n }] = (await queryRows<{ n: number }>(db, sql`select count(*)::int as n from ${logEvents}`)) as [{ n: number }];
    expect(n).toBe(3);
    const progress = await getBackfillProgress(db, backfill.id);
    expect(progress).toMatchObject({ total: 3, done: 0, failed: 0, rejectedCount: 1 });
    expect(progress!.backfill.projects).toEqual(['cards', 'payments']);
    expect(progress!.backfill.receivedAllAt).toBeNull();
    const request = await getAnalysisRequest(db, first[0]!.requestId);
    expect(request).toMatchObject({ source: 'backfill', priority: 10, metadata: { known: { error_pattern: 'DB_POOL_EXHAUSTED' } } });
  });

  it('progress counts completed and failed requests, and the final batch marks it received', async () => {
    const db = database.db;
    const { backfillId, items } = await storeBackfillBatch(db, { ownerProjects: null, entries: [entry(11), entry(12), entry(13)], rejected: [], final: true });
    await markRequestCompleted(db, items[0]!.requestId, {});
    await markRequestFailed(db, items[1]!.requestId, 'no logs');
    const progress = await getBackfillProgress(db, backfillId);
    expect(progress).toMatchObject({ total: 3, done: 1, failed: 1, rejectedCount: 0 });
    expect(progress!.backfill.receivedAllAt).toBeInstanceOf(Date);
  });

  it('an incident repeated in a batch or known from another backfill links the same request once', async () => {
    const db = database.db;
    const {
      items: [known],
    } = await storeBackfillBatch(db, { ownerProjects: null, entries: [entry(21)], rejected: [], final: true });
    const backfill = await createBackfill(db, null);
    const { items } = await storeBackfillBatch(db, {
      ownerProjects: null,
      backfillId: backfill.id,
      entries: [entry(21, 1), entry(22, 2), entry(22, 3)],
      rejected: [],
      final: true,
    });
    expect(items.map((i) => i.created)).toEqual([false, true, false]);
    expect(items[0]!.requestId).toBe(known!.requestId);
    expect(items[1]!.requestId).toBe(items[2]!.requestId);
    expect((await getBackfillProgress(db, backfill.id))!.total).toBe(2);
  });

  it('rejected lines are kept once each, in line order', async () => {
    const db = database.db;
    const backfill = await createBackfill(db, null);
    const rejected = [
      { line: 9, error: 'text: must not be empty' },
      { line: 2, error: 'line is not valid JSON' },
    ];
    await storeBackfillBatch(db, { ownerProjects: null, backfillId: backfill.id, entries: [], rejected, final: false });
    await storeBackfillBatch(db, { ownerProjects: null, backfillId: backfill.id, entries: [], rejected, final: true });
    expect(await listBackfillRejections(db, backfill.id)).toEqual([rejected[1], rejected[0]]);
    expect((await getBackfillProgress(db, backfill.id))!.rejectedCount).toBe(2);
  });

  it('an unknown backfill has no progress', async () => {
    expect(await getBackfillProgress(database.db, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });
});

describe('alerts and backfills on the embedded database', () => {
  it('redelivery, attachment, resolution and a backfill batch work on PGlite too', async () => {
    const { createTestPglite } = await import('../testing.ts');
    const database = await createTestPglite();
    try {
      const db = database.db;
      const [first] = await recordAlertFirings(db, [firing('fp-p', '2026-11-25T10:00:00.000Z')], WINDOW_MS);
      const [again] = await recordAlertFirings(db, [firing('fp-p', '2026-11-25T10:00:00.000Z'), firing('fp-p', '2026-11-25T10:03:00.000Z')], WINDOW_MS);
      expect([first!.outcome, again!.outcome]).toEqual(['created', 'redelivered']);
      const resolved = await recordAlertResolved(db, {
        source: 'alertmanager',
        fingerprint: 'fp-p',
        startsAt: new Date('2026-11-25T10:03:00.000Z'),
        resolvedAt: new Date('2026-11-25T10:20:00.000Z'),
      });
      expect(resolved).toBe(first!.request.id);
      const { backfillId, items } = await storeBackfillBatch(db, { ownerProjects: null, entries: [entry(1, 1, [log('x')]), entry(2)], rejected: [], final: true });
      expect(items.map((i) => i.created)).toEqual([true, true]);
      expect(await getBackfillProgress(db, backfillId)).toMatchObject({ total: 2, done: 0 });
    } finally {
      await database.close();
    }
  });
});
