import { readFileSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { DEFAULT_EXTRACTOR_CONFIG, parseConfig, type ExtractorConfig } from '@loglore/core';
import { createMetricsApp } from '@loglore/ingress';
import { createLlmClient, llmConfigFromEnv } from '@loglore/llm';
import { createAnalysisCache, createPipeline, type Pipeline } from '@loglore/queue';
import { createWorkerObserver, startWorker, type RunningWorker, type WorkerDeps } from '@loglore/worker';
import type { Step } from '@loglore/queue';
import type { Runtime } from './runtime.ts';

/** The parameter extractor's vocabulary: the defaults, or LOGLORE_EXTRACTOR_CONFIG's file over them. */
export function loadExtractorConfig(path: string | undefined): ExtractorConfig {
  if (!path) return DEFAULT_EXTRACTOR_CONFIG;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`LOGLORE_EXTRACTOR_CONFIG: cannot read ${path}: ${(error as Error).message}`);
  }
  return parseConfig(json);
}

export function buildWorkerDeps(runtime: Runtime, pipeline: Pipeline, registry: Registry): WorkerDeps {
  const llmConfig = llmConfigFromEnv(process.env);
  return {
    config: { ...runtime.config, redisUrl: runtime.redisUrl },
    db: runtime.database.db,
    redis: runtime.redis,
    pipeline,
    cache: createAnalysisCache(runtime.redis, runtime.config.queuePrefix, runtime.config.cacheTtlSeconds),
    logger: runtime.logger,
    extractor: loadExtractorConfig(runtime.config.extractorConfigPath),
    llm: llmConfig ? createLlmClient(llmConfig, runtime.logger) : null,
    observer: createWorkerObserver({ registry, logger: runtime.logger }),
  };
}

/**
 * Workers for `steps` (all when undefined), with their own pipeline handle for chaining. Their
 * metrics go to `registry`: the HTTP side's in `start`, or one `worker` serves itself.
 */
export function startWorkers(runtime: Runtime, registry: Registry, only?: readonly Step[]): { worker: RunningWorker; pipeline: Pipeline } {
  const pipeline = createPipeline({ redisUrl: runtime.redisUrl, prefix: runtime.config.queuePrefix, role: 'worker' });
  const deps = buildWorkerDeps(runtime, pipeline, registry);
  const worker = startWorker(deps, {
    ...(only ? { only } : {}),
    concurrency: runtime.config.workerConcurrency,
    maintenance: runtime.config.maintenanceIntervalMinutes > 0 ? { everyMs: runtime.config.maintenanceIntervalMinutes * 60_000 } : false,
  });
  return { worker, pipeline };
}

/**
 * Runs until SIGTERM or SIGINT, then closes in order (the HTTP side first, then workers,
 * then connections) and exits 0; a second signal exits at once.
 */
export function closeOnSignal(runtime: Runtime, steps: (() => Promise<void>)[]): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    runtime.logger.info({ signal }, 'shutting down');
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        runtime.logger.warn({ err: error }, 'error while shutting down');
      }
    }
    for (const close of runtime.closers) await close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/**
 * A worker process's own /metrics on `port` (METRICS_PORT), with the process defaults: a
 * `worker` has no HTTP API to show them. The same key rule as the API's /metrics (once keys
 * are configured, LOGLORE_METRICS_KEY or an API key); 404 elsewhere.
 */
export async function serveWorkerMetrics(runtime: Runtime, registry: Registry, port: number): Promise<{ url: string; close(): Promise<void> }> {
  collectDefaultMetrics({ register: registry, prefix: 'loglore_' });
  const app = createMetricsApp(registry, runtime.config);
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port, hostname: runtime.config.host }, () => resolve(started));
    started.once('error', reject);
  });
  const address = server.address();
  const url = `http://${runtime.config.host}:${typeof address === 'object' && address ? address.port : port}/metrics`;
  runtime.logger.info({ url }, 'worker metrics listening');
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
