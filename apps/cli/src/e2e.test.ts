/**
 * End to end over HTTP: the ingress app and the workers of `loglore start`, over a test
 * database and a fresh queue prefix on the real Redis.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './testing.ts';
import { switchOutage } from '@loglore/core/testing';
import { insertLogEvents } from '@loglore/db';
import type { TestDatabase } from '@loglore/db/testing';
import { readSse, type TestIngress } from '../../ingress/src/testing.ts';
import { collectEvents } from '../../worker/src/testing.ts';

const AT = '2026-11-25T10:30:00Z';

describe('loglore over HTTP', () => {
  let stack: TestStack;
  let database: TestDatabase;
  let ingress: TestIngress;
  const project = `bank${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    stack = await startTestStack();
    ({ database, ingress } = stack);
    await insertLogEvents(database.db, switchOutage(project));
  });
  afterAll(async () => {
    await stack.close();
  });

  const post = (path: string, body: unknown) =>
    ingress.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  async function completed(requestId: string) {
    for (let i = 0; i < 400; i++) {
      const body = (await (await ingress.app.request(`/api/analyses/${requestId}`)).json()) as Record<string, unknown>;
      if (body.status === 'completed' || body.status === 'failed') return body;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`analysis ${requestId} did not finish`);
  }

  it('answers a chat conversation step by step, over pub/sub and SSE, and follows up', async () => {
    const created = await post('/api/conversations', { project });
    expect(created.status).toBe(201);
    const { conversation_id } = (await created.json()) as { conversation_id: string };
    const subscriber = await collectEvents(`${ingress.prefix}:conversation:${conversation_id}`);
    try {
      const asked = await post(`/api/conversations/${conversation_id}/messages`, { content: 'NPSB transfers failing in prod since 10:00?', occurred_at: AT });
      expect(asked.status).toBe(202);
      const { request_id } = (await asked.json()) as { request_id: string };
      await subscriber.waitFor('completed');
      expect(subscriber.events.map((e) => e.step)).toEqual(['params', 'similar', 'known_pattern', 'analysis', 'verification', 'completed']);

      const analysis = await completed(request_id);
      expect(analysis).toMatchObject({ status: 'completed', conversation_id, source: 'chat' });
      const result = analysis.result as Record<string, unknown>;
      expect(result).toMatchObject({ error_pattern: 'PAYMENT_SWITCH_UNAVAILABLE', request_id, conversation_id });
      expect((result.parameters as Record<string, unknown>).domain).toBe('transactions');
      expect((analysis.steps as unknown[]).length).toBe(6);

      // A late client gets the whole history and the stream closes; Last-Event-ID resumes.
      const whole = readSse(await ingress.app.request(`/api/analyses/${request_id}/events`));
      const frames = await whole.until(() => false, 5_000).catch(() => whole.frames());
      expect(frames.map((f) => f.event)).toEqual(['params', 'similar', 'known_pattern', 'analysis', 'verification', 'completed']);
      expect(frames.map((f) => f.id)).toEqual(['1', '2', '3', '4', '5', '6']);
      const resumed = readSse(await ingress.app.request(`/api/analyses/${request_id}/events`, { headers: { 'Last-Event-ID': '4' } }));
      const rest = await resumed.until(() => false, 5_000).catch(() => resumed.frames());
      expect(rest.map((f) => f.event)).toEqual(['verification', 'completed']);

      // The conversation holds both turns; a follow-up inherits what it does not say.
      const conversation = (await (await ingress.app.request(`/api/conversations/${conversation_id}`)).json()) as { messages: { role: string }[] };
      expect(conversation.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      const follow = (await (await post(`/api/conversations/${conversation_id}/messages`, { content: 'and in staging?', occurred_at: AT })).json()) as { request_id: string };
      const followed = await completed(follow.request_id);
      expect((followed.result as { parameters: Record<string, unknown> }).parameters).toMatchObject({ env: 'staging', domain: 'transactions', project });
    } finally {
      subscriber.close();
    }
  });

  it('answers a repeated idempotency key with the same request and serves a repeated question from the cache', async () => {
    const body = { text: 'NPSB switch unavailable in prod since 10:00', project, occurred_at: AT, idempotency_key: `k-${randomBytes(4).toString('hex')}` };
    const first = (await (await post('/api/analyses', body)).json()) as { request_id: string };
    const again = (await (await post('/api/analyses', body)).json()) as { request_id: string };
    expect(again.request_id).toBe(first.request_id);
    await completed(first.request_id);

    const { idempotency_key: _ignored, ...sameQuestion } = body;
    const second = (await (await post('/api/analyses', sameQuestion)).json()) as { request_id: string };
    const secondResult = await completed(second.request_id);
    const analysisStep = (secondResult.steps as { step: string; payload: Record<string, unknown> }[]).find((s) => s.step === 'analysis')!;
    expect(analysisStep.payload).toMatchObject({ cached: true, cached_from: first.request_id });
    expect((secondResult.result as Record<string, unknown>).error_pattern).toBe('PAYMENT_SWITCH_UNAVAILABLE');
  });

  it('a question asked before its logs landed is answered from them once POST /api/logs brings them', async () => {
    // The alert fires first; the switch's logs arrive a little later (ingestion lag).
    const late = `late${randomBytes(3).toString('hex')}`;
    const question = { text: 'NPSB switch unavailable in prod since 10:00', project: late, occurred_at: AT };
    const early = (await (await post('/api/analyses', question)).json()) as { request_id: string };
    expect(((await completed(early.request_id)).result as Record<string, unknown>).error_pattern).toBeNull();

    const ndjson = switchOutage(late).map((e) => JSON.stringify(e)).join('\n');
    const ingested = await ingress.app.request('/api/logs', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson });
    expect(await ingested.json()).toEqual({ ingested: 30, rejected: [] });

    const again = (await (await post('/api/analyses', question)).json()) as { request_id: string };
    const answer = await completed(again.request_id);
    const analysisStep = (answer.steps as { step: string; payload: Record<string, unknown> }[]).find((s) => s.step === 'analysis')!;
    expect(analysisStep.payload).toMatchObject({ cached: false, cache: 'stale' });
    expect((answer.result as Record<string, unknown>).error_pattern).toBe('PAYMENT_SWITCH_UNAVAILABLE');
  });
  it('/metrics counts a finished analysis by source, its step durations and its cache look-up', async () => {
    const scrape = async () => (await (await ingress.app.request('/metrics')).text()).split('\n');
    const value = (lines: string[], series: string) => {
      const line = lines.find((l) => l.startsWith(`${series} `));
      return line ? Number(line.slice(series.length + 1)) : 0;
    };
    const sum = (lines: string[], prefix: string) =>
      lines.filter((l) => l.startsWith(prefix) && !l.startsWith('#')).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    const before = await scrape();
    const { request_id } = (await (await post('/api/analyses', { text: 'NPSB switch unavailable in prod since 10:05', project, occurred_at: AT })).json()) as { request_id: string };
    await completed(request_id);
    const after = await scrape();
    const finished = 'loglore_analyses_finished_total{source="api",status="completed"}';
    expect(value(after, finished)).toBe(value(before, finished) + 1);
    for (const step of ['extract-params', 'find-similar', 'analyze', 'persist']) {
      const series = `loglore_step_duration_seconds_count{step="${step}"}`;
      expect(value(after, series), step).toBeGreaterThanOrEqual(value(before, series) + 1);
    }
    expect(sum(after, 'loglore_analysis_cache_total{')).toBe(sum(before, 'loglore_analysis_cache_total{') + 1);
    expect(after.some((l) => l.startsWith('# TYPE loglore_evidence_widened_total counter'))).toBe(true);
  });
});
