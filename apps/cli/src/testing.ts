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
  workerDeps: ReturnType<typeof createTestWorkerDeps>;
  /** Stops the workers, then the ingress, then drops the database. */
  close(): Promise<void>;
}

export async function startTestStack(): Promise<TestStack> {
  const database = await createTestDatabase();
  await seedReferencePatterns(database.db, REFERENCE_PATTERNS);
  // One registry, as in `loglore start`: /metrics shows the workers' analyses.
  const registry = new Registry();
  const ingress = createTestIngress(database.db, { server: { registry } });
  const workerDeps = createTestWorkerDeps(database.db, ingress.prefix);
  workerDeps.observer = createWorkerObserver({ registry, logger: workerDeps.logger });
  const worker = startWorker(workerDeps, { concurrency: 4, reconciler: false });
  return {
    database,
    ingress,
    workerDeps,
    async close() {
      await worker.close(5_000);
      await workerDeps.close();
      await ingress.close();
      await database.drop();
    },
  };
}
