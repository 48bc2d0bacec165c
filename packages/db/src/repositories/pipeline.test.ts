import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createAnalysisRequest, getAnalysisMemory, getAnalysisRequest, getPatternTotals, listAnalysisEvents, markRequestCompleted, queryRows } from '../index.ts';
import { appendStepEvents, completeRequest, countPatternUsage, startRequestWithParameters } from './pipeline.ts';
import { createTestDatabase, createTestPglite, type TestDatabase } from '../testing.ts';

describe('appendStepEvents', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  const open = async () => (await createAnalysisRequest(database.db, { source: 'api', text: 'q', project: 'batch' })).request.id;

  it('stores the events of the jobs held at once in few statements, each job getting only its own rows', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, open));
    const finished = await open();
    await markRequestCompleted(database.db, finished, {});
    const pool = (database.db as unknown as { $client: pg.Pool }).$client;
    const query = pool.query.bind(pool);
    let statements = 0;
    pool.query = ((...args: Parameters<typeof query>) => {
      statements++;
      return query(...args);
    }) as typeof pool.query;
    try {
      const events = (id: string) => [
        { step: 'analysis', payload: { of: id } },
        { step: 'verification', payload: { of: id, n: 2 } },
      ];
      const results = await Promise.all([
        ...ids.map((id) => appendStepEvents(database.db, { requestId: id, conversationId: null, events: events(id) })),
        appendStepEvents(database.db, { requestId: finished, conversationId: null, events: events(finished) }),
        // The same request twice at once (a duplicate delivery): one call stores, the other finds them there.
        appendStepEvents(database.db, { requestId: ids[0]!, conversationId: null, events: events(ids[0]!) }),
      ]);
      // One statement for the first call, one for all that waited for it, one for the duplicate.
      expect(statements).toBeLessThanOrEqual(3);
      for (const [i, id] of ids.entries()) {
        expect(results[i]!.map((h) => [h.step, h.seq])).toEqual([
          ['analysis', 1],
          ['verification', 2],
        ]);
        const stored = await listAnalysisEvents(database.db, id);
        expect(stored.map((e) => [e.step, e.seq, e.payload])).toEqual([
          ['analysis', 1, { of: id }],
          ['verification', 2, { of: id, n: 2 }],
        ]);
      }
      expect(results[ids.length]).toEqual([]);
      expect(await listAnalysisEvents(database.db, finished)).toEqual([]);
      expect(results[ids.length + 1]).toEqual([]);
    } finally {
      pool.query = query;
    }
  });

  it('fails only the call whose payload Postgres refuses when it was batched with others', async () => {
    const [good, bad] = await Promise.all([open(), open()]);
    const first = appendStepEvents(database.db, { requestId: await open(), conversationId: null, events: [{ step: 'similar', payload: {} }] });
    const results = await Promise.allSettled([
      appendStepEvents(database.db, { requestId: good, conversationId: null, events: [{ step: 'similar', payload: { ok: true } }] }),
      // jsonb cannot hold \u0000.
      appendStepEvents(database.db, { requestId: bad, conversationId: null, events: [{ step: 'similar', payload: { text: 'nul \u0000 here' } }] }),
    ]);
    await first;
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: [{ step: 'similar', seq: 1 }] });
    expect(results[1]!.status).toBe('rejected');
    expect((await listAnalysisEvents(database.db, good)).map((e) => e.payload)).toEqual([{ ok: true }]);
  });

  it('runs every hot-path statement on PGlite, the embedded default, as on Postgres', async () => {
    const embedded = await createTestPglite();
    try {
      const db = embedded.db;
      const { request } = await createAnalysisRequest(db, { source: 'api', text: 'q', project: null, occurredAt: new Date('2026-11-25T10:30:00Z') });
      const params = await startRequestWithParameters(db, { requestId: request.id, conversationId: null, parameters: { project: null } });
      expect(params).toMatchObject({ step: 'params', seq: 1 });
      expect(await startRequestWithParameters(db, { requestId: request.id, conversationId: null, parameters: { project: null } })).toBeNull();
      const heads = await appendStepEvents(db, { requestId: request.id, conversationId: null, events: [{ step: 'similar', payload: { count: 0 } }] });
      expect(heads.map((h) => [h.step, h.seq])).toEqual([['similar', 2]]);
      const input = {
        requestId: request.id,
        conversationId: null,
        project: null,
        source: 'api',
        queryText: 'q',
        parameters: { project: null },
        traceIds: ['t1'],
        findings: [],
        errorPattern: 'X',
        patternKey: 'derived.x',
        resolution: null,
        summary: 's',
        confidenceScore: 0.5,
        occurredAt: request.occurredAt,
        templateKeys: ['k'],
        services: ['svc'],
        result: { request_id: request.id, recurrence: null },
        messageMetadata: {},
      };
      const done = await completeRequest(db, input);
      expect(done).toMatchObject({ open: true, memoryWritten: true, event: { step: 'completed', seq: 3 }, recurrence: null });
      expect(await completeRequest(db, input)).toMatchObject({ open: true, memoryWritten: false, event: null });
      expect((await getAnalysisRequest(db, request.id))?.status).toBe('completed');
      expect(await getAnalysisMemory(db, request.id)).toMatchObject({ traceIds: ['t1'], templateKeys: ['k'], services: ['svc'], patternKey: 'derived.x' });
      const usage = { definition: { pattern_key: 'derived.x', error_type: 'X', domain: null }, requestId: request.id, occurredAt: request.occurredAt, project: null };
      expect(await countPatternUsage(db, usage)).toBe(true);
      expect(await countPatternUsage(db, usage)).toBe(false);
      expect(await getPatternTotals(db, 'derived.x')).toMatchObject({ usageCount: 1, origin: 'derived', firstSeen: request.occurredAt });
      // The usage row keeps the analysis' project: `daily` is counted from it after retention purges the analysis.
      const other = { ...usage, requestId: (await createAnalysisRequest(db, { source: 'api', text: 'again', project: 'payments' })).request.id, project: 'payments' };
      expect(await countPatternUsage(db, other)).toBe(true);
      expect(await queryRows(db, sql`select project from pattern_usages where pattern_key = 'derived.x' order by project nulls first`)).toEqual([{ project: null }, { project: 'payments' }]);
    } finally {
      await embedded.close();
    }
  });
});
