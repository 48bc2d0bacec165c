import { Registry } from 'prom-client';
import type { Step } from '@loglore/queue';
import { openRuntime } from '../runtime.ts';
import { closeOnSignal, serveWorkerMetrics, startWorkers } from '../services.ts';

/** `loglore worker [--only STEPS]`: BullMQ workers only, for scaling out (needs DATABASE_URL). */
export async function workerCommand(options: { only?: Step[] }): Promise<void> {
  const runtime = await openRuntime({ embeddedRedis: false, migrate: false, requirePostgres: true });
  const registry = new Registry();
  const { worker, pipeline } = startWorkers(runtime, registry, options.only);
  runtime.logger.info({ steps: worker.steps, concurrency: runtime.config.workerConcurrency }, 'worker started');
  const metrics = runtime.config.metricsPort ? await serveWorkerMetrics(runtime, registry, runtime.config.metricsPort) : null;
  closeOnSignal(runtime, [
    () => worker.close(runtime.config.shutdownTimeoutMs),
    () => pipeline.close(),
    async () => metrics?.close(),
  ]);
}
