/**
 * Evidence you can trust, end to end over HTTP (ingress app and workers, real Postgres and
 * Redis): hints focus and rank but hide nothing, the question's subject is the answer, and
 * memory recalls past analyses of the same cause.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './testing.ts';
import type { LogEvent } from '@loglore/core';
import { insertLogEvents } from '@loglore/db';
import type { TestDatabase } from '@loglore/db/testing';
import { alertmanagerNotification } from '../../../packages/core/src/alerts/webhooks.fixture.ts';
import type { TestIngress } from '../../ingress/src/testing.ts';

const trace = () => randomBytes(8).toString('hex');
const ip = () => `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

interface Burst {
  service: string;
  domain: string | null;
  message: () => string;
  count: number;
  /** First event; the rest follow every `everyMs`. */
  from: string;
  everyMs?: number;
  traces?: string[];
  offsetMs?: number;
  level?: LogEvent['level'];
}

function burst(project: string, b: Burst): LogEvent[] {
  return Array.from({ length: b.count }, (_, i) => ({
    ts: new Date(Date.parse(b.from) + i * (b.everyMs ?? 30_000) + (b.offsetMs ?? 0)).toISOString(),
    project,
    env: 'prod',
    domain: b.domain,
    service: b.service,
    level: b.level ?? 'error',
    trace_id: b.traces ? b.traces[i % b.traces.length]! : trace(),
    message: b.message(),
    attrs: {},
  }));
}

interface Result {
  error_pattern: string | null;
  pattern_key: string | null;
  trace_ids: string[];
  services: string[];
  summary: string;
  scope: { focus: string; widened: boolean; reason: string | null; linked_error_event_count: number };
  similar: { request_id: string; error_pattern: string | null; outcome: string | null; occurred_at?: string; created_at: string }[];
  known_pattern: { pattern_key: string } | null;
  recurrence: { of_request_id: string } | null;
}

