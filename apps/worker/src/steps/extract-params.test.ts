import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Parameters } from '@loglore/core';
import { createAnalysisRequest, getAnalysisRequest } from '@loglore/db';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { createTestWorkerDeps } from '../testing.ts';
import { handle } from './extract-params.ts';

describe('the extract-params step', () => {
  let database: TestDatabase;
  let deps: ReturnType<typeof createTestWorkerDeps>;
  beforeAll(async () => {
    database = await createTestDatabase();
    deps = createTestWorkerDeps(database.db);
  });
  afterAll(async () => {
    await deps.close();
    await database.drop();
  });

  it("an alert's window is the time range, whatever times, addresses and versions its text writes", async () => {
    const window = { from: '2019-03-04T07:30:00.000Z', to: '2019-03-04T08:00:45.000Z' };
    const { request } = await createAnalysisRequest(database.db, {
      source: 'alertmanager',
      text: 'HighErrorRate: ECONNREFUSED to 10.0.4.17:7001 since 10:00 yesterday after v2.10.1 (last 6 hours)',
      project: 'acme',
      occurredAt: new Date('2019-03-04T08:00:00Z'),
      metadata: { window, hints: { services: ['transfer-api'] } },
    });
    const done = await handle({ request_id: request.id, generation: 1 }, deps);
    const stored = Parameters.parse((await getAnalysisRequest(database.db, request.id))!.parameters);
    // The next step is handed what was stored.
    expect(done).toEqual({ next: true, carry: { request: expect.objectContaining({ id: request.id }), parameters: stored } });
    expect(stored.time_range).toEqual(window);
    expect(stored.error_codes).toContain('ECONNREFUSED');
    expect(stored.services).toContain('transfer-api');
  });

  it('a request without a fixed window takes the time its text states, anchored at occurred_at', async () => {
    const { request } = await createAnalysisRequest(database.db, {
      source: 'api',
      text: 'transfers failing since 07:00',
      project: 'acme',
      occurredAt: new Date('2019-03-04T08:00:00Z'),
    });
    await handle({ request_id: request.id, generation: 1 }, deps);
    const stored = Parameters.parse((await getAnalysisRequest(database.db, request.id))!.parameters);
    expect(stored.time_range).toEqual({ from: '2019-03-04T07:00:00.000Z', to: '2019-03-04T08:00:00.000Z' });
  });
});
