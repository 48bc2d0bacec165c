import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RetentionRun } from '@loglore/db';
import type { StepEvent } from '@loglore/core';
import type { Step } from '@loglore/queue';
import type { Logger } from 'pino';

/** What an observer may know of the request an event is about (the full row where the step has it). */
export interface ObservedRequest {
  id: string;
  source?: string;
  createdAt?: Date;
}

/**
 * Watches the pipeline from the two places everything passes: each job's run (its duration) and
 * each step event as it is published. Instrumenting there keeps metrics and logs out of the steps.
 * A replayed step republishes its stored events without showing them here again (emit.ts), so
 * each analysis counts once.
 */
export interface WorkerObserver {
  stepRan(step: Step, seconds: number): void;
  published(event: StepEvent, request: ObservedRequest): void;
  /** A retention run finished (as of `now`, taking `seconds`). */
  retentionRan?(run: RetentionRun, seconds: number, now: Date): void;
}

const CACHE_RESULTS = new Set(['hit', 'miss', 'stale', 'invalid', 'disabled']);

/**
 * Metrics of analyses on `registry` (the HTTP side's, in a process that runs both, so one
 * /metrics shows them) and one log line per finished analysis.
 *
 * @example
 * const registry = new Registry();
 * const deps = { ...workerDeps, observer: createWorkerObserver({ registry, logger }) };
 */
export function createWorkerObserver(options: { registry: Registry; logger: Logger }): WorkerObserver {
  const registers = [options.registry];
  const finished = new Counter({
    name: 'loglore_analyses_finished_total',
    help: 'Analyses that completed or failed, by source',
    labelNames: ['source', 'status'] as const,
    registers,
  });
  const steps = new Histogram({
    name: 'loglore_step_duration_seconds',
    help: 'Duration of one pipeline job, by step (failed attempts included)',
    labelNames: ['step'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const cache = new Counter({
    name: 'loglore_analysis_cache_total',
    help: "Analysis cache look-ups by result (the analysis event's `cache`)",
    labelNames: ['result'] as const,
    registers,
  });
  const widened = new Counter({
    name: 'loglore_evidence_widened_total',
    help: 'Analyses whose evidence was looked for beyond the hinted services or domain',
    registers,
  });
  const purged = new Counter({
    name: 'loglore_retention_purged_rows_total',
    help: 'Rows deleted by retention, by table (log_events includes the rows of dropped partitions)',
    labelNames: ['table'] as const,
    registers,
  });
  const partitions = new Counter({
    name: 'loglore_retention_dropped_partitions_total',
    help: 'Day partitions of log_events dropped whole by retention',
    registers,
  });
  const lastRun = new Gauge({
    name: 'loglore_retention_last_run_timestamp_seconds',
    help: 'When the last retention run in this process finished (Unix time)',
    registers,
  });
  const runSeconds = new Gauge({
    name: 'loglore_retention_last_run_duration_seconds',
    help: 'How long the last retention run in this process took',
    registers,
  });
  return {
    retentionRan(run, seconds, now) {
      for (const [table, n] of Object.entries(run.purged)) purged.inc({ table }, n);
      partitions.inc(run.droppedPartitions.length);
      lastRun.set(now.getTime() / 1000);
      runSeconds.set(seconds);
    },
    stepRan(step, seconds) {
      steps.observe({ step }, seconds);
    },
    published(event, request) {
      if (event.step === 'analysis') {
        const result = event.payload.cache;
        if (typeof result === 'string' && CACHE_RESULTS.has(result)) cache.inc({ result });
        const scope = event.payload.scope as { widened?: unknown } | undefined;
        if (scope?.widened === true) widened.inc();
        return;
      }
      if (event.step !== 'completed' && event.step !== 'failed') return;
      const source = request.source ?? 'unknown';
      finished.inc({ source, status: event.step });
      const durationMs = request.createdAt ? Date.parse(event.at) - request.createdAt.getTime() : null;
      options.logger.info({ request_id: request.id, source, status: event.step, duration_ms: durationMs }, 'analysis finished');
    },
  };
}
