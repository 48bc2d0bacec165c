import { Registry } from 'prom-client';
import { REFERENCE_PATTERNS } from '@loglore/core';
import { seedReferencePatterns } from '@loglore/db';
import { openRuntime } from '../runtime.ts';
import { serveIngress } from '../serve.ts';
import { closeOnSignal, startWorkers } from '../services.ts';

/** `loglore start`: the HTTP API and every worker in one process (the default way to run it). */
export async function startCommand(): Promise<void> {
  const runtime = await openRuntime({ embeddedRedis: true, migrate: true });
  const { config, logger } = runtime;
  const seeded = await seedReferencePatterns(runtime.database.db, REFERENCE_PATTERNS);
  // One registry: /metrics shows the workers' analyses next to the HTTP side's.
  const registry = new Registry();
  const { worker, pipeline } = startWorkers(runtime, registry);
  const http = await serveIngress(runtime, registry);
  logger.info({ steps: worker.steps, patterns: seeded, llm: Boolean(config.llmModel) }, 'workers started');
  process.stdout.write(
    `\nloglore is running at ${http.url}  (database: ${runtime.database.kind}, redis: ${runtime.redisUrl})\n` +
      `Open the console: ${http.url}/\n` +
      `Try:\n` +
      `  curl ${http.url}/healthz\n` +
      `  curl -s -X POST ${http.url}/api/analyses -H 'content-type: application/json' \\\n` +
      `       -d '{"text": "NPSB transfers failing in prod since 10:00?"}'\n` +
      `  curl -N ${http.url}/api/analyses/<request_id>/events\n` +
      `API docs: ${http.url}/docs   queues: ${http.url}/admin/queues\n\n`,
  );
  closeOnSignal(runtime, [
    () => http.close(config.shutdownTimeoutMs),
    () => worker.close(config.shutdownTimeoutMs),
    () => pipeline.close(),
  ]);
}
