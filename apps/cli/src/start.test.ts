/**
 * `loglore start` as a user runs it: embedded PGlite, the Redis that answers (or a clear stop
 * when none can), /healthz, and a clean exit on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRedis, deletePrefixKeys } from '@loglore/queue';

const BIN = fileURLToPath(new URL('../bin/loglore.js', import.meta.url));
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

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
});
