import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefixKeys } from './keys.ts';
import { createRedis } from './connection.ts';
import { maintenanceSchedulers, startMaintenance } from './maintenance.ts';
import { testRedisCluster, type TestRedisCluster } from './testing.ts';

const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(['one Redis', 'a Redis Cluster'] as const)('the maintenance jobs on %s', (kind) => {
  let cluster: TestRedisCluster | undefined;
  let url = TEST_REDIS_URL;
  beforeAll(async () => {
    if (kind === 'a Redis Cluster') {
      cluster = await testRedisCluster();
      url = cluster.url;
    }
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('two processes schedule retention, Redis keeps one scheduler, and each run goes to one of them', async () => {
    const prefix = `llmaint${randomBytes(5).toString('hex')}`;
    const runs: string[] = [];
    const start = (name: string) => startMaintenance({ redisUrl: url, prefix, everyMs: 3_600_000, handlers: { retention: async () => void runs.push(name) } });
    const [a, b] = await Promise.all([start('a'), start('b')]);
    try {
      await until(() => runs.length >= 1, 'the first run');
      expect(await maintenanceSchedulers(url, prefix)).toEqual(['retention']);
      await a.runNow('retention');
      await until(() => runs.length >= 2, 'the run asked for');
      // The next scheduled run is an hour away: nothing else ran.
      await new Promise((r) => setTimeout(r, 300));
      expect(runs).toHaveLength(2);
    } finally {
      await a.close();
      await b.close();
      const redis = createRedis(url, 'command');
      await deletePrefixKeys(redis, prefix);
      redis.disconnect();
    }
  });
});
