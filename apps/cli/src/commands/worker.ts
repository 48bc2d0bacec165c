import { InvalidArgumentError } from 'commander';
import { Registry } from 'prom-client';
import { STEPS, type Step } from '@loglore/queue';
import { openRuntime } from '../runtime.ts';
import { closeOnSignal, serveWorkerMetrics, startWorkers } from '../services.ts';

/** `--only extract-params,analyze` → the steps, or a clear error naming the valid ones. */
export function parseSteps(value: string): Step[] {
  const steps = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = steps.filter((s) => !(STEPS as readonly string[]).includes(s));
  if (steps.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`unknown step${unknown.length === 1 ? '' : 's'} ${unknown.join(', ') || '(none given)'}; steps are ${STEPS.join(', ')}`);
  }
  return steps as Step[];
}

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
