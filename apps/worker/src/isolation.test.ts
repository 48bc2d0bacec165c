import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent, StepEvent } from '@loglore/core';
import {
  createAnalysisRequest,
  createConversation,
  getAnalysisRequest,
  getPatternInfo,
  insertLogEvents,
  listAnalysisEvents,
  queryRows,
  recordOutcome,
  storeMessage,
} from '@loglore/db';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { channels } from '@loglore/queue';
import { sql } from 'drizzle-orm';
import { collectEvents, createTestWorkerDeps } from './testing.ts';
import { startWorker } from './worker.ts';

/** The same pool-exhaustion incident, 10:05-10:18, in the project given. */
function incident(project: string | null): LogEvent[] {
  return Array.from({ length: 40 }, (_, i) => ({
    project,
    env: 'prod',
    domain: 'transactions',
    attrs: {},
    ts: new Date(Date.parse('2026-11-25T10:05:00Z') + i * 20_000).toISOString(),
    service: 'ledger-service',
    level: 'error',
    trace_id: `trace${randomBytes(8).toString('hex')}`,
    message: `Connection pool exhausted: timeout after 30000ms waiting for connection from pool ledger-db (active=${40 + (i % 10)}, idle=0)`,
  }));
}

const QUESTION = 'NPSB transfers failing in prod transactions since 10:00';
const SECRET_RESOLUTION = `project A's fix: rotated the ledger-db password ${randomBytes(4).toString('hex')}`;

