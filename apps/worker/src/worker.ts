import { isDatabaseUnavailable } from '@loglore/db';
import { startStepWorkers, STEPS, type Step, type StepHandler } from '@loglore/queue';
import type { WorkerDeps } from './deps.ts';
import { failRequest } from './failure.ts';
import { startReconciler, type ReconcilerOptions } from './reconciler.ts';
import { startMaintenanceJobs, type MaintenanceScheduleOptions } from './retention.ts';
import { STEP_MODULES, type StepModule } from './steps/index.ts';

export interface WorkerOptions {
  /** Steps this process runs; all when absent. */
  only?: readonly Step[];
  concurrency: number;
  lockDurationMs?: number;
  /** Re-enqueue requests lost from Redis; on by default in processes that run extract-params. */
  reconciler?: ReconcilerOptions | false;
  /**
   * Schedule and run the maintenance jobs (retention, log_events partitions) in processes that
   * run extract-params; off when absent (the entry point turns it on from the configuration).
   */
  maintenance?: MaintenanceScheduleOptions | false;
  /** The step implementations; tests wrap them (e.g. to hold a step open while a process is killed). */
  modules?: Record<Step, StepModule>;
  /** First and longest delay of an attempt put back because Postgres is unavailable (500 ms, 15 s). */
  unavailableDelayMs?: { first: number; max: number };
}

export interface RunningWorker {
  steps: readonly Step[];
  /** Stops taking jobs, waits for running ones at most `timeoutMs`, stops the reconciler and maintenance. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Starts the BullMQ workers of the chosen steps.
 *
 * @example
 * const worker = startWorker(deps, { only: ['analyze'], concurrency: 4 });
 * process.once('SIGTERM', () => worker.close(20_000));
 */
export function startWorker(deps: WorkerDeps, options: WorkerOptions): RunningWorker {
  const steps = STEPS.filter((s) => !options.only || options.only.includes(s));
  const handlers: Partial<Record<Step, StepHandler>> = {};
  for (const step of steps) {
    const module = (options.modules ?? STEP_MODULES)[step];
    handlers[step] = async (data) => {
      const started = performance.now();
      try {
        return await module.handle(data, deps);
      } finally {
        deps.observer?.stepRan(step, (performance.now() - started) / 1000);
      }
    };
  }
  const workers = startStepWorkers({
    redisUrl: deps.config.redisUrl,
    prefix: deps.config.queuePrefix,
    pipeline: deps.pipeline,
    handlers,
    concurrency: options.concurrency,
    ...(options.lockDurationMs ? { lockDurationMs: options.lockDurationMs } : {}),
    onFinalFailure: (step, data, reason) => failRequest(deps, step, data, reason),
    onError: (error) => deps.logger.warn({ err: error }, 'worker error'),
    // Postgres away (restart, terminated backends): the attempt waits and does not count, so an
    // outage longer than the retry budget fails no analysis.
    isTransient: isDatabaseUnavailable,
    ...(options.unavailableDelayMs ? { transientDelayMs: options.unavailableDelayMs.first, maxTransientDelayMs: options.unavailableDelayMs.max } : {}),
  });
  const reconcile = options.reconciler !== false && steps.includes('extract-params');
  const reconciler = reconcile
    ? startReconciler(deps, options.reconciler || { intervalMs: 15_000, staleAfterMs: 30_000 })
    : null;
  const maintenance = options.maintenance && steps.includes('extract-params') ? startMaintenanceJobs(deps, options.maintenance) : null;
  return {
    steps,
    async close(timeoutMs) {
      await reconciler?.stop();
      await maintenance?.stop();
      await workers.close(timeoutMs);
    },
  };
}
