import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import pg from 'pg';
import * as schema from './schema/index.ts';
import { currentSeedManifest, plantSeed, SEED_MANIFEST, seedIsCurrent } from './embedded-seed.ts';

export type Schema = typeof schema;
/** A database or a transaction on it; every repository function takes one. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Applies drizzle/ migrations; safe to call from several processes at once. */
  migrate(): Promise<void>;
  /** Round trip to the server, for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL. Without it an embedded PGlite database is opened under `dataDir`. */
  url?: string | undefined;
  /** Directory for PGlite; `memory://` keeps it in memory. */
  dataDir?: string | undefined;
  /**
   * A seed made by {@link makeSeedDataDir}, copied to `dataDir` when that does not exist yet or
   * is empty, so PGlite opens a database instead of running initdb (see embedded-seed.ts). Missing or
   * unfit seeds, and a seed PGlite fails to open, fall back to initdb.
   */
  seedDir?: string | undefined;
  /** Hears why the seed was not used (it was there but did not fit, or failed); default: ignored. */
  onSeedError?: (error: Error) => void;
  /** Pool size for Postgres. */
  max?: number;
  /** Hears a connection that broke (its backend died, the server restarted); default: ignored. */
  onConnectionError?: (error: Error) => void;
}

/**
 * drizzle/ at the repository root, found from this package's own directory (packages/db), so
 * every entry point agrees: the TypeScript sources and the CLI's bundle (apps/cli/dist), whose
 * `import.meta.url` is not this file's.
 */
export const MIGRATIONS_DIR = join(dirname(createRequire(import.meta.url).resolve('@loglore/db/package.json')), '../../drizzle');

// PGlite's Postgres starts with the stock 128 MB of shared_buffers, resident in its wasm heap
// from the start: about 300 MB RSS for an idle `loglore start`. The embedded database is one
// process's and its files sit in the OS page cache anyway, so a small pool costs little
// (bench/startup measures both).
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

// Any fixed 64-bit number: migrations from several processes run one at a time.
const MIGRATION_LOCK = 7_201_611_239;

/**
 * Opens Postgres when `url` is given, otherwise embedded PGlite (with pg_trgm).
 *
 * @example
 * const database = await openDatabase({ url: process.env.DATABASE_URL, dataDir: '.loglore/pg' });
 * await database.migrate();
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: options.max ?? 10 });
    const onError = options.onConnectionError ?? (() => {});
    // A connection whose backend dies (57P01, "Connection terminated unexpectedly") emits
    // 'error'. The pool listens only while a client is idle; a checked-out one (a transaction,
    // a COPY) would crash the process with an unhandled 'error' event. So every client gets a
    // listener for its whole life: the query in flight fails with the error, the broken
    // client is dropped when released (it is no longer queryable), and the pool connects anew.
    pool.on('connect', (client) => client.on('error', onError));
    pool.on('error', () => {});
    const db = drizzlePg(pool, { schema });
    return {
      db,
      kind: 'postgres',
      async migrate() {
        const client = await pool.connect();
        try {
          await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
          try {
            await migratePg(drizzlePg(client, { schema }), { migrationsFolder: MIGRATIONS_DIR });
          } finally {
            await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
          }
        } finally {
          client.release();
        }
      },
      async ping() {
        await db.execute(sql`select 1`);
      },
      close: () => pool.end(),
    };
  }
  const dataDir = options.dataDir ?? 'memory://';
  const onSeedError = options.onSeedError ?? (() => {});
  let seeded = false;
  if (!dataDir.startsWith('memory://')) {
    if (options.seedDir) seeded = plantSeed(options.seedDir, dataDir, MIGRATIONS_DIR, onSeedError);
    mkdirSync(dataDir, { recursive: true });
  }
  let client: PGlite;
  try {
    client = await openPglite(dataDir);
  } catch (error) {
    if (!seeded) throw error;
    // The copy is this open's own (the directory was empty before): start over without it.
    onSeedError(new Error(`PGlite could not open the seeded data directory ${dataDir}, running initdb instead: ${(error as Error).message}`, { cause: error }));
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    client = await openPglite(dataDir);
  }
  const db = drizzlePglite(client, { schema });
  return {
    db,
    kind: 'pglite',
    migrate: () => migratePglite(db, { migrationsFolder: MIGRATIONS_DIR }),
    async ping() {
      await db.execute(sql`select 1`);
    },
    close: () => client.close(),
  };
}

function openPglite(dataDir: string): Promise<PGlite> {
  return PGlite.create(dataDir, { extensions: { pg_trgm }, startParams: PGLITE_START_PARAMS });
}

/**
 * Makes the seed of the embedded database at `seedDir` (which must not exist): a data directory
 * opened as {@link openDatabase} opens one, migrated, closed cleanly, with a manifest naming the
 * PGlite version and the migrations. Takes one of `reuse` instead, copied, when it is a seed of
 * this PGlite with exactly these migrations (a rebuild then costs a copy, not an initdb).
 * The CLI's build runs it in a child process; the result sits next to the bundle.
 */
