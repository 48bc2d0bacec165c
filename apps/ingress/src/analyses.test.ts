import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import {
  appendAnalysisEvent,
  createAnalysisRequest,
  getAnalysisRequest,
  getRecentMessages,
  markRequestCompleted,
  markRequestRunning,
  recordPatternUsage,
  selectLogEvents,
  storeAnalysisResult,
} from '@loglore/db';
import { createTestIngress, type TestIngress } from './testing.ts';

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('analysis, feedback, pattern and log endpoints', () => {
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

  async function postAnalysis(body: Record<string, unknown>) {
    const res = await ingress.app.request('/api/analyses', json(body));
    return { status: res.status, body: (await res.json()) as { request_id: string; status: string } };
  }

  /** What the worker would leave behind for a finished analysis with a pattern. */
  async function completedAnalysis(patternKey: string | null) {
    const { request } = await createAnalysisRequest(database.db, { source: 'api', text: 'pool exhausted', project: 'payments' });
    await storeAnalysisResult(database.db, {
      requestId: request.id,
      project: 'payments',
      source: 'api',
      queryText: 'pool exhausted',
      parameters: { project: 'payments' },
      patternKey,
      errorPattern: patternKey ? 'DB_POOL_EXHAUSTED' : null,
    });
    if (patternKey) {
      await recordPatternUsage(database.db, {
        definition: { pattern_key: patternKey, error_type: 'DB_POOL_EXHAUSTED', domain: 'transactions', title: 'Pool exhausted', typical_causes: ['leak'] },
        requestId: request.id,
        occurredAt: new Date('2026-11-25T10:00:00Z'),
        project: 'payments',
      });
    }
    await markRequestCompleted(database.db, request.id, { request_id: request.id, summary: 'done' });
    return request.id;
  }

  it('an analysis is stored as queued with its hints and its first job is queued', async () => {
    const { status, body } = await postAnalysis({
      text: 'NPSB transfers failing since 10:00',
      project: 'payments',
      env: 'prod',
      domain: 'transactions',
      occurred_at: '2026-11-25T10:05:00Z',
    });
    expect(status).toBe(202);
    expect(body).toEqual({ request_id: expect.any(String), status: 'queued' });
    const request = await getAnalysisRequest(database.db, body.request_id);
    expect(request).toMatchObject({ source: 'api', project: 'payments', env: 'prod', domain: 'transactions', conversationId: null });
    expect(request?.occurredAt.toISOString()).toBe('2026-11-25T10:05:00.000Z');
    expect(await ingress.deps.pipeline.jobState('extract-params', { request_id: body.request_id, generation: 1 })).toBe('waiting');
  });

  it('a repeated idempotency key answers the same request with its current status and queues nothing new', async () => {
    const key = `alert-${randomUUID()}`;
    const first = await postAnalysis({ text: 'disk full on db-1', idempotency_key: key });
    const queue = ingress.deps.pipeline.queues['extract-params']!;
    const before = await queue.getJobCountByTypes('waiting', 'prioritized');
    await markRequestRunning(database.db, first.body.request_id);

    const again = await postAnalysis({ text: 'disk full on db-1 (resent)', idempotency_key: key });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ request_id: first.body.request_id, status: 'running' });
    expect(await queue.getJobCountByTypes('waiting', 'prioritized')).toBe(before);
    expect((await getAnalysisRequest(database.db, first.body.request_id))?.text).toBe('disk full on db-1');
  });

  it('an analysis inside a conversation stores the user turn and inherits its project', async () => {
    const conv = await ingress.app.request('/api/conversations', json({ project: 'cards' }));
    const { conversation_id } = (await conv.json()) as { conversation_id: string };
    const { status, body } = await postAnalysis({ text: 'declines spiking', conversation_id, source: 'chat' });
    expect(status).toBe(202);
    expect(await getAnalysisRequest(database.db, body.request_id)).toMatchObject({ project: 'cards', source: 'chat', conversationId: conversation_id });
    const turns = await getRecentMessages(database.db, conversation_id);
    expect(turns.map((t) => [t.role, t.content, t.requestId])).toEqual([['user', 'declines spiking', body.request_id]]);
  });

  it('an analysis answers its status, stored steps, result and error', async () => {
    const { body } = await postAnalysis({ text: 'why are refunds slow' });
    const queued = await ingress.app.request(`/api/analyses/${body.request_id}`);
    expect(await queued.json()).toEqual({
      request_id: body.request_id,
      status: 'queued',
      conversation_id: null,
      source: 'api',
      steps: [],
      result: null,
      error: null,
    });

    await appendAnalysisEvent(database.db, { requestId: body.request_id, conversationId: null, step: 'params', payload: { project: 'payments' } });
    await appendAnalysisEvent(database.db, { requestId: body.request_id, conversationId: null, step: 'completed', payload: { summary: 'ok' } });
    await markRequestCompleted(database.db, body.request_id, { request_id: body.request_id, summary: 'ok' });
    const done = (await (await ingress.app.request(`/api/analyses/${body.request_id}`)).json()) as Record<string, unknown> & {
      steps: { seq: number; step: string; at: string; payload: unknown; request_id: string; conversation_id: null }[];
    };
    expect(done).toMatchObject({ status: 'completed', result: { summary: 'ok' }, error: null });
    expect(done.steps.map((s) => [s.seq, s.step, s.payload])).toEqual([
      [1, 'params', { project: 'payments' }],
      [2, 'completed', { summary: 'ok' }],
    ]);
    expect(done.steps[0]).toMatchObject({ request_id: body.request_id, conversation_id: null, at: expect.stringMatching(/Z$/) });
  });

  it("feedback on a completed analysis answers its pattern's updated statistics, one vote per analysis", async () => {
    const patternKey = `derived.${randomUUID().slice(0, 8)}`;
    const id = await completedAnalysis(patternKey);
    const vote = async (outcome: string, resolution?: string) => {
      const res = await ingress.app.request(`/api/analyses/${id}/feedback`, json({ outcome, ...(resolution ? { resolution } : {}) }));
      expect(res.status).toBe(200);
      return (await res.json()) as { changed: boolean; outcome: string; pattern: Record<string, unknown> };
    };

    const first = await vote('resolved', 'raised the pool size');
    expect(first).toMatchObject({ request_id: id, outcome: 'resolved', changed: true });
    expect(first.pattern).toMatchObject({
      pattern_key: patternKey,
      error_type: 'DB_POOL_EXHAUSTED',
      domain: 'transactions',
      title: 'Pool exhausted',
      usage_count: 1,
      success_count: 1,
      failure_count: 0,
      success_rate: 1,
      typical_causes: ['leak'],
      first_seen: '2026-11-25T10:00:00.000Z',
      last_seen: '2026-11-25T10:00:00.000Z',
    });
    const repeated = await vote('resolved');
    expect(repeated).toMatchObject({ changed: false, pattern: { success_count: 1, failure_count: 0 } });
    const changed = await vote('not_resolved');
    expect(changed).toMatchObject({ changed: true, pattern: { success_count: 0, failure_count: 1, success_rate: 0 } });
  });

  it('feedback on an analysis without a pattern answers pattern null', async () => {
    const id = await completedAnalysis(null);
    const res = await ingress.app.request(`/api/analyses/${id}/feedback`, json({ outcome: 'resolved' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ request_id: id, outcome: 'resolved', changed: true, pattern: null });
  });

  it('feedback on an analysis that has not completed is a 409, on an unknown one a 404', async () => {
    const { body } = await postAnalysis({ text: 'still running' });
    const early = await ingress.app.request(`/api/analyses/${body.request_id}/feedback`, json({ outcome: 'resolved' }));
    expect(early.status).toBe(409);
    expect(((await early.json()) as { error: { code: string } }).error.code).toBe('conflict');
    const unknown = await ingress.app.request(`/api/analyses/${randomUUID()}/feedback`, json({ outcome: 'resolved' }));
    expect(unknown.status).toBe(404);
  });

  it('patterns are listed with their statistics and filtered by domain and type', async () => {
    const key = `derived.${randomUUID().slice(0, 8)}`;
    await recordPatternUsage(database.db, {
      definition: { pattern_key: key, error_type: 'GATEWAY_TIMEOUT', domain: 'cards', template: 'upstream <*> timed out', resolution_steps: ['retry'] },
      requestId: randomUUID(),
      occurredAt: new Date('2026-11-20T08:00:00Z'),
      project: null,
    });
    const res = await ingress.app.request('/api/patterns?domain=cards&error_type=GATEWAY_TIMEOUT&limit=10');
    expect(res.status).toBe(200);
    const { patterns } = (await res.json()) as { patterns: Record<string, unknown>[] };
    expect(patterns).toEqual([
      {
        pattern_key: key,
        template: 'upstream <*> timed out',
        error_type: 'GATEWAY_TIMEOUT',
        domain: 'cards',
        title: null,
        usage_count: 1,
        success_count: 0,
        failure_count: 0,
        success_rate: 0,
        first_seen: '2026-11-20T08:00:00.000Z',
        last_seen: '2026-11-20T08:00:00.000Z',
        typical_causes: [],
        resolution_steps: ['retry'],
        daily: expect.any(Array),
      },
    ]);
    // 30 days ending on last_seen's day, the use counted on its day.
    expect(patterns[0]!.daily).toHaveLength(30);
    expect((patterns[0]!.daily as unknown[]).at(-1)).toEqual({ day: '2026-11-20', count: 1 });
    const all = (await (await ingress.app.request('/api/patterns')).json()) as { patterns: unknown[] };
    expect(all.patterns.length).toBeGreaterThanOrEqual(2);
    const one = (await (await ingress.app.request('/api/patterns?limit=1')).json()) as { patterns: unknown[] };
    expect(one.patterns).toHaveLength(1);
  });

  it('NDJSON logs are ingested with query defaults, redacted, and bad lines reported by number', async () => {
    const service = `svc-${randomUUID().slice(0, 8)}`;
    const body = [
      JSON.stringify({ ts: '2026-11-25T10:00:01Z', level: 'error', message: 'NPSB timeout for ops@example.com', trace_id: 'abc123' }),
      '{"ts": broken',
      JSON.stringify({ ts: '2026-11-25T10:00:02Z', level: 'info', message: 'retrying', project: 'other' }),
    ].join('\n');
    const res = await ingress.app.request(`/api/logs?project=payments&env=prod&service=${service}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body,
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { ingested: number; rejected: { line: number; error: string }[] };
    expect(answer.ingested).toBe(2);
    expect(answer.rejected).toEqual([{ line: 2, error: expect.any(String) }]);

    const stored = await selectLogEvents(database.db, {
      services: [service],
      from: new Date('2026-11-25T00:00:00Z'),
      to: new Date('2026-11-26T00:00:00Z'),
    });
    expect(stored.map((e) => [e.project, e.env, e.level]).sort()).toEqual([
      ['other', 'prod', 'info'],
      ['payments', 'prod', 'error'],
    ]);
    const error = stored.find((e) => e.level === 'error');
    expect(error?.message).not.toContain('ops@example.com');
    expect(error?.trace_id).toBe('abc123');
  });

  it('a JSON array of logs and plain-text lines are ingested too', async () => {
    const service = `svc-${randomUUID().slice(0, 8)}`;
    const array = await ingress.app.request(`/api/logs?service=${service}`, json([
      { ts: '2026-11-25T10:00:01Z', level: 'warn', message: 'slow' },
      { ts: '2026-11-25T10:00:02Z', level: 'error', message: 'failed' },
    ]));
    expect(await array.json()).toEqual({ ingested: 2, rejected: [] });
    const text = await ingress.app.request(`/api/logs?service=${service}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: '2026-11-25T10:00:03Z ERROR connection refused\n\n',
    });
    expect(await text.json()).toEqual({ ingested: 1, rejected: [] });
  });
});
