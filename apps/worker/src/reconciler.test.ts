import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { LogEvent } from '@loglore/core';
import { createAnalysisRequest, getAnalysisRequest, getPatternInfo, insertLogEvents, queryRows } from '@loglore/db';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { STEPS, UnrecoverableError } from '@loglore/queue';
import { reconcileOnce } from './reconciler.ts';
import { STEP_MODULES, type StepModule } from './steps/index.ts';
import { createTestWorkerDeps, deleteKeys } from './testing.ts';
import { startWorker } from './worker.ts';

const AT = new Date('2026-11-25T10:30:00Z');

function incident(project: string): LogEvent[] {
  return Array.from({ length: 30 }, (_, i) => ({
    ts: new Date(Date.parse('2026-11-25T10:02:00Z') + i * 30_000).toISOString(),
    project,
    env: 'prod',
    domain: 'transactions',
    service: 'ledger-service',
    level: 'error' as const,
    trace_id: randomBytes(8).toString('hex'),
    message: `Connection pool exhausted: timeout after 30000ms waiting for connection from pool ledger-db (active=${40 + (i % 10)}, idle=0)`,
    attrs: {},
  }));
}

describe('the reconciler and pattern statistics', () => {
  let database: TestDatabase;
  const project = `acme${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    await insertLogEvents(database.db, incident(project));
  });
  afterAll(async () => {
    await database.drop();
  });

  async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const usages = async (requestId: string) =>
    (await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from pattern_usages where request_id = ${requestId}::uuid`))[0]!.n;

  /** Runs one analysis to `completed` with every step but pattern-stats: its job stays queued in Redis. */
  async function completeWithoutCounting(deps: ReturnType<typeof createTestWorkerDeps>, text: string): Promise<{ id: string; patternKey: string }> {
    const worker = startWorker(deps, { only: STEPS.filter((s) => s !== 'pattern-stats'), concurrency: 2, reconciler: false });
    try {
      const { request } = await createAnalysisRequest(deps.db, { source: 'api', text, project, occurredAt: AT });
      await deps.pipeline.enqueue('extract-params', { request_id: request.id, generation: 1 });
      await waitFor('the analysis to complete', async () => (await getAnalysisRequest(deps.db, request.id))?.status === 'completed');
      const done = await getAnalysisRequest(deps.db, request.id);
      return { id: request.id, patternKey: (done!.result as { pattern_key: string }).pattern_key };
    } finally {
      await worker.close(5_000);
    }
  }

  it('counts a completed analysis whose pattern-stats job vanished from Redis, once however often it runs', async () => {
    const deps = createTestWorkerDeps(database.db);
    try {
      const { id, patternKey } = await completeWithoutCounting(deps, 'ledger pool errors in prod since 10:00 (lost count)');
      expect(patternKey).toBeTruthy();
      expect(await deps.pipeline.jobState('pattern-stats', { request_id: id, generation: 1 })).toBe('waiting');
      // As a FLUSHALL or a failover would: every key of the prefix is gone, the job with them.
      expect(await deleteKeys(deps.redis, deps.config.queuePrefix)).toBeGreaterThan(0);
      const before = (await getPatternInfo(database.db, patternKey, project))?.usageCount ?? 0;

      const first = await reconcileOnce(deps, 0);
      expect(first.recounted).toBe(1);
      const worker = startWorker(deps, { only: ['pattern-stats'], concurrency: 2, reconciler: false });
      try {
        await waitFor('the usage to be counted', async () => (await usages(id)) === 1);
        expect((await getPatternInfo(database.db, patternKey, project))?.usageCount).toBe(before + 1);
        // Again, and again with the keys gone once more: counted, so nothing is re-enqueued.
        expect((await reconcileOnce(deps, 0)).recounted).toBe(0);
        await deleteKeys(deps.redis, deps.config.queuePrefix);
        expect((await reconcileOnce(deps, 0)).recounted).toBe(0);
        await new Promise((r) => setTimeout(r, 300));
        expect(await usages(id)).toBe(1);
        expect((await getPatternInfo(database.db, patternKey, project))?.usageCount).toBe(before + 1);
      } finally {
        await worker.close(5_000);
      }
    } finally {
      await deps.close();
    }
  });

  it('counts an analysis whose pattern-stats job ran out of retries, under a new job id', async () => {
    const deps = createTestWorkerDeps(database.db);
    try {
      const { id, patternKey } = await completeWithoutCounting(deps, 'ledger pool errors in prod since 10:00 (failed count)');
      const broken: StepModule = {
        handle: () => Promise.reject(new UnrecoverableError('pattern-stats is broken today')),
      };
      const failing = startWorker(deps, { only: ['pattern-stats'], concurrency: 1, reconciler: false, modules: { ...STEP_MODULES, 'pattern-stats': broken } });
      try {
        await waitFor('the job to fail', async () => (await deps.pipeline.jobState('pattern-stats', { request_id: id, generation: 1 })) === 'failed');
      } finally {
        await failing.close(5_000);
      }
      // The analysis stays answered; only its count is missing.
      expect((await getAnalysisRequest(deps.db, id))?.status).toBe('completed');
      expect(await usages(id)).toBe(0);

      expect((await reconcileOnce(deps, 0)).recounted).toBe(1);
      const worker = startWorker(deps, { only: ['pattern-stats'], concurrency: 2, reconciler: false });
      try {
        await waitFor('the usage to be counted', async () => (await usages(id)) === 1);
        expect((await reconcileOnce(deps, 0)).recounted).toBe(0);
        expect(await usages(id)).toBe(1);
        expect(await getPatternInfo(database.db, patternKey, project)).toBeTruthy();
      } finally {
        await worker.close(5_000);
      }
    } finally {
      await deps.close();
    }
  });

  it('leaves alone an analysis whose pattern-stats job is still pending, and one younger than the grace period', async () => {
    const deps = createTestWorkerDeps(database.db);
    try {
      const { id } = await completeWithoutCounting(deps, 'ledger pool errors in prod since 10:00 (pending count)');
      expect((await reconcileOnce(deps, 0)).recounted).toBe(0);
      await deleteKeys(deps.redis, deps.config.queuePrefix);
      // Lost, but persisted just now: pattern-stats may simply not have run yet.
      expect((await reconcileOnce(deps, 60_000)).recounted).toBe(0);
      expect(await usages(id)).toBe(0);
    } finally {
      await deps.close();
    }
  });
});
