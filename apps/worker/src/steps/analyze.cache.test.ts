/**
 * The analysis cache answers only from unchanged evidence: a cached analysis is reused while
 * nothing has been ingested into its project, env and window (baseline included), and an
 * answer of "no evidence" is kept for a minute at most. Real Postgres and Redis, fixed clock.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '@loglore/core';
import { createAnalysisRequest, getAnalysisRequest, insertLogEvents, listAnalysisEvents } from '@loglore/db';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { cacheKey, createAnalysisCache } from '@loglore/queue';
import { createTestWorkerDeps } from '../testing.ts';
import { startWorker, type RunningWorker } from '../worker.ts';
import { cacheHash, cacheScope, evidenceWindows } from './analyze.ts';

/** Every question below is asked at this instant: "since 10:00" is 10:00–10:30 on this day. */
const AT = new Date('2026-11-25T10:30:00Z');
const QUESTION = 'errors in prod since 10:00';

/** `count` error lines of one failure in project/env, from `start`, one every 15 s. */
function failure(project: string, env: string, start: string, count: number, message: (i: number) => string): LogEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    ts: new Date(Date.parse(start) + i * 15_000).toISOString(),
    project,
    env,
    domain: 'transactions',
    service: 'ledger-service',
    level: 'error' as const,
    trace_id: `t${randomBytes(8).toString('hex')}`,
    message: message(i),
    attrs: {},
  }));
}

const poolExhausted = (project: string, env = 'prod', start = '2026-11-25T10:05:00Z', count = 30) =>
  failure(project, env, start, count, (i) => `Connection pool exhausted: timeout after 30000ms waiting for connection from pool ledger-db (active=${40 + (i % 5)}, idle=0)`);
const tlsExpired = (project: string, start = '2026-11-25T10:12:00Z', count = 60) =>
  failure(project, 'prod', start, count, (i) => `TLS handshake to partner-gw-${i % 3}:443 failed: certificate has expired`);

interface Answer {
  id: string;
  analysis: Record<string, unknown>;
  result: Record<string, unknown>;
}

