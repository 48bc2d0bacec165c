import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { appendAnalysisEvent, createAnalysisRequest, createConversation, getAnalysisRequest, selectLogEvents } from '@loglore/db';
import { createTestIngress, readSse, type TestIngress } from './testing.ts';

const KEYS = 'pay-key=payments;multi-key=payments,cards;root-key=*';

describe('API keys', () => {
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

  const as = (key: string | undefined, init: RequestInit = {}, body?: unknown): RequestInit => ({
    ...init,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
    ...(body !== undefined ? { method: 'POST', body: JSON.stringify(body) } : {}),
  });

  it('every /api route needs a known key: 401 with a Bearer challenge otherwise', async () => {
    for (const key of [undefined, 'wrong-key']) {
      for (const path of ['/api/patterns', '/api/conversations', '/api/analyses/6f1f0a2e-8a55-4c3e-9a2b-1c2d3e4f5a6b']) {
        const res = await ingress.app.request(path, as(key));
        expect(res.status, `${key} ${path}`).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      }
    }
    const basic = await ingress.app.request('/api/patterns', { headers: { authorization: 'Basic eDpwYXkta2V5' } });
    expect(basic.status).toBe(401);
  });

  it('health, readiness and docs stay open; metrics need a key', async () => {
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs']) {
      expect((await ingress.app.request(path)).status, path).toBe(200);
    }
    expect((await ingress.app.request('/metrics')).status).toBe(401);
    expect((await ingress.app.request('/metrics', as('pay-key'))).status).toBe(200);
  });

  it("a key sees its projects' conversations, analyses and events, and another project's answer 404", async () => {
    const own = await createConversation(database.db, { project: 'payments' });
    const foreign = await createConversation(database.db, { project: 'cards' });
    const unscoped = await createConversation(database.db);
    const ownRequest = (await createAnalysisRequest(database.db, { source: 'api', text: 'x', project: 'payments' })).request.id;
    const foreignRequest = (await createAnalysisRequest(database.db, { source: 'api', text: 'x', project: 'cards', conversationId: foreign.id })).request.id;
    await appendAnalysisEvent(database.db, { requestId: foreignRequest, conversationId: foreign.id, step: 'completed', payload: {} });

    expect((await ingress.app.request(`/api/conversations/${own.id}`, as('pay-key'))).status).toBe(200);
    expect((await ingress.app.request(`/api/analyses/${ownRequest}`, as('pay-key'))).status).toBe(200);
    for (const path of [
      `/api/conversations/${foreign.id}`,
      `/api/conversations/${unscoped.id}`,
      `/api/conversations/${foreign.id}/similar`,
      `/api/conversations/${foreign.id}/events`,
      `/api/analyses/${foreignRequest}`,
      `/api/analyses/${foreignRequest}/events`,
    ]) {
      const res = await ingress.app.request(path, as('pay-key'));
      expect(res.status, path).toBe(404);
    }
    const feedback = await ingress.app.request(`/api/analyses/${foreignRequest}/feedback`, as('pay-key', {}, { outcome: 'resolved' }));
    expect(feedback.status).toBe(404);
    const message = await ingress.app.request(`/api/conversations/${foreign.id}/messages`, as('pay-key', {}, { content: 'x' }));
    expect(message.status).toBe(404);

    // The key of both projects, and the * key, see it.
    expect((await ingress.app.request(`/api/analyses/${foreignRequest}`, as('multi-key'))).status).toBe(200);
    expect((await ingress.app.request(`/api/conversations/${unscoped.id}`, as('root-key'))).status).toBe(200);
    const sse = readSse(await ingress.app.request(`/api/analyses/${foreignRequest}/events`, as('multi-key')));
    expect((await sse.toEnd()).map((f) => f.event)).toEqual(['completed']);
  });

  it('writing into a project not granted answers 403', async () => {
    const cases: [string, unknown][] = [
      ['/api/analyses', { text: 'x', project: 'cards' }],
      ['/api/conversations', { project: 'cards' }],
    ];
    for (const [path, body] of cases) {
      const res = await ingress.app.request(path, as('pay-key', {}, body));
      expect(res.status, path).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    }
    const own = await createConversation(database.db, { project: 'payments' });
    const message = await ingress.app.request(`/api/conversations/${own.id}/messages`, as('pay-key', {}, { content: 'x', project: 'cards' }));
    expect(message.status).toBe(403);
    const logs = await ingress.app.request('/api/logs?project=cards', {
      method: 'POST',
      headers: { authorization: 'Bearer pay-key', 'content-type': 'application/x-ndjson' },
      body: JSON.stringify({ ts: '2026-11-25T10:00:00Z', level: 'error', message: 'x' }),
    });
    expect(logs.status).toBe(403);
    const foreignLogs = await ingress.app.request('/api/logs', {
      method: 'POST',
      headers: { authorization: 'Bearer pay-key', 'content-type': 'application/x-ndjson' },
      body: JSON.stringify({ ts: '2026-11-25T10:00:00Z', level: 'error', message: 'x', project: 'cards' }),
    });
    expect(foreignLogs.status).toBe(403);

    // A foreign event after good ones: the whole body is refused and nothing of it is stored
    // (the events stream into one COPY, which the refusal aborts).
    const marker = `mixed-${Date.now()}`;
    const lines = [
      { ts: '2026-11-25T10:00:00Z', level: 'error', message: `${marker} a`, project: 'payments' },
      { ts: '2026-11-25T10:00:01Z', level: 'error', message: `${marker} b`, project: 'payments' },
      { ts: '2026-11-25T10:00:02Z', level: 'error', message: `${marker} c`, project: 'cards' },
    ];
    const mixed = await ingress.app.request('/api/logs', {
      method: 'POST',
      headers: { authorization: 'Bearer pay-key', 'content-type': 'application/x-ndjson' },
      body: lines.map((l) => JSON.stringify(l)).join('\n'),
    });
    expect(mixed.status).toBe(403);
    const stored = await selectLogEvents(database.db, { project: 'payments', from: new Date('2026-11-25T09:00:00Z'), to: new Date('2026-11-25T11:00:00Z') });
    expect(stored.filter((e) => e.message.startsWith(marker))).toEqual([]);
  });

  it('without a project, a single-project key writes into its project and a several-project key must name one', async () => {
    const single = await ingress.app.request('/api/analyses', as('pay-key', {}, { text: 'x' }));
    expect(single.status).toBe(202);
    const { request_id } = (await single.json()) as { request_id: string };
    expect((await getAnalysisRequest(database.db, request_id))?.project).toBe('payments');

    const multi = await ingress.app.request('/api/analyses', as('multi-key', {}, { text: 'x' }));
    expect(multi.status).toBe(403);
    const named = await ingress.app.request('/api/analyses', as('multi-key', {}, { text: 'x', project: 'cards' }));
    expect(named.status).toBe(202);

    const root = await ingress.app.request('/api/analyses', as('root-key', {}, { text: 'x' }));
    expect(root.status).toBe(202);
    const rootId = ((await root.json()) as { request_id: string }).request_id;
    expect((await getAnalysisRequest(database.db, rootId))?.project).toBeNull();
    // An analysis without a project is visible only to * keys.
    expect((await ingress.app.request(`/api/analyses/${rootId}`, as('multi-key'))).status).toBe(404);

    const logs = await ingress.app.request('/api/logs', {
      method: 'POST',
      headers: { authorization: 'Bearer pay-key', 'content-type': 'application/x-ndjson' },
      body: JSON.stringify({ ts: '2026-11-25T10:00:00Z', level: 'error', message: 'x' }),
    });
    expect(await logs.json()).toEqual({ ingested: 1, rejected: [] });
  });

  it("an idempotency key used by another project's request is a 409 that reveals nothing", async () => {
    const first = await ingress.app.request('/api/analyses', as('multi-key', {}, { text: 'x', project: 'cards', idempotency_key: 'shared-key' }));
    expect(first.status).toBe(202);
    const other = await ingress.app.request('/api/analyses', as('pay-key', {}, { text: 'x', idempotency_key: 'shared-key' }));
    expect(other.status).toBe(409);
    expect(JSON.stringify(await other.json())).not.toContain(((await first.json()) as { request_id: string }).request_id);
  });

  it('the pattern catalog is shared reference memory: any valid key reads it', async () => {
    expect((await ingress.app.request('/api/patterns', as('pay-key'))).status).toBe(200);
  });

  it('the queue dashboard needs a key granted every project, by Bearer or Basic', async () => {
    const anonymous = await ingress.app.request('/admin/queues');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await ingress.app.request('/admin/queues/api/queues', as('pay-key'))).status).toBe(403);
    expect((await ingress.app.request('/admin/queues', as('root-key'))).status).toBe(200);
    const basic = Buffer.from('admin:root-key').toString('base64');
    const api = await ingress.app.request('/admin/queues/api/queues', { headers: { authorization: `Basic ${basic}` } });
    expect(api.status).toBe(200);
    const { queues } = (await api.json()) as { queues: { name: string }[] };
    const steps = ['analyze', 'extract-params', 'find-similar', 'pattern-stats', 'persist'];
    expect(queues.map((q) => q.name).sort()).toEqual([...steps.map((s) => `backfill-${s}`), ...steps].sort());
  });
});
