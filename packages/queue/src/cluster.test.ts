/**
 * The queue package on a real Redis Cluster of three masters (TEST_REDIS_CLUSTER_NODES, or one
 * started for this file): queues spread over the masters, chains run, the cache's script,
 * pub/sub across nodes, and key scans that see every master.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from 'ioredis';
import type { StepEvent } from '@loglore/core';
import { createAnalysisCache } from './cache.ts';
import { createRedis, masterNodes, pingRedis, type RedisClient } from './connection.ts';
import { createEventSubscriber, publishStepEvent } from './events.ts';
import { deletePrefixKeys, dumpPrefixKeys } from './keys.ts';
import { channels, LANES, queueName, STEPS, type Step } from './names.ts';
import { createPipeline, startStepWorkers, type StepHandler } from './pipeline.ts';
import { testRedisCluster, type TestRedisCluster } from './testing.ts';

const prefix = () => `llcluster${randomBytes(5).toString('hex')}`;

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every key of a prefix on each master, by master port. */
async function keysByMaster(redis: RedisClient, p: string): Promise<Map<number, string[]>> {
  const found = new Map<number, string[]>();
  for (const node of masterNodes(redis)) {
    const keys: string[] = [];
    for (const pattern of [`{${p}}*`, `{${p}:*`, `${p}:*`]) {
      let cursor = '0';
      do {
        const [next, page] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        keys.push(...page);
      } while (cursor !== '0');
    }
    found.set(node.options.port!, keys);
  }
  return found;
}

