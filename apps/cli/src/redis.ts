import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { isClusterAddress, pingRedis } from '@loglore/queue';
import { processRuns } from './datadir.ts';

export interface ResolvedRedis {
  url: string;
  /** Set when loglore runs a private redis-server (started or adopted): stops it on shutdown. */
  stop?: () => Promise<void>;
}

/** Where a private redis-server's pid and port are kept, so a later start finds an orphan. */
export const PRIVATE_REDIS_FILE = 'redis-server.json';

interface PrivateRedisRecord {
  pid: number;
  port: number;
}

function readRecord(file: string): PrivateRedisRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<PrivateRedisRecord>;
    return Number.isInteger(record.pid) && Number.isInteger(record.port) ? (record as PrivateRedisRecord) : undefined;
  } catch {
    return undefined;
  }
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processRuns(pid, 'redis-server')) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** SIGTERM (redis-server then writes its append-only file and exits), SIGKILL if it lingers. */
async function stopRedisProcess(pid: number, file: string): Promise<void> {
  if (processRuns(pid, 'redis-server')) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone already
    }
    if (!(await waitUntilGone(pid, 10_000))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
      await waitUntilGone(pid, 2_000);
    }
  }
  if (readRecord(file)?.pid === pid) rmSync(file, { force: true });
}

function redisServerOnPath(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * REDIS_URL when something answers there; otherwise a private redis-server under the data
 * directory (append-only, noeviction, as BullMQ needs) when one is on the PATH; otherwise an
 * error that names both remedies. A Redis Cluster (REDIS_CLUSTER_NODES) is never replaced by a
 * private server: one that does not answer is an error. `beforePrivate` runs before the data
 * directory's Redis is touched (the caller locks the directory there).
 */
export async function resolveRedis(url: string, dataDir: string, log: (msg: string) => void, beforePrivate?: () => void): Promise<ResolvedRedis> {
  try {
    await pingRedis(url, 1_500);
    return { url };
  } catch (error) {
    if (isClusterAddress(url)) {
      throw new Error(`the Redis Cluster at ${url} does not answer (${(error as Error).message}); check REDIS_CLUSTER_NODES and that every slot is served`);
    }
  }
  if (!redisServerOnPath()) {
    throw new Error(
      `no Redis answers at ${url}. Either start one there (or set REDIS_URL to one that runs), ` +
        'or install redis-server (e.g. `apt-get install redis-server`) so loglore can run a private one under LOGLORE_DATA_DIR.',
    );
  }
  beforePrivate?.();
  const dir = resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, PRIVATE_REDIS_FILE);
  // A private redis-server outlives a loglore that was SIGKILLed or crashed. The data
  // directory is locked by now, so one still running is such an orphan: take it over when it
  // answers, otherwise stop it, rather than start a second one on the same append-only files.
  const orphan = readRecord(file);
  if (orphan && processRuns(orphan.pid, 'redis-server')) {
    const orphanUrl = `redis://127.0.0.1:${orphan.port}`;
    try {
      await pingRedis(orphanUrl, 1_000);
      log(`no Redis at ${url}: took over the private redis-server a previous loglore left running (pid ${orphan.pid}, ${orphanUrl})`);
      return { url: orphanUrl, stop: () => stopRedisProcess(orphan.pid, file) };
    } catch {
      log(`stopping an unresponsive private redis-server a previous loglore left running (pid ${orphan.pid})`);
      await stopRedisProcess(orphan.pid, file);
    }
  }
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction', '--logfile', join(dir, 'redis.log')],
    { stdio: 'ignore' },
  );
  const pid = child.pid;
  if (pid !== undefined) writeFileSync(file, JSON.stringify({ pid, port } satisfies PrivateRedisRecord));
  const stop = async () => {
    if (pid !== undefined) await stopRedisProcess(pid, file);
    else child.kill('SIGTERM');
  };
  const privateUrl = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    try {
      await pingRedis(privateUrl, 500);
      log(`no Redis at ${url}: started a private redis-server at ${privateUrl} (data in ${dir})`);
      return { url: privateUrl, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stop();
  throw new Error(`the private redis-server did not answer on ${privateUrl}; see ${join(dir, 'redis.log')}`);
}
