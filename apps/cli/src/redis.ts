import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { pingRedis } from '@loglore/queue';

export interface ResolvedRedis {
  url: string;
  /** Set when loglore started its own redis-server; stopped on shutdown. */
  child?: ChildProcess;
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
 * error that names both remedies.
 */
export async function resolveRedis(url: string, dataDir: string, log: (msg: string) => void): Promise<ResolvedRedis> {
  try {
    await pingRedis(url, 1_500);
    return { url };
  } catch {
    // fall through
  }
  if (!redisServerOnPath()) {
    throw new Error(
      `no Redis answers at ${url}. Either start one there (or set REDIS_URL to one that runs), ` +
        'or install redis-server (e.g. `apt-get install redis-server`) so loglore can run a private one under LOGLORE_DATA_DIR.',
    );
  }
  const dir = resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction', '--logfile', join(dir, 'redis.log')],
    { stdio: 'ignore' },
  );
  const privateUrl = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    try {
      await pingRedis(privateUrl, 500);
      log(`no Redis at ${url}: started a private redis-server at ${privateUrl} (data in ${dir})`);
      return { url: privateUrl, child };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill('SIGTERM');
  throw new Error(`the private redis-server did not answer on ${privateUrl}; see ${join(dir, 'redis.log')}`);
}
