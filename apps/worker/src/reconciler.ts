import { listStaleOpenRequests, listUncountedAnalyses, noteCountReenqueued, noteRequestReenqueued, touchRequest } from '@loglore/db';
import { STEPS, type StepJobData } from '@loglore/queue';
import type { WorkerDeps } from './deps.ts';
import { failRequest } from './failure.ts';

export interface ReconcilerOptions {
  /** How often to look. */
  intervalMs: number;
  /** Requests untouched for this long are checked against Redis. */
  staleAfterMs: number;
  /**
   * A completed analysis not counted this long after persist is missing its pattern-stats job
   * (default 30 s: persist enqueues it just after committing, so a young one may be on its way).
   */
  countGraceMs?: number;
}

/** How far back lost pattern counts are looked for: as long as BullMQ keeps failed jobs. */
const COUNT_LOOKBACK_MS = 7 * 24 * 3600 * 1000;

const PENDING = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'paused']);

/**
 * Postgres is the record of truth: an open request whose jobs are gone from Redis (a Redis
 * restart without persistence, a flushed prefix, a crash between commit and enqueue) is
 * enqueued again under a new generation; one whose job failed for good is failed. A completed
 * analysis whose pattern was never counted (its pattern-stats job vanished or ran out of
 * retries) gets pattern-stats again. Several processes may run this at once: the generation
 * bump is a compare-and-set, and job ids are deterministic, so a request is never enqueued
 * twice for one generation; counting is exactly once anyway (pattern_usages' key).
 * `countGraceMs` (default `staleAfterMs`) is the time a completed analysis gets before its count
 * is missed.
 */
export async function reconcileOnce(
  deps: WorkerDeps,
  staleAfterMs: number,
  countGraceMs = staleAfterMs,
): Promise<{ requeued: number; failed: number; alive: number; recounted: number }> {
  const stale = await listStaleOpenRequests(deps.db, new Date(Date.now() - staleAfterMs));
  const counts = { requeued: 0, failed: 0, alive: 0, recounted: 0 };
  for (const request of stale) {
    const data: StepJobData = { request_id: request.id, generation: request.enqueueCount };
    // In pipeline order: a step enqueues its successor before it completes, so walking
    // forward never misses a job that moved on while we looked.
    const states: (string | undefined)[] = [];
    for (const step of STEPS) {
      const state = await deps.pipeline.jobState(step, data);
      states.push(state);
      if (state && PENDING.has(state)) break;
    }
    if (states.some((s) => s && PENDING.has(s))) {
      await touchRequest(deps.db, request.id);
      counts.alive++;
      continue;
    }
    const failedAt = states.findIndex((s) => s === 'failed');
    if (failedAt >= 0) {
      await failRequest(deps, STEPS[failedAt]!, data, `${STEPS[failedAt]} failed and has no retries left`);
      counts.failed++;
      continue;
    }
    const generation = await noteRequestReenqueued(deps.db, request.id, request.enqueueCount);
    if (generation === null) continue; // another process got there first
    await deps.pipeline.enqueue('extract-params', { request_id: request.id, generation }, { priority: request.priority > 1 ? request.priority : 0 });
    deps.logger.warn({ request_id: request.id, generation }, 'request had no jobs in Redis: enqueued again');
    counts.requeued++;
  }

  const uncounted = await listUncountedAnalyses(deps.db, { withinMs: COUNT_LOOKBACK_MS, olderThanMs: countGraceMs });
  for (const request of uncounted) {
    const state = await deps.pipeline.jobState('pattern-stats', { request_id: request.id, generation: request.enqueueCount });
    if (state && PENDING.has(state)) continue;
    // Gone, or failed for good (its id is still held): a new generation, a new job id.
    const generation = await noteCountReenqueued(deps.db, request.id, request.enqueueCount);
    if (generation === null) continue;
    await deps.pipeline.enqueue('pattern-stats', { request_id: request.id, generation }, { priority: request.priority > 1 ? request.priority : 0 });
    deps.logger.warn({ request_id: request.id, generation, previous: state ?? 'missing' }, 'analysis was never counted: pattern-stats enqueued again');
    counts.recounted++;
  }
  return counts;
}

export function startReconciler(deps: WorkerDeps, options: ReconcilerOptions): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    running = reconcileOnce(deps, options.staleAfterMs, options.countGraceMs ?? 30_000).catch((error: Error) =>
      deps.logger.warn({ err: error }, 'reconciler pass failed; will try again'),
    );
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
