import { DelayedError, Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import { z } from 'zod';
import { bullConnection, isClusterAddress } from './connection.ts';
import { bullPrefix, clusterQueuePrefix, jobId, LANES, NEXT_STEP, queueName, STEPS, type Lane, type Step } from './names.ts';

/**
 * The payload of every pipeline job: a Postgres row id, the enqueue generation and, optionally,
 * the `carry`: the small outputs of the steps before (already redacted, as stored; job data is
 * clear text in Redis), so a step need not read back from Postgres what the previous one just
 * wrote. Postgres stays the record of truth: a step given no carry, or one that turns out stale,
 * reads the stored state instead, and a retried attempt is never given one.
 */
export const StepJobData = z.object({
  request_id: z.uuid(),
  generation: z.number().int().min(1).default(1),
  carry: z.record(z.string(), z.unknown()).optional(),
});
export type StepJobData = z.infer<typeof StepJobData>;

/** The most a carry may weigh, serialized; a heavier one is left out and the next step reads Postgres. */
export const CARRY_MAX_BYTES = 32 * 1024;

/** `data` with `carry` when it fits in {@link CARRY_MAX_BYTES}, else without. */
export function withCarry(data: StepJobData, carry: Record<string, unknown> | undefined): StepJobData {
  const { carry: _previous, ...rest } = data;
  if (!carry) return rest;
  return Buffer.byteLength(JSON.stringify(carry)) <= CARRY_MAX_BYTES ? { ...rest, carry } : rest;
}

/**
 * Live traffic has no priority; jobs at `backfill` priority or lower run in the backfill lane
 * (their own queues and workers), behind and beside live traffic, never in its slots.
 */
export const PRIORITY = { live: 0, backfill: 10 } as const;

/** The lane a priority runs in. */
export function laneOf(priority: number | undefined): Lane {
  return (priority ?? 0) >= PRIORITY.backfill ? 'backfill' : 'live';
}

const JOB_DEFAULTS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 500, jitter: 0.3 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export interface PipelineOptions {
  /** A Redis URL or a Redis Cluster address (`redis+cluster://host:port,...`). */
  redisUrl: string;
  /** QUEUE_PREFIX; BullMQ keys get it as a cluster hash tag. */
  prefix: string;
  /** producer: fail fast when Redis is down (HTTP side); worker: wait for it. */
  role?: 'producer' | 'worker';
}

export interface Pipeline {
  /** Every queue by name: the live lane's under the step names, the backfill lane's as `backfill-<step>`. */
  readonly queues: Readonly<Record<string, Queue>>;
  /** Adds one step job; a job with the same id that is still pending makes this a no-op. */
  enqueue(step: Step, data: StepJobData, options?: { priority?: number }): Promise<void>;
  /** Adds many first-step jobs in one round trip (backfills). */
  enqueueMany(step: Step, items: readonly StepJobData[], options?: { priority?: number }): Promise<void>;
  /** BullMQ state of a request's job for a step (in either lane), or undefined when Redis holds no such job. */
  jobState(step: Step, data: StepJobData): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * The BullMQ key prefix of one queue. On one Redis every queue shares `{prefix}`; on a cluster
 * each queue has its own hash tag, so the ten queues spread over the masters (BullMQ's
 * scripts touch the keys of one queue only; a step enqueues the next one with a separate
 * command, so no operation spans two queues).
 */
export function queuePrefix(redisUrl: string, prefix: string, queue: string): string {
  return isClusterAddress(redisUrl) ? clusterQueuePrefix(prefix, queue) : bullPrefix(prefix);
}

function jobOptions(step: Step, data: StepJobData, priority?: number): JobsOptions {
  return { ...JOB_DEFAULTS, jobId: jobId(step, data.request_id, data.generation), ...(priority ? { priority } : {}) };
}

/**
 * The queues of the analysis pipeline.
 *
 * @example
 * const pipeline = createPipeline({ redisUrl, prefix: 'loglore', role: 'producer' });
 * await pipeline.enqueue('extract-params', { request_id, generation: 1 });
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  const { connection, close } = bullConnection(options.redisUrl, options.role ?? 'producer');
  const queues: Record<string, Queue> = {};
  for (const lane of LANES) {
    for (const step of STEPS) {
      const name = queueName(step, lane);
      queues[name] = new Queue(name, { connection, prefix: queuePrefix(options.redisUrl, options.prefix, name) });
      queues[name].on('error', () => {});
    }
  }
  const queueOf = (step: Step, priority: number | undefined) => queues[queueName(step, laneOf(priority))]!;
  return {
    queues,
    async enqueue(step, data, opts = {}) {
      await queueOf(step, opts.priority).add(step, data, jobOptions(step, data, opts.priority));
    },
    async enqueueMany(step, items, opts = {}) {
      if (items.length === 0) return;
      await queueOf(step, opts.priority).addBulk(items.map((data) => ({ name: step, data, opts: jobOptions(step, data, opts.priority) })));
    },
    async jobState(step, data) {
      for (const lane of LANES) {
        const job = await queues[queueName(step, lane)]!.getJob(jobId(step, data.request_id, data.generation));
        if (job) return job.getState();
      }
      return undefined;
    },
    async close() {
      await Promise.all(Object.values(queues).map((q) => q.close()));
      await close();
    },
  };
}

/**
 * A step handler: an async function of the validated payload. It returns `{ next: false }`
 * to end the chain early; otherwise the next step is enqueued after it succeeds (so a crash
 * before that point replays the step, which must therefore be idempotent).
 */
export type StepHandler = (
  data: StepJobData,
  context: { attempt: number },
) => Promise<{ next?: boolean; priority?: number; carry?: Record<string, unknown> } | void>;

export interface StepWorkersOptions {
  redisUrl: string;
  prefix: string;
  pipeline: Pipeline;
  handlers: Partial<Record<Step, StepHandler>>;
  /** Jobs per step at once in the live lane. */
  concurrency: number;
  /** Jobs per step at once in the backfill lane; a quarter of `concurrency` (at least 1) by default. */
  backfillConcurrency?: number;
  /** Called once a job has no retries left (or can never succeed). */
  onFinalFailure: (step: Step, data: StepJobData, reason: string) => Promise<void>;
  /** Lock and stalled-check timing; lower values recover crashed jobs sooner. */
  lockDurationMs?: number;
  onError?: (error: Error) => void;
  /**
   * Errors that say a backing service is away (Postgres restarting), not that the job is bad.
   * Such an attempt is put back as delayed (exponential from `transientDelayMs`, at most
   * `maxTransientDelayMs`) without using up one of its `attempts`, so an outage longer than
   * the retry budget fails nothing; after `maxTransientAttempts` it fails like any error.
   */
  isTransient?: (error: unknown) => boolean;
  transientDelayMs?: number;
  maxTransientDelayMs?: number;
  maxTransientAttempts?: number;
}

export interface StepWorkers {
  readonly workers: readonly Worker[];
  /** Stops taking jobs and waits for the running ones, at most `timeoutMs`. */
  close(timeoutMs: number): Promise<void>;
}

/** Starts one BullMQ worker per handled step and lane. */
export function startStepWorkers(options: StepWorkersOptions): StepWorkers {
  const { connection, close } = bullConnection(options.redisUrl, 'worker');
  const lockDuration = options.lockDurationMs ?? 30_000;
  const transientDelay = options.transientDelayMs ?? 500;
  const maxTransientDelay = options.maxTransientDelayMs ?? 15_000;
  // About half an hour of outage at the longest delay.
  const maxTransientAttempts = options.maxTransientAttempts ?? 120;
  const workers: Worker[] = [];
  const lanes = LANES.flatMap((lane) => STEPS.map((step) => ({ lane, step })));
  for (const { lane, step } of lanes) {
    const handler = options.handlers[step];
    if (!handler) continue;
    const worker = new Worker(
      queueName(step, lane),
      async (job: Job, token?: string) => {
        const parsed = StepJobData.safeParse(job.data);
        if (!parsed.success) {
          throw new UnrecoverableError(`invalid ${step} payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
        }
        // A job started before (a retry, a stalled or delayed replay) may have written part of its
        // step: it reads the stored state, never the carry it was enqueued with.
        const data = job.attemptsStarted > 1 ? withCarry(parsed.data, undefined) : parsed.data;
        let outcome: Awaited<ReturnType<StepHandler>>;
        try {
          outcome = (await handler(data, { attempt: job.attemptsMade + 1 })) ?? {};
        } catch (error) {
          const waited = job.attemptsStarted - job.attemptsMade;
          if (token && options.isTransient?.(error) && waited < maxTransientAttempts) {
            // Handlers are idempotent, so replaying this attempt later is safe.
            const delay = Math.min(maxTransientDelay, transientDelay * 2 ** Math.max(0, waited - 1));
            await job.moveToDelayed(Date.now() + delay, token);
            throw new DelayedError(`${step}: a backing service is unavailable; retrying in ${delay} ms`);
          }
          throw error;
        }
        const next = NEXT_STEP[step];
        if (next && outcome.next !== false) {
          await options.pipeline.enqueue(next, withCarry(parsed.data, outcome.carry), { priority: outcome.priority ?? job.opts.priority ?? 0 });
        }
      },
      {
        connection,
        prefix: queuePrefix(options.redisUrl, options.prefix, queueName(step, lane)),
        concurrency: lane === 'live' ? options.concurrency : (options.backfillConcurrency ?? Math.max(1, Math.floor(options.concurrency / 4))),
        lockDuration,
        stalledInterval: Math.max(1_000, Math.floor(lockDuration / 2)),
        maxStalledCount: 2,
      },
    );
    worker.on('failed', (job, error) => {
      if (!job) return;
      const attempts = job.opts.attempts ?? 1;
      const final = error.name === 'UnrecoverableError' || job.attemptsMade >= attempts || /stalled more than allowable/.test(error.message);
      if (!final) return;
      const parsed = StepJobData.safeParse(job.data);
      if (!parsed.success) return;
      options.onFinalFailure(step, parsed.data, `${step}: ${error.message}`).catch((e: Error) => options.onError?.(e));
    });
    worker.on('error', (error) => options.onError?.(error));
    workers.push(worker);
  }
  return {
    workers,
    async close(timeoutMs) {
      const closing = Promise.all(workers.map((w) => w.close()));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const result = await Promise.race([closing.then(() => 'closed' as const), timeout]);
      clearTimeout(timer);
      // Past the grace period, stop waiting: the unfinished jobs' locks expire and another
      // worker recovers them as stalled.
      if (result === 'timeout') await Promise.all(workers.map((w) => w.close(true)));
      await close();
    },
  };
}

export { UnrecoverableError };
