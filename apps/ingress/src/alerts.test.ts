import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { signGrafanaPayload } from '@loglore/core';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { getAnalysisRequest, listAlertOccurrences, markRequestCompleted, openDatabase, queryRows } from '@loglore/db';
import {
  ALERTMANAGER_FIRING_EXAMPLE,
  ALERTMANAGER_RESOLVED_EXAMPLE,
  alertmanagerNotification,
  GRAFANA_FIRING_EXAMPLE,
} from '../../../packages/core/src/alerts/webhooks.fixture.ts';
import { createTestIngress, type TestIngress } from './testing.ts';

interface Answer {
  request_ids: string[];
  alerts: { fingerprint: string; request_id: string; outcome: string }[];
  resolved: { fingerprint: string; request_id: string | null }[];
}

const SECRET = 'grafana-shared-secret';

function post(ingress: TestIngress, path: string, body: unknown, headers: Record<string, string> = {}) {
  return ingress.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('alert webhooks', () => {
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

  const countRequests = async () =>
    Number((await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from analysis_requests`))[0]!.n);
  const jobState = (requestId: string) => ingress.deps.pipeline.jobState('extract-params', { request_id: requestId, generation: 1 });

  it("Alertmanager's example, firing, becomes one queued analysis anchored at startsAt", async () => {
    const res = await post(ingress, '/api/alerts/alertmanager', ALERTMANAGER_FIRING_EXAMPLE);
    expect(res.status).toBe(202);
    const answer = (await res.json()) as Answer;
    expect(answer.request_ids).toHaveLength(1);
    expect(answer.alerts[0]).toMatchObject({ fingerprint: 'fbab788ec4c1018b', outcome: 'created' });
    const request = await getAnalysisRequest(database.db, answer.request_ids[0]!);
    expect(request).toMatchObject({ source: 'alertmanager', status: 'queued', text: 'Deployment: Kubernetes Deployment Replicas Mismatch' });
    expect(request!.occurredAt.toISOString()).toBe('2022-07-29T11:13:27.300Z');
    expect(request!.metadata).toMatchObject({ alert: { fingerprint: 'fbab788ec4c1018b', labels: { namespace: 'eric-eo-cm-ci406' } } });
    expect(await jobState(answer.request_ids[0]!)).toBe('waiting');
  });

  it('a historical alert is stored with its window around startsAt, whatever its annotations say', async () => {
    const body = alertmanagerNotification([
      { fingerprint: 'hist-1', startsAt: '2019-03-04T08:00:00Z', summary: 'ECONNREFUSED to 10.0.4.17:7001 since 10:00 yesterday (v2.10.1)' },
    ]);
    const answer = (await (await post(ingress, '/api/alerts/alertmanager', body)).json()) as Answer;
    const request = await getAnalysisRequest(database.db, answer.request_ids[0]!);
    expect(request!.occurredAt.toISOString()).toBe('2019-03-04T08:00:00.000Z');
    // Delivered years later: 30 minutes before startsAt to the bounded hour after it.
    expect(request!.metadata).toMatchObject({ window: { from: '2019-03-04T07:30:00.000Z', to: '2019-03-04T09:00:00.000Z' } });
  });

  it('a redelivery answers the same ids and stores nothing new', async () => {
    const before = await countRequests();
    const first = (await (await post(ingress, '/api/alerts/alertmanager', ALERTMANAGER_FIRING_EXAMPLE)).json()) as Answer;
    const res = await post(ingress, '/api/alerts/alertmanager', ALERTMANAGER_FIRING_EXAMPLE);
    expect(res.status).toBe(202);
    const again = (await res.json()) as Answer;
    expect(again.request_ids).toEqual(first.request_ids);
    expect(again.alerts[0]!.outcome).toBe('redelivered');
    expect(await countRequests()).toBe(before);
  });

  it("the example's resolved notification is recorded on that analysis and nothing is analysed", async () => {
    const firing = (await (await post(ingress, '/api/alerts/alertmanager', ALERTMANAGER_FIRING_EXAMPLE)).json()) as Answer;
    const before = await countRequests();
    const res = await post(ingress, '/api/alerts/alertmanager', ALERTMANAGER_RESOLVED_EXAMPLE);
    expect(res.status).toBe(202);
    const answer = (await res.json()) as Answer;
    expect(answer.request_ids).toEqual([]);
    expect(answer.resolved).toEqual([{ fingerprint: 'fbab788ec4c1018b', starts_at: '2022-07-29T11:13:27.300Z', request_id: firing.request_ids[0] }]);
    expect(await countRequests()).toBe(before);
    const request = await getAnalysisRequest(database.db, firing.request_ids[0]!);
    expect(request!.metadata.resolved_at).toBe('2022-07-29T11:17:27.300Z');
    // A firing redelivered after its resolution still answers the same analysis.
    const late = (await (await post(ingress, '/api/alerts/alertmanager', ALERTMANAGER_FIRING_EXAMPLE)).json()) as Answer;
    expect(late.request_ids).toEqual(firing.request_ids);
  });

  it('each firing alert of a group gets its own analysis with hints from its labels; resolved ones are not analysed', async () => {
    const body = alertmanagerNotification([
      { fingerprint: 'grp-1', startsAt: '2026-11-25T10:00:00Z', labels: { project: 'payments', env: 'prod', domain: 'transactions', service: 'transfer-api' } },
      { fingerprint: 'grp-2', startsAt: '2026-11-25T10:01:00Z', labels: { project: 'payments', environment: 'staging', job: 'gateway' } },
      { fingerprint: 'grp-3', startsAt: '2026-11-25T09:00:00Z', status: 'resolved' },
    ]);
    const res = await post(ingress, '/api/alerts/alertmanager', body);
    expect(res.status).toBe(202);
    const answer = (await res.json()) as Answer;
    expect(answer.request_ids).toHaveLength(2);
    expect(new Set(answer.request_ids).size).toBe(2);
    expect(answer.resolved).toEqual([{ fingerprint: 'grp-3', starts_at: '2026-11-25T09:00:00.000Z', request_id: null }]);
    const [a, b] = await Promise.all(answer.request_ids.map((id) => getAnalysisRequest(database.db, id)));
    expect(a).toMatchObject({ project: 'payments', env: 'prod', domain: 'transactions', metadata: { hints: { services: ['transfer-api'] } } });
    expect(b).toMatchObject({ project: 'payments', env: 'staging', domain: null, metadata: { hints: { services: ['gateway'] } } });
  });

  it('a repeated firing of an alert whose analysis is open attaches to it; after the window it starts a new one', async () => {
    const first = (await (await post(ingress, '/api/alerts/alertmanager', alertmanagerNotification([{ fingerprint: 'flap', startsAt: '2026-11-25T10:00:00Z' }]))).json()) as Answer;
    const res = await post(ingress, '/api/alerts/alertmanager', alertmanagerNotification([{ fingerprint: 'flap', startsAt: '2026-11-25T10:07:00Z' }]));
    const second = (await res.json()) as Answer;
    expect(second.request_ids).toEqual(first.request_ids);
    expect(second.alerts[0]!.outcome).toBe('attached');
    expect((await listAlertOccurrences(database.db, first.request_ids[0]!)).length).toBe(2);

    await markRequestCompleted(database.db, first.request_ids[0]!, {});
    await database.db.execute(sql`update analysis_requests set finished_at = now() - interval '2 hours' where id = ${first.request_ids[0]!}::uuid`);
    const third = (await (await post(ingress, '/api/alerts/alertmanager', alertmanagerNotification([{ fingerprint: 'flap', startsAt: '2026-11-25T13:00:00Z' }]))).json()) as Answer;
    expect(third.alerts[0]!.outcome).toBe('created');
    expect(third.request_ids[0]).not.toBe(first.request_ids[0]);
  });

  it("Grafana's example is accepted without a configured secret", async () => {
    const res = await post(ingress, '/api/alerts/grafana', GRAFANA_FIRING_EXAMPLE);
    expect(res.status).toBe(202);
    const answer = (await res.json()) as Answer;
    const request = await getAnalysisRequest(database.db, answer.request_ids[0]!);
    expect(request).toMatchObject({ source: 'grafana', text: 'High memory usage. The system has high memory usage. (blue)' });
  });

  it('payloads that can never succeed answer 400 or 422 with what is wrong; nothing is stored', async () => {
    const before = await countRequests();
    const malformed = await post(ingress, '/api/alerts/alertmanager', '{"alerts": [');
    expect(malformed.status).toBe(400);
    const noAlerts = await post(ingress, '/api/alerts/alertmanager', { version: '4', status: 'firing' });
    expect(noAlerts.status).toBe(422);
    expect(await noAlerts.json()).toMatchObject({ error: { code: 'validation_failed', details: [{ path: 'alerts', message: 'must be an array of alerts' }] } });
    const body = alertmanagerNotification([{ fingerprint: 'bad', startsAt: 'not a time' }]);
    const badTime = await post(ingress, '/api/alerts/grafana', body);
    expect(badTime.status).toBe(422);
    expect(((await badTime.json()) as { error: { details: { path: string }[] } }).error.details[0]!.path).toBe('alerts.0.startsAt');
    expect(await countRequests()).toBe(before);
  });
});

describe('Grafana signatures', () => {
  let database: TestDatabase;
  let ingress: TestIngress;
  beforeAll(async () => {
    database = await createTestDatabase();
    ingress = createTestIngress(database.db, { env: { LOGLORE_GRAFANA_SECRET: SECRET } });
  });
  afterAll(async () => {
    await ingress.close();
    await database.drop();
  });

  const body = JSON.stringify(GRAFANA_FIRING_EXAMPLE);
  const seconds = (offsetMs = 0) => String(Math.floor((Date.now() + offsetMs) / 1000));

  it('a body signed with the secret is accepted, with or without a timestamp', async () => {
    const plain = await post(ingress, '/api/alerts/grafana', body, { 'X-Grafana-Alerting-Signature': signGrafanaPayload(SECRET, body) });
    expect(plain.status).toBe(202);
    const ts = seconds();
    const stamped = await post(ingress, '/api/alerts/grafana', body, {
      'X-Grafana-Alerting-Signature': signGrafanaPayload(SECRET, body, ts),
      'X-Grafana-Alerting-Signature-Timestamp': ts,
    });
    expect(stamped.status).toBe(202);
  });

  it('a wrong, missing or stale signature answers 401 and stores nothing', async () => {
    const tampered = body.replace('High memory usage', 'Low memory usage');
    const stale = seconds(-6 * 60_000);
    for (const [name, payload, headers] of [
      ['tampered body', tampered, { 'X-Grafana-Alerting-Signature': signGrafanaPayload(SECRET, body) }],
      ['wrong secret', body, { 'X-Grafana-Alerting-Signature': signGrafanaPayload('guess', body) }],
      ['missing', body, {}],
      ['stale', body, { 'X-Grafana-Alerting-Signature': signGrafanaPayload(SECRET, body, stale), 'X-Grafana-Alerting-Signature-Timestamp': stale }],
    ] as const) {
      const res = await post(ingress, '/api/alerts/grafana', payload, headers);
      expect(res.status, name).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
    const [{ n }] = (await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from analysis_requests where text like 'Low%'`)) as [{ n: number }];
    expect(n).toBe(0);
  });

  it('the secret does not apply to Alertmanager, which cannot sign', async () => {
    expect((await post(ingress, '/api/alerts/alertmanager', ALERTMANAGER_FIRING_EXAMPLE)).status).toBe(202);
  });
});

