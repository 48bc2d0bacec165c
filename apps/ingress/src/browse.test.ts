import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAnalysisRequest,
  insertLogEvents,
  markRequestCompleted,
  recordOutcome,
  recordPatternUsage,
  saveRequestParameters,
  storeAnalysisResult,
} from '@loglore/db';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import type { LogEvent } from '@loglore/core';
import { createTestIngress, type TestIngress } from './testing.ts';

const KEYS = 'a-key=alpha;b-key=beta;root-key=*';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('browsing analyses and patterns (the console API)', () => {
  let database: TestDatabase;
  let ingress: TestIngress;
  beforeAll(async () => {
    database = await createTestDatabase();
    ingress = createTestIngress(database.db, { env: { LOGLORE_API_KEYS: KEYS } });
  });
  afterAll(async () => {
    await ingress.close();
    await database.drop();
  });

  const get = async (key: string, path: string) => {
    const res = await ingress.app.request(path, { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, body: (await res.json()) as Json };
  };

  /** A completed analysis as the worker leaves it (memory, result, pattern usage). */
  async function analysis(
    project: string,
    options: { source?: string; patternKey?: string; occurredAt?: string; resolution?: string; metadata?: Json; window?: { from: string; to: string } } = {},
  ): Promise<string> {
    const { request } = await createAnalysisRequest(database.db, {
      source: options.source ?? 'api',
      text: `errors in ${project}`,
      project,
      env: 'prod',
      metadata: options.metadata ?? {},
    });
    const window = options.window ?? { from: '2026-03-14T10:00:00.000Z', to: '2026-03-14T11:00:00.000Z' };
    const parameters = { project, env: 'prod', domain: null, time_range: window };
    await saveRequestParameters(database.db, request.id, parameters);
    const occurredAt = new Date(options.occurredAt ?? '2026-03-14T10:30:00Z');
    await storeAnalysisResult(database.db, {
      requestId: request.id,
      project,
      source: request.source,
      queryText: request.text,
      parameters,
      patternKey: options.patternKey ?? null,
      errorPattern: options.patternKey ? 'DB_POOL_EXHAUSTED' : null,
      resolution: options.resolution ?? null,
      confidenceScore: 0.8,
      occurredAt,
    });
    if (options.patternKey) {
      await recordPatternUsage(database.db, {
        definition: { pattern_key: options.patternKey, error_type: 'DB_POOL_EXHAUSTED', domain: 'transactions', title: 'Pool exhausted', template: 'pool <*>' },
        requestId: request.id,
        occurredAt,
        project,
      });
    }
    await markRequestCompleted(database.db, request.id, { request_id: request.id, scope: { searched: { project, env: 'prod', time_range: window } } });
    return request.id;
  }

  it("lists the key's analyses newest first, filtered, with their outcome and alert", async () => {
    const alertId = await analysis('alpha', {
      source: 'alertmanager',
      metadata: { alert: { fingerprint: 'fp1', starts_at: '2026-03-14T10:00:00.000Z', labels: { alertname: 'PoolExhausted', env: 'prod' } }, resolved_at: '2026-03-14T10:40:00.000Z' },
    });
    const apiId = await analysis('alpha', { patternKey: 'derived.browse-list' });
    await recordOutcome(database.db, { requestId: apiId, outcome: 'resolved' });
    const betaId = await analysis('beta');

    const alpha = await get('a-key', '/api/analyses');
    expect(alpha.status).toBe(200);
    expect(alpha.body.analyses.map((a: Json) => a.request_id)).toEqual([apiId, alertId]);
    expect(alpha.body.next_cursor).toBeNull();
    const [api, alert] = alpha.body.analyses;
    expect(api).toMatchObject({ status: 'completed', source: 'api', project: 'alpha', env: 'prod', pattern_key: 'derived.browse-list', outcome: 'resolved', alert: null });
    expect(api.confidence_score).toBeCloseTo(0.8);
    expect(api.completed_at).toMatch(/Z$/);
    expect(alert.alert).toEqual({
      fingerprint: 'fp1',
      labels: { alertname: 'PoolExhausted', env: 'prod' },
      status: 'resolved',
      starts_at: '2026-03-14T10:00:00.000Z',
      resolved_at: '2026-03-14T10:40:00.000Z',
    });

    expect((await get('a-key', '/api/analyses?source=alertmanager')).body.analyses.map((a: Json) => a.request_id)).toEqual([alertId]);
    expect((await get('a-key', '/api/analyses?pattern=derived.browse-list')).body.analyses.map((a: Json) => a.request_id)).toEqual([apiId]);
    expect((await get('a-key', '/api/analyses?status=queued')).body.analyses).toEqual([]);
    expect((await get('a-key', '/api/analyses?project=beta')).body.analyses).toEqual([]);
    expect((await get('b-key', '/api/analyses')).body.analyses.map((a: Json) => a.request_id)).toEqual([betaId]);
    const since = (await get('root-key', `/api/analyses?since=${encodeURIComponent(api.created_at)}`)).body.analyses.map((a: Json) => a.request_id);
    expect(since).toContain(apiId);
    expect(since).toContain(betaId);
    expect(since).not.toContain(alertId);
  });

  it('cursor pages cover every analysis exactly once, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await analysis('paged'));
    // The same created_at for several rows: the request id breaks the tie.
    const key = 'root-key';
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: Json } = await get(key, `/api/analyses?project=paged&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.analyses.map((a: Json) => a.request_id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(new Set(ids));
    const all = (await get(key, '/api/analyses?project=paged&limit=200')).body.analyses.map((a: Json) => a.request_id);
    expect(seen).toEqual(all);
  });

  it('a bad query or cursor is a 400', async () => {
    for (const query of ['status=done', 'source=email', 'limit=0', 'limit=201', 'since=yesterday', 'cursor=nope', `cursor=${Buffer.from('["2026-01-01T00:00:00.000000Z","x"]').toString('base64url')}`]) {
      const res = await get('root-key', `/api/analyses?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
    }
    expect((await get('root-key', `/api/patterns/${'x'.repeat(101)}`)).status).toBe(400);
  });

  it("a pattern's page: statistics of the key's projects, per-day counts, analyses and resolutions; 404 where not visible", async () => {
    const key = 'derived.browse-detail';
    const a1 = await analysis('alpha', { patternKey: key, occurredAt: '2026-03-10T09:00:00Z', resolution: 'raise the pool' });
    const a2 = await analysis('alpha', { patternKey: key, occurredAt: '2026-03-12T09:00:00Z', resolution: 'raise the pool' });
    const a3 = await analysis('alpha', { patternKey: key, occurredAt: '2026-03-12T18:00:00Z', resolution: 'restart' });
    await analysis('beta', { patternKey: key, occurredAt: '2026-03-13T09:00:00Z' });
    await recordOutcome(database.db, { requestId: a1, outcome: 'resolved' });
    await recordOutcome(database.db, { requestId: a2, outcome: 'resolved' });
    await recordOutcome(database.db, { requestId: a3, outcome: 'not_resolved' });

    const res = await get('a-key', `/api/patterns/${key}`);
    expect(res.status).toBe(200);
    expect(res.body.pattern).toMatchObject({ pattern_key: key, usage_count: 3, success_count: 2, failure_count: 1, last_seen: '2026-03-12T18:00:00.000Z' });
    expect(res.body.daily).toHaveLength(30);
    expect(res.body.daily.at(-1)).toEqual({ day: '2026-03-12', count: 2 });
    expect(res.body.daily.at(-3)).toEqual({ day: '2026-03-10', count: 1 });
    expect(res.body.daily[0].day).toBe('2026-02-11');
    expect(res.body.daily.reduce((n: number, d: Json) => n + d.count, 0)).toBe(3);
    expect(new Set(res.body.analyses.map((a: Json) => a.request_id))).toEqual(new Set([a1, a2, a3]));
    expect(res.body.resolutions).toEqual([
      { resolution: 'raise the pool', resolved: 2, not_resolved: 0, last_at: '2026-03-12T09:00:00.000Z' },
      { resolution: 'restart', resolved: 0, not_resolved: 1, last_at: '2026-03-12T18:00:00.000Z' },
    ]);

    // The list carries the same daily series, and q filters by key or title.
    const list = await get('a-key', '/api/patterns?q=BROWSE-DETAIL');
    expect(list.body.patterns.map((p: Json) => p.pattern_key)).toEqual([key]);
    expect(list.body.patterns[0].daily).toEqual(res.body.daily);
    expect((await get('a-key', '/api/patterns?q=no-such-pattern-anywhere')).body.patterns).toEqual([]);

    const beta = await get('b-key', `/api/patterns/${key}`);
    expect(beta.body.pattern.usage_count).toBe(1);
    expect(beta.body.daily.at(-1)).toEqual({ day: '2026-03-13', count: 1 });
    expect(beta.body.analyses).toHaveLength(1);
    expect(beta.body.resolutions).toEqual([]);

    expect((await get('b-key', '/api/patterns/derived.browse-list')).status).toBe(404);
    expect((await get('a-key', '/api/patterns/derived.unknown')).status).toBe(404);
  });

  it("a histogram counts the window's and the baseline's events and errors per bucket; another project's is a 404", async () => {
    const window = { from: '2026-05-01T10:00:00.000Z', to: '2026-05-01T11:00:00.000Z' };
    const id = await analysis('histo', { window });
    const event = (ts: string, level: LogEvent['level'], project = 'histo', env = 'prod'): LogEvent => ({
      ts, project, env, domain: null, service: 'api', level, trace_id: null, message: level === 'error' ? 'pool exhausted' : 'ok', attrs: {},
    });
    await insertLogEvents(database.db, [
      event('2026-05-01T10:00:00.000Z', 'info'),
      event('2026-05-01T10:00:59.999Z', 'error'),
      event('2026-05-01T10:30:10.000Z', 'error'),
      event('2026-05-01T10:30:20.000Z', 'error'),
      event('2026-05-01T10:59:59.000Z', 'info'),
      event('2026-05-01T11:00:00.000Z', 'error'), // after the window
      event('2026-05-01T09:15:00.000Z', 'error'), // baseline
      event('2026-05-01T10:30:00.000Z', 'error', 'other'), // another project
      event('2026-05-01T10:30:00.000Z', 'error', 'histo', 'staging'), // another env
    ]);
    const res = await get('root-key', `/api/analyses/${id}/histogram`);
    expect(res.status).toBe(200);
    expect(res.body.time_range).toEqual(window);
    expect(res.body.bucket_seconds).toBe(60);
    expect(res.body.buckets).toHaveLength(60);
    expect(res.body.baseline).toHaveLength(60);
    expect(res.body.buckets[0]).toEqual({ at: '2026-05-01T10:00:00.000Z', events: 2, errors: 1 });
    expect(res.body.buckets[30]).toEqual({ at: '2026-05-01T10:30:00.000Z', events: 2, errors: 2 });
    expect(res.body.buckets[59]).toEqual({ at: '2026-05-01T10:59:00.000Z', events: 1, errors: 0 });
    const total = (list: Json[], k: string) => list.reduce((n, b) => n + b[k], 0);
    expect(total(res.body.buckets, 'events')).toBe(5);
    expect(total(res.body.buckets, 'errors')).toBe(3);
    expect(res.body.baseline[0].at).toBe('2026-05-01T09:00:00.000Z');
    expect(res.body.baseline[15]).toEqual({ at: '2026-05-01T09:15:00.000Z', events: 1, errors: 1 });
    expect(total(res.body.baseline, 'events')).toBe(1);

    expect((await get('b-key', `/api/analyses/${id}/histogram`)).status).toBe(404);
    expect((await get('root-key', '/api/analyses/5b0c9a52-3c84-4a8f-9a8e-0a3f6f0c2d11/histogram')).status).toBe(404);
    expect((await get('root-key', '/api/analyses/not-a-uuid/histogram')).status).toBe(400);

    const { request } = await createAnalysisRequest(database.db, { source: 'api', text: 'not yet', project: 'alpha' });
    const queued = await get('a-key', `/api/analyses/${request.id}/histogram`);
    expect(queued.status).toBe(409);
  });

  it("lists the key's conversations newest first, with the first question and the turns it may see, page by page", async () => {
    const send = async (key: string, method: string, path: string, body: Json) => {
      const res = await ingress.app.request(path, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const start = async (key: string, project: string) => (await send(key, 'POST', '/api/conversations', { project })).body.conversation_id as string;
    const first = await start('a-key', 'alpha');
    expect((await send('a-key', 'POST', `/api/conversations/${first}/messages`, { content: 'pool exhausted in alpha?' })).status).toBe(202);
    // A key of every project asks about beta in alpha's conversation: alpha's key does not see that turn.
    expect((await send('root-key', 'POST', `/api/conversations/${first}/messages`, { content: 'and in beta?', project: 'beta' })).status).toBe(202);
    const second = await start('a-key', 'alpha');
    const betas = await start('b-key', 'beta');

    const alpha = await get('a-key', '/api/conversations');
    expect(alpha.status).toBe(200);
    expect(alpha.body.conversations.map((c: Json) => c.conversation_id)).toEqual([second, first]);
    expect(alpha.body.conversations[1]).toMatchObject({ project: 'alpha', first_question: 'pool exhausted in alpha?', turns: 1 });
    expect(alpha.body.conversations[0]).toMatchObject({ first_question: null, turns: 0, last_message_at: null });
    const root = await get('root-key', '/api/conversations?project=alpha');
    expect(root.body.conversations.find((c: Json) => c.conversation_id === first)).toMatchObject({ turns: 2 });
    expect((await get('b-key', '/api/conversations')).body.conversations.map((c: Json) => c.conversation_id)).toEqual([betas]);

    const page1 = await get('a-key', '/api/conversations?limit=1');
    expect(page1.body.conversations.map((c: Json) => c.conversation_id)).toEqual([second]);
    const page2 = await get('a-key', `/api/conversations?limit=1&cursor=${page1.body.next_cursor}`);
    expect(page2.body.conversations.map((c: Json) => c.conversation_id)).toEqual([first]);
    expect(page2.body.next_cursor).toBeNull();
    expect((await get('a-key', '/api/conversations?cursor=bm9wZQ')).status).toBe(400);
    expect((await get('a-key', '/api/conversations?limit=0')).status).toBe(400);
  });
});
