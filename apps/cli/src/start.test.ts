/**
 * `loglore start` as a user runs it: embedded PGlite, the Redis that answers (or a clear stop
 * when none can), /healthz, and a clean exit on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRedis, deletePrefixKeys } from '@loglore/queue';

const BIN = fileURLToPath(new URL('../bin/loglore.js', import.meta.url));
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Pids of the redis-server processes working in `dataDir`'s redis directory (redis-server
 * rewrites its command line, but `--dir` is its working directory).
 */
function privateRedisPids(dataDir: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server') && readlinkSync(`/proc/${pid}/cwd`) === join(dataDir, 'redis');
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function runningAt(started: ReturnType<typeof run>): Promise<string> {
  for (let i = 0; i < 900; i++) {
    const url = /running at (http:\/\/\S+)/.exec(started.out())?.[1];
    if (url) return url;
    if (started.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`loglore start did not come up: ${started.err()}`);
}

async function eventually(check: () => boolean, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return check();
}

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, 'start'], { env: { ...env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exit, out: () => stdout, err: () => stderr };
}

describe('loglore start', () => {
  it('runs with embedded defaults, answers /healthz, prints a first request, and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loglore-start-'));
    const prefix = `llstart${process.pid}`;
    const started = run({ PATH: process.env.PATH ?? '', REDIS_URL, LOGLORE_DATA_DIR: dataDir, PORT: '0', QUEUE_PREFIX: prefix });
    try {
      let url: string | undefined;
      for (let i = 0; i < 600 && !url; i++) {
        url = /running at (http:\/\/\S+)/.exec(started.out())?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 100));
      }
      expect(url, started.err()).toBeDefined();
      expect(started.out()).toContain('curl');
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      // The bundle finds the files it serves from other packages' directories: the console's
      // page and Swagger UI's assets (and drizzle/, or /readyz would not be ready).
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      expect((await fetch(`${url}/docs/assets/swagger-ui.css`)).status).toBe(200);
      started.child.kill('SIGTERM');
      expect(await started.exit).toBe(0);
    } finally {
      started.child.kill('SIGKILL');
      const redis = createRedis(REDIS_URL, 'command');
      await deletePrefixKeys(redis, prefix);
      redis.disconnect();
    }
  }, 90_000);

  it('without any Redis, stops and names both remedies', async () => {
    // A PATH with node and nothing else: no redis-server to start privately.
    const bin = mkdtempSync(join(tmpdir(), 'loglore-nobin-'));
    mkdirSync(bin, { recursive: true });
    symlinkSync(process.execPath, join(bin, 'node'));
    const dataDir = mkdtempSync(join(tmpdir(), 'loglore-start-'));
    const started = run({ PATH: bin, REDIS_URL: 'redis://127.0.0.1:1', LOGLORE_DATA_DIR: dataDir, PORT: '0' });
    expect(await started.exit).toBe(1);
    expect(started.err()).toMatch(/no Redis answers at redis:\/\/127\.0\.0\.1:1/);
    expect(started.err()).toMatch(/set REDIS_URL/);
    expect(started.err()).toMatch(/install redis-server/);
  }, 90_000);

  it('stops when the Redis Cluster it is given does not answer, and starts no private redis-server instead', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loglore-start-'));
    const started = run({ PATH: process.env.PATH ?? '', REDIS_CLUSTER_NODES: '127.0.0.1:1,127.0.0.1:2', LOGLORE_DATA_DIR: dataDir, PORT: '0' });
    expect(await started.exit).toBe(1);
    expect(started.err()).toMatch(/the Redis Cluster at redis\+cluster:\/\/127\.0\.0\.1:1,127\.0\.0\.1:2 does not answer/);
    expect(started.err()).toMatch(/check REDIS_CLUSTER_NODES/);
    expect(existsSync(join(dataDir, 'redis'))).toBe(false);
  }, 90_000);

  describe.skipIf(!existsSync('/proc'))('its private redis-server and data directory', () => {
    // Nothing answers on port 1, so start runs a private redis-server from the PATH.
    const env = (dataDir: string) => ({ PATH: process.env.PATH ?? '', REDIS_URL: 'redis://127.0.0.1:1', LOGLORE_DATA_DIR: dataDir, PORT: '0' });

    it('after a SIGKILLed start, the next start takes over the orphaned redis-server instead of adding a second, and stops it on SIGTERM', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'loglore-orphan-'));
      const first = run(env(dataDir));
      let second: ReturnType<typeof run> | undefined;
      try {
        await runningAt(first);
        const [orphan] = privateRedisPids(dataDir);
        expect(privateRedisPids(dataDir)).toHaveLength(1);
        first.child.kill('SIGKILL');
        await first.exit;
        // The crash left it running.
        expect(privateRedisPids(dataDir)).toEqual([orphan]);

        second = run(env(dataDir));
        await runningAt(second);
        expect(privateRedisPids(dataDir)).toEqual([orphan]);
        expect(second.out()).toMatch(new RegExp(`took over the private redis-server .*pid ${orphan}`));
        second.child.kill('SIGTERM');
        expect(await second.exit).toBe(0);
        expect(await eventually(() => privateRedisPids(dataDir).length === 0)).toBe(true);
      } finally {
        first.child.kill('SIGKILL');
        second?.child.kill('SIGKILL');
        for (const pid of privateRedisPids(dataDir)) process.kill(pid, 'SIGKILL');
      }
    }, 180_000);

    it('refuses a second start on the same data directory, naming the pid that holds it', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'loglore-lock-'));
      const first = run(env(dataDir));
      let second: ReturnType<typeof run> | undefined;
      try {
        await runningAt(first);
        second = run(env(dataDir));
        const exited = await Promise.race([second.exit, new Promise<string>((r) => setTimeout(() => r('still running after 60 s'), 60_000))]);
        expect(exited).toBe(1);
        expect(second.err()).toContain(`in use by another loglore process (pid ${first.child.pid})`);
        expect(second.err()).toContain(dataDir);
        // The first one is unharmed and still has its one private Redis.
        expect((await fetch(`${await runningAt(first)}/readyz`)).status).toBe(200);
        expect(privateRedisPids(dataDir)).toHaveLength(1);
        first.child.kill('SIGTERM');
        expect(await first.exit).toBe(0);
        // Released: the directory can be started again.
        expect(existsSync(join(dataDir, 'loglore.lock'))).toBe(false);
      } finally {
        first.child.kill('SIGKILL');
        second?.child.kill('SIGKILL');
        for (const pid of privateRedisPids(dataDir)) process.kill(pid, 'SIGKILL');
      }
    }, 180_000);
  });
});
