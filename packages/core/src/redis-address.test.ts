import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { clusterAddressOf, parseRedisAddress } from './redis-address.ts';

describe('Redis addresses', () => {
  it('reads a URL as one server and redis+cluster:// as a cluster of seed nodes', () => {
    expect(parseRedisAddress('redis://:secret@10.0.0.5:6380/2')).toEqual({ kind: 'single', url: 'redis://:secret@10.0.0.5:6380/2' });
    expect(parseRedisAddress('redis+cluster://10.0.0.1:7000,10.0.0.2:7001,redis-c')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: 'redis-c', port: 6379 },
      ],
      tls: false,
    });
    expect(parseRedisAddress('rediss+cluster://app:p%40ss@[::1]:7000')).toEqual({
      kind: 'cluster',
      nodes: [{ host: '::1', port: 7000 }],
      username: 'app',
      password: 'p@ss',
      tls: true,
    });
    expect(() => parseRedisAddress('redis+cluster://')).toThrow(/at least one node/);
    expect(() => parseRedisAddress('redis+cluster://a:99999')).toThrow(/not host:port/);
  });

  it('REDIS_CLUSTER_NODES names a cluster and wins over REDIS_URL; a bad one is named', () => {
    expect(clusterAddressOf(' 127.0.0.1:30001, 127.0.0.1:30002 ')).toBe('redis+cluster://127.0.0.1:30001,127.0.0.1:30002');
    expect(loadConfig({ REDIS_URL: 'redis://elsewhere:6379', REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7000' }).redisUrl).toBe('redis+cluster://10.0.0.1:7000,10.0.0.2:7000');
    expect(loadConfig({ REDIS_URL: 'redis+cluster://10.0.0.1:7000' }).redisUrl).toBe('redis+cluster://10.0.0.1:7000');
    expect(loadConfig({ REDIS_CLUSTER_NODES: ' ' }).redisUrl).toBe('redis://127.0.0.1:6379');
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:x' })).toThrow(/REDIS_CLUSTER_NODES: "10.0.0.1:x" is not host:port/);
    expect(() => loadConfig({ REDIS_URL: 'redis+cluster://,' })).toThrow(/REDIS_URL: a cluster address names at least one node/);
  });
});
