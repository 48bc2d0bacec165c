/** The throw-away cluster fixture leaves nothing running when its test gives up on it. */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLUSTER_MODULE = fileURLToPath(new URL('./cluster.ts', import.meta.url));

describe('startPostgresCluster', () => {
  it('stops and deletes a cluster its process never destroyed (a timed-out hook) when that process exits', async () => {
    // A process that starts a cluster and exits without destroying it, as vitest's worker does
    // after abandoning a hook that timed out.
    const script = `const m = await import(${JSON.stringify(CLUSTER_MODULE)});
      const c = await m.startPostgresCluster();
      process.stdout.write(JSON.stringify({ port: c.port, url: c.url }));
      process.exit(0);`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 90_000 });
    const { url } = JSON.parse(stdout) as { port: number; url: string };
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    // The postmaster got SIGQUIT at exit: nothing answers on its port any more.
    await expect(client.connect()).rejects.toThrow();
    await client.end().catch(() => {});
  }, 120_000);

  it('does the same when its process is stopped with SIGTERM, as vitest stops its fork workers', async () => {
    const script = `const m = await import(${JSON.stringify(CLUSTER_MODULE)});
      const c = await m.startPostgresCluster();
      process.stdout.write(JSON.stringify({ url: c.url }) + '\\n');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`the child exited (${code}) before its cluster started`)));
    });
    const { url } = JSON.parse(line) as { url: string };
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGTERM');
    // It still dies of the signal, as it would without the fixture.
    expect(await exited).toBe('SIGTERM');
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    await expect(client.connect()).rejects.toThrow();
    await client.end().catch(() => {});
  }, 120_000);
});
