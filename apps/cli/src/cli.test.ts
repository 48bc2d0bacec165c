/**
 * The real `loglore` command, spawned as a user would run it, against an in-process HTTP
 * server over a test database and a fresh queue prefix (no worker runs: analyses stay
 * queued, and the tests count rows or write step events themselves).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServerType } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { REFERENCE_PATTERNS } from '@loglore/core';
import { appendAnalysisEvent, markRequestCompleted, markRequestFailed, queryRows, seedReferencePatterns } from '@loglore/db';
import { startWorker } from '@loglore/worker';
import { createTestIngress, type TestIngress } from '../../ingress/src/testing.ts';
import { createTestWorkerDeps } from '../../worker/src/testing.ts';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const BIN = join(ROOT, 'apps/cli/bin/loglore.js');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `loglore ...args`; `onSpawn` may kill it. */
function loglore(args: string[], options: { input?: string; env?: Record<string, string>; onSpawn?: (kill: () => void) => void } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', LOGLORE_API_KEY: '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
    options.onSpawn?.(() => child.kill('SIGKILL'));
  });
}

const ndjson = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('local commands', () => {
  it('--version and -V print the version of the package', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'apps/cli/package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const run = await loglore([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${version}\n`);
    }
  });

  it('mine reads stdin and prints one {line, template_id, template} per non-blank line', async () => {
    const input = ['connection refused to 10.0.0.1 port 5432', 'connection refused to 10.0.0.2 port 5432', '', 'user 42 logged in'].join('\n');
    const run = await loglore(['mine'], { input });
    expect(run.code).toBe(0);
    const out = ndjson(run.stdout);
    expect(out.map((o) => o.line)).toEqual([1, 2, 4]);
    expect(out[0]!.template_id).toBe(out[1]!.template_id);
    expect(out[1]!.template).toBe('connection refused to <*> port <*>');
    expect(out[2]!.template_id).not.toBe(out[0]!.template_id);
  }, 30_000);

  it('mine prints the final grouping: a line whose template merged later carries the id of the group it ended in', async () => {
    const input = ['Starting job alpha', 'Starting job beta', 'Starting job gamma', '', 'disk full on /var'].join('\n');
    const run = await loglore(['mine'], { input });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const out = ndjson(run.stdout);
    expect(out.map((o) => o.line)).toEqual([1, 2, 3, 5]);
    expect(new Set(out.slice(0, 3).map((o) => o.template_id)).size).toBe(1);
    expect(out.slice(0, 3).map((o) => o.template)).toEqual(['Starting job <*>', 'Starting job <*>', 'Starting job <*>']);
    expect(out[3]!.template_id).not.toBe(out[0]!.template_id);
  }, 30_000);

  it('mine --stream prints each line as read, ids as first assigned, and says on stderr that they may merge', async () => {
    const input = ['Starting job alpha', 'Starting job beta', 'Starting job gamma'].join('\n');
    const run = await loglore(['mine', '--stream'], { input });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/ids may merge later/);
    const out = ndjson(run.stdout);
    expect(out.map((o) => o.template)).toEqual(['Starting job alpha', 'Starting job beta', 'Starting job <*>']);
    expect(out[1]!.template_id).not.toBe(out[0]!.template_id);
    const help = await loglore(['mine', '--help']);
    expect(help.stdout).toMatch(/--stream/);
    expect(help.stdout).toMatch(/may merge later/);
  }, 30_000);

  it('extract prints the parameters as JSON, anchored at --at', async () => {
    const run = await loglore(['extract', 'NPSB transfers failing in prod since 10:00', '--at', '2026-11-25T11:30:00Z']);
    expect(run.code).toBe(0);
    const parameters = JSON.parse(run.stdout) as { env: string; time_range: { from: string; to: string } };
    expect(parameters.env).toBe('prod');
    expect(parameters.time_range).toEqual({ from: '2026-11-25T10:00:00.000Z', to: '2026-11-25T11:30:00.000Z' });
  }, 30_000);

  it('bad arguments exit 2 with a message naming the problem', async () => {
    const cases: [string[], RegExp][] = [
      [['extract', 'x', '--at', 'yesterday'], /--at must be an ISO-8601 time/],
      [['backfill', 'x.ndjson', '--batch', '0'], /--batch <incidents>.*must be a whole number from 1 to 10000/],
      [['backfill', join(tmpdir(), 'no-such-file.ndjson')], /cannot read .*no such file/],
      [['ask', 'why?', '--conversation', 'nope'], /--conversation must be a conversation id/],
      [['patterns', '--url', 'ftp://x'], /--url <url>.*must be http or https/],
      [['mine', '--nope'], /unknown option '--nope'/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    // One at a time: each start of the CLI is CPU-heavy and the machine is shared.
    for (const [args, message] of cases) {
      const run = await loglore(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
    }
  }, 120_000);

  it('--help exits 0 and describes the command', async () => {
    const run = await loglore(['backfill', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/resumable/);
    expect(run.stdout).toMatch(/--batch <incidents>/);
  }, 30_000);

  it('a server that does not answer is a failure (exit 1) that says where it looked', async () => {
    const run = await loglore(['patterns', '--url', 'http://127.0.0.1:1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot reach loglore at http:\/\/127\.0\.0\.1:1/);
  }, 30_000);
});

describe('commands against a running server', () => {
  let database: TestDatabase;
  let ingress: TestIngress;
  let server: ServerType;
  let url: string;
  let dir: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    ingress = createTestIngress(database.db);
    server = serve({ fetch: ingress.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((ready) => server.once('listening', () => ready()));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    dir = mkdtempSync(join(tmpdir(), 'loglore-cli-'));
  });
  afterAll(async () => {
    await ingress.close();
    await new Promise<void>((done) => server.close(() => done()));
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const countRequests = async () =>
    Number((await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from analysis_requests where source = 'backfill'`))[0]!.n);

  /** A backfill file of `n` incidents, with bad lines at the given line numbers. */
  function backfillFile(name: string, n: number, badLines: number[] = []): { path: string; valid: number } {
    const lines: string[] = [];
    let valid = 0;
    for (let i = 1; lines.length < n; i++) {
      if (badLines.includes(lines.length + 1)) {
        lines.push('{"occurred_at": "not a time", "text": "broken"}');
        continue;
      }
      valid++;
      lines.push(
        JSON.stringify({
          occurred_at: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
          text: `${name} incident ${i}: NPSB transfers timing out`,
          project: 'payments',
          env: 'prod',
          domain: 'transactions',
          error_pattern: 'DB_POOL_EXHAUSTED',
          resolution: 'raised the pool size',
          resolved: i % 3 !== 0,
        }),
      );
    }
    const path = join(dir, `${name}.ndjson`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return { path, valid };
  }

  const progress = (path: string) => JSON.parse(readFileSync(`${path}.loglore-progress`, 'utf8')) as { line: number; backfill_id: string; finished: boolean };

  it('a backfill stopped after two batches, then resumed after a lost acknowledgement, loads every incident once', async () => {
    const before = await countRequests();
    const { path, valid } = backfillFile('staged', 230, [7, 151]);

    const partial = await loglore(['backfill', path, '--url', url, '--batch', '50', '--max-batches', '2']);
    expect(partial.code).toBe(0);
    expect(partial.stdout).toMatch(/stopped after line 100, run the same command again to continue/);
    expect(progress(path)).toMatchObject({ line: 100, finished: false });
    expect((await countRequests()) - before).toBe(99);

    // The server took lines 51-100 but the client died before recording it: it sends them again.
    const state = JSON.parse(readFileSync(`${path}.loglore-progress`, 'utf8')) as Record<string, unknown>;
    writeFileSync(`${path}.loglore-progress`, JSON.stringify({ ...state, line: 50 }));

    const rest = await loglore(['backfill', path, '--url', url, '--batch', '50']);
    expect(rest.code).toBe(0);
    expect(rest.stderr).toMatch(/resuming backfill .* after line 50/);
    expect(rest.stderr).toMatch(/line 7: occurred_at: must be an ISO-8601 time/);
    expect(rest.stderr).toMatch(/line 151: /);
    expect(rest.stdout).toMatch(new RegExp(`: ${valid} incidents accepted \\(\\d+ new\\), 2 lines rejected`));
    expect((await countRequests()) - before).toBe(valid);
    const id = progress(path).backfill_id;
    expect(progress(path).finished).toBe(true);

    const status = (await (await fetch(`${url}/api/backfill/${id}`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ backfill_id: id, status: 'running', total: valid, done: 0, rejected_count: 2 });
    expect((status.rejected as { line: number }[]).map((r) => r.line)).toEqual([7, 151]);

    // Once finished, running it again sends nothing.
    const again = await loglore(['backfill', path, '--url', url]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already backfilled/);
    expect((await countRequests()) - before).toBe(valid);
  }, 90_000);

  it('a backfill killed mid-way and run again loads every incident exactly once', async () => {
    const before = await countRequests();
    const { path, valid } = backfillFile('killed', 1_500);
    const killed = await loglore(['backfill', path, '--url', url, '--batch', '10'], {
      onSpawn: (kill) => {
        const timer = setInterval(() => {
          try {
            if (existsSync(`${path}.loglore-progress`) && progress(path).line >= 200) {
              clearInterval(timer);
              kill();
            }
          } catch {
            // the file is being replaced; look again
          }
        }, 20);
      },
    });
    expect(killed.signal).toBe('SIGKILL');
    const loaded = (await countRequests()) - before;
    expect(loaded).toBeGreaterThanOrEqual(200);
    expect(loaded).toBeLessThan(valid);

    const resumed = await loglore(['backfill', path, '--url', url, '--batch', '100']);
    expect(resumed.code).toBe(0);
    expect((await countRequests()) - before).toBe(valid);
    expect(progress(path).finished).toBe(true);
  }, 120_000);

  it('a line too long for the server is reported by the CLI and the rest of the file still loads', async () => {
    const before = await countRequests();
    const { path, valid } = backfillFile('oversized', 5);
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    lines.splice(2, 0, JSON.stringify({ occurred_at: '2026-01-01T00:00:00Z', text: 'x'.repeat(1_100_000), project: 'p', env: 'e', domain: 'd' }));
    writeFileSync(path, `${lines.join('\n')}\n`);
    const run = await loglore(['backfill', path, '--url', url]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^line 3: line is longer than 1048576 characters$/m);
    expect(run.stdout).toMatch(/5 incidents accepted \(5 new\), 1 line rejected/);
    expect((await countRequests()) - before).toBe(valid);
  }, 60_000);

  it('logs ingest sends a file in chunks and reports rejected lines by their number in the file', async () => {
    const lines = [
      '{"ts":"2026-01-01T10:00:00Z","level":"error","message":"pool exhausted","service":"transfer-api"}',
      '2026-01-01T10:00:01Z ERROR timeout calling npsb',
      '{"ts": "broken',
      '{"ts":"2026-01-01T10:00:02Z","level":"warn","message":"retrying"}',
      '{"level":"error"}',
    ];
    const path = join(dir, 'app.log');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const run = await loglore(['logs', 'ingest', path, '--url', url, '--project', 'payments', '--env', 'prod', '--batch', '2']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ingested 3 events from .*app\.log; 2 lines rejected/);
    expect(run.stderr).toMatch(/^line 3: /m);
    expect(run.stderr).toMatch(/^line 5: /m);
  }, 60_000);

  it('ask --json prints each step event as one JSON line and exits 0 on completed, 1 on failed', async () => {
    for (const outcome of ['completed', 'failed'] as const) {
      const running = loglore(['ask', `disk full on db-1 (${outcome})`, '--url', url, '--json', '--project', 'payments']);
      // Act as the worker: find the request, then store its events.
      let requestId: string | undefined;
      for (let i = 0; i < 200 && !requestId; i++) {
        const rows = await queryRows<{ id: string }>(database.db, sql`select id from analysis_requests where text = ${`disk full on db-1 (${outcome})`}`);
        requestId = rows[0]?.id;
        if (!requestId) await new Promise((r) => setTimeout(r, 50));
      }
      expect(requestId).toBeDefined();
      const id = requestId!;
      await appendAnalysisEvent(database.db, { requestId: id, conversationId: null, step: 'params', payload: { parameters: { project: 'payments' } } });
      if (outcome === 'completed') {
        await markRequestCompleted(database.db, id, { summary: 'disk full' });
        await appendAnalysisEvent(database.db, { requestId: id, conversationId: null, step: 'completed', payload: { result: { request_id: id, summary: 'disk full' } } });
      } else {
        await markRequestFailed(database.db, id, 'no logs');
        await appendAnalysisEvent(database.db, { requestId: id, conversationId: null, step: 'failed', payload: { step: 'analyze', reason: 'no logs' } });
      }
      const run = await running;
      expect(run.code, run.stderr).toBe(outcome === 'completed' ? 0 : 1);
      const events = ndjson(run.stdout);
      expect(events.map((e) => e.step)).toEqual(['params', outcome]);
      expect(events.every((e) => e.request_id === id)).toBe(true);
    }
  }, 60_000);

  it('ask without --json prints the steps readably', async () => {
    const running = loglore(['ask', 'readable please', '--url', url]);
    let id: string | undefined;
    for (let i = 0; i < 200 && !id; i++) {
      id = (await queryRows<{ id: string }>(database.db, sql`select id from analysis_requests where text = 'readable please'`))[0]?.id;
      if (!id) await new Promise((r) => setTimeout(r, 50));
    }
    await appendAnalysisEvent(database.db, {
      requestId: id!,
      conversationId: null,
      step: 'params',
      payload: { parameters: { project: 'payments', env: 'prod', domain: null, time_range: { from: '2026-11-25T10:00:00Z', to: '2026-11-25T11:00:00Z' } } },
    });
    await markRequestCompleted(database.db, id!, {});
    await appendAnalysisEvent(database.db, {
      requestId: id!,
      conversationId: null,
      step: 'completed',
      payload: { result: { summary: 'DB pool exhausted on transfer-api', resolution: 'raise the pool size', confidence_score: 0.8 } },
    });
    const run = await running;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/parameters +project=payments env=prod domain=-/);
    expect(run.stdout).toMatch(/completed +DB pool exhausted on transfer-api/);
    expect(run.stdout).toMatch(/resolution: raise the pool size/);
  }, 60_000);
});

describe('a backfill with the workers running', () => {
  it('`backfill --wait` loads incidents, waits until they are analysed, and memory keeps what they knew', async () => {
    const database = await createTestDatabase();
    await seedReferencePatterns(database.db, REFERENCE_PATTERNS);
    const ingress = createTestIngress(database.db);
    const deps = createTestWorkerDeps(database.db, ingress.prefix);
    const worker = startWorker(deps, { concurrency: 4, reconciler: false });
    const server = serve({ fetch: ingress.app.fetch, port: 0, hostname: '127.0.0.1' });
    const dir = mkdtempSync(join(tmpdir(), 'loglore-cli-wait-'));
    try {
      await new Promise<void>((ready) => server.once('listening', () => ready()));
      const address = server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const path = join(dir, 'incidents.ndjson');
      const incidents = [
        {
          occurred_at: '2026-03-02T10:15:00Z',
          text: 'NPSB transfers timing out in prod',
          project: 'payments',
          env: 'prod',
          domain: 'transactions',
          trace_ids: ['4bf92f3577b34da6a3ce929d0e0e4736'],
          error_pattern: 'DB_POOL_EXHAUSTED',
          resolution: 'raised the pool size to 50',
          resolved: true,
          logs: [{ ts: '2026-03-02T10:14:58Z', level: 'error', message: 'HikariPool-1 - Connection is not available, request timed out after 30000ms', service: 'transfer-api' }],
        },
        { occurred_at: '2026-03-05T08:00:00Z', text: 'card payments declined', project: 'cards', env: 'prod', domain: 'cards', error_pattern: 'UPSTREAM_TIMEOUT', resolution: 'failed over', resolved: false },
      ];
      writeFileSync(path, `${incidents.map((i) => JSON.stringify(i)).join('\n')}\n`);
      const run = await loglore(['backfill', path, '--url', url, '--wait']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/2 analysed, 0 failed/);
      const memory = await queryRows<{ error_pattern: string; resolution: string; query_text: string }>(
        database.db,
        sql`select error_pattern, resolution, query_text from analysis_memory order by occurred_at`,
      );
      expect(memory).toEqual([
        { error_pattern: 'DB_POOL_EXHAUSTED', resolution: 'raised the pool size to 50', query_text: 'NPSB transfers timing out in prod' },
        { error_pattern: 'UPSTREAM_TIMEOUT', resolution: 'failed over', query_text: 'card payments declined' },
      ]);
    } finally {
      await worker.close(5_000);
      await deps.close();
      await ingress.close();
      await new Promise<void>((done) => server.close(() => done()));
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
