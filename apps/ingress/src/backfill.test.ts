import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { getAnalysisRequest, markRequestCompleted, markRequestFailed, queryRows, selectLogEvents } from '@loglore/db';
import { PRIORITY } from '@loglore/queue';
import { createTestIngress, type TestIngress } from './testing.ts';

interface Accepted {
  backfill_id: string;
  accepted: number;
  created: number;
  duplicates: number;
  rejected: { line: number; error: string }[];
}

function incident(n: number, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    occurred_at: `2026-03-02T10:${String(n % 60).padStart(2, '0')}:00Z`,
    text: `NPSB transfers timing out, incident ${n}`,
    project: 'payments',
    env: 'prod',
    domain: 'transactions',
    error_pattern: 'DB_POOL_EXHAUSTED',
    resolution: 'raised the pool size',
    resolved: true,
    ...extra,
  });
}

function postBackfill(ingress: TestIngress, body: string, query = '', headers: Record<string, string> = {}) {
  return ingress.app.request(`/api/backfill${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', ...headers },
    body,
  });
}

describe('backfill endpoint', () => {
  let database: TestDatabase;
  let ingress: TestIngress;
  beforeAll(async () => {
    database = await createTestDatabase();
    ingress = createTestIngress(database.db);
  });
  afterAll(async () => {
    await ingress.close();
    await database.drop();
  });

  const count = async (where = sql`true`) =>
    Number((await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from analysis_requests where ${where}`))[0]!.n);

  it('good incidents are stored and queued behind live traffic; bad lines are reported by number', async () => {
    const body = [
      incident(1, {
        trace_ids: ['4bf92f3577b34da6a3ce929d0e0e4736'],
        logs: [{ ts: '2026-03-02T10:00:58Z', level: 'error', message: 'HikariPool-1 - Connection is not available', service: 'transfer-api' }],
      }),
      '',
      'not json',
      incident(2),
      JSON.stringify({ occurred_at: 'yesterday', text: 'x', project: 'p', env: 'e', domain: 'd' }),
    ].join('\n');
    const res = await postBackfill(ingress, body);
    expect(res.status).toBe(202);
    const answer = (await res.json()) as Accepted;
    expect(answer).toMatchObject({ accepted: 2, created: 2, duplicates: 0 });
    expect(answer.rejected.map((r) => r.line)).toEqual([3, 5]);
    expect(answer.rejected[1]!.error).toMatch(/^occurred_at: /);

    const rows = await queryRows<{ id: string }>(database.db, sql`select id from analysis_requests where source = 'backfill' order by occurred_at`);
    expect(rows).toHaveLength(2);
    const request = await getAnalysisRequest(database.db, rows[0]!.id);
    expect(request).toMatchObject({
      source: 'backfill',
      project: 'payments',
      priority: PRIORITY.backfill,
      metadata: {
        hints: { trace_ids: ['4bf92f3577b34da6a3ce929d0e0e4736'] },
        known: { error_pattern: 'DB_POOL_EXHAUSTED', resolution: 'raised the pool size', outcome: 'resolved' },
      },
    });
    expect(request!.occurredAt.toISOString()).toBe('2026-03-02T10:01:00.000Z');
    // Queued with a priority: BullMQ keeps such jobs apart from live (unprioritised) ones.
    expect(await ingress.deps.pipeline.jobState('extract-params', { request_id: request!.id, generation: 1 })).toBe('prioritized');
    const logs = await selectLogEvents(database.db, { project: 'payments', from: new Date('2026-03-02T10:00:00Z'), to: new Date('2026-03-02T10:02:00Z') });
    expect(logs.map((l) => [l.service, l.env, l.domain])).toEqual([['transfer-api', 'prod', 'transactions']]);
  });

  it('a re-sent batch creates nothing twice and links nothing twice', async () => {
    const body = [incident(10), incident(11), incident(12)].join('\n');
    const first = (await (await postBackfill(ingress, body, '?final=false')).json()) as Accepted;
    const before = await count();
    const res = await postBackfill(ingress, body, `?backfill_id=${first.backfill_id}&final=false`);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ backfill_id: first.backfill_id, accepted: 3, created: 0, duplicates: 3, rejected: [] });
    expect(await count()).toBe(before);
    const status = await (await ingress.app.request(`/api/backfill/${first.backfill_id}`)).json();
    expect(status).toMatchObject({ status: 'receiving', total: 3, done: 0, failed: 0 });
  });

  it('batches of one backfill number lines from first_line, and status counts finished analyses', async () => {
    const first = (await (await postBackfill(ingress, `${incident(20)}\n${incident(21)}\n`, '?first_line=1&final=false')).json()) as Accepted;
    const second = (await (await postBackfill(ingress, `oops\n${incident(22)}\n`, `?backfill_id=${first.backfill_id}&first_line=3&final=true`)).json()) as Accepted;
    expect(second.backfill_id).toBe(first.backfill_id);
    expect(second.rejected).toEqual([{ line: 3, error: expect.stringMatching(/not valid JSON/) }]);

    const url = `/api/backfill/${first.backfill_id}`;
    expect(await (await ingress.app.request(url)).json()).toMatchObject({
      backfill_id: first.backfill_id,
      status: 'running',
      total: 3,
      done: 0,
      failed: 0,
      rejected: [{ line: 3 }],
      rejected_count: 1,
    });
    const ids = await queryRows<{ request_id: string }>(database.db, sql`select request_id from backfill_items where backfill_id = ${first.backfill_id}::uuid order by line`);
    await markRequestCompleted(database.db, ids[0]!.request_id, {});
    await markRequestCompleted(database.db, ids[1]!.request_id, {});
    expect(await (await ingress.app.request(url)).json()).toMatchObject({ status: 'running', done: 2, failed: 0 });
    await markRequestFailed(database.db, ids[2]!.request_id, 'no evidence');
    expect(await (await ingress.app.request(url)).json()).toMatchObject({ status: 'completed', total: 3, done: 2, failed: 1 });
  });

  it('a large body keeps its line numbers across the slices it is parsed in', async () => {
    const lines = Array.from({ length: 450 }, (_, i) => (i + 1 === 333 ? '{"broken": ' : incident(1000 + i)));
    const answer = (await (await postBackfill(ingress, lines.join('\n'), '?first_line=11')).json()) as Accepted;
    expect(answer.accepted).toBe(449);
    expect(answer.rejected.map((r) => r.line)).toEqual([343]);
  });

  it('bad requests are 4xx: media type, unknown or malformed backfill id', async () => {
    expect((await postBackfill(ingress, incident(30), '', { 'content-type': 'application/json' })).status).toBe(415);
    expect((await postBackfill(ingress, incident(30), '?backfill_id=6f1f0a2e-8a55-4c3e-9a2b-1c2d3e4f5a6b')).status).toBe(404);
    expect((await postBackfill(ingress, incident(30), '?backfill_id=nope')).status).toBe(400);
    expect((await postBackfill(ingress, incident(30), '?first_line=0')).status).toBe(400);
    expect((await ingress.app.request('/api/backfill/6f1f0a2e-8a55-4c3e-9a2b-1c2d3e4f5a6b')).status).toBe(404);
    expect((await ingress.app.request('/api/backfill/nope')).status).toBe(400);
  });

  it('a body of only bad lines is still a backfill, completed with nothing to do', async () => {
    const answer = (await (await postBackfill(ingress, 'x\ny\n')).json()) as Accepted;
    expect(answer).toMatchObject({ accepted: 0, rejected: [{ line: 1 }, { line: 2 }] });
    expect(await (await ingress.app.request(`/api/backfill/${answer.backfill_id}`)).json()).toMatchObject({ status: 'completed', total: 0, rejected_count: 2 });
  });
});

