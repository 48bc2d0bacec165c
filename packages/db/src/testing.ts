import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import type { LogEvent } from '@loglore/core';
import { openDatabase, queryRows, type Database, type Db } from './client.ts';
import { insertLogEvents } from './repositories/logs.ts';

/** Admin connection the tests create their databases through. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase extends Database {
  url: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** Runs one statement on the admin connection (create or drop a test database). */
async function adminQuery(statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/** A new empty database on the test server; its URL, and how to drop it (force: open connections too). */
async function createScratchDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`drop database if exists ${name} with (force)`) };
}

/**
 * A fresh, migrated Postgres database for one test file, so files run in parallel without
 * seeing each other's rows. Drop it in `afterAll`.
 */
export async function createTestDatabase(options: { max?: number } = {}): Promise<TestDatabase> {
  const scratch = await createScratchDatabase('loglore_test');
  const database = await openDatabase({ url: scratch.url, max: options.max ?? 20 });
  await database.migrate();
  return {
    ...database,
    url: scratch.url,
    async drop() {
      await database.close();
      await scratch.drop();
    },
  };
}

export interface EmptyTestDatabase {
  url: string;
  /** One plain pg connection to it. */
  client: pg.Client;
  /** Closes the client and drops the database. */
  drop(): Promise<void>;
}

/**
 * A fresh Postgres database with no migration applied, and a plain pg client on it: for a
 * migration test, which applies the migrations before the one under test, stores rows as they
 * were, then applies it. Drop it in `afterAll`.
 */
export async function createEmptyTestDatabase(): Promise<EmptyTestDatabase> {
  const scratch = await createScratchDatabase('loglore_migration');
  const client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  return {
    url: scratch.url,
    client,
    async drop() {
      await client.end();
      await scratch.drop();
    },
  };
}

/** A test database on either back end; `drop` ends it (Postgres: drops the database; PGlite: closes it). */
export type BackendTestDatabase = Database & { drop(): Promise<void> };

/** A fresh in-memory PGlite database, migrated: the embedded default under test. */
export async function createTestPglite(): Promise<BackendTestDatabase> {
  const database = await openDatabase({ dataDir: 'memory://' });
  await database.migrate();
  return { ...database, drop: () => database.close() };
}

/**
 * Both back ends, for `describe.each`: the same behaviours against the real Postgres and
 * against embedded PGlite, so the embedded default is proven, not assumed.
 *
 * @example
 * describe.each(TEST_BACKENDS)('log events on %s', (_name, open) => {
 *   let database: BackendTestDatabase;
 *   beforeAll(async () => (database = await open()));
 *   afterAll(() => database.drop());
 * });
 */
export const TEST_BACKENDS: [string, () => Promise<BackendTestDatabase>][] = [
  ['postgres', createTestDatabase],
  ['pglite', createTestPglite],
];

/**
 * The three ways log events are stored, for `it.each`: COPY (the default), a multi-row INSERT,
 * and COPY inside a caller's transaction. Each answers the rows stored.
 */
export const INSERT_MODES: [string, (db: Db, events: LogEvent[]) => Promise<number>][] = [
  ['COPY', (db, events) => insertLogEvents(db, events)],
  ['multi-row INSERT', (db, events) => insertLogEvents(db, events, { method: 'insert' })],
  ['a transaction', (db, events) => db.transaction((tx) => insertLogEvents(tx, events))],
];

export { createClusterDatabase, postgresBinDir, startPostgresCluster, type PostgresCluster } from './cluster.ts';

/** The tables of loglore's schemas (drizzle's migration journal aside), as quoted identifiers. */
async function listTables(db: Db): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(
    db,
    // Tables and partitioned tables, not their partitions (a partitioned table's rows are theirs).
    sql`select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and not c.relispartition
          and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle') and n.nspname not like 'pg\_%'
        order by 1`,
  );
  return rows.map((r) => r.name);
}

const tablesOf = new WeakMap<Db, Promise<string[]>>();

/** Rows per table: a test compares them before and after a request to prove nothing was half-written. */
export async function countRows(db: Db): Promise<Record<string, number>> {
  let listed = tablesOf.get(db);
  if (!listed) tablesOf.set(db, (listed = listTables(db)));
  const tables = await listed;
  // One statement for all tables: fuzz tests count before and after every request.
  const select = tables.map((t) => `select '${t.replace(/'/g, "''")}' as name, count(*)::int as n from ${t}`).join(' union all ');
  const rows = await queryRows<{ name: string; n: number }>(db, sql.raw(select));
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}

/**
 * Every row of every table as Postgres' text form of the row (all columns: text, jsonb,
 * arrays), one line per row: what a test searches for values that must never be stored.
 */
export async function dumpTables(db: Db): Promise<string> {
  const parts: string[] = [];
  for (const table of await listTables(db)) {
    const rows = await queryRows<{ row: string }>(db, sql`select t::text as row from ${sql.raw(table)} t`);
    for (const r of rows) parts.push(`${table}\t${r.row}`);
  }
  return parts.join('\n');
}