describe('evidence you can trust', () => {
  let stack: TestStack;
  let database: TestDatabase;
  let ingress: TestIngress;

  beforeAll(async () => {
    stack = await startTestStack();
    ({ database, ingress } = stack);
  });
  afterAll(async () => {
    await stack.close();
  });

  const post = (path: string, body: unknown) =>
    ingress.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  async function completed(requestId: string): Promise<{ result: Result; steps: { step: string; payload: Record<string, unknown> }[] }> {
    for (let i = 0; i < 400; i++) {
      const body = (await (await ingress.app.request(`/api/analyses/${requestId}`)).json()) as { status: string; result: Result; steps: { step: string; payload: Record<string, unknown> }[]; error: string | null };
      if (body.status === 'completed') return body;
      if (body.status === 'failed') throw new Error(`analysis ${requestId} failed: ${body.error}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`analysis ${requestId} did not finish`);
  }

  async function ask(project: string, text: string, at: string): Promise<string> {
    const res = await post('/api/analyses', { text, project, occurred_at: at });
    expect(res.status).toBe(202);
    return ((await res.json()) as { request_id: string }).request_id;
  }

  it('a named service is searched whatever domain a word of the question suggests', async () => {
    const project = `bank${randomBytes(3).toString('hex')}`;
    await insertLogEvents(database.db, [
      ...burst(project, { service: 'ledger-svc', domain: 'transactions', from: '2025-03-04T09:40:00Z', count: 20, message: () => `could not connect to server: Connection refused. Is the server running on host "${ip()}" and accepting TCP/IP connections on port 5432?` }),
      ...burst(project, { service: 'node-exporter', domain: 'infrastructure', from: '2025-03-04T09:35:00Z', count: 30, level: 'warn', message: () => `filesystem /var usage at ${80 + (randomBytes(1)[0]! % 15)}% on ${ip()}` }),
    ]);
    const { result } = await completed(await ask(project, 'ledger-svc DB connection errors in prod', '2025-03-04T10:30:00Z'));
    expect(result.error_pattern).not.toBeNull();
    expect(result.services[0]).toBe('ledger-svc');
    expect(result.scope).toMatchObject({ focus: 'hinted', widened: false });
    expect(result.summary).not.toMatch(/No error evidence/);
  });

  it("an alert on the symptom's service names the downstream cause that shares its traces", async () => {
    const project = `bank${randomBytes(3).toString('hex')}`;
    const shared = Array.from({ length: 25 }, trace);
    await insertLogEvents(database.db, [
      ...burst(project, { service: 'pgbouncer', domain: 'infrastructure', from: '2025-05-06T13:50:00Z', count: 25, traces: shared, offsetMs: -300, message: () => 'connection pool exhausted: no more connections allowed (max_client_conn=500)' }),
      ...burst(project, { service: 'transfer-api', domain: 'transactions', from: '2025-05-06T13:50:00Z', count: 25, traces: shared, message: () => `POST /v1/transfers failed after ${randomBytes(1)[0]! * 4}ms: internal error` }),
      ...burst(project, { service: 'notifier', domain: 'notifications', from: '2025-05-06T13:40:00Z', count: 12, message: () => `smtp relay ${ip()} refused message` }),
    ]);
    const notification = alertmanagerNotification([
      { fingerprint: randomBytes(8).toString('hex'), startsAt: '2025-05-06T14:02:00Z', labels: { project, env: 'prod', service: 'transfer-api' }, summary: 'transfer-api 5xx above 5%' },
    ]);
    // Where the alert's own text says no time, the window is anchored at startsAt alone.
    notification.alerts[0]!.annotations.description = 'Transfers are failing for customers.';
    const res = await post('/api/alerts/alertmanager', notification);
    expect(res.status).toBe(202);
    const [id] = ((await res.json()) as { request_ids: string[] }).request_ids;
    const { result } = await completed(id!);
    expect(result.error_pattern).toBe('DB_POOL_EXHAUSTED');
    expect(result.scope.focus).toBe('hinted');
    expect(result.scope.linked_error_event_count).toBeGreaterThan(0);
    expect(result.trace_ids.length).toBeGreaterThan(0);
    expect(result.trace_ids.every((t) => shared.includes(t))).toBe(true);
  });

  it('a hinted scope without error evidence widens to the project, env and window, and says so', async () => {
    const project = `bank${randomBytes(3).toString('hex')}`;
    await insertLogEvents(database.db, burst(project, { service: 'card-switch', domain: 'cards', from: '2025-07-01T08:05:00Z', count: 15, message: () => `HSM ${ip()} not responding, giving up after 3 attempts` }));
    const { result } = await completed(await ask(project, 'payments-api failing in prod in the last 30 minutes', '2025-07-01T08:30:00Z'));
    expect(result.scope).toMatchObject({ focus: 'widened', widened: true });
    expect(result.scope.reason).toMatch(/payments-api/);
    expect(result.summary).toContain(result.scope.reason as string);
    expect(result.error_pattern).not.toBeNull();
  });

  it('the failure the question names wins over a louder one in the same window', async () => {
    const project = `bank${randomBytes(3).toString('hex')}`;
    await insertLogEvents(database.db, [
      ...burst(project, { service: 'ledger-svc', domain: 'transactions', from: '2025-08-09T09:05:00Z', count: 80, everyMs: 15_000, message: () => `ERROR: deadlock detected while updating balance ${randomBytes(3).toString('hex')}` }),
      ...burst(project, { service: 'wallet-gw', domain: 'transactions', from: '2025-08-09T09:10:00Z', count: 7, everyMs: 120_000, message: () => `bkash callback rejected: invalid signature for txn ${randomBytes(4).readUInt32BE()}` }),
    ]);
    const { result } = await completed(await ask(project, 'bkash payouts failing in prod since 09:00', '2025-08-09T09:40:00Z'));
    expect(result.services[0]).toBe('wallet-gw');
    expect(result.summary).toMatch(/bkash/);
    expect(result.summary).toMatch(/Also significant: [^.]*deadlock/);
  });

  it('memory recalls the past analysis of the same cause first, and the known pattern is the one found', async () => {
    const project = `bank${randomBytes(3).toString('hex')}`;
    const question = 'transfers failing in prod in the last 30 minutes';
    const pool = (day: string) =>
      burst(project, { service: 'ledger-service', domain: 'transactions', from: `${day}T10:05:00Z`, count: 20, message: () => `HikariPool-1 - Connection is not available, request timed out after ${30000 + (randomBytes(1)[0]! % 9)}ms` });
    const npsb = (day: string) =>
      burst(project, { service: 'npsb-gateway', domain: 'transactions', from: `${day}T10:05:00Z`, count: 20, message: () => `NPSB switch unavailable: connect ECONNREFUSED ${ip()}:7001` });

    // Day 1 the pool, days 2 and 3 the switch (resolved, with a nearer date and the same words).
    await insertLogEvents(database.db, [...pool('2025-09-01'), ...npsb('2025-09-02'), ...npsb('2025-09-03')]);
    const poolFirst = await ask(project, question, '2025-09-01T10:30:00Z');
    await completed(poolFirst);
    const npsbIds = [await ask(project, question, '2025-09-02T10:30:00Z'), await ask(project, question, '2025-09-03T10:30:00Z')];
    for (const id of npsbIds) await completed(id);
    const voted = await post(`/api/analyses/${npsbIds[1]}/feedback`, { outcome: 'resolved', resolution: 'Failed over to the standby NPSB link' });
    expect(voted.status).toBe(200);

    // A backfilled pool incident of long ago shows when it happened, not when it was stored.
    const backfill = await ingress.app.request('/api/backfill', {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: `${JSON.stringify({ occurred_at: '2025-06-15T04:00:00Z', text: 'ledger pool exhausted', project, env: 'prod', domain: 'transactions', error_pattern: 'DB_POOL_EXHAUSTED', resolution: 'Raised the Hikari pool size', resolved: true })}\n`,
    });
    expect(backfill.status).toBe(202);
    const { backfill_id } = (await backfill.json()) as { backfill_id: string };
    for (let i = 0; i < 200; i++) {
      const status = (await (await ingress.app.request(`/api/backfill/${backfill_id}`)).json()) as { done: number; total: number };
      if (status.total > 0 && status.done === status.total) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    await insertLogEvents(database.db, pool('2025-09-04'));
    const conversation = (await (await post('/api/conversations', { project })).json()) as { conversation_id: string };
    const asked = await post(`/api/conversations/${conversation.conversation_id}/messages`, { content: question, occurred_at: '2025-09-04T10:30:00Z' });
    const { result, steps } = await completed(((await asked.json()) as { request_id: string }).request_id);
    expect(result.error_pattern).toBe('DB_POOL_EXHAUSTED');
    expect(result.similar[0]?.error_pattern).toBe('DB_POOL_EXHAUSTED');
    expect(result.similar.slice(0, 2).map((s) => s.error_pattern)).toEqual(['DB_POOL_EXHAUSTED', 'DB_POOL_EXHAUSTED']);
    expect(result.similar.map((s) => s.request_id)).toContain(poolFirst);
    const backfilled = result.similar.find((s) => s.request_id !== poolFirst && s.error_pattern === 'DB_POOL_EXHAUSTED');
    expect(backfilled?.occurred_at).toBe('2025-06-15T04:00:00.000Z');
    // The known pattern and the recurrence are of the pool, never the resolved switch incident.
    const known = steps.find((s) => s.step === 'known_pattern');
    expect(known?.payload).toMatchObject({ pattern: 'DB_POOL_EXHAUSTED', pattern_key: 'db.pool_exhausted' });
    expect(result.known_pattern?.pattern_key).toBe('db.pool_exhausted');
    expect(npsbIds).not.toContain(result.recurrence?.of_request_id);
    // The conversation's /similar is the same ranking.
    const listed = (await (await ingress.app.request(`/api/conversations/${conversation.conversation_id}/similar`)).json()) as { similar: { request_id: string }[] };
    expect(listed.similar.map((s) => s.request_id)).toEqual(result.similar.map((s) => s.request_id));
  });
});