describe('backfill endpoint when Redis is down or keys restrict projects', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('Redis down answers 503; the stored incidents stay queued and the re-sent batch enqueues them', async () => {
    const body = [incident(40), incident(41)].join('\n');
    const down = createTestIngress(database.db, { pipelineRedisUrl: 'redis://127.0.0.1:1' });
    try {
      const res = await postBackfill(down, body);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
    } finally {
      await down.close();
    }
    const up = createTestIngress(database.db);
    try {
      const res = await postBackfill(up, body);
      expect(res.status).toBe(202);
      const answer = (await res.json()) as Accepted;
      expect(answer).toMatchObject({ accepted: 2, created: 0, duplicates: 2 });
      const ids = await queryRows<{ id: string }>(database.db, sql`select id from analysis_requests`);
      expect(ids).toHaveLength(2);
      for (const { id } of ids) {
        expect(await up.deps.pipeline.jobState('extract-params', { request_id: id, generation: 1 })).toBe('prioritized');
      }
    } finally {
      await up.close();
    }
  });

  it("with API keys, incidents of projects the key was not granted are rejected lines, and others' backfills are 404", async () => {
    const ingress = createTestIngress(database.db, { env: { LOGLORE_API_KEYS: 'pay=payments;cards=cards' } });
    try {
      const body = [incident(50), incident(51, { project: 'cards' }), incident(52, { project: null })].join('\n');
      const res = await postBackfill(ingress, body, '', { authorization: 'Bearer pay' });
      expect(res.status).toBe(202);
      const answer = (await res.json()) as Accepted;
      expect(answer.accepted).toBe(2);
      expect(answer.rejected).toEqual([{ line: 2, error: 'this API key may not write into project "cards"' }]);
      const mine = await ingress.app.request(`/api/backfill/${answer.backfill_id}`, { headers: { authorization: 'Bearer pay' } });
      expect(mine.status).toBe(200);
      const theirs = await ingress.app.request(`/api/backfill/${answer.backfill_id}`, { headers: { authorization: 'Bearer cards' } });
      expect(theirs.status).toBe(404);
      const append = await postBackfill(ingress, incident(53, { project: 'cards' }), `?backfill_id=${answer.backfill_id}`, { authorization: 'Bearer cards' });
      expect(append.status).toBe(404);
    } finally {
      await ingress.close();
    }
  });
});
