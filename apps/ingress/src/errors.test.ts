import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { createAnalysisRequest, createConversation, openDatabase, queryRows } from '@loglore/db';
import { createTestIngress, type TestIngress } from './testing.ts';

const MiB = 1024 * 1024;
const jsonHeaders = { 'content-type': 'application/json' };

interface Case {
  name: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Bytes are sent without a content type (a string body gets text/plain from fetch). */
  body?: string | Uint8Array;
  status: number;
  code: string;
  /** A path the details must name (422 and 400 list what was wrong). */
  detail?: string;
}

describe('bad requests', () => {
  let database: TestDatabase;
  let ingress: TestIngress;
  let conversationId: string;
  let requestId: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    ingress = createTestIngress(database.db);
    conversationId = (await createConversation(database.db, { project: 'payments' })).id;
    requestId = (await createAnalysisRequest(database.db, { source: 'api', text: 'x' })).request.id;
  });
  afterAll(async () => {
    await ingress.close();
    await database.drop();
  });

  const post = (path: string, body: unknown, extra: Partial<Case> = {}) => ({
    method: 'POST',
    path,
    headers: jsonHeaders,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...extra,
  });
  const unknown = '6f1f0a2e-8a55-4c3e-9a2b-1c2d3e4f5a6b';

  // Ids are filled in at run time (the rows exist only after beforeAll).
  const cases = (): Case[] => [
    { name: 'malformed JSON', ...post('/api/analyses', '{"text": '), status: 400, code: 'bad_request' },
    { name: 'malformed JSON on messages', ...post(`/api/conversations/${conversationId}/messages`, 'not json'), status: 400, code: 'bad_request' },
    { name: 'JSON that is not an object', ...post('/api/analyses', '[1,2]'), status: 422, code: 'validation_failed' },
    { name: 'JSON null', ...post('/api/analyses', 'null'), status: 422, code: 'validation_failed' },
    { name: 'wrong content type', ...post('/api/analyses', 'text=hello', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }), status: 415, code: 'unsupported_media_type' },
    { name: 'text/plain to a JSON route', ...post('/api/analyses', '{"text":"x"}', { headers: { 'content-type': 'text/plain' } }), status: 415, code: 'unsupported_media_type' },
    { name: 'a body without content type', method: 'POST', path: '/api/analyses', body: new TextEncoder().encode('{"text":"x"}'), status: 415, code: 'unsupported_media_type' },
    { name: 'a body over 1 MiB', ...post('/api/analyses', { text: 'x'.repeat(MiB + 10) }), status: 413, code: 'payload_too_large' },
    { name: 'a conversation body over 1 MiB', ...post('/api/conversations', { metadata: { blob: 'x'.repeat(MiB) } }), status: 413, code: 'payload_too_large' },
    { name: 'missing text', ...post('/api/analyses', { project: 'payments' }), status: 422, code: 'validation_failed', detail: 'text' },
    { name: 'empty text', ...post('/api/analyses', { text: '   ' }), status: 422, code: 'validation_failed', detail: 'text' },
    { name: 'text of the wrong type', ...post('/api/analyses', { text: 42 }), status: 422, code: 'validation_failed', detail: 'text' },
    { name: 'project of the wrong type', ...post('/api/analyses', { text: 'x', project: ['a'] }), status: 422, code: 'validation_failed', detail: 'project' },
    { name: 'an extra-long text', ...post('/api/analyses', { text: 'x'.repeat(20_001) }), status: 422, code: 'validation_failed', detail: 'text' },
    { name: 'an extra-long project', ...post('/api/analyses', { text: 'x', project: 'p'.repeat(101) }), status: 422, code: 'validation_failed', detail: 'project' },
    { name: 'a control character in env', ...post('/api/analyses', { text: 'x', env: 'prod\u0000' }), status: 422, code: 'validation_failed', detail: 'env' },
    { name: 'an extra-long idempotency key', ...post('/api/analyses', { text: 'x', idempotency_key: 'k'.repeat(201) }), status: 422, code: 'validation_failed', detail: 'idempotency_key' },
    { name: 'an unknown source', ...post('/api/analyses', { text: 'x', source: 'carrier-pigeon' }), status: 422, code: 'validation_failed', detail: 'source' },
    { name: 'a bad occurred_at', ...post('/api/analyses', { text: 'x', occurred_at: 'yesterday' }), status: 422, code: 'validation_failed', detail: 'occurred_at' },
    { name: 'a conversation_id that is not a uuid', ...post('/api/analyses', { text: 'x', conversation_id: '1; drop table' }), status: 422, code: 'validation_failed', detail: 'conversation_id' },
    { name: 'an unknown conversation_id', ...post('/api/analyses', { text: 'x', conversation_id: unknown }), status: 404, code: 'not_found' },
    { name: 'an unknown field', ...post('/api/analyses', { text: 'x', projet: 'typo' }), status: 422, code: 'validation_failed' },
    { name: 'metadata that is not an object', ...post('/api/conversations', { metadata: 'x' }), status: 422, code: 'validation_failed', detail: 'metadata' },
    { name: 'oversized metadata', ...post('/api/conversations', { metadata: { blob: 'x'.repeat(20_000) } }), status: 422, code: 'validation_failed', detail: 'metadata' },
    { name: 'a message without content', ...post(`/api/conversations/${conversationId}/messages`, {}), status: 422, code: 'validation_failed', detail: 'content' },
    { name: 'a message with numeric content', ...post(`/api/conversations/${conversationId}/messages`, { content: 7 }), status: 422, code: 'validation_failed', detail: 'content' },
    { name: 'a bad feedback outcome', ...post(`/api/analyses/${requestId}/feedback`, { outcome: 'maybe' }), status: 422, code: 'validation_failed', detail: 'outcome' },
    { name: 'feedback without outcome', ...post(`/api/analyses/${requestId}/feedback`, {}), status: 422, code: 'validation_failed', detail: 'outcome' },
    { name: 'an extra-long resolution', ...post(`/api/analyses/${requestId}/feedback`, { outcome: 'resolved', resolution: 'r'.repeat(5_001) }), status: 422, code: 'validation_failed', detail: 'resolution' },
    // Malformed ids in every path: a 400, never a database error.
    ...[
      ['GET', '/api/conversations/not-a-uuid'],
      ['POST', '/api/conversations/123/messages'],
      ['GET', '/api/conversations/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz/similar'],
      ['GET', "/api/conversations/'%20or%201=1/events"],
      ['GET', '/api/analyses/not-a-uuid'],
      ['GET', '/api/analyses/12345678-1234-1234-1234-1234567890123/events'],
      ['POST', '/api/analyses/%00/feedback'],
    ].map(([method, path]) => ({
      name: `a malformed id: ${method} ${path}`,
      method,
      path: path!,
      headers: jsonHeaders,
      ...(method === 'POST' ? { body: JSON.stringify({ content: 'x', outcome: 'resolved' }) } : {}),
      status: 400,
      code: 'bad_request',
      detail: path!.startsWith('/api/analyses') ? 'request_id' : 'id',
    })),
    // Unknown ids: 404.
    { name: 'an unknown conversation', method: 'GET', path: `/api/conversations/${unknown}`, status: 404, code: 'not_found' },
    { name: 'an unknown analysis', method: 'GET', path: `/api/analyses/${unknown}`, status: 404, code: 'not_found' },
    { name: 'events of an unknown analysis', method: 'GET', path: `/api/analyses/${unknown}/events`, status: 404, code: 'not_found' },
    { name: 'feedback on an unknown analysis', ...post(`/api/analyses/${unknown}/feedback`, { outcome: 'resolved' }), status: 404, code: 'not_found' },
    { name: 'an unknown route', method: 'GET', path: '/api/nothing-here', status: 404, code: 'not_found' },
    // Bad queries and headers.
    { name: 'a patterns limit of 0', method: 'GET', path: '/api/patterns?limit=0', status: 400, code: 'bad_request', detail: 'limit' },
    { name: 'a patterns limit of 501', method: 'GET', path: '/api/patterns?limit=501', status: 400, code: 'bad_request', detail: 'limit' },
    { name: 'a patterns limit that is not a number', method: 'GET', path: '/api/patterns?limit=ten', status: 400, code: 'bad_request', detail: 'limit' },
    { name: 'an extra-long domain filter', method: 'GET', path: `/api/patterns?domain=${'d'.repeat(101)}`, status: 400, code: 'bad_request', detail: 'domain' },
    { name: 'a similar limit of 51', method: 'GET', path: `/api/conversations/${conversationId}/similar?limit=51`, status: 400, code: 'bad_request', detail: 'limit' },
    { name: 'a negative last_event_id', method: 'GET', path: `/api/analyses/${requestId}/events?last_event_id=-1`, status: 400, code: 'bad_request', detail: 'last_event_id' },
    { name: 'a Last-Event-ID that is not a seq', method: 'GET', path: `/api/analyses/${requestId}/events`, headers: { 'last-event-id': 'abc' }, status: 400, code: 'bad_request' },
    // Logs.
    { name: 'logs of an unsupported type', ...post('/api/logs', '<xml/>', { headers: { 'content-type': 'application/xml' } }), status: 415, code: 'unsupported_media_type' },
    { name: 'logs without content type', method: 'POST', path: '/api/logs', body: new TextEncoder().encode('a line'), status: 415, code: 'unsupported_media_type' },
    { name: 'logs with an extra-long default project', ...post(`/api/logs?project=${'p'.repeat(101)}`, '[]'), status: 400, code: 'bad_request', detail: 'project' },
  ];

  it('every bad request answers its 4xx in the error shape, never a 500', async () => {
    const failures: string[] = [];
    for (const c of cases()) {
      const init: RequestInit = { method: c.method ?? 'GET', ...(c.headers ? { headers: c.headers } : {}), ...(c.body !== undefined ? { body: c.body } : {}) };
      const res = await ingress.app.request(c.path, init);
      const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string; details?: { path: string }[] } } | null;
      const ok =
        res.status === c.status &&
        body?.error?.code === c.code &&
        typeof body.error.message === 'string' &&
        (c.detail === undefined || (body.error.details ?? []).some((d) => d.path === c.detail));
      if (!ok) failures.push(`${c.name}: ${res.status} ${JSON.stringify(body)}`);
    }
    expect(failures).toEqual([]);
  });

  it('a schema violation lists each issue with its path and message', async () => {
    const res = await ingress.app.request('/api/analyses', { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ text: 1, env: 2 }) });
    expect(res.status).toBe(422);
    const { error } = (await res.json()) as { error: { details: { path: string; message: string }[] } };
    expect(error.details.map((d) => d.path).sort()).toEqual(['env', 'text']);
    expect(error.details.every((d) => d.message.length > 0)).toBe(true);
  });

  it('/api/logs takes bodies larger than 1 MiB', async () => {
    const line = JSON.stringify({ ts: '2026-11-25T10:00:00Z', level: 'info', message: 'm'.repeat(1000) });
    const body = Array.from({ length: 1_200 }, () => line).join('\n');
    expect(body.length).toBeGreaterThan(MiB);
    const res = await ingress.app.request('/api/logs', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ingested: number }).ingested).toBe(1_200);
  });
});

