/**
 * The whole service in one test process: a fresh migrated Postgres database with the reference
 * patterns, the ingress app on a fresh queue prefix of the test Redis, and every worker, sharing
 * one metrics registry.
 */
import { REFERENCE_PATTERNS } from '@loglore/core';
import { seedReferencePatterns } from '@loglore/db';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { Registry } from 'prom-client';
import { createWorkerObserver, startWorker } from '@loglore/worker';
import { createTestIngress, type TestIngress } from '../../ingress/src/testing.ts';
import { createTestWorkerDeps } from '../../worker/src/testing.ts';

export interface TestStack {
  database: TestDatabase;
  ingress: TestIngress;
  /** The first worker instance's deps. */
  workerDeps: ReturnType<typeof createTestWorkerDeps>;
  /** Every worker instance, each with its own connections (as separate `loglore worker` processes), and the jobs it ran. */
  workers: { deps: ReturnType<typeof createTestWorkerDeps>; jobsRun(): number }[];
  /** Stops the workers, then the ingress, then drops the database. */
  close(): Promise<void>;
}

export interface TestStackOptions {
  /** Where Redis is: the test Redis by default, or a cluster's address (`testRedisCluster`). */
  redisUrl?: string;
  /** Worker instances sharing the queues (1). */
  workers?: number;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const database = await createTestDatabase();
  await seedReferencePatterns(database.db, REFERENCE_PATTERNS);
  const env: Record<string, string> = options.redisUrl ? { REDIS_URL: options.redisUrl } : {};
  // One registry, as in `loglore start`: /metrics shows the workers' analyses.
  const registry = new Registry();
  const ingress = createTestIngress(database.db, { server: { registry }, env });
  const deps = Array.from({ length: options.workers ?? 1 }, () => createTestWorkerDeps(database.db, ingress.prefix, env));
  // The counters are registered once; every instance counts into them.
  const observer = createWorkerObserver({ registry, logger: deps[0]!.logger });
  const workers = deps.map((instance) => {
    let jobs = 0;
    instance.observer = {
      ...observer,
      stepRan(step, seconds) {
        jobs += 1;
        observer.stepRan(step, seconds);
      },
    };
    return { deps: instance, running: startWorker(instance, { concurrency: 4, reconciler: false }), jobsRun: () => jobs };
  });
  return {
    database,
    ingress,
    workerDeps: workers[0]!.deps,
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.running.close(5_000)));
      for (const { deps } of workers) await deps.close();
      await ingress.close();
      await database.drop();
    },
  };
}
