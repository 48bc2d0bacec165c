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

/**
 * Every key under a prefix with its value as text, whatever its type (strings, hashes, lists,
 * sets, sorted sets, streams: BullMQ job data, events, the cache), one line per key: what a
 * test searches for values that must never be stored.
 */
export async function dumpPrefixKeys(redis: Redis, prefix: string): Promise<string> {
  const lines: string[] = [];
  for (const pattern of [`${bullPrefix(prefix)}*`, `${prefix}:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        let value: unknown;
        if (type === 'string') value = await redis.get(key);
        else if (type === 'hash') value = await redis.hgetall(key);
        else if (type === 'list') value = await redis.lrange(key, 0, -1);
        else if (type === 'set') value = await redis.smembers(key);
        else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES');
        else if (type === 'stream') value = await redis.xrange(key, '-', '+');
        else value = `(${type})`;
        lines.push(`${key}\t${type}\t${JSON.stringify(value)}`);
      }
    } while (cursor !== '0');
  }
  return lines.join('\n');
}
