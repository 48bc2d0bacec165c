import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { DEFAULT_EXTRACTOR_CONFIG, loadConfig, type StepEvent } from '@loglore/core';
import type { Db } from '@loglore/db';
import { createAnalysisCache, createPipeline, createRedis, isClusterAddress, type Pipeline, deletePrefixKeys } from '@loglore/queue';
import type { WorkerDeps } from './deps.ts';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A queue prefix no other test uses. */
export function testPrefix(): string {
  return `lltest${randomBytes(5).toString('hex')}`;
}

/** Worker deps over a test database and a fresh prefix on the test Redis. */
export function createTestWorkerDeps(db: Db, prefix = testPrefix(), env: Record<string, string> = {}): WorkerDeps & { close(): Promise<void> } {
  const config = loadConfig({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent', ...env });
  const redis = createRedis(config.redisUrl, 'command');
  const pipeline: Pipeline = createPipeline({ redisUrl: config.redisUrl, prefix, role: 'worker' });
  return {
    config,
    db,
    redis,
    pipeline,
    cache: createAnalysisCache(redis, prefix, config.cacheTtlSeconds),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    extractor: DEFAULT_EXTRACTOR_CONFIG,
    llm: null,
    async close() {
      await pipeline.close();
      await deleteKeys(redis, prefix);
      redis.disconnect();
    },
  };
}

/** Deletes every key of a prefix (queues and cache), as a Redis restart without persistence would. */
export const deleteKeys = deletePrefixKeys;

/**
 * Collects the events published on a channel (a dedicated subscriber connection, on `redisUrl`;
 * on a cluster the sharded channel, as a client there subscribes with SSUBSCRIBE, no patterns).
 */
export async function collectEvents(
  channel: string,
  redisUrl = TEST_REDIS_URL,
): Promise<{ events: StepEvent[]; waitFor(step: string, count?: number, timeoutMs?: number): Promise<StepEvent[]>; close(): void }> {
  const subscriber = createRedis(redisUrl, 'subscriber');
  const events: StepEvent[] = [];
  const isPattern = channel.includes('*');
  const sharded = isClusterAddress(redisUrl);
  if (sharded && isPattern) throw new Error('sharded channels have no pattern subscriptions');
  subscriber.on(isPattern ? 'pmessage' : sharded ? 'smessage' : 'message', (...args: string[]) => {
    // (pattern, channel, message) or (channel, message); a cluster relays sharded ones with a third, empty argument.
    events.push(JSON.parse(args[isPattern ? 2 : 1]!) as StepEvent);
  });
  if (isPattern) await subscriber.psubscribe(channel);
  else if (sharded) await subscriber.ssubscribe(channel);
  else await subscriber.subscribe(channel);
  return {
    events,
    async waitFor(step, count = 1, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (events.filter((e) => e.step === step).length < count) {
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${count} '${step}' events; got ${events.map((e) => e.step).join(',')}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      return events;
    },
    close: () => subscriber.disconnect(),
  };
}
