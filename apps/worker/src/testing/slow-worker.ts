/**
 * Test fixture: a worker process whose chosen step announces itself on stdout and then
 * holds for SLOW_MS before doing its real work, so tests can SIGKILL or SIGTERM it mid-step.
 * Env: DATABASE_URL, REDIS_URL, QUEUE_PREFIX, SLOW_STEP, SLOW_MS, LOCK_MS.
 */
import { pino } from 'pino';
import { DEFAULT_EXTRACTOR_CONFIG, loadConfig } from '@loglore/core';
import { openDatabase } from '@loglore/db';
import { createAnalysisCache, createPipeline, createRedis, type Step } from '@loglore/queue';
import { STEP_MODULES, type StepModule } from '../steps/index.ts';
import { startWorker } from '../worker.ts';

const config = loadConfig(process.env);
const slowStep = process.env.SLOW_STEP as Step;
const slowMs = Number(process.env.SLOW_MS ?? 5000);
const database = await openDatabase({ url: config.databaseUrl! });
const redis = createRedis(config.redisUrl, 'command');
const pipeline = createPipeline({ redisUrl: config.redisUrl, prefix: config.queuePrefix, role: 'worker' });
const deps = {
  config,
  db: database.db,
  redis,
  pipeline,
  cache: createAnalysisCache(redis, config.queuePrefix, config.cacheTtlSeconds),
  logger: pino({ level: 'silent' }),
  extractor: DEFAULT_EXTRACTOR_CONFIG,
  llm: null,
};
const slow: StepModule = {
  async handle(data, d) {
    process.stdout.write(`STEP_STARTED ${slowStep} ${data.request_id}\n`);
    await new Promise((r) => setTimeout(r, slowMs));
    const result = await STEP_MODULES[slowStep].handle(data, d);
    process.stdout.write(`STEP_FINISHED ${slowStep} ${data.request_id}\n`);
    return result;
  },
};
const worker = startWorker(deps, {
  concurrency: 2,
  lockDurationMs: Number(process.env.LOCK_MS ?? 2000),
  reconciler: false,
  modules: { ...STEP_MODULES, [slowStep]: slow },
});
process.stdout.write('WORKER_READY\n');
process.once('SIGTERM', async () => {
  await worker.close(30_000);
  await pipeline.close();
  redis.disconnect();
  await database.close();
  process.stdout.write('WORKER_CLOSED\n');
  process.exit(0);
});
