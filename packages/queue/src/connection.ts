import type { ConnectionOptions } from 'bullmq';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { parseRedisAddress, type RedisAddress } from '@loglore/core';

export type RedisRole = 'worker' | 'producer' | 'subscriber' | 'command';

/** A connection to one Redis server or to a Redis Cluster: the commands loglore uses are the same on both. */
export type RedisClient = Redis | Cluster;

/**
 * What each role does while Redis is away. Workers and subscribers wait out outages
 * (`maxRetriesPerRequest: null`, as BullMQ requires of blocking connections); producers on
 * the HTTP side fail fast (`enableOfflineQueue: false`) so the API can answer 503 instead of
 * hanging; command connections retry twice.
 */
const ROLE_OPTIONS: Record<RedisRole, { maxRetriesPerRequest: number | null; enableOfflineQueue?: boolean; connectTimeout?: number }> = {
  producer: { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 },
  command: { maxRetriesPerRequest: 2, connectTimeout: 2_000 },
  worker: { maxRetriesPerRequest: null },
  subscriber: { maxRetriesPerRequest: null },
};

/** Whether an address (REDIS_URL, or the one REDIS_CLUSTER_NODES makes) names a Redis Cluster. */
export function isClusterAddress(address: string): boolean {
  return parseRedisAddress(address).kind === 'cluster';
}

/**
 * ioredis Cluster options for a role: the per-node options go to `redisOptions` (every node
 * connection gets them, with the address' credentials and TLS), the offline queue is the
 * cluster's own. The ready check (CLUSTER INFO says `cluster_state:ok`) stays on, so nothing
 * is sent before every slot has a master.
 */
function clusterOptions(address: Extract<RedisAddress, { kind: 'cluster' }>, options: RedisOptions): ClusterOptions {
  const { enableOfflineQueue, lazyConnect, ...perNode } = options;
  return {
    enableReadyCheck: true,
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    redisOptions: {
      ...perNode,
      ...(address.username ? { username: address.username } : {}),
      ...(address.password !== undefined ? { password: address.password } : {}),
      ...(address.tls ? { tls: {} } : {}),
    },
  };
}

/** An ioredis client for one role, on one Redis or on a Redis Cluster (see `parseRedisAddress`). */
export function createRedis(address: string, role: RedisRole, extra: RedisOptions = {}): RedisClient {
  const options: RedisOptions = { lazyConnect: false, ...ROLE_OPTIONS[role], ...extra };
  const parsed = parseRedisAddress(address);
  // A cluster's subscriber holds one connection per master for the sharded channels (see `publishStepEvent`).
  const client =
    parsed.kind === 'cluster'
      ? new Cluster(parsed.nodes, { ...clusterOptions(parsed, options), ...(role === 'subscriber' ? { shardedSubscribers: true } : {}) })
      : new Redis(parsed.url, options);
  // Connection errors are reported by the commands that fail; an unhandled 'error' event
  // would otherwise crash the process.
  client.on('error', () => {});
  return client;
}

/**
 * The connection BullMQ's queues and workers of one pipeline use, and how to release it.
 * On one Redis these are options: BullMQ builds its own clients from them and closes them.
 * On a cluster BullMQ needs a Cluster instance: queues share it, each worker duplicates it
 * (its own and its blocking connection) and closes its copies; `close` ends the instance.
 */
export function bullConnection(address: string, role: 'worker' | 'producer'): { connection: ConnectionOptions; close(): Promise<void> } {
  const parsed = parseRedisAddress(address);
  if (parsed.kind === 'single') {
    return { connection: { url: parsed.url, ...ROLE_OPTIONS[role] }, close: async () => {} };
  }
  // Lazy: the workers' template is never used itself, only duplicated.
  const cluster = new Cluster(parsed.nodes, clusterOptions(parsed, { ...ROLE_OPTIONS[role], lazyConnect: true }));
  cluster.on('error', () => {});
  return {
    connection: cluster,
    async close() {
      cluster.disconnect();
    },
  };
}

/**
 * The masters of a client: itself on one Redis, a connection to each master on a cluster.
 * Key scans go through these, since a node's SCAN only sees the keys of its own slots.
 */
export function masterNodes(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

/**
 * Resolves when Redis answers PING within `timeoutMs` (on a cluster: once every slot is
 * served, and every master answers), rejects otherwise.
 */
export async function pingRedis(address: string, timeoutMs = 1_000): Promise<void> {
  const parsed = parseRedisAddress(address);
  const oneShot: RedisOptions = { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: timeoutMs };
  const client: RedisClient =
    parsed.kind === 'cluster'
      ? new Cluster(parsed.nodes, { ...clusterOptions(parsed, oneShot), clusterRetryStrategy: () => null, slotsRefreshTimeout: timeoutMs })
      : new Redis(parsed.url, { ...oneShot, retryStrategy: () => null });
  client.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        await Promise.all(masterNodes(client).map((node) => node.ping()));
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