export async function makeSeedDataDir(seedDir: string, reuse: readonly string[] = []): Promise<'reused' | 'made'> {
  if (existsSync(seedDir)) throw new Error(`${seedDir} exists already`);
  const staging = `${seedDir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  try {
    const reusable = reuse.find((dir) => existsSync(dir) && seedIsCurrent(dir, MIGRATIONS_DIR));
    if (reusable) {
      cpSync(reusable, staging, { recursive: true });
    } else {
      const database = await openDatabase({ dataDir: staging });
      try {
        await database.migrate();
      } finally {
        await database.close();
      }
      writeFileSync(join(staging, SEED_MANIFEST), `${JSON.stringify(currentSeedManifest(MIGRATIONS_DIR), null, 1)}\n`);
    }
    renameSync(staging, seedDir);
    return reusable ? 'reused' : 'made';
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Rows of a raw query, whichever driver ran it. */
export async function queryRows<T>(db: Db, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/**
 * A statement of the hot path, written once as text with `$n` parameters. On Postgres it runs
 * as a named prepared statement (parsed once per connection, no SQL built per call; planned
 * once too unless `customPlans`); on PGlite, and inside a drizzle transaction, as a plain
 * parameterised query.
 */
export interface PreparedStatement {
  /** Unique per text: a connection keeps one plan under this name. */
  name: string;
  text: string;
  /**
   * Plan every execution for its values (`plan_cache_mode = force_custom_plan`, set for the one
   * statement in a transaction of its own: two more round trips). For statements whose generic
   * plan is bad: after five executions Postgres may keep a plan made without the values, whose
   * estimates (`project = $1` as one project in n_distinct, `@> $2` as 1%) can trade an index
   * walk of a few dozen rows for a sort of everything a project holds.
   */
  customPlans?: boolean;
}

/** Rows of a {@link PreparedStatement} run with `values` (dates, strings, numbers, null; JSON as text). */
export async function runPrepared<T>(db: Db, statement: PreparedStatement, values: readonly unknown[]): Promise<T[]> {
  const client = (db as { $client?: unknown }).$client;
  if (client instanceof pg.Pool) {
    const query = { name: statement.name, text: statement.text, values: [...values] };
    if (!statement.customPlans) return (await client.query(query)).rows as T[];
    return withCustomPlans(client, async (connection) => (await connection.query(query)).rows as T[]);
  }
  if (client instanceof PGlite) {
    const result = await client.query<T>(statement.text, [...values]);
    return result.rows;
  }
  // A transaction (drizzle keeps its client to itself): the same text through drizzle's params.
  const parts = statement.text.split(/\$(\d+)/);
  const chunks = parts.map((part, i) => (i % 2 === 0 ? sql.raw(part) : sql`${values[Number(part) - 1]}`));
  return queryRows<T>(db, sql.join(chunks));
}

/**
 * Runs `work` on a connection of `pool` inside a transaction whose statements are planned for
 * their values. The setting ends with the transaction (`set local`), so the connection goes back
 * to the pool as it came; one that fails to roll back is not given back at all.
 */
async function withCustomPlans<T>(pool: pg.Pool, work: (connection: pg.PoolClient) => Promise<T>): Promise<T> {
  const connection = await pool.connect();
  try {
    await connection.query('begin; set local plan_cache_mode = force_custom_plan');
    const result = await work(connection);
    await connection.query('commit');
    connection.release();
    return result;
  } catch (error) {
    try {
      await connection.query('rollback');
      connection.release();
    } catch (rollbackError) {
      connection.release(rollbackError as Error);
    }
    throw error;
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'EAI_AGAIN']);
const LOST_CONNECTION =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|Stream isn't writeable|terminating connection|database system is (shutting down|starting up|in recovery)/i;

/**
 * Whether an error means Postgres could not be reached or dropped the connection (a restart,
 * `pg_terminate_backend`, a network cut), as opposed to a bug or bad data: worth retrying once
 * it is back, and a 503 rather than a 500 on the HTTP side. Looks through drizzle's wrapping
 * (`cause`).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code)) return true;
      // Connection exceptions (08), insufficient resources (53), operator intervention (57).
      if (/^(08|53|57)[0-9A-Z]{3}$/.test(code)) return true;
    }
    if (typeof message === 'string' && LOST_CONNECTION.test(message)) return true;
  }
  return false;
}
