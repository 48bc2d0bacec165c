import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { LogEvent } from '@loglore/core';
import {
  createAnalysisRequest,
  createConversation,
  getAnalysisRequest,
  getPatternInfo,
  getRecentMessages,
  insertLogEvents,
  listAnalysisEvents,
  queryRows,
  storeMessage,
} from '@loglore/db';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { channels } from '@loglore/queue';
import { collectEvents, createTestWorkerDeps, deleteKeys, testPrefix, TEST_REDIS_URL } from './testing.ts';
import { STEP_MODULES, type StepModule } from './steps/index.ts';
import { startWorker } from './worker.ts';

const AT = new Date('2026-11-25T10:30:00Z');
const FIXTURE = fileURLToPath(new URL('./testing/slow-worker.ts', import.meta.url));

/** A pool-exhaustion incident in acme/prod/transactions between 10:00 and 10:30, with noise. */
function incidentEvents(project: string): LogEvent[] {
  const events: LogEvent[] = [];
  const base = { project, env: 'prod', domain: 'transactions', attrs: {} };
  for (let i = 0; i < 40; i++) {
    events.push({
      ...base,
      ts: new Date(Date.parse('2026-11-25T10:05:00Z') + i * 20_000).toISOString(),
      service: 'ledger-service',
      level: 'error',
      trace_id: `trace${randomBytes(8).toString('hex')}`,
      message: `Connection pool exhausted: timeout after 30000ms waiting for connection from pool ledger-db (active=${40 + (i % 10)}, idle=0)`,
    });
  }
  for (let i = 0; i < 60; i++) {
    events.push({
      ...base,
      ts: new Date(Date.parse('2026-11-25T09:31:00Z') + i * 55_000).toISOString(),
      service: 'transfer-api',
      level: 'info',
      trace_id: null,
      message: `transfer ${1000 + i} accepted for account ${5000 + i}`,
    });
  }
  return events;
}

