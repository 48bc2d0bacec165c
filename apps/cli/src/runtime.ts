import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { pino, type Logger } from 'pino';
import { loadConfig, type Config } from '@loglore/core';
import { openDatabase, type Database } from '@loglore/db';
import { createRedis, type RedisClient } from '@loglore/queue';
import { lockDataDir, type DataDirLock } from './datadir.ts';
import { resolveRedis, type ResolvedRedis } from './redis.ts';

export interface Runtime {
  config: Config;
  logger: Logger;
  database: Database;
  redisUrl: string;
  /** A general-purpose command connection (publish, cache, pings). */
  redis: RedisClient;
  /** Things to close on shutdown, in order. */
  closers: (() => Promise<void>)[];
}

/**
 * The embedded database's seed, which the build makes next to the bundle (apps/cli/dist/pgdata,
 * see build.mjs): found the same from src/ and dist/, both one level under apps/cli/.
 */
export const SEED_DIR = fileURLToPath(new URL('../dist/pgdata', import.meta.url));

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'loglore' } });
}

/**
 * Config, logger, database (migrated) and Redis: what every long-running command needs.
 * Without DATABASE_URL the database is embedded PGlite under LOGLORE_DATA_DIR.
 */
export async function openRuntime(options: { embeddedRedis: boolean; migrate: boolean; requirePostgres?: boolean }): Promise<Runtime> {
  const config = loadConfig(process.env);
  if (options.requirePostgres && !config.databaseUrl) {
    // PGlite is one process's database: split processes must share a real Postgres.
    throw new Error('this command runs beside others and needs DATABASE_URL (the embedded database serves `loglore start` only)');
  }
  const logger = createLogger(config.logLevel);
  const dataDir = resolve(config.dataDir);
  // The embedded database and the private Redis are one process's: a second process on the
  // same directory stops here, naming the one that holds it.
  let lock: DataDirLock | undefined;
  const lockDir = () => {
    lock ??= lockDataDir(dataDir);
  };
  if (!config.databaseUrl) {
    lockDir();
    // The embedded database is Postgres compiled to WebAssembly (9 MB). V8 compiles it with its
    // baseline compiler and then recompiles hot functions with its optimising one, in background
    // threads: that costs 60-70 MB of RSS and, on a small machine, CPU the queries wanted
    // (measured with PGlite alone: 140 MB instead of 200-220 MB, and no slower on two shared
    // cores). The baseline code is what runs here; a deployment with heavy load uses Postgres.
    // Set before PGlite compiles its module (openDatabase, below).
    v8.setFlagsFromString('--liftoff-only');
  }
  // Redis first: without it nothing runs, and saying so should not wait for the database.
  let resolved: ResolvedRedis = { url: config.redisUrl };
  const closers: (() => Promise<void>)[] = [];
  let database: Database | undefined;
  try {
    if (options.embeddedRedis) {
      resolved = await resolveRedis(config.redisUrl, dataDir, (msg) => logger.warn(msg), lockDir);
    }
    // A new data directory starts from the seed instead of PGlite's initdb (about 500 MB less at its peak).
    database = await openDatabase({
      url: config.databaseUrl,
      dataDir: resolve(dataDir, 'pg'),
      seedDir: SEED_DIR,
      onSeedError: (error) => logger.warn({ err: error }, 'embedded database: seed not used, running initdb'),
    });
    if (options.migrate) await database.migrate();
    const redis = createRedis(resolved.url, 'command');
    closers.push(async () => {
      redis.disconnect();
    });
    const opened = database;
    closers.push(() => opened.close());
    if (resolved.stop) closers.push(resolved.stop);
    const held = lock;
    if (held) {
      closers.push(async () => {
        held.release();
      });
    }
    return { config, logger, database, redisUrl: resolved.url, redis, closers };
  } catch (error) {
    await database?.close().catch(() => {});
    await resolved.stop?.().catch(() => {});
    lock?.release();
    throw error;
  }
}

export async function closeRuntime(runtime: Runtime): Promise<void> {
  for (const close of runtime.closers) {
    try {
      await close();
    } catch (error) {
      runtime.logger.warn({ err: error }, 'error while closing');
    }
  }
}
