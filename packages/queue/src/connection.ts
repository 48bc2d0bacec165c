import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'worker' | 'producer' | 'subscriber' | 'command';

/**
 * An ioredis client for one role. Workers and subscribers wait out Redis outages
 * (`maxRetriesPerRequest: null`, as BullMQ requires); producers on the HTTP side fail fast
 * (`enableOfflineQueue: false`) so the API can answer 503 instead of hanging.
 */
export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const options: RedisOptions =
    role === 'producer'
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 }
      : role === 'command'
        ? { maxRetriesPerRequest: 2, connectTimeout: 2_000 }
        : { maxRetriesPerRequest: null };
  const client = new Redis(url, { lazyConnect: false, ...options, ...extra });
  // Connection errors are reported by the commands that fail; an unhandled 'error' event
  // would otherwise crash the process.
  client.on('error', () => {});
  return client;
}

/** Connection options BullMQ builds its own clients from (it then owns and closes them). */
export function bullConnection(url: string, role: 'worker' | 'producer'): ConnectionOptions {
  return role === 'worker'
    ? { url, maxRetriesPerRequest: null }
    : { url, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 };
}

/** Resolves when Redis answers PING within `timeoutMs`, rejects otherwise. */
export async function pingRedis(url: string, timeoutMs = 1_000): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}
