import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { appendAnalysisEvent, createAnalysisRequest, createConversation, markRequestCompleted } from '@loglore/db';
import { channels, publishStepEvent } from '@loglore/queue';
import type { StepEvent } from '@loglore/core';
import { toStepEvent } from './sse.ts';
import { createTestIngress, readSse, type SseFrame, type TestIngress } from './testing.ts';

describe('server-sent events', () => {
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

  async function newRequest(conversationId: string | null = null): Promise<string> {
    const { request } = await createAnalysisRequest(database.db, { source: 'api', text: 'NPSB failing', conversationId });
    return request.id;
  }

  /** What a worker step does: store the event, then publish it. */
  async function emit(requestId: string, step: StepEvent['step'], conversationId: string | null = null): Promise<StepEvent> {
    const row = await appendAnalysisEvent(database.db, { requestId, conversationId, step, payload: { step } });
    const event = toStepEvent(row);
    await publishStepEvent(ingress.deps.redis, ingress.prefix, event);
    return event;
  }

  const summary = (frames: SseFrame[]) => frames.map((f) => `${f.id}:${f.event}`);

  /** Subscribers on a channel, as Redis counts them. */
  async function subscribers(channel: string): Promise<number> {
    const [, count] = (await ingress.deps.redis.pubsub('NUMSUB', channel)) as [string, number];
    return Number(count);
  }

  async function until(check: () => Promise<boolean>, timeoutMs = 3_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('each event is framed as id: seq, event: step, data: the event JSON', async () => {
    const id = await newRequest();
    const params = await emit(id, 'params');
    await emit(id, 'completed');
    const res = await ingress.app.request(`/api/analyses/${id}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const sse = readSse(res);
    await sse.toEnd();
    expect(sse.text).toContain(`event: params\ndata: ${JSON.stringify(params)}\nid: 1\n\n`);
    expect(JSON.parse(sse.frames()[0]!.data!)).toEqual({
      request_id: id,
      conversation_id: null,
      seq: 1,
      step: 'params',
      at: params.at,
      payload: { step: 'params' },
    });
  });

  it('a client that connects after completion gets the whole history and the stream closes', async () => {
    const id = await newRequest();
    for (const step of ['params', 'similar', 'analysis', 'verification', 'completed'] as const) await emit(id, step);
    await markRequestCompleted(database.db, id, {});
    const sse = readSse(await ingress.app.request(`/api/analyses/${id}/events`));
    const frames = await sse.toEnd();
    expect(sse.ended).toBe(true);
    expect(summary(frames)).toEqual(['1:params', '2:similar', '3:analysis', '4:verification', '5:completed']);
  });

  it('Last-Event-ID replays only what was missed, as a header or as a query parameter', async () => {
    const id = await newRequest();
    for (const step of ['params', 'similar', 'analysis', 'failed'] as const) await emit(id, step);
    const header = readSse(await ingress.app.request(`/api/analyses/${id}/events`, { headers: { 'Last-Event-ID': '2' } }));
    expect(summary(await header.toEnd())).toEqual(['3:analysis', '4:failed']);
    const query = readSse(await ingress.app.request(`/api/analyses/${id}/events?last_event_id=3`));
    expect(summary(await query.toEnd())).toEqual(['4:failed']);
    // The header wins over the query.
    const both = readSse(await ingress.app.request(`/api/analyses/${id}/events?last_event_id=0`, { headers: { 'Last-Event-ID': '3' } }));
    expect(summary(await both.toEnd())).toEqual(['4:failed']);
  });

  it('live events arrive after the replay, each once, and the stream closes after completed', async () => {
    const id = await newRequest();
    await emit(id, 'params');
    const sse = readSse(await ingress.app.request(`/api/analyses/${id}/events`));
    await sse.until((f) => f.length === 1);
    await until(async () => (await subscribers(channels.analysis(ingress.prefix, id))) === 1);

    const similar = await emit(id, 'similar');
    // A retried step republishes its stored event with the same seq.
    await publishStepEvent(ingress.deps.redis, ingress.prefix, similar);
    await sse.until((f) => f.length === 2);
    await emit(id, 'analysis');
    await publishStepEvent(ingress.deps.redis, ingress.prefix, similar);
    await emit(id, 'completed');
    const frames = await sse.toEnd();
    expect(summary(frames)).toEqual(['1:params', '2:similar', '3:analysis', '4:completed']);
    // The stream let go of its subscription.
    await until(async () => (await subscribers(channels.analysis(ingress.prefix, id))) === 0);
  });

  it('an event missed on pub/sub is filled in from the stored events, in order', async () => {
    const id = await newRequest();
    const sse = readSse(await ingress.app.request(`/api/analyses/${id}/events`));
    await until(async () => (await subscribers(channels.analysis(ingress.prefix, id))) === 1);
    // Stored but never published (the publisher died in between).
    await appendAnalysisEvent(database.db, { requestId: id, conversationId: null, step: 'params', payload: {} });
    await emit(id, 'similar');
    await emit(id, 'completed');
    expect(summary(await sse.toEnd())).toEqual(['1:params', '2:similar', '3:completed']);
  });

  it('a quiet stream sends comment heartbeats and picks up stored events it was not told about', async () => {
    const id = await newRequest();
    const sse = readSse(await ingress.app.request(`/api/analyses/${id}/events`));
    await sse.until(() => sse.text.includes(': heartbeat'));
    await appendAnalysisEvent(database.db, { requestId: id, conversationId: null, step: 'params', payload: {} });
    await appendAnalysisEvent(database.db, { requestId: id, conversationId: null, step: 'completed', payload: {} });
    expect(summary(await sse.toEnd())).toEqual(['1:params', '2:completed']);
  });

  it('a client that goes away releases its subscription', async () => {
    const id = await newRequest();
    const sse = readSse(await ingress.app.request(`/api/analyses/${id}/events`));
    await until(async () => (await subscribers(channels.analysis(ingress.prefix, id))) === 1);
    await sse.cancel();
    await until(async () => (await subscribers(channels.analysis(ingress.prefix, id))) === 0);
  });

  it('the conversation stream replays every analysis of the conversation, then streams live events without duplicates', async () => {
    const conversation = await createConversation(database.db, { project: 'payments' });
    const first = await newRequest(conversation.id);
    for (const step of ['params', 'completed'] as const) await emit(first, step, conversation.id);
    const second = await newRequest(conversation.id);
    await emit(second, 'params', conversation.id);

    const sse = readSse(await ingress.app.request(`/api/conversations/${conversation.id}/events`));
    await sse.until((f) => f.length === 3);
    const channel = channels.conversation(ingress.prefix, conversation.id);
    await until(async () => (await subscribers(channel)) === 1);

    const similar = await emit(second, 'similar', conversation.id);
    await publishStepEvent(ingress.deps.redis, ingress.prefix, similar);
    await emit(second, 'completed', conversation.id);
    const third = await newRequest(conversation.id);
    await emit(third, 'params', conversation.id);
    const frames = await sse.until((f) => f.length >= 6);
    expect(frames.map((f) => `${JSON.parse(f.data!).request_id === first ? 'A' : JSON.parse(f.data!).request_id === second ? 'B' : 'C'}${f.id}:${f.event}`)).toEqual([
      'A1:params',
      'A2:completed',
      'B1:params',
      'B2:similar',
      'B3:completed',
      'C1:params',
    ]);
    // It stays open after a completed analysis, with heartbeats, until the client leaves.
    await sse.until(() => sse.text.split(': heartbeat').length > 2);
    expect(sse.ended).toBe(false);
    await sse.cancel();
    await until(async () => (await subscribers(channel)) === 0);
  });

  it('shutting down ends open streams', async () => {
    const local = createTestIngress(database.db);
    try {
      const id = await newRequest();
      const sse = readSse(await local.app.request(`/api/analyses/${id}/events`));
      await sse.until(() => sse.text.includes(': connected'));
      local.app.markShuttingDown();
      await sse.toEnd();
      expect(sse.ended).toBe(true);
    } finally {
      await local.close();
    }
  });
});
