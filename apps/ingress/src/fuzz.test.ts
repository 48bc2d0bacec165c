/**
 * Property-based fuzzing of every route, in memory (`app.request()`) against the real Postgres
 * and Redis: near-valid and hostile bodies, paths, queries, headers and API keys. Whatever
 * arrives, the answer is not a 5xx, nothing escapes as an unhandled rejection, and a refused
 * request (4xx) leaves every table as it was (row counts before and after).
 *
 * `FUZZ_COUNT=1` counts 5xx answers instead of stopping at the first one (how the figures in
 * the issue were measured); `FUZZ_SEED` and `FUZZ_RUNS` as in @loglore/core/testing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anyInstant,
  bodyText,
  fuzz,
  fuzzCounter,
  hostileJson,
  hostileString,
  hugeString,
  incidentLine,
  logBody,
  mutated,
  webhook,
} from '@loglore/core/testing';
import { createAnalysisRequest, createConversation, markRequestCompleted, storeAnalysisResult } from '@loglore/db';
import { countRows, createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { createTestIngress, type TestIngress } from './testing.ts';

const KEYS = { all: 'fuzz-all-key', payments: 'fuzz-payments-key' };
const COUNT_ONLY = process.env.FUZZ_COUNT === '1';

/** Percent-encodes the UTF-8 bytes of any string (encodeURIComponent throws on lone surrogates). */
function encode(s: string): string {
  return [...new TextEncoder().encode(s)].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');
}

/** Path segments where an id goes: a real one, an unknown UUID, or garbage (bad escapes too). */
function idSegment(real: () => string[]) {
  return fc.oneof(
    { weight: 4, arbitrary: fc.nat().map((n) => real()[n % real().length]!) },
    { weight: 1, arbitrary: fc.uuid().map((u) => u) },
    { weight: 1, arbitrary: hostileString(20).map(encode) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%00', '%ED%A0%80', '%C0%AF', '..%2F..', '00000000-0000-0000-0000-000000000000', 'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ') },
  );
}

/** A query string: the route's parameters with good, hostile or absent values, or raw noise. */
function query(params: Record<string, fc.Arbitrary<string>>) {
  return fc.oneof(
    { weight: 5, arbitrary: fc.record(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, fc.option(fc.oneof(v, hostileString(12)), { freq: 2 })]))).map((r) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(r)) if (v !== null) q.set(k, v);
      const s = q.toString();
      return s ? `?${s}` : '';
    }) },
    { weight: 1, arbitrary: fc.constantFrom('?limit=%zz', '?%00=%00', '?limit=1e400', '?limit=-0', '?first_line=99999999999999999999', '?final=maybe', '?last_event_id=9'.repeat(3)) },
  );
}

