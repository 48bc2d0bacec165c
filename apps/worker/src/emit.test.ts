/** A replayed step republishes its stored event, and the observer (metrics, log line) counts it once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepEvent } from '@loglore/core';
import { createAnalysisRequest } from '@loglore/db';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { channels } from '@loglore/queue';
import { emitStepEvent } from './emit.ts';
import { collectEvents, createTestWorkerDeps } from './testing.ts';

describe('emitStepEvent', () => {
  let database: TestDatabase;
  let deps: ReturnType<typeof createTestWorkerDeps>;
  const observed: StepEvent[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    deps = { ...createTestWorkerDeps(database.db), observer: { stepRan() {}, published: (event) => void observed.push(event) } };
  });
  afterAll(async () => {
    await deps.close();
    await database.drop();
  });

  it('publishes a replayed event again under its first seq, but the observer sees it once', async () => {
    const { request } = await createAnalysisRequest(database.db, { source: 'api', text: 'disk full on node-3', metadata: {} });
    const target = { id: request.id, source: 'api', createdAt: request.createdAt, conversationId: null };
    const events = await collectEvents(channels.analysis(deps.config.queuePrefix, request.id), deps.config.redisUrl);
    const first = await emitStepEvent(deps, target, 'completed', { result: { summary: 'first' } });
    const replay = await emitStepEvent(deps, target, 'completed', { result: { summary: 'a replay computes it again' } });
    expect(replay).toEqual(first);
    const published = await events.waitFor('completed', 2);
    expect(published.map((e) => e.seq)).toEqual([first.seq, first.seq]);
    expect(observed.filter((e) => e.request_id === request.id).map((e) => [e.step, e.payload])).toEqual([['completed', { result: { summary: 'first' } }]]);
    events.close();
  });
});
