/**
 * Postgres faults under load, with `loglore ingress` and `loglore worker` as real, separate
 * processes over a Postgres cluster of the test's own: every client backend terminated, and
 * a full restart. The processes must stay up, answer 503 (never 500, never a reset) while
 * Postgres is away, recover by themselves, and every accepted request must complete exactly
 * once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { REFERENCE_PATTERNS } from '@loglore/core';
import { switchOutage } from '@loglore/core/testing';
import { insertLogEvents, openDatabase, queryRows, seedReferencePatterns, type Database } from '@loglore/db';
import { createClusterDatabase, startPostgresCluster, type PostgresCluster } from '@loglore/db/testing';
import { createRedis, deletePrefixKeys } from '@loglore/queue';

const BIN = fileURLToPath(new URL('../bin/loglore.js', import.meta.url));
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const AT = '2026-11-25T10:30:00Z';

interface Proc {
  child: ChildProcess;
  output(): string;
  exited(): boolean;
}

function spawnLoglore(command: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [BIN, command], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  return { child, output: () => output, exited: () => exited };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface LoadFigures {
  accepted: string[];
  /** 503 answers (all with code `unavailable`), retried by the client with the same idempotency key. */
  unavailable: number;
  /** Any other 5xx, or an answer that was not JSON. */
  otherErrors: string[];
  /** Requests that died without an answer (reset, socket hang up). */
  resets: number;
}

/**
 * `total` analyses, `concurrency` at a time, each retried on 503 with its idempotency key
 * (so a retry never doubles one); `fault` runs once `faultAfter` were accepted.
 */
