/**
 * Connections against a Postgres of the test's own, whose backends are terminated and which
 * is restarted under them: no connection may crash the process, and the database must come
 * back by itself.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { LogEvent } from '@loglore/core';
import { isDatabaseUnavailable, openDatabase, queryRows, type Database } from './client.ts';
import { createClusterDatabase, startPostgresCluster, type PostgresCluster } from './cluster.ts';
import { insertLogEvents } from './repositories/logs.ts';

const AT = Date.parse('2026-11-25T10:00:00Z');

function manyEvents(count: number): LogEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    ts: new Date(AT + i).toISOString(),
    project: 'acme',
    env: 'prod',
    domain: 'transactions',
    service: 'ledger-service',
    level: 'error' as const,
    trace_id: null,
    message: `Connection pool exhausted: timeout after 30000ms waiting for connection ${i} ${'x'.repeat(200)}`,
    attrs: { i },
  }));
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The pool serves again. An idle pooled connection whose backend was terminated may fail one
 * query (as unavailable) before its error arrives; after that a fresh connection answers.
 */
async function servesAgain(database: Database): Promise<void> {
  await until(() =>
    database.ping().then(
      () => true,
      (error: unknown) => {
        expect(isDatabaseUnavailable(error)).toBe(true);
        return false;
      },
    ),
  );
}

describe('a Postgres connection whose backend dies', () => {
  let cluster: PostgresCluster;
  let database: Database;
  let uncaught: Error[] = [];
  const onUncaught = (error: Error) => uncaught.push(error);

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    const url = await createClusterDatabase(cluster, `loglore_faults_${randomBytes(4).toString('hex')}`);
    database = await openDatabase({ url, max: 4 });
    await database.migrate();
    process.on('uncaughtException', onUncaught);
  }, 120_000);
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    // A pool whose clients are stuck on a killed backend must not hold the hook: the cluster
    // goes away next anyway.
    await Promise.race([database?.close().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    await cluster?.destroy();
  });

  async function activeQueries(like: string): Promise<number> {
    const rows = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from pg_stat_activity where query ilike ${like} and pid <> pg_backend_pid()`,
    );
    return rows[0]!.n;
  }

  it('fails the transaction that held it, does not crash the process, and the pool serves the next query', async () => {
    uncaught = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const transaction = database.db.transaction(async (tx) => {
      await tx.execute(sql`select 'held transaction' as marker`);
      await held;
      await tx.execute(sql`select 1`);
    });
    const outcome = transaction.then(
      () => null,
      (error: unknown) => error,
    );
    await until(async () => (await activeQueries('%held transaction%')) === 1);
    expect(await cluster.terminateClientBackends()).toBeGreaterThan(0);
    // The checked-out client hears its backend die while idle in the transaction.
    await new Promise((r) => setTimeout(r, 200));
    release();
    const error = await outcome;
    expect(error).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(uncaught).toEqual([]);
    await servesAgain(database);
  });

  it('fails a COPY whose backend is terminated mid-stream and stays usable', async () => {
    uncaught = [];
    const copying = insertLogEvents(database.db, manyEvents(150_000)).then(
      (n) => n,
      (error: unknown) => error,
    );
    await until(async () => (await activeQueries('copy log_events%')) === 1, 20_000);
    await cluster.terminateClientBackends();
    const result = await copying;
    expect(result).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(result)).toBe(true);
    expect(uncaught).toEqual([]);
    await servesAgain(database);
  });

  it('answers unavailable while Postgres is down and recovers by itself once it is back', async () => {
    uncaught = [];
    // Idle pooled clients and one checked out across the restart.
    await Promise.all([database.ping(), database.ping(), database.ping()]);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const transaction = database.db
      .transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        await held;
        await tx.execute(sql`select 1`);
      })
      .then(
        () => null,
        (error: unknown) => error,
      );
    await cluster.stop();
    try {
      const down = await database.ping().then(
        () => null,
        (error: unknown) => error,
      );
      expect(isDatabaseUnavailable(down)).toBe(true);
      release();
      expect(isDatabaseUnavailable(await transaction)).toBe(true);
    } finally {
      await cluster.start();
    }
    await servesAgain(database);
    expect(uncaught).toEqual([]);
  }, 60_000);
});

describe('embedded PGlite', () => {
  it('has no backend to lose: pg_terminate_backend of every backend leaves it serving', async () => {
    const database = await openDatabase({ dataDir: 'memory://' });
    try {
      const terminated = await queryRows<{ t: boolean }>(database.db, sql`select pg_terminate_backend(pid) as t from pg_stat_activity`);
      expect(terminated.every((r) => r.t === false)).toBe(true);
      await servesAgain(database);
    } finally {
      await database.close();
    }
  });
});
