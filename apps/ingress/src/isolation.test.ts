import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import {
  appendAnalysisEvent,
  createAnalysisRequest,
  createConversation,
  getAnalysisRequest,
  markRequestCompleted,
  queryRows,
  recordPatternUsage,
  seedReferencePatterns,
  setMessageParameters,
  storeAnalysisResult,
  storeMessage,
} from '@loglore/db';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { alertmanagerNotification } from '../../../packages/core/src/alerts/webhooks.fixture.ts';
import { createTestIngress, readSse, type TestIngress } from './testing.ts';

// Two keys on two projects, a key of both, and a key of every project.
const KEYS = 'a-key=alpha;b-key=beta;ab-key=alpha,beta;root-key=*';
const METRICS_KEY = 'scrape-key';

type Json = Record<string, unknown>;

describe('a key sees only its projects, on every route', () => {
  let database: TestDatabase;
  let ingress: TestIngress;
  beforeAll(async () => {
    database = await createTestDatabase();
    ingress = createTestIngress(database.db, { env: { LOGLORE_API_KEYS: KEYS, LOGLORE_METRICS_KEY: METRICS_KEY } });
  });
  afterAll(async () => {
    await ingress.close();
    await database.drop();
  });

  const call = (key: string | undefined, path: string, init: { method?: string; body?: unknown; type?: string; headers?: Record<string, string> } = {}) =>
    ingress.app.request(path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(init.body !== undefined ? { 'content-type': init.type ?? 'application/json' } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
    });

  /** A finished analysis of `project` as the worker leaves it: memory, events, result, usage. */
  async function completed(project: string | null, options: { patternKey?: string; text?: string; parameters?: Json } = {}) {
    const conversation = await createConversation(database.db, { project });
    const text = options.text ?? 'ledger pool exhausted in prod transactions';
    const { request } = await createAnalysisRequest(database.db, { source: 'chat', text, project, conversationId: conversation.id });
    await storeMessage(database.db, { conversationId: conversation.id, role: 'user', content: text, requestId: request.id });
    const parameters = options.parameters ?? { project, env: 'prod', domain: 'transactions' };
    await setMessageParameters(database.db, request.id, parameters);
    const patternKey = options.patternKey ?? null;
    await storeAnalysisResult(database.db, {
      requestId: request.id,
      project,
      conversationId: conversation.id,
      source: 'chat',
      queryText: text,
      parameters,
      patternKey,
      errorPattern: patternKey ? 'DB_POOL_EXHAUSTED' : null,
      resolution: `the fix of ${request.id}`,
    });
    if (patternKey) {
      await recordPatternUsage(database.db, {
        definition: { pattern_key: patternKey, error_type: 'DB_POOL_EXHAUSTED', domain: 'transactions', template: `pool <*> exhausted (${project})` },
        requestId: request.id,
        occurredAt: new Date('2026-11-25T10:00:00Z'),
        project,
      });
    }
    for (const step of ['params', 'similar', 'analysis', 'verification']) {
      await appendAnalysisEvent(database.db, { requestId: request.id, conversationId: conversation.id, step, payload: {} });
    }
    const result = { request_id: request.id, summary: 'done' };
    await appendAnalysisEvent(database.db, { requestId: request.id, conversationId: conversation.id, step: 'completed', payload: { result } });
    await markRequestCompleted(database.db, request.id, result);
    return { requestId: request.id, conversationId: conversation.id };
  }

  it('reading, listing, streaming, similar and feedback of another project answer 404; its own keys and * see them', async () => {
    const alpha = await completed('alpha');
    const routes = [
      { path: `/api/conversations/${alpha.conversationId}` },
      { path: `/api/conversations/${alpha.conversationId}/similar` },
      { path: `/api/conversations/${alpha.conversationId}/events`, stream: true },
      { path: `/api/conversations/${alpha.conversationId}/messages`, body: { content: 'and now?' } },
      { path: `/api/analyses/${alpha.requestId}` },
      { path: `/api/analyses/${alpha.requestId}/events`, stream: true },
      { path: `/api/analyses/${alpha.requestId}/feedback`, body: { outcome: 'resolved' } },
      { path: '/api/analyses', body: { text: 'follow-up', conversation_id: alpha.conversationId } },
    ];
    for (const route of routes) {
      const res = await call('b-key', route.path, { body: route.body });
      expect(res.status, `b-key ${route.path}`).toBe(404);
      const text = await res.text();
      expect(text, route.path).not.toContain(alpha.requestId);
    }
    for (const key of ['a-key', 'ab-key', 'root-key']) {
      for (const route of routes.filter((r) => !r.body)) {
        const res = await call(key, route.path);
        expect(res.status, `${key} ${route.path}`).toBe(200);
        if (route.stream) await res.body?.cancel();
      }
    }
  });

  it('writing into a project not granted answers 403 on every write route', async () => {
    const own = await createConversation(database.db, { project: 'alpha' });
    const log = JSON.stringify({ ts: '2026-11-25T10:00:00Z', level: 'error', message: 'x', project: 'beta' });
    const writes: { path: string; body: unknown; type?: string }[] = [
      { path: '/api/analyses', body: { text: 'x', project: 'beta' } },
      { path: '/api/conversations', body: { project: 'beta' } },
      { path: `/api/conversations/${own.id}/messages`, body: { content: 'x', project: 'beta' } },
      { path: '/api/logs', body: log, type: 'application/x-ndjson' },
      { path: '/api/logs?project=beta', body: JSON.stringify({ ts: '2026-11-25T10:00:00Z', level: 'error', message: 'x' }), type: 'application/x-ndjson' },
      {
        path: '/api/alerts/alertmanager',
        body: alertmanagerNotification([{ fingerprint: `w-${randomUUID()}`, startsAt: '2026-11-25T10:00:00Z', labels: { project: 'beta' } }]),
      },
    ];
    for (const write of writes) {
      const res = await call('a-key', write.path, { body: write.body, type: write.type });
      expect(res.status, write.path).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    }
    // A backfill takes the lines it may write and names the others.
    const marker = `foreign-${randomUUID()}`;
    const res = await call('a-key', '/api/backfill', {
      type: 'application/x-ndjson',
      body: [
        { occurred_at: '2026-11-01T10:00:00Z', text: `${marker} incident`, project: 'beta', env: 'prod', domain: null },
        { occurred_at: '2026-11-01T10:00:00Z', text: `${marker} logs`, project: 'alpha', env: 'prod', domain: null, logs: [{ ts: '2026-11-01T10:00:00Z', level: 'error', message: marker, project: 'beta' }] },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n'),
    });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { accepted: number; rejected: { line: number; error: string }[] };
    expect(answer.accepted).toBe(0);
    expect(answer.rejected.map((r) => r.line)).toEqual([1, 2]);
    expect(answer.rejected[1]!.error).toMatch(/names project "beta"/);
    const stored = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from log_events where message = ${marker}`);
    expect(stored[0]!.n).toBe(0);
  });

  it("a turn asked for another project in a conversation is shown only to keys of that project", async () => {
    const alpha = await createConversation(database.db, { project: 'alpha' });
    const asked = await call('ab-key', `/api/conversations/${alpha.id}/messages`, { body: { content: 'and in beta?', project: 'beta' } });
    expect(asked.status).toBe(202);
    const betaRequest = ((await asked.json()) as { request_id: string }).request_id;
    await appendAnalysisEvent(database.db, { requestId: betaRequest, conversationId: alpha.id, step: 'params', payload: { secret: 'beta-only' } });
    expect((await call('ab-key', `/api/conversations/${alpha.id}/messages`, { body: { content: 'in alpha', project: 'alpha' } })).status).toBe(202);

    const read = async (key: string) => (await (await call(key, `/api/conversations/${alpha.id}`)).text());
    expect(await read('a-key')).not.toContain(betaRequest);
    expect(await read('a-key')).not.toContain('and in beta?');
    expect(await read('a-key')).toContain('in alpha');
    expect(await read('ab-key')).toContain(betaRequest);
    expect(await read('root-key')).toContain(betaRequest);

    const stream = async (key: string) => {
      const sse = readSse(await call(key, `/api/conversations/${alpha.id}/events`));
      // The replay is written at once; a heartbeat (200 ms here) follows it.
      await sse.until(() => sse.text.includes(': heartbeat'), 3_000);
      await sse.cancel();
      return sse.text;
    };
    expect(await stream('a-key')).not.toContain(betaRequest);
    expect(await stream('ab-key')).toContain('beta-only');
    // The beta analysis itself is beta's to read.
    expect((await call('b-key', `/api/analyses/${betaRequest}`)).status).toBe(200);
    expect((await call('a-key', `/api/analyses/${betaRequest}`)).status).toBe(404);
  });

  it('a backfill belongs to the projects of the key that created it, even before it holds an incident', async () => {
    const bad = '{"not": "an incident"}\n';
    const created = await call('a-key', '/api/backfill?final=false', { body: bad, type: 'application/x-ndjson' });
    expect(created.status).toBe(202);
    const { backfill_id, accepted } = (await created.json()) as { backfill_id: string; accepted: number };
    expect(accepted).toBe(0);

    expect((await call('b-key', `/api/backfill/${backfill_id}`)).status).toBe(404);
    const line = JSON.stringify({ occurred_at: '2026-11-01T10:00:00Z', text: 'taken over?', project: null, env: 'prod', domain: null });
    const takeover = await call('b-key', `/api/backfill?backfill_id=${backfill_id}&first_line=2`, { body: line, type: 'application/x-ndjson' });
    expect(takeover.status).toBe(404);
    // Nothing of the attempt was stored under the backfill.
    expect((await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from backfill_items where backfill_id = ${backfill_id}::uuid`))[0]!.n).toBe(0);

    for (const key of ['a-key', 'ab-key', 'root-key']) expect((await call(key, `/api/backfill/${backfill_id}`)).status, key).toBe(200);
    const appended = await call('a-key', `/api/backfill?backfill_id=${backfill_id}&first_line=2`, { body: line, type: 'application/x-ndjson' });
    expect(((await appended.json()) as { accepted: number }).accepted).toBe(1);
    expect((await call('b-key', `/api/backfill/${backfill_id}`)).status).toBe(404);

    // One created by a key of every project is for such keys only.
    const rooted = await call('root-key', '/api/backfill', { body: bad, type: 'application/x-ndjson' });
    const rootId = ((await rooted.json()) as { backfill_id: string }).backfill_id;
    expect((await call('a-key', `/api/backfill/${rootId}`)).status).toBe(404);
    expect((await call('a-key', `/api/backfill?backfill_id=${rootId}`, { body: line, type: 'application/x-ndjson' })).status).toBe(404);
  });

  it('the same incident line sent by keys of two projects is two incidents, each in its own project', async () => {
    const line = JSON.stringify({ occurred_at: '2026-11-02T10:00:00Z', text: `shared line ${randomUUID()}`, project: null, env: 'prod', domain: null });
    const answers: { backfill_id: string; created: number }[] = [];
    for (const key of ['a-key', 'b-key']) {
      const res = await call(key, '/api/backfill', { body: line, type: 'application/x-ndjson' });
      expect(res.status).toBe(202);
      answers.push((await res.json()) as { backfill_id: string; created: number });
    }
    expect(answers.map((a) => a.created)).toEqual([1, 1]);
    const projects = await queryRows<{ project: string }>(
      database.db,
      sql`select r.project from backfill_items i join analysis_requests r on r.id = i.request_id
          where i.backfill_id in (${answers[0]!.backfill_id}::uuid, ${answers[1]!.backfill_id}::uuid) order by r.project`,
    );
    expect(projects.map((p) => p.project)).toEqual(['alpha', 'beta']);
  });

  it("patterns derived from a project's logs are listed to its keys only, and statistics are per project", async () => {
    const catalog = `db.iso_${randomUUID().slice(0, 8)}`;
    await seedReferencePatterns(database.db, [{ pattern_key: catalog, error_type: 'DB_POOL_EXHAUSTED', domain: 'transactions' }]);
    const derived = `derived.${randomUUID().slice(0, 8)}`;
    await completed('alpha', { patternKey: derived });
    const used = await completed('alpha', { patternKey: catalog });
    await completed(null, { patternKey: catalog });

    const list = async (key: string) => {
      const res = await call(key, '/api/patterns?domain=transactions&limit=500');
      expect(res.status).toBe(200);
      const { patterns } = (await res.json()) as { patterns: Json[] };
      return new Map(patterns.map((p) => [p.pattern_key as string, p]));
    };
    const forA = await list('a-key');
    const forB = await list('b-key');
    const forRoot = await list('root-key');
    expect(forA.get(derived)).toMatchObject({ usage_count: 1, template: 'pool <*> exhausted (alpha)' });
    expect(forB.has(derived)).toBe(false);
    expect(forRoot.has(derived)).toBe(true);
    // The catalog is everybody's; its statistics are the key's projects'.
    expect(forA.get(catalog)).toMatchObject({ usage_count: 1, last_seen: '2026-11-25T10:00:00.000Z' });
    expect(forB.get(catalog)).toMatchObject({ usage_count: 0, success_count: 0, first_seen: null, last_seen: null });
    expect(forRoot.get(catalog)).toMatchObject({ usage_count: 2 });

    // Feedback on alpha's analysis moves alpha's statistics, and answers them; beta sees none of it.
    const voted = await call('a-key', `/api/analyses/${used.requestId}/feedback`, { body: { outcome: 'resolved', resolution: 'alpha raised the pool' } });
    expect(voted.status).toBe(200);
    expect(((await voted.json()) as { pattern: Json }).pattern).toMatchObject({ pattern_key: catalog, usage_count: 1, success_count: 1, success_rate: 1 });
    expect((await list('a-key')).get(catalog)).toMatchObject({ success_count: 1 });
    expect((await list('b-key')).get(catalog)).toMatchObject({ usage_count: 0, success_count: 0, success_rate: 0 });
    expect((await list('ab-key')).get(catalog)).toMatchObject({ usage_count: 1, success_count: 1 });
    expect((await list('root-key')).get(catalog)).toMatchObject({ usage_count: 2, success_count: 1 });
  });

  it("similar analyses of a conversation are its project's only, never memory without a project", async () => {
    // A * key's analysis without a project, whose text named beta (so its parameters say beta).
    const unscoped = await completed(null, { text: 'beta ledger pool exhausted', parameters: { project: 'beta', env: 'prod', domain: 'transactions' } });
    const alpha = await completed('alpha', { text: 'beta ledger pool exhausted', parameters: { project: 'beta', env: 'prod', domain: 'transactions' } });
    const own = await completed('beta', { text: 'beta ledger pool exhausted' });
    const mine = await completed('beta', { text: 'beta ledger pool exhausted again' });
    const res = await call('b-key', `/api/conversations/${mine.conversationId}/similar`);
    expect(res.status).toBe(200);
    const body = await res.text();
    const ids = ((JSON.parse(body) as { similar: { request_id: string }[] }).similar).map((s) => s.request_id);
    expect(ids).toContain(own.requestId);
    expect(body).not.toContain(unscoped.requestId);
    expect(body).not.toContain(alpha.requestId);
  });

  it("an alert of another project's fingerprint starts its own analysis instead of joining or revealing that one", async () => {
    const fingerprint = `fp-${randomUUID()}`;
    const first = await call('a-key', '/api/alerts/alertmanager', {
      body: alertmanagerNotification([{ fingerprint, startsAt: '2026-11-25T10:00:00Z', labels: { project: 'alpha' } }]),
    });
    expect(first.status).toBe(202);
    const alphaId = ((await first.json()) as { request_ids: string[] }).request_ids[0]!;
    const second = await call('b-key', '/api/alerts/alertmanager', {
      body: alertmanagerNotification([{ fingerprint, startsAt: '2026-11-25T10:05:00Z', labels: { project: 'beta' } }]),
    });
    expect(second.status).toBe(202);
    const text = await second.text();
    expect(text).not.toContain(alphaId);
    const betaId = (JSON.parse(text) as { request_ids: string[]; alerts: { outcome: string }[] }).request_ids[0]!;
    expect((await getAnalysisRequest(database.db, betaId))?.project).toBe('beta');
    expect((JSON.parse(text) as { alerts: { outcome: string }[] }).alerts[0]!.outcome).toBe('created');
  });

  it('an analysis stream asked to resume after its final event answers 204, so EventSource stops reconnecting', async () => {
    const { requestId } = await completed('alpha');
    const started = Date.now();
    const done = await call('a-key', `/api/analyses/${requestId}/events`, { headers: { 'last-event-id': '5' } });
    expect(done.status).toBe(204);
    expect(await done.text()).toBe('');
    expect(Date.now() - started).toBeLessThan(1_000);
    const viaQuery = await call('a-key', `/api/analyses/${requestId}/events?last_event_id=5`);
    expect(viaQuery.status).toBe(204);
    // One event short of the end still streams that event, then closes.
    const rest = await call('a-key', `/api/analyses/${requestId}/events`, { headers: { 'last-event-id': '4' } });
    expect(rest.status).toBe(200);
    expect((await readSse(rest).toEnd()).map((f) => f.event)).toEqual(['completed']);
  });

  it('metrics need the metrics key or an API key once keys are configured, by Bearer or Basic', async () => {
    expect((await call(undefined, '/metrics')).status).toBe(401);
    expect((await call('wrong', '/metrics')).status).toBe(401);
    for (const key of [METRICS_KEY, 'b-key', 'root-key']) {
      const res = await call(key, '/metrics');
      expect(res.status, key).toBe(200);
      expect(await res.text()).toContain('loglore_http_request_duration_seconds');
    }
    const basic = await call(undefined, '/metrics', { headers: { authorization: `Basic ${Buffer.from(`prometheus:${METRICS_KEY}`).toString('base64')}` } });
    expect(basic.status).toBe(200);
    // The metrics key opens /metrics only.
    expect((await call(METRICS_KEY, '/api/patterns')).status).toBe(401);
  });
});

describe('metrics without API keys', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('a metrics key alone protects /metrics; with no key configured it stays open', async () => {
    const open = createTestIngress(database.db);
    const keyed = createTestIngress(database.db, { env: { LOGLORE_METRICS_KEY: METRICS_KEY } });
    try {
      expect((await open.app.request('/metrics')).status).toBe(200);
      expect((await keyed.app.request('/metrics')).status).toBe(401);
      expect((await keyed.app.request('/metrics', { headers: { authorization: `Bearer ${METRICS_KEY}` } })).status).toBe(200);
      expect((await keyed.app.request('/api/patterns')).status).toBe(200);
    } finally {
      await open.close();
      await keyed.close();
    }
  });
});