describe('the analysis pipeline', () => {
  let database: TestDatabase;
  const project = `acme${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    await insertLogEvents(database.db, incidentEvents(project));
  });
  afterAll(async () => {
    await database.drop();
  });

  async function accept(deps: ReturnType<typeof createTestWorkerDeps>, text: string, conversationId: string | null = null, enqueue = true) {
    const { request } = await createAnalysisRequest(deps.db, { source: conversationId ? 'chat' : 'api', text, conversationId, project, occurredAt: AT });
    if (conversationId) await storeMessage(deps.db, { conversationId, role: 'user', content: text, requestId: request.id });
    if (enqueue) await deps.pipeline.enqueue('extract-params', { request_id: request.id, generation: 1 });
    return request.id;
  }

  async function waitForStatus(id: string, status: string, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const request = await getAnalysisRequest(database.db, id);
      if (request?.status === status) return request;
      if (Date.now() > deadline) throw new Error(`request ${id} is ${request?.status}, not ${status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function countRows(table: string, requestId: string): Promise<number> {
    const rows = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from ${sql.identifier(table)} where request_id = ${requestId}::uuid`);
    return rows[0]!.n;
  }

  it('runs a chat question through every step, publishing each in order, and remembers it', async () => {
    const deps = createTestWorkerDeps(database.db);
    const worker = startWorker(deps, { concurrency: 4, reconciler: false });
    const conversation = await createConversation(database.db, { project });
    const listener = await collectEvents(channels.conversation(deps.config.queuePrefix, conversation.id));
    const results = await collectEvents(channels.results(deps.config.queuePrefix));
    try {
      const id = await accept(deps, 'NPSB transfers failing in prod since 10:00?', conversation.id);
      await listener.waitFor('completed');
      const steps = listener.events.map((e) => e.step);
      // The catalogued pattern the analysis found is announced before the analysis itself.
      expect(steps).toEqual(['params', 'similar', 'known_pattern', 'analysis', 'verification', 'completed']);
      expect(listener.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(listener.events[2]!.payload).toMatchObject({ pattern: 'DB_POOL_EXHAUSTED', pattern_key: 'db.pool_exhausted' });
      const params = listener.events[0]!.payload.parameters as Record<string, unknown>;
      expect(params).toMatchObject({ project, env: 'prod', domain: 'transactions', time_range: { from: '2026-11-25T10:00:00.000Z' } });
      const result = listener.events.find((e) => e.step === 'completed')!.payload.result as Record<string, unknown>;
      expect(result.error_pattern).toBeTruthy();
      expect((result.trace_ids as string[]).length).toBeGreaterThan(0);
      await results.waitFor('completed');

      expect(await countRows('analysis_memory', id)).toBe(1);
      const messages = await getRecentMessages(database.db, conversation.id);
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      expect(messages[0]!.parameters).toMatchObject({ env: 'prod' });
      const request = await waitForStatus(id, 'completed');
      expect(request.result).toMatchObject({ request_id: id, pattern_key: result.pattern_key });

      // pattern-stats runs on its own queue after persist.
      const key = result.pattern_key as string;
      for (let i = 0; i < 100 && (await getPatternInfo(database.db, key, project))?.usageCount !== 1; i++) await new Promise((r) => setTimeout(r, 50));
      expect((await getPatternInfo(database.db, key, project))?.usageCount).toBe(1);

      // A follow-up inherits what the conversation said and changes what it says.
      const followUp = await accept(deps, 'what about staging?', conversation.id);
      await listener.waitFor('completed', 2);
      const followParams = (await waitForStatus(followUp, 'completed')).parameters as Record<string, unknown>;
      expect(followParams).toMatchObject({ env: 'staging', domain: 'transactions', project });
      expect(followParams.time_range).toEqual(params.time_range);
    } finally {
      listener.close();
      results.close();
      await worker.close(5_000);
      await deps.close();
    }
  });

  it('serves identical parameters from the cache, says so, and counts the pattern once', async () => {
    const deps = createTestWorkerDeps(database.db);
    const worker = startWorker(deps, { concurrency: 4, reconciler: false });
    const listener = await collectEvents(`${deps.config.queuePrefix}:analysis:*`);
    try {
      const first = await accept(deps, 'ledger errors in prod transactions since 10:00');
      await waitForStatus(first, 'completed');
      const second = await accept(deps, 'ledger errors in prod transactions since 10:00');
      await waitForStatus(second, 'completed');
      const secondEvents = await listAnalysisEvents(database.db, second);
      const analysis = secondEvents.find((e) => e.step === 'analysis')!;
      expect(analysis.payload).toMatchObject({ cached: true, cached_from: first });
      const firstAnalysis = (await listAnalysisEvents(database.db, first)).find((e) => e.step === 'analysis')!;
      expect(firstAnalysis.payload.cached).toBe(false);
      expect(await countRows('pattern_usages', second)).toBe(0);

      // A cache entry that is not a whole analysis is ignored, even of the current evidence:
      // the question is analysed afresh and the fresh analysis replaces the entry.
      const [key] = await deps.redis.keys(`${deps.config.queuePrefix}:cache:analysis:*`);
      const { watermark } = JSON.parse((await deps.redis.get(key!))!) as { watermark: string };
      await deps.redis.set(key!, JSON.stringify({ request_id: first, cached_at: 'x', watermark, analysis: { summary: 'poisoned' } }), 'KEEPTTL');
      const third = await accept(deps, 'ledger errors in prod transactions since 10:00');
      await waitForStatus(third, 'completed');
      const thirdAnalysis = (await listAnalysisEvents(database.db, third)).find((e) => e.step === 'analysis')!;
      expect(thirdAnalysis.payload).toMatchObject({ cached: false, cache: 'invalid' });
      const fourth = await accept(deps, 'ledger errors in prod transactions since 10:00');
      await waitForStatus(fourth, 'completed');
      const fourthAnalysis = (await listAnalysisEvents(database.db, fourth)).find((e) => e.step === 'analysis')!;
      expect(fourthAnalysis.payload).toMatchObject({ cached: true, cached_from: third, cache: 'hit' });
    } finally {
      listener.close();
      await worker.close(5_000);
      await deps.close();
    }
  });

  it('keeps what a backfilled incident knew, counts its vote, and flags the pattern when it recurs', async () => {
    const deps = createTestWorkerDeps(database.db);
    const worker = startWorker(deps, { concurrency: 4, reconciler: false });
    try {
      const name = `ledger lag ${randomBytes(3).toString('hex')}`;
      const { request: old } = await createAnalysisRequest(deps.db, {
        source: 'backfill',
        text: 'ledger postings delayed (historical incident)',
        project,
        occurredAt: new Date('2026-10-01T09:00:00Z'),
        priority: 10,
        metadata: { hints: { services: ['ledger-service'], trace_ids: ['abc123def4567890'] }, known: { error_pattern: name, resolution: 'restarted the ledger consumer', outcome: 'resolved' } },
      });
      await deps.pipeline.enqueue('extract-params', { request_id: old.id, generation: 1 }, { priority: 10 });
      const done = await waitForStatus(old.id, 'completed');
      // Backfill priority runs in its own lane: its queues, not the live ones.
      expect(await deps.pipeline.queues['backfill-persist']!.getJob(`persist-${old.id}`)).toBeTruthy();
      expect(await deps.pipeline.queues['persist']!.getJob(`persist-${old.id}`)).toBeUndefined();
      const result = done.result as Record<string, unknown>;
      expect(result).toMatchObject({ pattern_key: `named.${name.replace(/ /g, '_')}`, resolution: 'restarted the ledger consumer', recurrence: null });
      expect((result.parameters as { services: string[]; trace_ids: string[] }).services).toContain('ledger-service');
      expect((result.parameters as { trace_ids: string[] }).trace_ids).toContain('abc123def4567890');
      const key = result.pattern_key as string;
      for (let i = 0; i < 100 && (await getPatternInfo(database.db, key, project))?.successCount !== 1; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await getPatternInfo(database.db, key, project)).toMatchObject({ usageCount: 1, successCount: 1, failureCount: 0 });

      const { request: again } = await createAnalysisRequest(deps.db, {
        source: 'backfill',
        text: 'ledger postings delayed again',
        project,
        occurredAt: new Date('2026-11-01T09:00:00Z'),
        metadata: { known: { error_pattern: name, resolution: null, outcome: null } },
      });
      await deps.pipeline.enqueue('extract-params', { request_id: again.id, generation: 1 });
      const recurred = (await waitForStatus(again.id, 'completed')).result as Record<string, unknown>;
      expect(recurred.recurrence).toMatchObject({ of_request_id: old.id, resolution: 'restarted the ledger consumer' });
    } finally {
      await worker.close(5_000);
      await deps.close();
    }
  });

  it('records a backfilled outcome even when no error pattern was found', async () => {
    const deps = createTestWorkerDeps(database.db);
    const worker = startWorker(deps, { concurrency: 2, reconciler: false });
    try {
      const { request } = await createAnalysisRequest(deps.db, {
        source: 'backfill',
        text: 'customers could not see statements',
        project: `${project}-quiet`,
        occurredAt: new Date('2026-09-01T09:00:00Z'),
        priority: 10,
        metadata: { known: { error_pattern: null, resolution: 'cleared the statement cache', outcome: 'resolved' } },
      });
      await deps.pipeline.enqueue('extract-params', { request_id: request.id, generation: 1 }, { priority: 10 });
      await waitForStatus(request.id, 'completed');
      let outcome: string | null = null;
      for (let i = 0; i < 100 && outcome === null; i++) {
        const rows = await queryRows<{ outcome: string | null; resolution: string }>(database.db, sql`select outcome, resolution from analysis_memory where request_id = ${request.id}::uuid`);
        outcome = rows[0]?.outcome ?? null;
        if (outcome === null) await new Promise((r) => setTimeout(r, 50));
        else expect(rows[0]!.resolution).toBe('cleared the statement cache');
      }
      expect(outcome).toBe('resolved');
    } finally {
      await worker.close(5_000);
      await deps.close();
    }
  });

  it('fails a request that can never succeed and tells the subscribers why', async () => {
    const deps = createTestWorkerDeps(database.db);
    const worker = startWorker(deps, { concurrency: 2, reconciler: false });
    try {
      const id = await accept(deps, 'anything', null, false);
      const listener = await collectEvents(channels.analysis(deps.config.queuePrefix, id));
      // persist of a request that was never analysed can never succeed: no retries, a `failed` event.
      await deps.pipeline.enqueue('persist', { request_id: id, generation: 1 });
      const events = await listener.waitFor('failed');
      listener.close();
      expect(events.at(-1)!.payload).toMatchObject({ step: 'persist' });
      expect(String(events.at(-1)!.payload.reason)).toMatch(/has no valid parameters/);
      const request = await waitForStatus(id, 'failed');
      expect(request.error).toMatch(/persist/);
    } finally {
      await worker.close(5_000);
      await deps.close();
    }
  });

  it('waits out a Postgres outage longer than its retry budget without failing the analysis', async () => {
    const deps = createTestWorkerDeps(database.db);
    // analyze cannot reach Postgres for its first 8 attempts, more than the 5 a job has.
    let refused = 0;
    const unreachable: StepModule = {
      async handle(data, d) {
        if (refused < 8) {
          refused++;
          throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
        }
        return STEP_MODULES.analyze.handle(data, d);
      },
    };
    const worker = startWorker(deps, {
      concurrency: 2,
      reconciler: false,
      modules: { ...STEP_MODULES, analyze: unreachable },
      unavailableDelayMs: { first: 20, max: 100 },
    });
    try {
      const id = await accept(deps, 'ledger pool errors in prod since 10:00 (outage test)');
      const request = await waitForStatus(id, 'completed');
      expect(refused).toBe(8);
      expect(request.error).toBeNull();
      const job = await deps.pipeline.queues['analyze']!.getJob(`analyze-${id}`);
      // The delayed attempts used none of its retries: only the one that succeeded counts.
      expect(job?.attemptsMade).toBe(1);
      expect(await countRows('analysis_memory', id)).toBe(1);
    } finally {
      await worker.close(5_000);
      await deps.close();
    }
  });

  it('completes every accepted request after Redis lost all of its queue keys', async () => {
    const deps = createTestWorkerDeps(database.db);
    try {
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await accept(deps, `lost request ${i}: ledger errors in prod since 10:00`));
      // As a Redis restart without persistence would: every key of the prefix is gone.
      expect(await deleteKeys(deps.redis, deps.config.queuePrefix)).toBeGreaterThan(0);
      const worker = startWorker(deps, { concurrency: 4, reconciler: { intervalMs: 200, staleAfterMs: 0 } });
      try {
        for (const id of ids) await waitForStatus(id, 'completed', 30_000);
        for (const id of ids) expect(await countRows('analysis_memory', id)).toBe(1);
        const generations = await queryRows<{ enqueue_count: number }>(
          database.db,
          sql`select enqueue_count from analysis_requests where id in (${sql.join(ids.map((i) => sql`${i}::uuid`), sql`, `)})`,
        );
        expect(generations.every((g) => g.enqueue_count === 2)).toBe(true);
      } finally {
        await worker.close(5_000);
      }
    } finally {
      await deps.close();
    }
  });

  function spawnFixture(prefix: string, step: string, slowMs: number): { child: ChildProcess; waitFor(line: string): Promise<void>; exit: Promise<number | null> } {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
      env: { ...process.env, DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, SLOW_STEP: step, SLOW_MS: String(slowMs), LOCK_MS: '2000', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    const waiters: { line: string; resolve: () => void }[] = [];
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const w of waiters.filter((w) => output.includes(w.line))) w.resolve();
    });
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return {
      child,
      exit,
      waitFor: (line) =>
        new Promise<void>((resolve, reject) => {
          if (output.includes(line)) return resolve();
          const timer = setTimeout(() => reject(new Error(`fixture never printed ${line}; got: ${output}`)), 30_000);
          waiters.push({ line, resolve: () => (clearTimeout(timer), resolve()) });
        }),
    };
  }

  it('recovers a step whose worker was SIGKILLed mid-job and completes the analysis once', async () => {
    const prefix = testPrefix();
    const deps = createTestWorkerDeps(database.db, prefix);
    const fixture = spawnFixture(prefix, 'persist', 60_000);
    try {
      await fixture.waitFor('WORKER_READY');
      const conversation = await createConversation(database.db, { project });
      const id = await accept(deps, 'NPSB transfers failing in prod since 10:00', conversation.id);
      await fixture.waitFor(`STEP_STARTED persist ${id}`);
      fixture.child.kill('SIGKILL');
      await fixture.exit;
      // A healthy worker takes over once the dead one's 2 s lock expires.
      const worker = startWorker(deps, { concurrency: 2, reconciler: false, lockDurationMs: 2_000 });
      try {
        const request = await waitForStatus(id, 'completed', 30_000);
        const key = (request.result as { pattern_key: string }).pattern_key;
        for (let i = 0; i < 100 && (await countRows('pattern_usages', id)) === 0; i++) await new Promise((r) => setTimeout(r, 50));
        expect(await countRows('analysis_memory', id)).toBe(1);
        expect((await getRecentMessages(database.db, conversation.id)).map((m) => m.role)).toEqual(['user', 'assistant']);
        expect(await countRows('pattern_usages', id)).toBe(1);
        expect((await listAnalysisEvents(database.db, id)).filter((e) => e.step === 'completed')).toHaveLength(1);
        expect(key).toBeTruthy();
      } finally {
        await worker.close(5_000);
      }
    } finally {
      fixture.child.kill('SIGKILL');
      await deps.close();
    }
  }, 60_000);

  it('drains on SIGTERM: the running step finishes, then the process exits 0', async () => {
    const prefix = testPrefix();
    const deps = createTestWorkerDeps(database.db, prefix);
    const fixture = spawnFixture(prefix, 'analyze', 1_500);
    try {
      await fixture.waitFor('WORKER_READY');
      const id = await accept(deps, 'ledger pool errors in prod since 10:00 (drain test)');
      await fixture.waitFor(`STEP_STARTED analyze ${id}`);
      fixture.child.kill('SIGTERM');
      expect(await fixture.exit).toBe(0);
      const events = await listAnalysisEvents(database.db, id);
      expect(events.map((e) => e.step)).toContain('verification');
      // The next step was enqueued before the job finished, so a worker picks up from there.
      const worker = startWorker(deps, { concurrency: 2, reconciler: false });
      try {
        await waitForStatus(id, 'completed');
      } finally {
        await worker.close(5_000);
      }
    } finally {
      fixture.child.kill('SIGKILL');
      await deps.close();
    }
  }, 60_000);
});
