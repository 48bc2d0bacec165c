import { REFERENCE_PATTERNS } from '@loglore/core';
import { seedReferencePatterns } from '@loglore/db';
import { closeRuntime, openRuntime } from '../runtime.ts';

/** `loglore migrate`: applies drizzle/ and seeds the reference patterns, then exits. */
export async function migrateCommand(): Promise<void> {
  const runtime = await openRuntime({ embeddedRedis: false, migrate: true });
  const seeded = await seedReferencePatterns(runtime.database.db, REFERENCE_PATTERNS);
  process.stdout.write(`migrations applied, ${seeded} reference patterns seeded (${runtime.database.kind})\n`);
  await closeRuntime(runtime);
}