describe('the queues on a Redis Cluster of three masters', () => {
  let cluster: TestRedisCluster;
  let redis: Cluster;

  beforeAll(async () => {
    cluster = await testRedisCluster();
    redis = createRedis(cluster.url, 'command') as Cluster;
    await until(() => redis.status === 'ready', 'the cluster client');
  });
  afterAll(async () => {
    redis?.disconnect();
    await cluster?.stop();
  });

  it('is a cluster of three masters, and answers a ping through any of them', async () => {
    expect(masterNodes(redis)).toHaveLength(3);
    await expect(pingRedis(cluster.url, 2_000)).resolves.toBeUndefined();
    await expect(pingRedis('redis+cluster://127.0.0.1:1,127.0.0.1:2', 500)).rejects.toThrow();
  });

  it("spreads a prefix's queues over the masters, each queue's keys in one slot", async () => {
    const p = prefix();
    const pipeline = createPipeline({ redisUrl: cluster.url, prefix: p, role: 'producer' });
    try {
      for (const lane of LANES) {
        for (const step of STEPS) await pipeline.enqueue(step, { request_id: randomUUID(), generation: 1 }, { priority: lane === 'backfill' ? 10 : 0 });
      }
      const byMaster = await keysByMaster(redis, p);
      const holding = [...byMaster.values()].filter((keys) => keys.length > 0);
      expect(holding.length).toBeGreaterThanOrEqual(2);
      for (const lane of LANES) {
        for (const step of STEPS) {
          const keys = [...byMaster.values()].flat().filter((k) => k.startsWith(`{${p}:${queueName(step, lane)}}:`));
          expect(keys.length, queueName(step, lane)).toBeGreaterThan(0);
          const slots = new Set(await Promise.all(keys.map((k) => redis.cluster('KEYSLOT', k))));
          expect(slots.size, queueName(step, lane)).toBe(1);
        }
      }
      expect(await pipeline.jobState('analyze', { request_id: randomUUID(), generation: 1 })).toBeUndefined();
    } finally {
      await pipeline.close();
      await deletePrefixKeys(redis, p);
    }
  });

  it('runs chains through every step with two worker instances sharing the queues', async () => {
    const p = prefix();
    const producer = createPipeline({ redisUrl: cluster.url, prefix: p, role: 'producer' });
    const ran: Record<string, Step[]> = {};
    const byInstance = [0, 0];
    const instances = [0, 1].map((instance) => {
      const pipeline = createPipeline({ redisUrl: cluster.url, prefix: p, role: 'worker' });
      const handlers: Partial<Record<Step, StepHandler>> = {};
      for (const step of STEPS) {
        handlers[step] = async (data) => {
          byInstance[instance]! += 1;
          (ran[data.request_id] ??= []).push(step);
          // Long enough that the other instance takes the jobs this one holds no slot for.
          await new Promise((r) => setTimeout(r, 5));
        };
      }
      const workers = startStepWorkers({ redisUrl: cluster.url, prefix: p, pipeline, handlers, concurrency: 2, onFinalFailure: async () => {} });
      return { pipeline, workers };
    });
    try {
      const requests = Array.from({ length: 40 }, () => randomUUID());
      await producer.enqueueMany(
        'extract-params',
        requests.map((request_id) => ({ request_id, generation: 1 })),
      );
      await until(() => requests.every((id) => ran[id]?.length === STEPS.length), 'every chain to finish', 30_000);
      for (const id of requests) expect(ran[id]).toEqual([...STEPS]);
      expect(byInstance[0]).toBeGreaterThan(0);
      expect(byInstance[1]).toBeGreaterThan(0);
      expect(byInstance[0]! + byInstance[1]!).toBe(requests.length * STEPS.length);
    } finally {
      for (const { workers, pipeline } of instances) {
        await workers.close(5_000);
        await pipeline.close();
      }
      await producer.close();
      await deletePrefixKeys(redis, p);
    }
  });

  it("keeps the cache's first answer of the same evidence (its script touches one key)", async () => {
    const p = prefix();
    const cache = createAnalysisCache(redis, p, 3600);
    const entry = (request_id: string, watermark: string) => ({ request_id, cached_at: '2026-11-25T10:30:00.000Z', watermark, analysis: { summary: request_id } });
    try {
      await cache.set('q1', entry('first', '10:42'), { evidence: true });
      await cache.set('q1', entry('second', '10:42'), { evidence: true });
      expect(await cache.lookup('q1', '10:42')).toEqual({ state: 'hit', entry: entry('first', '10:42') });
      await cache.set('q1', entry('fresher', '11:43'), { evidence: true });
      expect(await cache.lookup('q1', '11:43')).toMatchObject({ state: 'hit', entry: { request_id: 'fresher' } });
    } finally {
      await deletePrefixKeys(redis, p);
    }
  });

  it('delivers step events to subscribers in the order they were published, on sharded channels', async () => {
    const p = prefix();
    const subscriber = createEventSubscriber(createRedis(cluster.url, 'subscriber'));
    const publisher = createRedis(cluster.url, 'command');
    const received: Record<string, StepEvent[]> = { analysis: [], conversation: [], results: [] };
    const request_id = randomUUID();
    const conversation_id = randomUUID();
    try {
      await subscriber.subscribe(channels.analysis(p, request_id), (e) => received.analysis!.push(e));
      await subscriber.subscribe(channels.conversation(p, conversation_id), (e) => received.conversation!.push(e));
      await subscriber.subscribe(channels.results(p), (e) => received.results!.push(e));
      const event = (seq: number, step: StepEvent['step']): StepEvent => ({ request_id, conversation_id, seq, step, at: '2026-11-25T10:30:00.000Z', payload: {} });
      // Many events, one after the other, as a worker publishes an analysis' steps: a channel
      // is sharded on one master, so they arrive in order (PUBLISH through any node did not).
      for (let seq = 1; seq < 40; seq++) await publishStepEvent(publisher, p, event(seq, 'params'));
      await publishStepEvent(publisher, p, event(40, 'completed'));
      await until(() => received.analysis!.length === 40 && received.conversation!.length === 40 && received.results!.length === 1, 'the events');
      const inOrder = Array.from({ length: 40 }, (_, i) => i + 1);
      expect(received.analysis!.map((e) => e.seq)).toEqual(inOrder);
      expect(received.conversation!.map((e) => e.seq)).toEqual(inOrder);
      expect(received.results!.map((e) => e.seq)).toEqual([40]);
    } finally {
      await subscriber.close();
      publisher.disconnect();
    }
  });

  it('finds and deletes the keys of a prefix on every master', async () => {
    const p = prefix();
    const other = prefix();
    const cache = createAnalysisCache(redis, p, 3600);
    for (let i = 0; i < 30; i++) {
      await cache.set(`h${i}`, { request_id: `r${i}`, cached_at: 'x', watermark: 'w', analysis: {} }, { evidence: true });
    }
    await createAnalysisCache(redis, other, 3600).set('kept', { request_id: 'kept', cached_at: 'x', watermark: 'w', analysis: {} }, { evidence: true });
    try {
      const before = await keysByMaster(redis, p);
      expect([...before.values()].filter((keys) => keys.length > 0)).toHaveLength(3);
      const dump = await dumpPrefixKeys(redis, p);
      expect(dump.split('\n')).toHaveLength(30);
      expect(dump).toContain('"request_id\\":\\"r29\\"');
      expect(await deletePrefixKeys(redis, p)).toBe(30);
      expect([...(await keysByMaster(redis, p)).values()].flat()).toEqual([]);
      expect([...(await keysByMaster(redis, other)).values()].flat()).toHaveLength(1);
    } finally {
      await deletePrefixKeys(redis, other);
    }
  });
});