/** Mostly `usual`, now and then one of `others`. */
const mostly = (usual: string, others: string[]) => fc.oneof({ weight: 12, arbitrary: fc.constant(usual) }, { weight: 3, arbitrary: fc.constantFrom(...others) });
const jsonTypes = mostly('application/json', ['application/json; charset=utf-8', 'application/vnd.loglore+json', 'text/plain', '', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16']);
const ndjsonTypes = mostly('application/x-ndjson', ['application/jsonl', 'text/plain', 'application/json', '', 'application/xml']);
const authorization = mostly(`Bearer ${KEYS.all}`, [`Bearer ${KEYS.payments}`, `Bearer ${KEYS.payments}`, '', 'Bearer nope', `Basic ${Buffer.from(`x:${KEYS.all}`).toString('base64')}`, 'Bearer']);
const asciiHeader = fc.string({ unit: 'grapheme-ascii', maxLength: 12 });
const MiB = 1024 * 1024;
const OVERSIZE = `{"text":"${'x'.repeat(MiB + 100)}"}`;

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

describe('fuzzed requests to every route', () => {
  let database: TestDatabase;
  let ingress: TestIngress;
  const conversations: string[] = [];
  const analyses: string[] = [];
  const backfills: string[] = [];
  const fiveHundreds: string[] = [];
  const halfWritten: string[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (error: unknown) => unhandled.push(error);
  let cases = 0;
  /** `status route` → answers, printed so a reader sees what the fuzzer reached. */
  const answers = new Map<string, number>();

  beforeAll(async () => {
    database = await createTestDatabase({ max: 5 });
    ingress = createTestIngress(database.db, { env: { LOGLORE_API_KEYS: `${KEYS.payments}=payments;${KEYS.all}=*` } });
    for (const project of ['payments', null]) {
      conversations.push((await createConversation(database.db, { project })).id);
      const { request } = await createAnalysisRequest(database.db, { source: 'api', text: 'pool exhausted', project });
      await storeAnalysisResult(database.db, { requestId: request.id, source: 'api', queryText: 'pool exhausted', parameters: {}, patternKey: null, errorPattern: null });
      await markRequestCompleted(database.db, request.id, { request_id: request.id });
      analyses.push(request.id, (await createAnalysisRequest(database.db, { source: 'api', text: 'queued one', project })).request.id);
    }
    const first = await ingress.app.request('/api/backfill', {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${KEYS.all}` },
      body: JSON.stringify({ occurred_at: '2026-11-25T10:00:00Z', text: 'seed incident', project: 'payments', env: null, domain: null }),
    });
    backfills.push(((await first.json()) as { backfill_id: string }).backfill_id);
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
    console.log([...answers].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${String(n).padStart(5)} ${k}`).join('\n'));
    console.log(`fuzz routes: ${cases} requests, ${fiveHundreds.length} answered 5xx, ${halfWritten.length} refused but wrote rows${fiveHundreds.length ? `:\n${fiveHundreds.slice(0, 20).join('\n')}` : ''}`);
    await ingress.close();
    await database.drop();
  });

  const conversationId = idSegment(() => conversations);
  const analysisId = idSegment(() => analyses);
  const backfillId = idSegment(() => backfills);

  const analysisBody = bodyText(
    mutated(
      { text: 'NPSB transfers failing in prod since 10:00', project: 'payments', env: 'prod', domain: 'transactions' },
      {
        text: fc.oneof(hostileString(80), hugeString),
        project: hostileString(20),
        env: hostileString(20),
        domain: hostileString(20),
        occurred_at: anyInstant,
        idempotency_key: fc.oneof(fc.uuid(), hostileString(20)),
        source: fc.constantFrom('api', 'chat', 'alertmanager', 'backfill', 'pigeon'),
        conversation_id: fc.oneof(fc.uuid(), hostileString(10), fc.nat().map((n) => conversations[n % conversations.length]!)),
      },
    ),
  );
  const messageBody = bodyText(
    mutated({ content: 'and in staging?' }, { content: fc.oneof(hostileString(80), hugeString), project: hostileString(20), env: hostileString(20), domain: hostileString(20), occurred_at: anyInstant }),
  );
  const conversationBody = fc.oneof(
    bodyText(mutated({ project: 'payments', metadata: { channel: 'slack' } }, { project: hostileString(20), metadata: fc.oneof(hostileJson, fc.dictionary(hostileString(10), hostileJson)) })),
    fc.constant(''),
  );
  const feedbackBody = bodyText(mutated({ outcome: 'resolved', resolution: 'raised the pool size' }, { outcome: fc.constantFrom('resolved', 'not_resolved', 'maybe'), resolution: fc.oneof(hostileString(60), hugeString) }));

  /** Writes, where bodies reach Postgres, four times as often as reads. */
  const writes = fc.oneof(
    fc.tuple(conversationBody, jsonTypes).map(([body, type]) => ({ method: 'POST', path: '/api/conversations', type, body })),
    fc.tuple(conversationId, messageBody, jsonTypes).map(([id, body, type]) => ({ method: 'POST', path: `/api/conversations/${id}/messages`, type, body })),
    fc.tuple(analysisBody, jsonTypes).map(([body, type]) => ({ method: 'POST', path: '/api/analyses', type, body })),
    fc.tuple(analysisId, feedbackBody, jsonTypes).map(([id, body, type]) => ({ method: 'POST', path: `/api/analyses/${id}/feedback`, type, body })),
    fc
      .tuple(logBody, ndjsonTypes, query({ project: fc.constantFrom('payments', 'other'), env: fc.constant('prod'), domain: fc.constant('cards'), service: fc.constant('ledger') }))
      .map(([body, type, q]) => ({ method: 'POST', path: `/api/logs${q}`, type, body })),
    fc.tuple(webhook, jsonTypes).map(([body, type]) => ({ method: 'POST', path: '/api/alerts/alertmanager', type, body })),
    fc.tuple(webhook, jsonTypes).map(([body, type]) => ({ method: 'POST', path: '/api/alerts/grafana', type, body })),
    fc
      .tuple(
        fc.array(incidentLine, { maxLength: 4 }),
        ndjsonTypes,
        query({ backfill_id: fc.nat().map((n) => backfills[n % backfills.length]!), first_line: fc.integer({ min: -1, max: 10 }).map(String), final: fc.constantFrom('true', 'false') }),
      )
      .map(([lines, type, q]) => ({ method: 'POST', path: `/api/backfill${q}`, type, body: lines.join('\n') })),
  );
  const reads = fc.oneof(
    conversationId.map((id) => ({ method: 'GET', path: `/api/conversations/${id}` })),
    fc.tuple(conversationId, query({ limit: fc.integer({ min: -5, max: 60 }).map(String) })).map(([id, q]) => ({ method: 'GET', path: `/api/conversations/${id}/similar${q}` })),
    conversationId.map((id) => ({ method: 'GET', path: `/api/conversations/${id}/events` })),
    analysisId.map((id) => ({ method: 'GET', path: `/api/analyses/${id}` })),
    fc
      .tuple(analysisId, query({ last_event_id: fc.integer({ min: -2, max: 40_000 }).map(String) }), fc.option(asciiHeader))
      .map(([id, q, last]) => ({ method: 'GET', path: `/api/analyses/${id}/events${q}`, ...(last === null ? {} : { lastEventId: last }) })),
    query({ domain: fc.constantFrom('transactions', 'cards'), error_type: fc.constant('DB_POOL_EXHAUSTED'), limit: fc.integer({ min: -1, max: 600 }).map(String) }).map((q) => ({
      method: 'GET',
      path: `/api/patterns${q}`,
    })),
    backfillId.map((id) => ({ method: 'GET', path: `/api/backfill/${id}` })),
    // The list routes, with cursors this API never gave.
    query({ project: fc.constantFrom('alpha', 'beta'), limit: fc.integer({ min: -5, max: 300 }).map(String), cursor: fc.string({ maxLength: 60 }) }).map((q) => ({
      method: 'GET',
      path: `/api/conversations${q}`,
    })),
    query({
      status: fc.constantFrom('queued', 'completed', 'done'),
      source: fc.constantFrom('chat', 'grafana', 'email'),
      since: fc.constantFrom('2026-11-25T10:00:00Z', 'yesterday', '2026-02-30T00:00:00Z'),
      cursor: fc.oneof(fc.string({ maxLength: 60 }), fc.constant(Buffer.from('["2026-11-25T10:00:00.000000Z","x"]').toString('base64url'))),
    }).map((q) => ({ method: 'GET', path: `/api/analyses${q}` })),
    fc.constantFrom('/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/admin/queues', '/api/nothing', '/api/analyses/').map((path) => ({ method: 'GET', path })),
    fc.constantFrom('/api/analyses', '/api/conversations', '/api/alerts/grafana').map((path) => ({ method: 'POST', path, type: 'application/json', body: OVERSIZE })),
    fc.tuple(fc.constantFrom('PUT', 'DELETE', 'PATCH'), fc.constantFrom('/api/analyses', '/api/logs', '/api/conversations')).map(([method, path]) => ({ method, path })),
  );

  const request: fc.Arbitrary<FuzzRequest> = fc
    .tuple(
      fc.oneof(
        { weight: 4, arbitrary: writes as fc.Arbitrary<{ method: string; path: string; type?: string; body?: string; lastEventId?: string }> },
        { weight: 1, arbitrary: reads as fc.Arbitrary<{ method: string; path: string; type?: string; body?: string; lastEventId?: string }> },
      ),
      authorization,
    )
    .map(([r, auth]) => {
      const headers: Record<string, string> = {};
      if (auth) headers.authorization = auth;
      if ('type' in r && r.type) headers['content-type'] = r.type;
      if ('lastEventId' in r && r.lastEventId !== undefined) headers['last-event-id'] = r.lastEventId;
      return { method: r.method, path: r.path, headers, ...('body' in r ? { body: r.body } : {}) };
    });

  it(
    'no request answers 5xx, the process stays up, and a refused one writes no row',
    async () => {
      await fuzz(
        'routes',
        fc.asyncProperty(request, async (r) => {
          cases++;
          const before = await countRows(database.db);
          const res = await ingress.app.request(r.path, { method: r.method, headers: r.headers, ...(r.body === undefined ? {} : { body: r.body }) });
          // Event streams may stay open: the status is known, the rest is not needed.
          if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) await res.body?.cancel();
          else await res.arrayBuffer();
          const route = `${r.method} ${r.path.replace(/\?.*$/, '').replace(/^(\/api\/\w+\/)[^/]+/, '$1:id')}`;
          const key = `${res.status} ${route.length > 60 ? 'other' : route}`;
          answers.set(key, (answers.get(key) ?? 0) + 1);
          const describe = `${res.status} ${r.method} ${r.path.slice(0, 120)} ${JSON.stringify(r.headers)} ${JSON.stringify(r.body?.slice(0, 300) ?? '')}`;
          if (res.status >= 500) {
            fiveHundreds.push(describe);
            if (!COUNT_ONLY) throw new Error(`5xx: ${describe}`);
            return;
          }
          if (res.status >= 400) {
            const after = await countRows(database.db);
            if (JSON.stringify(after) !== JSON.stringify(before)) {
              const message = `a refused request wrote rows: ${describe}\nbefore ${JSON.stringify(before)}\nafter  ${JSON.stringify(after)}`;
              halfWritten.push(message);
              if (!COUNT_ONLY) throw new Error(message);
            }
          }
        }),
        700,
      );
      expect(fiveHundreds).toEqual([]);
      expect(halfWritten).toEqual([]);
      expect(unhandled).toEqual([]);
      const health = await ingress.app.request('/healthz');
      expect(health.status).toBe(200);
      console.log(`fuzz: ${fuzzCounter.cases} route cases in this file`);
    },
    120_000,
  );

  it('the fuzzer reaches the accepting path of every write route, not only refusals', () => {
    const accepted = (route: string) => [...answers].filter(([k]) => /^2\d\d /.test(k) && k.endsWith(route)).reduce((n, [, c]) => n + c, 0);
    for (const route of ['POST /api/conversations', 'POST /api/conversations/:id/messages', 'POST /api/analyses', 'POST /api/analyses/:id/feedback', 'POST /api/logs', 'POST /api/alerts/:id', 'POST /api/backfill']) {
      expect({ route, accepted: accepted(route) > 0 }).toEqual({ route, accepted: true });
    }
  });
});
