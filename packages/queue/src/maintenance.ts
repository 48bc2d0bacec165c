import { Queue, Worker } from 'bullmq';
import { bullConnection } from './connection.ts';
import { MAINTENANCE_JOBS, MAINTENANCE_QUEUE, type MaintenanceJob } from './names.ts';
import { queuePrefix } from './pipeline.ts';

/** A maintenance job's work: it takes nothing, as what it does depends only on the database and the clock. */
export type MaintenanceHandler = () => Promise<void>;

export interface MaintenanceOptions {
  redisUrl: string;
  prefix: string;
  /** Each job's handler; the jobs without one are neither scheduled nor taken by this process. */
  handlers: Partial<Record<MaintenanceJob, MaintenanceHandler>>;
  /** Time between runs of each job. */
  everyMs: number;
  onError?: (error: Error) => void;
}

export interface Maintenance {
  /** Adds one run now, besides the schedule (tests, operators). */
  runNow(job: MaintenanceJob): Promise<void>;
  close(): Promise<void>;
}

/**
 * Schedules the maintenance jobs (`upsertJobScheduler`: every process may call it, the
 * scheduler stays one per job) and runs them here, one at a time. A failed run is not
 * retried: the next one comes `everyMs` later and does what is left (the jobs are idempotent).
 *
 * @example
 * const maintenance = await startMaintenance({ redisUrl, prefix: 'loglore', everyMs: 3_600_000, handlers: { retention } });
 */
export async function startMaintenance(options: MaintenanceOptions): Promise<Maintenance> {
  const prefix = queuePrefix(options.redisUrl, options.prefix, MAINTENANCE_QUEUE);
  const bull = bullConnection(options.redisUrl, 'worker');
  const queue = new Queue(MAINTENANCE_QUEUE, { connection: bull.connection, prefix });
  queue.on('error', (error) => options.onError?.(error));
  const jobs = MAINTENANCE_JOBS.filter((job) => options.handlers[job]);
  const template = { opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } };
  for (const job of jobs) await queue.upsertJobScheduler(job, { every: options.everyMs }, { name: job, ...template });
  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async (job) => {
      const handler = options.handlers[job.name as MaintenanceJob];
      if (!handler) throw new Error(`no handler for maintenance job ${job.name}`);
      await handler();
    },
    { connection: bull.connection, prefix, concurrency: 1 },
  );
  worker.on('error', (error) => options.onError?.(error));
  worker.on('failed', (_job, error) => options.onError?.(error));
  return {
    async runNow(job) {
      await queue.add(job, {}, template.opts);
    },
    async close() {
      await worker.close();
      await queue.close();
      await bull.close();
    },
  };
}

/** The ids of the maintenance job schedulers Redis holds under `prefix` (one per job, however many processes scheduled it). */
export async function maintenanceSchedulers(redisUrl: string, prefix: string): Promise<string[]> {
  const bull = bullConnection(redisUrl, 'worker');
  const queue = new Queue(MAINTENANCE_QUEUE, { connection: bull.connection, prefix: queuePrefix(redisUrl, prefix, MAINTENANCE_QUEUE) });
  try {
    const schedulers = await queue.getJobSchedulers();
    return schedulers.map((s) => s.id ?? s.key).sort();
  } finally {
    await queue.close();
    await bull.close();
  }
}