async function runLoad(url: string, project: string, options: { total: number; concurrency: number; faultAfter: number; fault: () => Promise<void>; gone: () => boolean }): Promise<LoadFigures> {
  const figures: LoadFigures = { accepted: [], unavailable: 0, otherErrors: [], resets: 0 };
  const run = randomBytes(4).toString('hex');
  let next = 0;
  let faulted: Promise<void> | undefined;
  const one = async (i: number) => {
    const body = JSON.stringify({ text: `NPSB transfers failing in prod since 10:00 (#${i})`, project, occurred_at: AT, idempotency_key: `fault-${run}-${i}` });
    for (let attempt = 0; attempt < 200 && !options.gone(); attempt++) {
      let response: Response;
      try {
        response = await fetch(`${url}/api/analyses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      } catch {
        figures.resets++;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const text = await response.text();
      if (response.status === 202) {
        figures.accepted.push((JSON.parse(text) as { request_id: string }).request_id);
        if (figures.accepted.length === options.faultAfter) faulted = options.fault();
        return;
      }
      if (response.status === 503 && (JSON.parse(text) as { error: { code: string } }).error.code === 'unavailable') {
        figures.unavailable++;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      figures.otherErrors.push(`${response.status} ${text.slice(0, 200)}`);
      return;
    }
    figures.otherErrors.push(`request ${i} never accepted`);
  };
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < options.total) await one(next++);
    }),
  );
  await faulted;
  return figures;
}

describe('Postgres faults under load, ingress and worker as separate processes', () => {
  let cluster: PostgresCluster;
  let database: Database;
  let databaseUrl: string;
  const project = `bank${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    databaseUrl = await createClusterDatabase(cluster, `loglore_faults_${randomBytes(4).toString('hex')}`);
    database = await openDatabase({ url: databaseUrl, max: 4 });
    await database.migrate();
    await seedReferencePatterns(database.db, REFERENCE_PATTERNS);
    await insertLogEvents(database.db, switchOutage(project));
  }, 120_000);
  afterAll(async () => {
    await database?.close().catch(() => {});
    await cluster?.destroy();
  });

  async function scenario(name: string, fault: () => Promise<void>) {
    const prefix = `llfaults${randomBytes(4).toString('hex')}`;
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      PORT: '0',
      LOG_LEVEL: 'info',
      CACHE_TTL_SECONDS: '0',
      WORKER_CONCURRENCY: '4',
      SHUTDOWN_TIMEOUT_MS: '5000',
    };
    const worker = spawnLoglore('worker', env);
    const ingress = spawnLoglore('ingress', env);
    try {
      const url = await waitFor('the ingress to listen', () => /"url":"(http:\/\/[^"]+)"/.exec(ingress.output())?.[1]);
      await waitFor('the worker to start', () => (/worker started/.test(worker.output()) ? true : undefined));
      const gone = () => ingress.exited() || worker.exited();
      const figures = await runLoad(url, project, { total: 120, concurrency: 6, faultAfter: 30, fault, gone });
      expect(ingress.exited(), `the ingress died: ${ingress.output().slice(-1500)}`).toBe(false);
      expect(worker.exited(), `the worker died: ${worker.output().slice(-1500)}`).toBe(false);
      const ids = figures.accepted;
      const idList = sql.join(
        ids.map((id) => sql`${id}::uuid`),
        sql`, `,
      );
      const count = async (query: ReturnType<typeof sql>) => (await queryRows<{ n: number }>(database.db, query))[0]!.n;
      const completed = () => count(sql`select count(*)::int as n from analysis_requests where id in (${idList}) and status = 'completed'`);
      const usages = () => count(sql`select count(*)::int as n from pattern_usages where request_id in (${idList})`);
      await waitFor('every accepted request to complete', async () => {
        expect(worker.exited(), `the worker died: ${worker.output().slice(-1500)}`).toBe(false);
        return (await completed()) === ids.length ? true : undefined;
      }, 120_000);
      const withPattern = await count(sql`select count(*)::int as n from analysis_memory where request_id in (${idList}) and pattern_key is not null`);
      await waitFor('every usage to be counted', async () => ((await usages()) >= withPattern ? true : undefined), 60_000);
      const rows = {
        requests: await count(sql`select count(*)::int as n from analysis_requests where id in (${idList})`),
        failed: await count(sql`select count(*)::int as n from analysis_requests where id in (${idList}) and status = 'failed'`),
        memory: await count(sql`select count(*)::int as n from analysis_memory where request_id in (${idList})`),
        completedEvents: await count(sql`select count(*)::int as n from analysis_events where request_id in (${idList}) and step = 'completed'`),
        usages: await usages(),
        withPattern,
      };
      // Figures for the report.
      console.info(
        `[faults] ${name}: sent 120, accepted ${ids.length} (${new Set(ids).size} distinct), 503s ${figures.unavailable}, resets ${figures.resets}, ` +
          `other errors ${figures.otherErrors.length}; rows: ${JSON.stringify(rows)}`,
      );
      expect(figures.otherErrors).toEqual([]);
      expect(figures.resets).toBe(0);
      expect(ids).toHaveLength(120);
      expect(new Set(ids).size).toBe(120);
      expect(rows).toEqual({ requests: 120, failed: 0, memory: 120, completedEvents: 120, usages: 120, withPattern: 120 });
      // Each analysis counted once, and the counters agree with the usage rows.
      const drift = await count(
        sql`select count(*)::int as n from error_patterns p where p.usage_count <> (select count(*) from pattern_usages u where u.pattern_key = p.pattern_key)`,
      );
      expect(drift).toBe(0);
      // Both processes lived through it and serve again.
      expect(worker.exited(), worker.output().slice(-2000)).toBe(false);
      expect(ingress.exited(), ingress.output().slice(-2000)).toBe(false);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect(ingress.output()).not.toMatch(/Unhandled 'error' event|unhandled error/);
      expect(worker.output()).not.toMatch(/Unhandled 'error' event/);
      return figures;
    } finally {
      if (process.env.FAULTS_DUMP) {
        writeFileSync(`${process.env.FAULTS_DUMP}-${name.replace(/ /g, '_')}-ingress.log`, ingress.output());
        writeFileSync(`${process.env.FAULTS_DUMP}-${name.replace(/ /g, '_')}-worker.log`, worker.output());
      }
      ingress.child.kill('SIGKILL');
      worker.child.kill('SIGKILL');
      const redis = createRedis(REDIS_URL, 'command');
      await deletePrefixKeys(redis, prefix);
      redis.disconnect();
    }
  }

  it('survives pg_terminate_backend of every client backend mid-load: nothing lost, nothing doubled', async () => {
    await scenario('terminate backends', async () => {
      for (let i = 0; i < 3; i++) {
        await cluster.terminateClientBackends();
        await new Promise((r) => setTimeout(r, 300));
      }
    });
  }, 240_000);

  it('survives a full Postgres restart mid-load, answering 503 meanwhile: nothing lost, nothing doubled', async () => {
    const figures = await scenario('restart', async () => {
      await cluster.stop();
      await new Promise((r) => setTimeout(r, 2_000));
      await cluster.start();
    });
    expect(figures.unavailable).toBeGreaterThan(0);
  }, 240_000);
});