describe('memory is scoped to the project of the request', () => {
  let database: TestDatabase;
  const a = `alpha${randomBytes(3).toString('hex')}`;
  const b = `beta${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    await insertLogEvents(database.db, [...incident(a), ...incident(b), ...incident(null)]);
  });
  afterAll(async () => {
    await database.drop();
  });

  async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function analyse(deps: ReturnType<typeof createTestWorkerDeps>, project: string | null, occurredAt: Date, conversationId: string | null = null) {
    const { request } = await createAnalysisRequest(deps.db, { source: 'chat', text: QUESTION, project, occurredAt, conversationId });
    if (conversationId) await storeMessage(deps.db, { conversationId, role: 'user', content: QUESTION, requestId: request.id });
    await deps.pipeline.enqueue('extract-params', { request_id: request.id, generation: 1 });
    const done = await waitFor(`request ${request.id}`, () => getAnalysisRequest(deps.db, request.id), (r) => r?.status === 'completed');
    return { id: request.id, result: done!.result as Record<string, unknown> };
  }

  const usages = async (requestId: string) =>
    (await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from pattern_usages where request_id = ${requestId}::uuid`))[0]!.n;

  it("project B's analysis of a pattern A resolved shows no recurrence, similar, statistics or request id of A", async () => {
    const deps = createTestWorkerDeps(database.db);
    const worker = startWorker(deps, { concurrency: 4, reconciler: false });
    const results = await collectEvents(channels.results(deps.config.queuePrefix));
    const published = await collectEvents(`${deps.config.queuePrefix}:analysis:*`);
    try {
      // Project A: analysed, counted, and its resolution confirmed.
      const first = await analyse(deps, a, new Date('2026-11-25T10:30:00Z'));
      const patternKey = first.result.pattern_key as string;
      expect(patternKey).toBeTruthy();
      await waitFor('A counted', () => usages(first.id), (n) => n === 1);
      await recordOutcome(deps.db, { requestId: first.id, outcome: 'resolved', resolution: SECRET_RESOLUTION });

      // Project B, later, same logs, same pattern.
      const conversation = await createConversation(deps.db, { project: b });
      const second = await analyse(deps, b, new Date('2026-11-25T10:40:00Z'), conversation.id);
      expect(second.result.pattern_key).toBe(patternKey);
      expect(second.result.recurrence).toBeNull();
      expect(second.result.similar).toEqual([]);
      // B's view of the pattern's track record is B's: A's use and A's vote are not in it.
      expect(second.result.known_pattern).toMatchObject({ pattern_key: patternKey, usage_count: 0, success_count: 0 });

      await results.waitFor('completed', 2);
      const secondEvents = [
        ...(await listAnalysisEvents(deps.db, second.id)).map((e) => e.payload),
        ...published.events.filter((e: StepEvent) => e.request_id === second.id),
        ...results.events.filter((e: StepEvent) => e.request_id === second.id),
      ];
      expect(secondEvents.length).toBeGreaterThan(5);
      const everything = JSON.stringify([second.result, secondEvents, (await getAnalysisRequest(deps.db, second.id))!.result]);
      expect(everything).not.toContain(first.id);
      expect(everything).not.toContain(SECRET_RESOLUTION);

      // The positive control: B's own confirmed resolution is what B's next analysis recalls.
      await waitFor('B counted', () => usages(second.id), (n) => n === 1);
      await recordOutcome(deps.db, { requestId: second.id, outcome: 'resolved', resolution: 'B raised the pool size' });
      const third = await analyse(deps, b, new Date('2026-11-25T10:50:00Z'));
      expect(third.result.recurrence).toMatchObject({ of_request_id: second.id, resolution: 'B raised the pool size' });
      expect((third.result.similar as { request_id: string }[]).map((s) => s.request_id)).toEqual([second.id]);
      expect(JSON.stringify(third.result)).not.toContain(first.id);
      await waitFor('third counted', () => usages(third.id), (n) => n === 1);
      expect(await getPatternInfo(deps.db, patternKey, b)).toMatchObject({ usageCount: 2, successCount: 1 });
      expect(await getPatternInfo(deps.db, patternKey, a)).toMatchObject({ usageCount: 1, successCount: 1 });
    } finally {
      results.close();
      published.close();
      await worker.close(5_000);
      await deps.close();
    }
  });

  it('a request without a project recalls only memory without a project', async () => {
    const deps = createTestWorkerDeps(database.db);
    const worker = startWorker(deps, { concurrency: 4, reconciler: false });
    try {
      // Project-scoped resolved memory exists from the test above or is made here.
      const scoped = await analyse(deps, a, new Date('2026-11-25T11:00:00Z'));
      await waitFor('scoped counted', () => usages(scoped.id), (n) => n === 1);
      await recordOutcome(deps.db, { requestId: scoped.id, outcome: 'resolved', resolution: SECRET_RESOLUTION });

      const unscoped = await analyse(deps, null, new Date('2026-11-25T11:10:00Z'));
      expect(unscoped.result.recurrence).toBeNull();
      expect(unscoped.result.similar).toEqual([]);
      expect(JSON.stringify(unscoped.result)).not.toContain(SECRET_RESOLUTION);

      // And the other way round: the unscoped analysis is nobody's project memory.
      await waitFor('unscoped counted', () => usages(unscoped.id), (n) => n === 1);
      await recordOutcome(deps.db, { requestId: unscoped.id, outcome: 'resolved', resolution: 'unscoped fix' });
      const later = await analyse(deps, a, new Date('2026-11-25T11:20:00Z'));
      expect(JSON.stringify(later.result)).not.toContain(unscoped.id);
      expect(later.result.recurrence).toMatchObject({ of_request_id: scoped.id });
    } finally {
      await worker.close(5_000);
      await deps.close();
    }
  });

  it("a follow-up asked for another project does not inherit the other project's turn", async () => {
    const deps = createTestWorkerDeps(database.db);
    const worker = startWorker(deps, { concurrency: 4, reconciler: false });
    try {
      const conversation = await createConversation(deps.db, { project: a });
      const text = 'ledger-service errors in staging transactions for trace abcdef0123456789 since 10:00';
      const { request: first } = await createAnalysisRequest(deps.db, { source: 'chat', text, project: a, occurredAt: new Date('2026-11-25T10:30:00Z'), conversationId: conversation.id });
      await storeMessage(deps.db, { conversationId: conversation.id, role: 'user', content: text, requestId: first.id });
      await deps.pipeline.enqueue('extract-params', { request_id: first.id, generation: 1 });
      await waitFor('first', () => getAnalysisRequest(deps.db, first.id), (r) => r?.status === 'completed');

      const { request: other } = await createAnalysisRequest(deps.db, { source: 'chat', text: 'and now?', project: b, occurredAt: new Date('2026-11-25T10:40:00Z'), conversationId: conversation.id });
      await storeMessage(deps.db, { conversationId: conversation.id, role: 'user', content: 'and now?', requestId: other.id });
      await deps.pipeline.enqueue('extract-params', { request_id: other.id, generation: 1 });
      const done = await waitFor('other', () => getAnalysisRequest(deps.db, other.id), (r) => r?.status === 'completed');
      const parameters = done!.parameters as { project: string; env: string | null; trace_ids: string[] };
      expect(parameters.project).toBe(b);
      expect(parameters.trace_ids).not.toContain('abcdef0123456789');
      expect(parameters.env).not.toBe('staging');
    } finally {
      await worker.close(5_000);
      await deps.close();
    }
  });
});
