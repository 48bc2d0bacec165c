import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createAnalysisRequest, listAnalysisEvents, markRequestCompleted } from '../index.ts';
import { appendStepEvents } from './pipeline.ts';
import { createTestDatabase, type TestDatabase } from '../testing.ts';

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
});