describe('unavailable backing services', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  const count = async (table: 'analysis_requests' | 'messages') =>
    Number((await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from ${sql.identifier(table)}`))[0]!.n);

  it('Redis down while accepting answers 503 with Retry-After and leaves nothing in Postgres', async () => {
    const ingress = createTestIngress(database.db, { pipelineRedisUrl: 'redis://127.0.0.1:1' });
    try {
      const conversation = await createConversation(database.db);
      const attempts = [
        ingress.app.request('/api/analyses', { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ text: 'x', idempotency_key: 'k-down' }) }),
        ingress.app.request(`/api/conversations/${conversation.id}/messages`, { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ content: 'x' }) }),
      ];
      for (const res of await Promise.all(attempts)) {
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('5');
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unavailable');
      }
      expect(await count('analysis_requests')).toBe(0);
      expect(await count('messages')).toBe(0);
    } finally {
      await ingress.close();
    }
  });

  it('a retry with the same idempotency key after Redis came back is accepted afresh', async () => {
    const ingress = createTestIngress(database.db);
    try {
      const res = await ingress.app.request('/api/analyses', { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ text: 'x', idempotency_key: 'k-down' }) });
      expect(res.status).toBe(202);
      expect(await count('analysis_requests')).toBe(1);
    } finally {
      await ingress.close();
    }
  });

  it('Redis down for pub/sub answers an event stream with 503', async () => {
    const ingress = createTestIngress(database.db, { subscriberRedisUrl: 'redis://127.0.0.1:1' });
    try {
      const { request } = await createAnalysisRequest(database.db, { source: 'api', text: 'x' });
      const res = await ingress.app.request(`/api/analyses/${request.id}/events`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
    } finally {
      await ingress.close();
    }
  });

  it('Postgres down answers 503, not 500', async () => {
    const down = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none' });
    const ingress = createTestIngress(down.db);
    try {
      for (const [path, init] of [
        ['/api/analyses', { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ text: 'x' }) }],
        [`/api/analyses/${randomUUID()}`, undefined],
        ['/api/patterns', undefined],
        ['/api/conversations', { method: 'POST' }],
      ] as const) {
        const res = await ingress.app.request(path, init);
        expect(res.status, path).toBe(503);
        expect(res.headers.get('retry-after')).toBe('5');
      }
    } finally {
      await ingress.close();
      await down.close();
    }
  });
});
