/**
 * Test fixture: a Postgres cluster of the test's own (initdb + pg_ctl from the machine's
 * Postgres binaries), so fault tests can terminate its backends and restart it without
 * touching the shared server the other tests use.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/**
 * Directories of the clusters this process started and has not destroyed. A test whose hook
 * timed out (vitest abandons it: the cluster starts after the test gave up on it, or its stop is
 * cut short) would leave a postmaster running; when this process ends, on exit or on the
 * SIGTERM with which vitest stops its fork workers (which skips 'exit' handlers), what is left is
 * stopped with an immediate shutdown (SIGQUIT to the postmaster) and its directory deleted.
 */
const undestroyed = new Set<string>();

function stopUndestroyed(): void {
  for (const dir of undestroyed) {
    try {
      const pid = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // not running (never started, or already stopped)
    }
    rmSync(dir, { recursive: true, force: true });
  }
  undestroyed.clear();
}

let cleanupRegistered = false;
function registerCleanup(): void {
  if (cleanupRegistered) return;
  cleanupRegistered = true;
  process.once('exit', stopUndestroyed);
  // Then die of the signal as before (the listener is gone once it ran).
  process.once('SIGTERM', () => {
    stopUndestroyed();
    process.kill(process.pid, 'SIGTERM');
  });
}

/** The directory of initdb and pg_ctl: PG_BIN, `pg_config --bindir`, or the newest /usr/lib/postgresql/N/bin. */
export async function postgresBinDir(): Promise<string | undefined> {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  try {
    candidates.push((await run('pg_config', ['--bindir'])).stdout.trim());
  } catch {
    // not on the PATH
  }
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface PostgresCluster {
  port: number;
  /** URL of the `postgres` database as the `postgres` superuser (trust auth). */
  url: string;
  /** Fast shutdown: every connection is cut (57P01), then the server is down. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** `pg_terminate_backend` of every client backend but the caller's; returns how many. */
  terminateClientBackends(): Promise<number>;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

/**
 * Creates and starts a throw-away cluster on `port` (a free one when absent). Postgres
 * refuses to run as root, so under root the cluster belongs to the `postgres` user.
 */
export async function startPostgresCluster(options: { port?: number } = {}): Promise<PostgresCluster> {
  const bin = await postgresBinDir();
  if (!bin) throw new Error('no Postgres binaries (initdb, pg_ctl) found; set PG_BIN');
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'loglore-pg-'));
  undestroyed.add(dir);
  registerCleanup();
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const exec = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);
  await exec('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async () => {
    await exec('pg_ctl', ['-D', data, '-l', join(dir, 'postgres.log'), '-o', serverOptions, '-w', '-t', '60', 'start']);
  };
  const stop = async () => {
    await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  };
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let destroyed = false;
  return {
    port,
    url,
    start,
    stop,
    async terminateClientBackends() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const result = await client.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()",
        );
        return result.rowCount ?? 0;
      } finally {
        await client.end();
      }
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      // Its data is deleted next: an immediate shutdown, without the fast one's checkpoint, which
      // on a loaded machine could outlast a test's hook.
      await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
      undestroyed.delete(dir);
    },
  };
}

/** Creates database `name` on a cluster and returns its URL. */
export async function createClusterDatabase(cluster: PostgresCluster, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(cluster.url);
  url.pathname = `/${name}`;
  return url.toString();
}
