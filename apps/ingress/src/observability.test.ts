/**
 * What an operator reads: one log line per HTTP request (with the request id echoed to the
 * client), and the /metrics key rule shared by the API and a worker's METRICS_PORT.
 */
import { pino } from 'pino';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApiKeys } from '@loglore/core';
import { captureLogLines } from '@loglore/core/testing';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { createMetricsApp } from './metrics.ts';
import { createTestIngress, type TestIngress } from './testing.ts';

describe('request log lines', () => {
  let database: TestDatabase;
  let ingress: TestIngress;
  const captured = captureLogLines();
  beforeAll(async () => {
    database = await createTestDatabase();
    ingress = createTestIngress(database.db, { logger: pino({ level: 'info' }, captured.destination) });
  });
  afterAll(async () => {
    await ingress.close();
    await database.drop();
  });

  const requestLines = () => captured.lines.filter((line) => line.msg === 'http request');

  it('logs one line per request with the id the client sent, echoed in x-request-id', async () => {
    const res = await ingress.app.request('/healthz', { headers: { 'x-request-id': 'req-from-the-proxy-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-from-the-proxy-1');
    const lines = requestLines().filter((line) => line.request_id === 'req-from-the-proxy-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, method: 'GET', path: '/healthz', status: 200 });
    expect(typeof lines[0]!.duration_ms).toBe('number');
    expect(lines[0]!.duration_ms as number).toBeGreaterThanOrEqual(0);
  });

  it('gives a request without an id a fresh one, and logs errors with their status', async () => {
    const before = requestLines().length;
    const missing = await ingress.app.request('/api/analyses/00000000-0000-4000-8000-000000000000');
    const invalid = await ingress.app.request('/api/analyses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":' });
    expect(missing.status).toBe(404);
    expect(invalid.status).toBe(400);
    const ids = [missing.headers.get('x-request-id'), invalid.headers.get('x-request-id')];
    expect(ids[0]).toMatch(/\S{8,}/);
    expect(ids[1]).toMatch(/\S{8,}/);
    expect(ids[0]).not.toBe(ids[1]);
    const lines = requestLines().slice(before);
    expect(lines.map((line) => [line.request_id, line.method, line.status])).toEqual([
      [ids[0], 'GET', 404],
      [ids[1], 'POST', 400],
    ]);
  });
});

describe("a worker's /metrics app", () => {
  const registry = new Registry();
  new Counter({ name: 'loglore_test_marker_total', help: 'a marker', registers: [registry] }).inc();

  it('answers without a key when none is configured, 404 elsewhere', async () => {
    const app = createMetricsApp(registry, { apiKeys: undefined, metricsKey: undefined });
    const res = await app.request('/metrics');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('loglore_test_marker_total 1');
    const other = await app.request('/api/analyses');
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('takes the metrics key or an API key, by Bearer or Basic, once keys are configured', async () => {
    const app = createMetricsApp(registry, { apiKeys: parseApiKeys('pay-key=payments'), metricsKey: 'scrape-key' });
    const unauthorized = await app.request('/metrics');
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('www-authenticate')).toContain('Basic');
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer scrape-key' } })).status).toBe(200);
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer pay-key' } })).status).toBe(200);
    const basic = `Basic ${Buffer.from('prometheus:scrape-key').toString('base64')}`;
    expect((await app.request('/metrics', { headers: { authorization: basic } })).status).toBe(200);
  });
});