describe('the analysis cache answers only from unchanged evidence', () => {
  let database: TestDatabase;
  let deps: ReturnType<typeof createTestWorkerDeps>;
  let worker: RunningWorker;

  beforeAll(async () => {
    database = await createTestDatabase();
    deps = createTestWorkerDeps(database.db);
    worker = startWorker(deps, { concurrency: 2, reconciler: false });
  });
  afterAll(async () => {
    await worker.close(5_000);
    await deps.close();
    await database.drop();
  });

  /** A fresh project per test: the cache key holds the project, so tests never share entries. */
  const newProject = () => `p${randomBytes(4).toString('hex')}`;

  async function ask(project: string, text = QUESTION): Promise<Answer> {
    const { request } = await createAnalysisRequest(deps.db, { source: 'api', text, project, occurredAt: AT });
    await deps.pipeline.enqueue('extract-params', { request_id: request.id, generation: 1 });
    for (let i = 0; i < 400; i++) {
      const row = await getAnalysisRequest(database.db, request.id);
      if (row?.status === 'failed') throw new Error(`analysis ${request.id} failed: ${JSON.stringify(row.error)}`);
      if (row?.status === 'completed') {
        const analysis = (await listAnalysisEvents(database.db, request.id)).find((e) => e.step === 'analysis')!;
        return { id: request.id, analysis: analysis.payload, result: row.result as Record<string, unknown> };
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`analysis ${request.id} did not complete`);
  }

  async function cacheEntryKey(answer: Answer): Promise<string> {
    const parameters = answer.result.parameters as Parameters<typeof cacheHash>[0];
    // The request's project is the memory scope the key carries (here the parameters' project).
    return cacheKey(deps.config.queuePrefix, cacheHash(parameters, parameters.project));
  }

  it('an answer given before the window\'s logs landed is not reused once they land', async () => {
    const project = newProject();
    const before = await ask(project);
    expect(before.result.error_pattern).toBeNull();

    await insertLogEvents(deps.db, poolExhausted(project));
    const after = await ask(project);
    expect(after.analysis).toMatchObject({ cached: false, cache: 'stale' });
    expect(after.analysis).not.toHaveProperty('cached_from');
    expect(after.result.error_pattern).toBeTruthy();
    expect((after.result.trace_ids as string[]).length).toBeGreaterThan(0);
  });

  it('logs that land after an answer with evidence make the next answer see them', async () => {
    const project = newProject();
    await insertLogEvents(deps.db, poolExhausted(project, 'prod', '2026-11-25T10:05:00Z', 12));
    const first = await ask(project);
    expect(first.result.error_pattern).toBeTruthy();
    const firstErrors = (first.analysis.evidence as { error_event_count: number }).error_event_count;

    // The partner's failure is logged late, after the first answer: it is the louder one.
    await insertLogEvents(deps.db, tlsExpired(project));
    const second = await ask(project);
    expect(second.analysis).toMatchObject({ cached: false, cache: 'stale' });
    expect((second.analysis.evidence as { error_event_count: number }).error_event_count).toBe(firstErrors + 60);
    expect(second.result.error_pattern).not.toBe(first.result.error_pattern);

    // The fresh answer replaced the stale entry: asked again, it is the one served.
    const third = await ask(project);
    expect(third.analysis).toMatchObject({ cached: true, cached_from: second.id, cache: 'hit' });
  });

  it('asked twice with nothing ingested in between, the second answer is the cached first', async () => {
    const project = newProject();
    await insertLogEvents(deps.db, poolExhausted(project));
    const first = await ask(project);
    expect(first.analysis).toMatchObject({ cached: false, cache: 'miss' });
    const second = await ask(project);
    expect(second.analysis).toMatchObject({ cached: true, cached_from: first.id, cache: 'hit' });
    expect(second.result.error_pattern).toBe(first.result.error_pattern);
    // An answer with evidence is kept for CACHE_TTL_SECONDS.
    const ttl = await deps.redis.pttl(await cacheEntryKey(first));
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(deps.config.cacheTtlSeconds * 1000);
  });

  it('logs ingested into another project, another env or outside the window leave the cached answer standing', async () => {
    const project = newProject();
    await insertLogEvents(deps.db, poolExhausted(project));
    const first = await ask(project);
    expect(first.result.error_pattern).toBeTruthy();

    await insertLogEvents(deps.db, [
      ...tlsExpired(newProject()), // another project, same env and window
      ...tlsExpired(project, '2026-11-25T10:10:00Z', 5).map((e) => ({ ...e, env: 'staging' })), // same project, another env
      ...tlsExpired(project, '2026-11-25T10:45:00Z', 5), // after the window
      ...tlsExpired(project, '2026-11-25T08:00:00Z', 5), // before the window's baseline (09:30–10:00)
    ]);
    const second = await ask(project);
    expect(second.analysis).toMatchObject({ cached: true, cached_from: first.id, cache: 'hit' });
  });

  it('a no-evidence answer is kept for a minute at most and never outlives the logs landing', async () => {
    const project = newProject();
    const empty = await ask(project);
    expect(empty.result.error_pattern).toBeNull();
    const ttl = await deps.redis.pttl(await cacheEntryKey(empty));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);

    // Within the minute and with nothing new, the same empty answer stands...
    const again = await ask(project);
    expect(again.analysis).toMatchObject({ cached: true, cached_from: empty.id, cache: 'hit' });
    // ...until the window's logs land.
    await insertLogEvents(deps.db, poolExhausted(project));
    const landed = await ask(project);
    expect(landed.analysis).toMatchObject({ cached: false, cache: 'stale' });
    expect(landed.result.error_pattern).toBeTruthy();
  });

  it('a no-evidence answer expires after its short TTL even when nothing was ingested', async () => {
    const project = newProject();
    const cache = deps.cache;
    // The same cache with the no-evidence TTL shortened to one second, so the test need not wait a minute.
    deps.cache = createAnalysisCache(deps.redis, deps.config.queuePrefix, deps.config.cacheTtlSeconds, { noEvidenceTtlSeconds: 1 });
    try {
      const empty = await ask(project);
      expect(empty.result.error_pattern).toBeNull();
      const ttl = await deps.redis.pttl(await cacheEntryKey(empty));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1_000);
      await new Promise((r) => setTimeout(r, 1_100));
      const later = await ask(project);
      expect(later.analysis).toMatchObject({ cached: false, cache: 'miss' });
    } finally {
      deps.cache = cache;
    }
  });
});

describe('the scope an evidence watermark covers', () => {
  const parametersOf = (from: number, to: number): Parameters<typeof cacheHash>[0] => ({
    project: 'bank', env: 'prod', domain: null, time_range: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    trace_ids: [], request_ids: [], transaction_ids: [], services: [], http_status: [], error_codes: [], keywords: [],
  });

  it('holds every window and baseline that shares the cache key, and is the same for all of them', () => {
    const minute = Date.parse('2026-11-25T10:00:00Z');
    const offsets = [0, 1, 1_000, 30_000, 59_999];
    const lengths = [0, 30_000, 59_999, 60_000, 61_000, 30 * 60_000, 30 * 60_000 + 59_999, 3_600_000];
    let windows = 0;
    for (const length of lengths) {
      const keyTo = Math.floor((minute + length) / 60_000) * 60_000;
      const scopes = new Set<string>();
      for (const a of offsets) {
        for (const b of offsets) {
          const from = minute + a;
          const to = keyTo + b;
          if (to < from) continue;
          const parameters = parametersOf(from, to);
          expect(cacheHash(parameters, 'bank')).toBe(cacheHash(parametersOf(minute, keyTo), 'bank'));
          const scope = cacheScope(parameters);
          const read = evidenceWindows(new Date(from), new Date(to));
          expect(scope.from.getTime()).toBeLessThanOrEqual(read.baselineFrom.getTime());
          expect(scope.to.getTime()).toBeGreaterThanOrEqual(read.to.getTime());
          expect(scope).toMatchObject({ project: 'bank', env: 'prod' });
          scopes.add(`${scope.from.toISOString()} ${scope.to.toISOString()}`);
          windows++;
        }
      }
      expect(scopes.size).toBe(1);
    }
    expect(windows).toBeGreaterThan(150);
  });
});
