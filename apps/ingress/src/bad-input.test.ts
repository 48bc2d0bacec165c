/**
 * The bodies that used to answer 500 (issue 10): text Postgres cannot store, instants outside
 * its range, nesting that overflows recursive walks. Each is now a 4xx naming the field (or,
 * in a multi-line body, a rejected line naming its number and field), and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalysisRequest, createConversation, markRequestCompleted, storeAnalysisResult } from '@loglore/db';
import { countRows, createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { createTestIngress, type TestIngress } from './testing.ts';

const json = { 'content-type': 'application/json' };
const ndjson = { 'content-type': 'application/x-ndjson' };
const deepArrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObjects = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const alert = (over: Record<string, unknown>) => ({
  status: 'firing',
  labels: { alertname: 'PoolExhausted' },
  annotations: {},
  startsAt: '2026-11-25T10:00:00Z',
  ...over,
});
const webhook = (alerts: unknown[]) => JSON.stringify({ version: '4', status: 'firing', alerts });
const incident = (over: Record<string, unknown>) =>
  JSON.stringify({ occurred_at: '2026-11-25T10:00:00Z', text: 'NPSB timeouts', project: null, env: null, domain: null, ...over });

describe('bad input never answers 500', () => {
  let database: TestDatabase;
  let ingress: TestIngress;
  let conversationId: string;
  let completedId: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    ingress = createTestIngress(database.db);
    conversationId = (await createConversation(database.db, {})).id;
    const { request } = await createAnalysisRequest(database.db, { source: 'api', text: 'pool exhausted' });
    await storeAnalysisResult(database.db, { requestId: request.id, source: 'api', queryText: 'pool exhausted', parameters: {}, patternKey: null, errorPattern: null });
    await markRequestCompleted(database.db, request.id, { request_id: request.id });
    completedId = request.id;
  });
  afterAll(async () => {
    await ingress.close();
    await database.drop();
  });

  const cases = (): { name: string; path: string; body: string; status: number; detail: string; type?: string }[] => [
    { name: 'a NUL in an analysis text', path: '/api/analyses', body: JSON.stringify({ text: 'pool\u0000exhausted' }), status: 422, detail: 'text' },
    { name: 'a lone surrogate in an analysis text', path: '/api/analyses', body: JSON.stringify({ text: 'pool \ud800' }), status: 422, detail: 'text' },
    { name: 'year 0000 as occurred_at', path: '/api/analyses', body: JSON.stringify({ text: 'x', occurred_at: '0000-01-01T00:00:00Z' }), status: 422, detail: 'occurred_at' },
    { name: 'a 100k-deep analysis body', path: '/api/analyses', body: `{"text":"x","project":${deepArrays(100_000)}}`, status: 422, detail: 'project' },
    { name: 'a NUL in message content', path: `/api/conversations/${conversationId}/messages`, body: JSON.stringify({ content: 'a\u0000b' }), status: 422, detail: 'content' },
    { name: 'year 0000 in a message', path: `/api/conversations/${conversationId}/messages`, body: JSON.stringify({ content: 'ab', occurred_at: '0000-06-01T00:00:00+00:00' }), status: 422, detail: 'occurred_at' },
    { name: 'a NUL in metadata', path: '/api/conversations', body: JSON.stringify({ metadata: { owner: 'a\u0000' } }), status: 422, detail: 'metadata.owner' },
    { name: 'a NUL in a metadata key', path: '/api/conversations', body: JSON.stringify({ metadata: { 'own\u0000er': 'a' } }), status: 422, detail: 'metadata' },
    { name: 'a lone surrogate in metadata', path: '/api/conversations', body: JSON.stringify({ metadata: { owner: '\udc00' } }), status: 422, detail: 'metadata.owner' },
    { name: '100k-deep metadata', path: '/api/conversations', body: `{"metadata":{"a":${deepObjects(100_000)}}}`, status: 422, detail: 'metadata.a' },
    { name: 'a NUL in a feedback resolution', path: `/api/analyses/${completedId}/feedback`, body: JSON.stringify({ outcome: 'resolved', resolution: 'restarted\u0000' }), status: 422, detail: 'resolution' },
    { name: 'a NUL in an alert annotation', path: '/api/alerts/alertmanager', body: webhook([alert({ annotations: { summary: 'pool\u0000' } })]), status: 422, detail: 'alerts.0.annotations.summary' },
    { name: 'a NUL in a label key', path: '/api/alerts/alertmanager', body: webhook([alert({ labels: { alertname: 'X', 'ser\u0000vice': 'a' } })]), status: 422, detail: 'alerts.0.labels' },
    { name: 'a lone surrogate label key', path: '/api/alerts/alertmanager', body: webhook([alert({ labels: { alertname: 'X', '\ud800': 'a' } })]), status: 422, detail: 'alerts.0.labels' },
    { name: 'year 0000 as startsAt', path: '/api/alerts/alertmanager', body: webhook([alert({ startsAt: '0000-01-01T00:00:00Z' })]), status: 422, detail: 'alerts.0.startsAt' },
    { name: 'a NUL in a Grafana annotation', path: '/api/alerts/grafana', body: webhook([alert({ annotations: { summary: 'a\u0000' } })]), status: 422, detail: 'alerts.0.annotations.summary' },
    // Webhooks are read as JSON whatever their declared type (found by the route fuzzer).
    { name: 'a NUL in a webhook sent as multipart', path: '/api/alerts/grafana', type: 'multipart/form-data; boundary=x', body: webhook([alert({ annotations: { summary: 'a\u0000' } })]), status: 422, detail: 'alerts.0.annotations.summary' },
    { name: 'a 100k-deep webhook', path: '/api/alerts/grafana', body: `{"alerts":[],"x":${deepArrays(100_000)}}`, status: 422, detail: 'x' },
  ];

  it('every known cause answers 422 naming the field, and writes no row', async () => {
    const before = await countRows(database.db);
    const failures: string[] = [];
    for (const c of cases()) {
      const res = await ingress.app.request(c.path, { method: 'POST', headers: c.type ? { 'content-type': c.type } : json, body: c.body });
      const body = (await res.json()) as { error?: { code: string; details?: { path: string; message: string }[] } };
      const paths = body.error?.details?.map((d) => d.path) ?? [];
      if (res.status !== c.status || body.error?.code !== 'validation_failed' || !paths.some((p) => p.startsWith(c.detail))) {
        failures.push(`${c.name}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await countRows(database.db)).toEqual(before);
  });

  it('a backfill body keeps its good lines and lists each bad one by number and field, storably', async () => {
    const lines = [
      incident({ text: 'NPSB timeouts at 10:00' }),
      incident({ text: 'pool\u0000exhausted' }),
      incident({ occurred_at: '0000-01-01T00:00:00Z' }),
      incident({ resolution: 'restarted \ud800' }),
      incident({ trace_ids: ['4bf9\u0000'] }),
      `{"occurred_at":"2026-11-25T10:00:00Z","text":"x","project":null,"env":null,"domain":null,"extra":${deepArrays(100_000)}}`,
      // A line that is not JSON: the parser's message quotes it, NUL included.
      '\u0000 not json',
      incident({ text: 'ledger pool exhausted' }),
    ];
    const res = await ingress.app.request('/api/backfill', { method: 'POST', headers: ndjson, body: lines.join('\n') });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { backfill_id: string; accepted: number; rejected: { line: number; error: string }[] };
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(body.rejected[0]!.error).toMatch(/^text: must not contain a NUL/);
    expect(body.rejected[1]!.error).toMatch(/^occurred_at: must be between the years 1000 and 9999/);
    expect(body.rejected[2]!.error).toMatch(/^resolution: must not contain an unpaired/);
    expect(body.rejected[3]!.error).toMatch(/^trace_ids\.0: must not contain a NUL/);
    expect(body.rejected[4]!.error).toMatch(/^extra\.0\.0.*nests deeper than 64 levels$/);
    expect(body.rejected[5]!.error).toMatch(/^line is not valid JSON/);
    const status = await ingress.app.request(`/api/backfill/${body.backfill_id}`);
    const stored = (await status.json()) as { total: number; rejected: { line: number; error: string }[] };
    expect(stored.total).toBe(2);
    expect(stored.rejected).toEqual(body.rejected);
    expect(stored.rejected.every((r) => !r.error.includes('\u0000'))).toBe(true);
  });

  it('log lines with NUL, bad years or deep nesting are cleaned or rejected by line, the rest stored', async () => {
    const lines = [
      JSON.stringify({ ts: '2026-11-25T10:00:00Z', msg: 'pool\u0000exhausted', service: 'led\u0000ger' }),
      JSON.stringify({ ts: '0000-01-01T00:00:00Z', msg: 'year zero' }),
      `{"ts":"2026-11-25T10:00:01Z","msg":"deep","a":${deepArrays(100_000)}}`,
      'plain \u0000 text line \ud800',
    ];
    const res = await ingress.app.request('/api/logs', { method: 'POST', headers: ndjson, body: lines.join('\n') });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ingested: number; rejected: { line: number; error: string }[] };
    expect(body.ingested).toBe(3);
    expect(body.rejected).toEqual([{ line: 2, error: expect.stringMatching(/outside the years 1000-9999/) as string }]);
  });
});

describe('a refused alert notification writes nothing', () => {
  let database: TestDatabase;
  let ingress: TestIngress;
  beforeAll(async () => {
    database = await createTestDatabase();
    ingress = createTestIngress(database.db, { env: { LOGLORE_API_KEYS: 'all-key=*;pay-key=payments' } });
  });
  afterAll(async () => {
    await ingress.close();
    await database.drop();
  });

  const post = (key: string, alerts: unknown[]) =>
    ingress.app.request('/api/alerts/alertmanager', { method: 'POST', headers: { ...json, authorization: `Bearer ${key}` }, body: webhook(alerts) });

  it('a firing that would join another project\'s analysis records no occurrence (found by the route fuzzer)', async () => {
    const first = await post('all-key', [alert({ fingerprint: 'fp-shared', labels: { alertname: 'PoolExhausted' } })]);
    expect(first.status).toBe(202);
    const before = await countRows(database.db);
    // A new firing of the same alert, sent with a key of another project.
    const second = await post('pay-key', [alert({ fingerprint: 'fp-shared', startsAt: '2026-11-25T10:05:00Z', labels: { alertname: 'PoolExhausted', project: 'payments' } })]);
    const redelivered = await post('pay-key', [alert({ fingerprint: 'fp-shared', labels: { alertname: 'PoolExhausted', project: 'payments' } })]);
    // Attaching across projects is refused (409), or, where memory is scoped by project, the
    // firing starts its own analysis (202); a 409 must leave every table as it was.
    expect([202, 409]).toContain(second.status);
    expect(redelivered.status).toBe(409);
    if (second.status === 409) expect(await countRows(database.db)).toEqual(before);
  });
});
