/**
 * A real Redis Cluster for tests: TEST_REDIS_CLUSTER_NODES (`.ci/run` starts one and sets it),
 * or else three masters started for the calling test file in a temporary directory, so
 * `npx vitest run` works alone. Never skipped: a test that asks for a cluster and gets none fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterAddressOf } from '@loglore/core';
import { Redis } from 'ioredis';

export interface TestRedisCluster {
  /** The cluster's address (`redis+cluster://host:port,...`), for REDIS_URL or `createRedis`. */
  url: string;
  /** Stops the masters this helper started (nothing when TEST_REDIS_CLUSTER_NODES named the cluster). */
  stop(): Promise<void>;
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `count` consecutive ports whose cluster bus ports (+10000) are free too, from `from` upwards. */
async function freePorts(from: number, count: number): Promise<number[]> {
  for (let base = from; base < from + 2_000; base += count) {
    const ports = Array.from({ length: count }, (_, i) => base + i);
    const all = await Promise.all(ports.flatMap((p) => [portFree(p), portFree(p + 10_000)]));
    if (all.every(Boolean)) return ports;
  }
  throw new Error(`no ${count} free ports (and bus ports) from ${from}`);
}

async function clusterState(port: number): Promise<string | undefined> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return /cluster_state:(\w+)/.exec(await client.cluster('INFO'))?.[1];
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

/**
 * Starts three cluster-enabled redis-servers (no persistence) and joins them with
 * `redis-cli --cluster create ... --cluster-replicas 0`, then waits until every node says
 * `cluster_state:ok`. `firstPort` picks where to look for free ports (random in 20000-29000).
 */
export async function startRedisCluster(options: { firstPort?: number; masters?: number } = {}): Promise<TestRedisCluster> {
  const masters = options.masters ?? 3;
  const ports = await freePorts(options.firstPort ?? 20_000 + Math.floor(Math.random() * 9_000), masters);
  const dir = mkdtempSync(join(tmpdir(), 'loglore-cluster-'));
  const children: ChildProcess[] = [];
  const kill = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  };
  // A test process that dies without its afterAll leaves no redis-server behind.
  process.once('exit', kill);
  const stop = async () => {
    process.off('exit', kill);
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)];
      args.push('--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', join(dir, `redis-${port}.log`));
      children.push(spawn('redis-server', args, { stdio: 'ignore' }));
    }
    for (const port of ports) {
      for (let i = 0; (await clusterState(port)) === undefined; i++) {
        if (i > 100) throw new Error(`redis-server on ${port} did not start; see ${dir}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stderr || created.stdout}`);
    for (const port of ports) {
      for (let i = 0; (await clusterState(port)) !== 'ok'; i++) {
        if (i > 200) throw new Error(`the cluster on ${port} is not ok; see ${dir}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: clusterAddressOf(ports.map((p) => `127.0.0.1:${p}`).join(',')), stop };
}

/** TEST_REDIS_CLUSTER_NODES' cluster, or one started for the caller (see `startRedisCluster`). */
export async function testRedisCluster(): Promise<TestRedisCluster> {
  const nodes = process.env.TEST_REDIS_CLUSTER_NODES?.trim();
  if (nodes) return { url: clusterAddressOf(nodes), stop: async () => {} };
  return startRedisCluster();
}