describe('alert webhooks when something is down or restricted', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('Redis down answers 503 with Retry-After and leaves nothing in Postgres; the retry is accepted', async () => {
    const down = createTestIngress(database.db, { pipelineRedisUrl: 'redis://127.0.0.1:1' });
    const body = alertmanagerNotification([
      { fingerprint: 'down-1', startsAt: '2026-11-25T10:00:00Z' },
      { fingerprint: 'down-2', startsAt: '2026-11-25T10:00:00Z' },
    ]);
    try {
      const res = await post(down, '/api/alerts/alertmanager', body);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      const rows = await queryRows<{ n: number }>(database.db, sql`select (select count(*) from analysis_requests) + (select count(*) from alert_occurrences) as n`);
      expect(Number(rows[0]!.n)).toBe(0);
    } finally {
      await down.close();
    }
    const up = createTestIngress(database.db);
    try {
      const res = await post(up, '/api/alerts/alertmanager', body);
      expect(res.status).toBe(202);
      expect(((await res.json()) as Answer).alerts.map((a) => a.outcome)).toEqual(['created', 'created']);
    } finally {
      await up.close();
    }
  });

  it('Postgres down answers 503 to both webhooks and to backfills, so senders retry', async () => {
    const down = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none' });
    const ingress = createTestIngress(down.db);
    try {
      for (const path of ['/api/alerts/alertmanager', '/api/alerts/grafana']) {
        const res = await post(ingress, path, alertmanagerNotification([{ fingerprint: 'pg-down', startsAt: '2026-11-25T10:00:00Z' }]));
        expect(res.status, path).toBe(503);
        expect(res.headers.get('retry-after')).toBe('5');
      }
      const backfill = await ingress.app.request('/api/backfill', {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: '{"occurred_at":"2026-01-01T00:00:00Z","text":"x","project":"p","env":"e","domain":"d"}\n',
      });
      expect(backfill.status).toBe(503);
    } finally {
      await ingress.close();
      await down.close();
    }
  });

  it('a configured label mapping reads other label names', async () => {
    const ingress = createTestIngress(database.db, { env: { LOGLORE_ALERT_LABELS: 'project=team;env=stage' } });
    try {
      const body = alertmanagerNotification([{ fingerprint: 'map-1', startsAt: '2026-11-25T10:00:00Z', labels: { team: 'cards', stage: 'prod' } }]);
      const answer = (await (await post(ingress, '/api/alerts/alertmanager', body)).json()) as Answer;
      expect(await getAnalysisRequest(database.db, answer.request_ids[0]!)).toMatchObject({ project: 'cards', env: 'prod' });
    } finally {
      await ingress.close();
    }
  });

  it('a malformed label mapping stops the server at start-up with its reason', () => {
    expect(() => createTestIngress(database.db, { env: { LOGLORE_ALERT_LABELS: 'region=zone' } })).toThrow(/LOGLORE_ALERT_LABELS: unknown parameter "region"/);
  });

  it("with API keys, an alert of a project the key was not granted answers 403", async () => {
    const ingress = createTestIngress(database.db, { env: { LOGLORE_API_KEYS: 'am-key=payments' } });
    try {
      const body = alertmanagerNotification([{ fingerprint: 'auth-1', startsAt: '2026-11-25T10:00:00Z', labels: { project: 'cards' } }]);
      const forbidden = await post(ingress, '/api/alerts/alertmanager', body, { authorization: 'Bearer am-key' });
      expect(forbidden.status).toBe(403);
      // Without a project label the key's only project is used.
      const own = alertmanagerNotification([{ fingerprint: 'auth-2', startsAt: '2026-11-25T10:00:00Z' }]);
      const res = await post(ingress, '/api/alerts/alertmanager', own, { authorization: 'Bearer am-key' });
      expect(res.status).toBe(202);
      const answer = (await res.json()) as Answer;
      expect(await getAnalysisRequest(database.db, answer.request_ids[0]!)).toMatchObject({ project: 'payments' });
      expect((await post(ingress, '/api/alerts/alertmanager', own)).status).toBe(401);
    } finally {
      await ingress.close();
    }
  });
});
