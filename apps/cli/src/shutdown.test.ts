/**
 * `loglore ingress` as a real process, stopped with SIGTERM while requests are in flight:
 * it stops accepting, lets them finish (at most SHUTDOWN_TIMEOUT_MS), then closes the queue and
 * the pool. No client gets a reset, and every 202 answered is a request in Postgres.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAnalysisRequest } from '@loglore/db';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { createRedis, deletePrefixKeys } from '@loglore/queue';

const BIN = fileURLToPath(new URL('../bin/loglore.js', import.meta.url));
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Ingress {
  child: ChildProcess;
  url: string;
  exit: Promise<number | null>;
  output(): string;
}

async function startIngress(databaseUrl: string, prefix: string, shutdownTimeoutMs: number): Promise<Ingress> {
  const child = spawn(process.execPath, [BIN, 'ingress'], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, REDIS_URL, QUEUE_PREFIX: prefix, PORT: '0', LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (let i = 0; i < 600; i++) {
    const url = /"url":"(http:\/\/[^"]+)"/.exec(output)?.[1];
    if (url) return { child, url, exit, output: () => output };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the ingress never listened: ${output}`);
}

interface Answer {
  status?: number;
  body?: string;
  connection?: string | undefined;
  error?: string;
}

/**
 * POST /api/analyses whose body is sent in two parts: the first now, the rest when `rest`
 * resolves. Until then the request is in flight on the server (its handler awaits the body).
 */
function slowPost(url: string, body: string, rest: Promise<void>): { sentHead: Promise<void>; answer: Promise<Answer> } {
  let headSent!: () => void;
  const sentHead = new Promise<void>((r) => (headSent = r));
  const answer = new Promise<Answer>((resolve) => {
    const req = httpRequest(`${url}/api/analyses`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: text, connection: res.headers.connection }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('error', (e) => resolve({ error: e.message }));
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half), () => headSent());
    void rest.then(() => req.end(body.slice(half)));
  });
  return { sentHead, answer };
}

describe('loglore ingress on SIGTERM', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase({ max: 4 });
  });
  afterAll(async () => {
    await database.drop();
  });

  async function cleanup(prefix: string) {
    const redis = createRedis(REDIS_URL, 'command');
    await deletePrefixKeys(redis, prefix);
    redis.disconnect();
  }

  it('lets in-flight requests finish with a whole answer, stores every one it accepted, and exits 0', async () => {
    const prefix = `llshutdown${randomBytes(4).toString('hex')}`;
    const ingress = await startIngress(database.url, prefix, 10_000);
    try {
      let release!: () => void;
      const rest = new Promise<void>((r) => (release = r));
      const posts = Array.from({ length: 12 }, (_, i) =>
        slowPost(ingress.url, JSON.stringify({ text: `ledger errors in prod since 10:00 (in flight #${i})`, occurred_at: '2026-11-25T10:30:00Z' }), rest),
      );
      await Promise.all(posts.map((p) => p.sentHead));
      // Connections are accepted in order: once a later one is answered, the server has taken
      // every slow one (none is left in the listen backlog, which closing the server resets).
      expect((await fetch(`${ingress.url}/healthz`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 300));
      const signalled = Date.now();
      ingress.child.kill('SIGTERM');
      // The server is draining: new connections are refused, the open requests go on.
      await new Promise((r) => setTimeout(r, 500));
      await expect(fetch(`${ingress.url}/healthz`)).rejects.toThrow();
      release();
      const answers = await Promise.all(posts.map((p) => p.answer));
      expect(answers.filter((a) => a.error)).toEqual([]);
      expect(answers.map((a) => a.status)).toEqual(Array(12).fill(202));
      // Answered while draining: the connection ends with the answer.
      expect(answers.map((a) => a.connection)).toEqual(Array(12).fill('close'));
      expect(await ingress.exit).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(10_000);
      for (const a of answers) {
        const { request_id } = JSON.parse(a.body!) as { request_id: string };
        expect(await getAnalysisRequest(database.db, request_id)).toMatchObject({ id: request_id, status: 'queued' });
      }
    } finally {
      ingress.child.kill('SIGKILL');
      await cleanup(prefix);
    }
  }, 60_000);

  it('stops waiting after SHUTDOWN_TIMEOUT_MS for a request that never finishes, and exits 0', async () => {
    const prefix = `llshutdown${randomBytes(4).toString('hex')}`;
    const ingress = await startIngress(database.url, prefix, 1_500);
    try {
      const never = new Promise<void>(() => {});
      const stuck = slowPost(ingress.url, JSON.stringify({ text: 'a body that never ends' }), never);
      await stuck.sentHead;
      expect((await fetch(`${ingress.url}/healthz`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 300));
      const signalled = Date.now();
      ingress.child.kill('SIGTERM');
      expect(await ingress.exit).toBe(0);
      const took = Date.now() - signalled;
      expect(took).toBeGreaterThanOrEqual(1_400);
      expect(took).toBeLessThan(8_000);
      expect((await stuck.answer).error).toBeTruthy();
    } finally {
      ingress.child.kill('SIGKILL');
      await cleanup(prefix);
    }
  }, 60_000);
});
