/**
 * The whole pipeline on a real Redis Cluster of three masters (TEST_REDIS_CLUSTER_NODES, as
 * `.ci/run` starts it, or one started for this file): the ingress and two worker instances,
 * each with its own cluster connections, sharing the queues.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { switchOutage } from '@loglore/core/testing';
import { insertLogEvents } from '@loglore/db';
import { testRedisCluster, type TestRedisCluster } from '@loglore/queue/testing';
import { readSse } from '../../ingress/src/testing.ts';
import { collectEvents } from '../../worker/src/testing.ts';
import { startTestStack, type TestStack } from './testing.ts';

const AT = '2026-11-25T10:30:00Z';
const STEPS = ['params', 'similar', 'known_pattern', 'analysis', 'verification', 'completed'];

describe('loglore on a Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let stack: TestStack;
  const project = `bank${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    cluster = await testRedisCluster();
    stack = await startTestStack({ redisUrl: cluster.url, workers: 2 });
    await insertLogEvents(stack.database.db, switchOutage(project));
  });
  afterAll(async () => {
    await stack?.close();
    await cluster?.stop();
  });

  const post = (path: string, body: unknown) =>
    stack.ingress.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  async function finished(requestId: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 600; i++) {
      const body = (await (await stack.ingress.app.request(`/api/analyses/${requestId}`)).json()) as Record<string, unknown>;
      if (body.status === 'completed' || body.status === 'failed') return body;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`analysis ${requestId} did not finish`);
  }

  it('runs on the cluster: its address, three masters', () => {
    expect(stack.workerDeps.config.redisUrl).toBe(cluster.url);
    expect(cluster.url).toMatch(/^redis\+cluster:\/\/(127\.0\.0\.1:\d+,){2}127\.0\.0\.1:\d+$/);
  });

  it("counts every queue's jobs on /metrics, lists the queues on the dashboard and is ready", async () => {
    expect((await stack.ingress.app.request('/readyz')).status).toBe(200);
    const metrics = await (await stack.ingress.app.request('/metrics')).text();
    for (const queue of ['extract-params', 'analyze', 'backfill-persist']) {
      expect(metrics).toMatch(new RegExp(`^loglore_queue_jobs\\{queue="${queue}",state="waiting"\\} \\d+$`, 'm'));
    }
    const api = await stack.ingress.app.request('/admin/queues/api/queues');
    expect(api.status).toBe(200);
    const { queues } = (await api.json()) as { queues: { name: string }[] };
    expect(queues.map((q) => q.name)).toContain('find-similar');
  });

  it('answers a chat question step by step, live over pub/sub and SSE', async () => {
    const created = await post('/api/conversations', { project });
    const { conversation_id } = (await created.json()) as { conversation_id: string };
    const subscriber = await collectEvents(`${stack.ingress.prefix}:conversation:${conversation_id}`, cluster.url);
    // Open before the question: every event reaches it live, through the ingress' cluster subscriber.
    const live = readSse(await stack.ingress.app.request(`/api/conversations/${conversation_id}/events`));
    try {
      await live.until((frames) => frames.length > 0 || live.text.includes(': connected'), 5_000);
      const asked = await post(`/api/conversations/${conversation_id}/messages`, { content: 'NPSB transfers failing in prod since 10:00?', occurred_at: AT });
      expect(asked.status).toBe(202);
      const { request_id } = (await asked.json()) as { request_id: string };
      await subscriber.waitFor('completed');
      expect(subscriber.events.map((e) => e.step)).toEqual(STEPS);
      const frames = await live.until((f) => f.some((frame) => frame.event === 'completed'), 10_000);
      expect(frames.map((f) => f.event)).toEqual(STEPS);

      const analysis = await finished(request_id);
      expect(analysis).toMatchObject({ status: 'completed', conversation_id, source: 'chat' });
      expect((analysis.result as Record<string, unknown>).error_pattern).toBe('PAYMENT_SWITCH_UNAVAILABLE');
    } finally {
      await live.cancel();
      subscriber.close();
    }
  });

  it('serves the same question again from the cache kept on the cluster', async () => {
    const question = { text: 'NPSB switch unavailable in prod since 10:10', project, occurred_at: AT };
    const first = (await (await post('/api/analyses', question)).json()) as { request_id: string };
    await finished(first.request_id);
    const second = (await (await post('/api/analyses', question)).json()) as { request_id: string };
    const answer = await finished(second.request_id);
    const step = (answer.steps as { step: string; payload: Record<string, unknown> }[]).find((s) => s.step === 'analysis')!;
    expect(step.payload).toMatchObject({ cached: true, cache: 'hit', cached_from: first.request_id });
  });

  it('drains a backfill in its own lane, with both worker instances taking jobs', async () => {
    const before = stack.workers.map((w) => w.jobsRun());
    const lines = Array.from({ length: 12 }, (_, i) =>
      JSON.stringify({
        occurred_at: new Date(Date.parse(AT) - (i + 1) * 3_600_000).toISOString(),
        text: `NPSB transfers timing out, incident ${i}`,
        project,
        env: 'prod',
        domain: 'transactions',
      }),
    ).join('\n');
    const accepted = await stack.ingress.app.request('/api/backfill?final=true', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines });
    expect(accepted.status).toBe(202);
    const { backfill_id, created } = (await accepted.json()) as { backfill_id: string; created: number };
    expect(created).toBe(12);
    for (let i = 0; ; i++) {
      const status = (await (await stack.ingress.app.request(`/api/backfill/${backfill_id}`)).json()) as { status: string; done: number; failed: number };
      if (status.status === 'completed') {
        expect(status).toMatchObject({ done: 12, failed: 0 });
        break;
      }
      if (i > 600) throw new Error(`the backfill did not drain: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const ran = stack.workers.map((w, i) => w.jobsRun() - before[i]!);
    expect(ran[0]! + ran[1]!).toBeGreaterThanOrEqual(12 * 4);
    // Over the whole file both instances took jobs from the shared queues.
    expect(stack.workers.every((w) => w.jobsRun() > 0)).toBe(true);
  });
});
