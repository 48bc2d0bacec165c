import type { Redis } from 'ioredis';
import { bullPrefix } from './names.ts';

/**
 * Deletes every key under a prefix: the queues (hash-tagged) and the cache. What a Redis
 * restart without persistence does; used by tests, benchmarks and `obliterate`-like clean-ups.
 * Returns how many keys went.
 */
export async function deletePrefixKeys(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  for (const pattern of [`${bullPrefix(prefix)}*`, `${prefix}:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  }
  return deleted;
}
