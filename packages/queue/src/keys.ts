import type { Redis } from 'ioredis';
import { masterNodes, type RedisClient } from './connection.ts';
import { bullPrefix } from './names.ts';

/** SCAN patterns of a prefix: the queues (one Redis's shared tag, a cluster's per-queue tags) and the cache. */
function prefixPatterns(prefix: string): string[] {
  return [`${bullPrefix(prefix)}*`, `{${prefix}:*`, `${prefix}:*`];
}

/** Every key of a prefix on one node, a page at a time (a node's SCAN sees its own slots only). */
async function* scanNode(node: Redis, prefix: string): AsyncGenerator<string[]> {
  for (const pattern of prefixPatterns(prefix)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) yield keys;
    } while (cursor !== '0');
  }
}

/**
 * Deletes every key under a prefix: the queues (hash-tagged) and the cache, on every master
 * of a cluster. What a Redis restart without persistence does; used by tests, benchmarks and
 * `obliterate`-like clean-ups. Returns how many keys went.
 */
export async function deletePrefixKeys(redis: RedisClient, prefix: string): Promise<number> {
  let deleted = 0;
  for (const node of masterNodes(redis)) {
    // One key per DEL: a page of a node's keys spans many slots, which one DEL may not.
    for await (const keys of scanNode(node, prefix)) {
      const pipeline = node.pipeline();
      for (const key of keys) pipeline.del(key);
      for (const [error, count] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        deleted += Number(count);
      }
    }
  }
  return deleted;
}

/**
 * Every key under a prefix with its value as text, whatever its type (strings, hashes, lists,
 * sets, sorted sets, streams: BullMQ job data, events, the cache), one line per key: what a
 * test searches for values that must never be stored.
 */
export async function dumpPrefixKeys(redis: RedisClient, prefix: string): Promise<string> {
  const lines: string[] = [];
  for (const node of masterNodes(redis)) {
    for await (const keys of scanNode(node, prefix)) {
      for (const key of keys) {
        const type = await node.type(key);
        let value: unknown;
        if (type === 'string') value = await node.get(key);
        else if (type === 'hash') value = await node.hgetall(key);
        else if (type === 'list') value = await node.lrange(key, 0, -1);
        else if (type === 'set') value = await node.smembers(key);
        else if (type === 'zset') value = await node.zrange(key, 0, -1, 'WITHSCORES');
        else if (type === 'stream') value = await node.xrange(key, '-', '+');
        else value = `(${type})`;
        lines.push(`${key}\t${type}\t${JSON.stringify(value)}`);
      }
    }
  }
  return lines.join('\n');
}
