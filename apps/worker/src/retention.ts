import { purgeExpired, type RetentionRun } from '@loglore/db';
import { startMaintenance, type Maintenance } from '@loglore/queue';
import type { WorkerDeps } from './deps.ts';

/**
 * One retention run as of `now`: what has outlived its project's retention (or the configured
 * default) is deleted in bounded batches, whole day partitions of log_events are dropped where
 * every project is done with them, and the coming days' partitions are made. Idempotent; two
 * processes may run it at once (see purgeExpired).
 */
export async function retainOnce(deps: WorkerDeps, now = new Date()): Promise<RetentionRun> {
  const started = performance.now();
  const run = await purgeExpired(deps.db, { defaults: deps.config.retention, now });
  deps.observer?.retentionRan?.(run, (performance.now() - started) / 1000, now);
  const purged = Object.values(run.purged).reduce((a, b) => a + b, 0);
  if (purged > 0 || run.droppedPartitions.length > 0 || run.skippedPartitions.length > 0) {
    deps.logger.info({ purged: run.purged, dropped_partitions: run.droppedPartitions, skipped_partitions: run.skippedPartitions, more: run.more }, 'retention purged');
  }
  return run;
}

export interface MaintenanceScheduleOptions {
  /** Time between runs (BullMQ's `every`: the first run comes at once). */
  everyMs: number;
  /** The clock retention measures ages from (tests fix it); the system clock by default. */
  now?: () => Date;
}

/** Schedules the maintenance jobs on BullMQ (one scheduler for every process) and runs them in this one. */
export function startMaintenanceJobs(deps: WorkerDeps, options: MaintenanceScheduleOptions): { stop(): Promise<void> } {
  const started: Promise<Maintenance | null> = startMaintenance({
    redisUrl: deps.config.redisUrl,
    prefix: deps.config.queuePrefix,
    everyMs: options.everyMs,
    handlers: {
      retention: async () => {
        await retainOnce(deps, options.now?.() ?? new Date());
      },
    },
    onError: (error) => deps.logger.warn({ err: error }, 'maintenance job failed; the next run does what is left'),
  }).catch((error: Error) => {
    deps.logger.warn({ err: error }, 'maintenance could not be scheduled');
    return null;
  });
  return {
    async stop() {
      await (await started)?.close();
    },
  };
}
