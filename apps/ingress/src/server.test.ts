import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { createTestIngress, type TestIngress } from './testing.ts';

describe('operational endpoints', () => {
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

  it('metrics expose request durations by route pattern, queue job counts and open streams', async () => {
    const accepted = await ingress.app.request('/api/analyses', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x' }),
    });
    const { request_id } = (await accepted.json()) as { request_id: string };
    await ingress.app.request(`/api/analyses/${request_id}`);
    const res = await ingress.app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('loglore_http_request_duration_seconds_count{route="/api/analyses",method="POST",status="202"} 1');
    expect(text).toContain('loglore_http_request_duration_seconds_count{route="/api/analyses/:request_id",method="GET",status="200"} 1');
    // Ids never become label values.
    expect(text).not.toContain(request_id);
    expect(text).toContain('loglore_queue_jobs{queue="extract-params",state="waiting"} 1');
    expect(text).toContain('loglore_sse_streams 0');
    expect(text).toContain('loglore_process_cpu_user_seconds_total');
  });

  it('the OpenAPI document lists every route of the API table it serves, and /docs shows it', async () => {
    const doc = (await (await ingress.app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/alerts/alertmanager',
      '/api/alerts/grafana',
      '/api/analyses',
      '/api/analyses/{request_id}',
      '/api/analyses/{request_id}/events',
      '/api/analyses/{request_id}/feedback',
      '/api/analyses/{request_id}/histogram',
      '/api/backfill',
      '/api/backfill/{backfill_id}',
      '/api/conversations',
      '/api/conversations/{id}',
      '/api/conversations/{id}/events',
      '/api/conversations/{id}/messages',
      '/api/conversations/{id}/similar',
      '/api/logs',
      '/api/patterns',
      '/api/patterns/{pattern_key}',
      '/api/projects/{project}/retention',
    ]);
    const docs = await ingress.app.request('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/docs/assets/swagger-ui-bundle.js');
  });

  it('/docs references no external URL, and its assets are served locally with their content types', async () => {
    const html = await (await ingress.app.request('/docs')).text();
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(4);
    const types: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png' };
    for (const ref of refs) {
      const res = await ingress.app.request(ref);
      expect(res.status, ref).toBe(200);
      expect(res.headers.get('content-type'), ref).toContain(types[ref.slice(ref.lastIndexOf('.'))]!);
      expect((await res.arrayBuffer()).byteLength, ref).toBeGreaterThan(0);
    }
    const init = await (await ingress.app.request('/docs/assets/init.js')).text();
    expect(init).toContain("url: '/openapi.json'");
    expect((await ingress.app.request('/docs/assets/package.json')).status).toBe(404);
    expect((await ingress.app.request('/docs/assets/..%2Fpackage.json')).status).toBe(404);
  });

  it("every request gets an id: the caller's x-request-id, else a new one, echoed in the answer", async () => {
    const given = await ingress.app.request('/healthz', { headers: { 'x-request-id': 'trace-42' } });
    expect(given.headers.get('x-request-id')).toBe('trace-42');
    const made = await ingress.app.request('/healthz', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const missing = await ingress.app.request('/api/nothing');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('the queue dashboard shows the pipeline queues when no keys are configured', async () => {
    const page = await ingress.app.request('/admin/queues');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const api = await ingress.app.request('/admin/queues/api/queues');
    expect(api.status).toBe(200);
  });

  it('readiness reports shutting down once asked to', async () => {
    const local = createTestIngress(database.db);
    try {
      expect((await local.app.request('/readyz')).status).toBe(200);
      local.app.markShuttingDown();
      const res = await local.app.request('/readyz');
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'not ready', checks: { process: 'shutting down' } });
    } finally {
      await local.close();
    }
  });
});
