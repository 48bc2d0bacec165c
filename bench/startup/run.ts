/**
 * Memory and start-up: how long a `loglore` command takes to start, and how much memory the
 * long-running ones hold, each next to a bare Node process measured in the same run.
 *
 *   npx tsx bench/startup/run.ts [--quick|--full]
 *
 * - CLI start-up: wall time of `loglore --version` and `loglore help` (the bundle that `npm ci`
 *   builds, through bin/loglore.js, as a user runs it) against `node -e 0`, and of `--version`
 *   through the tsx loader on the same sources (how every command ran before the build).
 *   Median of several runs, interleaved so the machine's load hits all alike.
 * - Peak RSS (VmHWM) of `loglore start` (embedded PGlite in a temporary data directory, the
 *   Redis of TEST_REDIS_URL): the first start (a new data directory, copied from the build's seed), then starts on
 *   that directory, idle and under a small load of analyses, as `npm start` runs it (with the
 *   Node flags of package.json's start script) and without flags; of a `loglore worker` (and
 *   the `loglore ingress` feeding it) on Postgres (TEST_DATABASE_URL) under the same load. The
 *   baselines: `node -e 0`, and a bare Node process that imports bullmq, ioredis and pg. Also
 *   PGlite alone, with Postgres's stock shared_buffers and with loglore's.
 *
 * Quick (default): 5 timing runs, 20 analyses; full: 15 runs, 200 analyses. Ports come from
 * BENCH_PORT_BASE (default 7300) upwards. Writes bench/results/startup.json and
 * docs/charts/startup.svg.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@loglore/db/testing';
import { createRedis, deletePrefixKeys } from '@loglore/queue';
import { lowerIsBetter, REPO_ROOT, writeResult, type BenchFigure } from '../lib/results.ts';
import { round, table } from '../lib/stats.ts';

const BIN = path.join(REPO_ROOT, 'apps/cli/bin/loglore.js');
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const AT = '2026-11-25T12:00:00.000Z';
const START_AIM = { text: '≤ 0.3 s', max: 0.3 };
const RSS_AIM = { text: '≤ 200 MB', max: 200 };

export interface Options {
  mode: 'quick' | 'full';
  runs: number;
  analyses: number;
}

export function parseArgs(argv: readonly string[]): Options {
  let mode: Options['mode'] = 'quick';
  for (const arg of argv) {
    if (arg === '--quick') mode = 'quick';
    else if (arg === '--full') mode = 'full';
    else throw new Error(`unknown argument ${arg}; usage: run.ts [--quick|--full]`);
  }
  return mode === 'full' ? { mode, runs: 15, analyses: 200 } : { mode, runs: 5, analyses: 20 };
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** VmRSS and VmHWM (peak) of a process, in MB; null once it has exited. */
function memoryOf(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

let nextPort = Number(process.env.BENCH_PORT_BASE ?? 7300);
/** The next port of the range that nothing listens on. */
async function freePort(): Promise<number> {
  for (; nextPort < 65_535; nextPort++) {
    const port = nextPort;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      nextPort++;
      return port;
    }
  }
  throw new Error('no free port');
}

// ---- CLI start-up ------------------------------------------------------------------------

// GNU time, when installed, reports the CPU seconds each run used: unlike the wall time, that
// hardly moves when other work shares the machine.
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Wall time of one process from spawn to exit and, with GNU time, its CPU time (user + system), in seconds. It must exit 0. */
function timeOnce(args: string[]): { wall: number; cpu: number | null } {
  const [command, argv] = GNU_TIME ? [GNU_TIME, ['-f', 'CPU %U %S', process.execPath, ...args]] : [process.execPath, args];
  const started = process.hrtime.bigint();
  const result = spawnSync(command, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr.toString()}`);
  const cpu = /CPU (\d+\.\d+) (\d+\.\d+)\s*$/.exec(result.stderr.toString());
  return { wall, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : null };
}

const STARTUP_CASES = [
  { key: 'node', label: 'node -e 0', args: ['-e', '0'] },
  { key: 'version', label: 'loglore --version', args: [BIN, '--version'] },
  { key: 'help', label: 'loglore help', args: [BIN, 'help'] },
  { key: 'tsx', label: '--version via tsx (before)', args: ['--import', 'tsx', 'apps/cli/src/main.ts', '--version'] },
] as const;

type StartupKey = (typeof STARTUP_CASES)[number]['key'];

function measureStartup(runs: number): { wall: Record<StartupKey, number[]>; cpu: Record<StartupKey, number[]> } {
  const empty = () => Object.fromEntries(STARTUP_CASES.map((c) => [c.key, [] as number[]])) as Record<StartupKey, number[]>;
  const wall = empty();
  const cpu = empty();
  for (const c of STARTUP_CASES) timeOnce([...c.args]); // warm the disk cache (and tsx's transform cache)
  for (let i = 0; i < runs; i++) {
    for (const c of STARTUP_CASES) {
      const t = timeOnce([...c.args]);
      wall[c.key].push(t.wall);
      if (t.cpu !== null) cpu[c.key].push(t.cpu);
    }
  }
  return { wall, cpu };
}

// ---- memory ------------------------------------------------------------------------------

/** Peak RSS of a short Node process running `code` (an ES module), in MB. */
function peakOfSnippet(code: string): number {
  const probe = `${code}\nconst s = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8'); process.stdout.write(/VmHWM:\\s+(\\d+)/.exec(s)[1]); process.exit(0);`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`probe failed: ${result.stderr}`);
  return Number(result.stdout) / 1024;
}

/** PGlite opened on an existing data directory, with and without loglore's shared_buffers. */
function pgliteAlone(dataDir: string, sharedBuffers: string | null): number {
  const params = sharedBuffers ? `startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=${sharedBuffers}']` : '';
  // Resolved from packages/db, which depends on PGlite.
  return peakOfSnippet(
    `import { createRequire } from 'node:module';
     const req = createRequire(${JSON.stringify(path.join(REPO_ROOT, 'packages/db/package.json'))});
     const { PGlite } = await import(req.resolve('@electric-sql/pglite'));
     const { pg_trgm } = await import(req.resolve('@electric-sql/pglite/contrib/pg_trgm'));
     const db = await PGlite.create(${JSON.stringify(dataDir)}, { extensions: { pg_trgm }, ${params} });
     await db.query('select 1');`,
  );
}

interface Proc {
  child: ChildProcess;
  name: string;
  out: () => string;
  err: () => string;
  /** Highest VmHWM seen, sampled every 100 ms (the kernel's own peak, so nothing between samples is missed). */
  peak: () => number;
  stop: () => Promise<number | null>;
}

function spawnLoglore(name: string, args: string[], env: Record<string, string>, nodeFlags: string[] = []): Proc {
  const child = spawn(process.execPath, [...nodeFlags, BIN, ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let peak = 0;
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const sampler = setInterval(() => {
    const m = child.pid ? memoryOf(child.pid) : null;
    if (m) peak = Math.max(peak, m.peak);
  }, 100);
  return {
    child,
    name,
    out: () => stdout,
    err: () => stderr,
    peak: () => {
      const m = child.pid ? memoryOf(child.pid) : null;
      if (m) peak = Math.max(peak, m.peak);
      return peak;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
      const code = await exit;
      clearTimeout(timer);
      clearInterval(sampler);
      return code;
    },
  };
}

async function waitFor(proc: Proc, check: () => Promise<boolean> | boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (proc.child.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`${proc.name}: ${what} did not happen: ${proc.err().slice(-2000)}`);
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/readyz`)).ok;
  } catch {
    return false;
  }
}

/** Log lines for the analyses to find: an error incident among info noise, before AT. */
function logLines(n: number): string {
  const at = Date.parse(AT);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const error = i % 5 === 0;
    lines.push(
      JSON.stringify({
        ts: new Date(at - 30 * 60_000 + Math.floor((i / n) * 29 * 60_000)).toISOString(),
        level: error ? 'error' : 'info',
        project: 'payments',
        env: 'prod',
        domain: 'transactions',
        service: `svc-${i % 4}`,
        trace_id: error ? randomBytes(8).toString('hex') : undefined,
        msg: error ? `NPSB switch unavailable: connect ECONNREFUSED 10.0.4.${i % 9}:7001` : `transfer ${i} accepted for account ${i % 97}`,
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Ingests some log lines, then asks `n` questions (8 at a time) and waits until every analysis finished. */
async function load(url: string, n: number): Promise<{ seconds: number; completed: number; failed: number }> {
  const ingest = await fetch(`${url}/api/logs`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: logLines(2_000) });
  if (!ingest.ok) throw new Error(`POST /api/logs: ${ingest.status} ${await ingest.text()}`);
  const started = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < n; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, n - i) }, async (_, j) => {
        const response = await fetch(`${url}/api/analyses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: `NPSB transfers failing in prod in the last 30 minutes? (#${i + j})`, project: 'payments', env: 'prod', occurred_at: AT }),
        });
        if (response.status !== 202) throw new Error(`POST /api/analyses: ${response.status} ${await response.text()}`);
        return ((await response.json()) as { request_id: string }).request_id;
      }),
    );
    ids.push(...batch);
  }
  const finished = new Map<string, string>();
  const deadline = Date.now() + 60_000 + n * 2_000;
  while (finished.size < ids.length && Date.now() < deadline) {
    for (const id of ids.filter((x) => !finished.has(x))) {
      const { status } = (await (await fetch(`${url}/api/analyses/${id}`)).json()) as { status: string };
      if (status === 'completed' || status === 'failed') finished.set(id, status);
    }
    if (finished.size < ids.length) await sleep(250);
  }
  const statuses = [...finished.values()];
  return { seconds: (performance.now() - started) / 1000, completed: statuses.filter((s) => s === 'completed').length, failed: ids.length - statuses.filter((s) => s === 'completed').length };
}

/** The Node flags `npm start` passes (package.json's start script), so this measures what it runs. */
export const NPM_START_FLAGS: string[] = (() => {
  const { scripts } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = (scripts.start ?? '').split(/\s+/);
  return words.slice(1, words.findIndex((w) => w.endsWith('loglore.js'))).filter((w) => w.startsWith('-'));
})();

interface Loaded {
  idlePeak: number;
  idleRss: number;
  loadPeak: number;
  load: { seconds: number; completed: number; failed: number };
}

interface StartMemory {
  firstPeak: number;
  firstReadySeconds: number;
  /** As `npm start` runs it (NPM_START_FLAGS). */
  npmStart: Loaded;
  /** `node apps/cli/bin/loglore.js start`, no flags (what `npx loglore start` runs). */
  plain: Loaded;
}

/** A `loglore start` on an existing data directory: idle for 3 s, then under `analyses` analyses. */
async function startUnderLoad(env: Record<string, string>, analyses: number, nodeFlags: string[]): Promise<Loaded> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawnLoglore(`start ${nodeFlags.join(' ')}`, ['start'], { ...env, PORT: String(port) }, nodeFlags);
  try {
    await waitFor(proc, () => healthy(url), '/readyz');
    await sleep(3_000);
    const idlePeak = proc.peak();
    const idleRss = memoryOf(proc.child.pid!)?.rss ?? Number.NaN;
    const loaded = await load(url, analyses);
    return { idlePeak, idleRss, loadPeak: proc.peak(), load: loaded };
  } finally {
    await proc.stop();
  }
}

/** `loglore start` on a new data directory, stopped, then started again on it, as `npm start` and plainly: idle, then loaded. */
async function measureStart(analyses: number): Promise<{ start: StartMemory; dataDir: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'loglore-bench-startup-'));
  const prefix = `benchstartup${randomBytes(4).toString('hex')}`;
  const env = { LOGLORE_DATA_DIR: dataDir, REDIS_URL, QUEUE_PREFIX: prefix };
  try {
    const port = await freePort();
    const began = performance.now();
    const first = spawnLoglore('first start', ['start'], { ...env, PORT: String(port) }, NPM_START_FLAGS);
    await waitFor(first, () => first.out().includes('running at'), 'running at');
    const firstReadySeconds = (performance.now() - began) / 1000;
    const firstPeak = first.peak();
    if ((await first.stop()) !== 0) throw new Error(`first start exited badly: ${first.err()}`);
    const npmStart = await startUnderLoad(env, analyses, NPM_START_FLAGS);
    const plain = await startUnderLoad(env, analyses, []);
    return { start: { firstPeak, firstReadySeconds, npmStart, plain }, dataDir };
  } finally {
    const redis = createRedis(REDIS_URL, 'command');
    await deletePrefixKeys(redis, prefix);
    redis.disconnect();
  }
}

/** `loglore ingress` + `loglore worker` on a fresh Postgres database, under the same load. */
async function measureWorker(analyses: number): Promise<{ workerPeak: number; ingressPeak: number; load: { seconds: number; completed: number; failed: number } }> {
  const database = await createTestDatabase();
  const prefix = `benchworker${randomBytes(4).toString('hex')}`;
  try {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { DATABASE_URL: database.url, REDIS_URL, QUEUE_PREFIX: prefix };
    const migrate = spawnSync(process.execPath, [BIN, 'migrate'], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
    if (migrate.status !== 0) throw new Error(`loglore migrate: ${migrate.stderr}`);
    const ingress = spawnLoglore('ingress', ['ingress'], { ...env, PORT: String(port) });
    const worker = spawnLoglore('worker', ['worker'], env);
    try {
      await waitFor(ingress, () => healthy(url), '/readyz');
      const loaded = await load(url, analyses);
      return { workerPeak: worker.peak(), ingressPeak: ingress.peak(), load: loaded };
    } finally {
      await Promise.all([ingress.stop(), worker.stop()]);
    }
  } finally {
    const redis = createRedis(REDIS_URL, 'command');
    await deletePrefixKeys(redis, prefix);
    redis.disconnect();
    await database.drop();
  }
}

// ---- chart -------------------------------------------------------------------------------

interface Bar {
  label: string;
  value: number;
  baseline?: boolean;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Two panels of horizontal bars (start-up in s, peak RSS in MB), each with its aim as a red line. */
export function renderStartupChart(panels: { title: string; unit: string; aim: number; bars: Bar[] }[], subtitle: string): string {
  const left = 250;
  const plotW = 330;
  const rowH = 24;
  const width = left + plotW + 110;
  const parts: string[] = [];
  let y = 78;
  for (const panel of panels) {
    const max = Math.max(panel.aim, ...panel.bars.map((b) => b.value)) * 1.05;
    const x = (v: number) => left + (v / max) * plotW;
    parts.push(`<text x="10" y="${y}" font-weight="600">${esc(panel.title)}</text>`);
    y += 10;
    const top = y;
    panel.bars.forEach((b, i) => {
      const by = top + i * rowH;
      const fill = b.baseline ? '#9ca3af' : '#2563eb';
      parts.push(
        `<text x="${left - 8}" y="${by + 14}" text-anchor="end">${esc(b.label)}</text>`,
        `<rect x="${left}" y="${by + 2}" width="${Math.max(1, x(b.value) - left).toFixed(1)}" height="16" fill="${fill}"/>`,
        `<text x="${(x(b.value) + 5).toFixed(1)}" y="${by + 14}">${esc(`${b.value < 10 ? b.value.toFixed(2) : Math.round(b.value)} ${panel.unit}`)}</text>`,
      );
    });
    const bottom = top + panel.bars.length * rowH;
    parts.push(
      `<line x1="${x(panel.aim).toFixed(1)}" x2="${x(panel.aim).toFixed(1)}" y1="${top - 4}" y2="${bottom + 2}" stroke="#dc2626" stroke-width="2"/>`,
      `<text x="${x(panel.aim).toFixed(1)}" y="${bottom + 14}" text-anchor="middle" fill="#dc2626">aim ${panel.aim} ${esc(panel.unit)}</text>`,
    );
    y = bottom + 40;
  }
  const height = y - 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="600">Memory and start-up</text>`,
    `<text x="10" y="38" fill="#4b5563">${esc(subtitle)}</text>`,
    `<rect x="${left}" y="44" width="10" height="10" fill="#2563eb"/><text x="${left + 14}" y="53">loglore</text>`,
    `<rect x="${left + 70}" y="44" width="10" height="10" fill="#9ca3af"/><text x="${left + 84}" y="53">baseline (same run)</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

// ---- main --------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  log(`startup: ${options.mode}, ${options.runs} timing runs, ${options.analyses} analyses`);

  const load = os.loadavg()[0]!;
  const times = measureStartup(options.runs);
  const s = Object.fromEntries(STARTUP_CASES.map((c) => [c.key, median(times.wall[c.key])])) as Record<StartupKey, number>;
  const cpu = Object.fromEntries(STARTUP_CASES.map((c) => [c.key, times.cpu[c.key].length ? median(times.cpu[c.key]) : Number.NaN])) as Record<StartupKey, number>;
  console.log(
    table(
      STARTUP_CASES.map((c) => ({
        command: c.label,
        'median s': round(s[c.key], 3),
        'min s': round(Math.min(...times.wall[c.key]), 3),
        'max s': round(Math.max(...times.wall[c.key]), 3),
        'median CPU s': round(cpu[c.key], 3),
      })),
    ),
  );

  const nodePeak = peakOfSnippet('');
  const barePeak = peakOfSnippet(`await import('bullmq'); await import('ioredis'); await import('pg');`);
  log('startup: loglore start');
  const { start, dataDir } = await measureStart(options.analyses);
  const pgliteStock = pgliteAlone(path.join(dataDir, 'pg'), null);
  const pgliteLoglore = pgliteAlone(path.join(dataDir, 'pg'), '16MB');
  rmSync(dataDir, { recursive: true, force: true });
  log('startup: loglore ingress + worker on Postgres');
  const worker = await measureWorker(options.analyses);

  const rows = [
    { process: 'node -e 0', 'peak MB': round(nodePeak) },
    { process: 'node importing bullmq, ioredis, pg', 'peak MB': round(barePeak) },
    { process: 'PGlite alone, stock shared_buffers (128 MB)', 'peak MB': round(pgliteStock) },
    { process: "PGlite alone, loglore's shared_buffers (16 MB)", 'peak MB': round(pgliteLoglore) },
    { process: `loglore start, first start (new data directory, from the build's seed; ready in ${round(start.firstReadySeconds)} s)`, 'peak MB': round(start.firstPeak) },
    { process: `npm start, idle (RSS now ${round(start.npmStart.idleRss)} MB)`, 'peak MB': round(start.npmStart.idlePeak) },
    { process: `npm start, ${options.analyses} analyses (${start.npmStart.load.completed} completed in ${round(start.npmStart.load.seconds)} s)`, 'peak MB': round(start.npmStart.loadPeak) },
    { process: `node bin/loglore.js start (no flags), idle`, 'peak MB': round(start.plain.idlePeak) },
    { process: `node bin/loglore.js start (no flags), ${options.analyses} analyses (${start.plain.load.completed} completed)`, 'peak MB': round(start.plain.loadPeak) },
    { process: `loglore worker, ${options.analyses} analyses (${worker.load.completed} completed in ${round(worker.load.seconds)} s)`, 'peak MB': round(worker.workerPeak) },
    { process: 'loglore ingress feeding it', 'peak MB': round(worker.ingressPeak) },
  ];
  console.log(`\n${table(rows)}`);
  const failed = start.npmStart.load.failed + start.plain.load.failed + worker.load.failed;
  if (failed > 0) log(`startup: warning: ${failed} analyses did not complete`);

  const figures: BenchFigure[] = [
    lowerIsBetter('CLI start-up, `loglore --version` (median wall time)', round(s.version, 3), 's', round(s.node, 3), 'node -e 0', START_AIM),
    lowerIsBetter('CLI start-up, `loglore help` (median wall time)', round(s.help, 3), 's', round(s.node, 3), 'node -e 0', START_AIM),
    lowerIsBetter('`loglore --version` from the bundle against the old tsx path (same sources, warm tsx cache)', round(s.version, 3), 's', round(s.tsx, 3), '--version through tsx', null),
    lowerIsBetter('CPU time of `loglore --version` (user + system, median)', round(cpu.version, 3), 's', round(cpu.node, 3), 'node -e 0', null),
    lowerIsBetter(`peak RSS of \`npm start\` (loglore start, embedded PGlite, existing data directory), idle`, round(start.npmStart.idlePeak), 'MB', round(barePeak), 'node importing bullmq, ioredis, pg', RSS_AIM),
    lowerIsBetter(`peak RSS of \`npm start\` under load (${options.analyses} analyses)`, round(start.npmStart.loadPeak), 'MB', round(barePeak), 'node importing bullmq, ioredis, pg', RSS_AIM),
    lowerIsBetter(`peak RSS of \`loglore start\` without Node flags (npx loglore start) under load (${options.analyses} analyses)`, round(start.plain.loadPeak), 'MB', round(barePeak), 'node importing bullmq, ioredis, pg', RSS_AIM),
    lowerIsBetter('peak RSS of the first `loglore start` (a new data directory, from the build\'s seed)', round(start.firstPeak), 'MB', round(barePeak), 'node importing bullmq, ioredis, pg', RSS_AIM),
    lowerIsBetter(`peak RSS of \`loglore worker\` under load (${options.analyses} analyses, Postgres)`, round(worker.workerPeak), 'MB', round(barePeak), 'node importing bullmq, ioredis, pg', RSS_AIM),
    lowerIsBetter("PGlite alone with loglore's shared_buffers (16 MB) against the stock 128 MB", round(pgliteLoglore), 'MB', round(pgliteStock), 'PGlite, stock shared_buffers', null),
  ];

  const chart = renderStartupChart(
    [
      {
        title: 'CLI start-up, median wall time',
        unit: 's',
        aim: START_AIM.max,
        bars: [
          { label: 'node -e 0', value: s.node, baseline: true },
          { label: 'loglore --version', value: s.version },
          { label: 'loglore help', value: s.help },
          { label: '--version via tsx (before)', value: s.tsx, baseline: true },
        ],
      },
      {
        title: 'Peak RSS',
        unit: 'MB',
        aim: RSS_AIM.max,
        bars: [
          { label: 'node -e 0', value: nodePeak, baseline: true },
          { label: 'node + bullmq, ioredis, pg', value: barePeak, baseline: true },
          { label: 'npm start, idle', value: start.npmStart.idlePeak },
          { label: 'npm start, under load', value: start.npmStart.loadPeak },
          { label: 'loglore start (no flags), load', value: start.plain.loadPeak },
          { label: 'loglore start, first start', value: start.firstPeak },
          { label: 'loglore worker, under load', value: worker.workerPeak },
          { label: 'PGlite alone, stock buffers', value: pgliteStock, baseline: true },
        ],
      },
    ],
    `${options.mode} run, ${options.analyses} analyses; grey bars are baselines measured in the same run`,
  );

  const notes = [
    `Machine: ${os.cpus().length} cores shared with other work (load average ${round(load)} when the run began): wall times are only comparable with the baselines of the same run; the CPU times (GNU time's user + system) move less with the load.`,
    `Start-up: median of ${options.runs} interleaved runs of each command (after one warm-up run each), spawned as a user runs them (\`node apps/cli/bin/loglore.js\`, the bundle \`npm ci\` builds). The tsx row runs the same sources through tsx's loader, as every command did before the build; tsx's transform cache is warm, so a first run after a change costs more.`,
    `Memory: VmHWM (the kernel's peak RSS) of each process. \`loglore start\` uses embedded PGlite in a temporary data directory; its first start copies the embedded database's seed that the build made (apps/cli/dist/pgdata) instead of running PGlite's initdb, which runs a second WebAssembly instance of Postgres and peaked at about 680 MB. The worker runs on Postgres (TEST_DATABASE_URL), fed by a \`loglore ingress\`.`,
    `What holds memory in \`loglore start\`: PGlite (Postgres compiled to WebAssembly, 9 MB of wasm) is most of it: its wasm heap and the compiled code. Two settings cut it: Postgres's stock shared_buffers (128 MB) are resident from the start, so loglore opens PGlite with 16 MB (the embedded database is one process's, and its files sit in the OS page cache anyway): PGlite alone ${round(pgliteStock)} → ${round(pgliteLoglore)} MB in this run; and with the embedded database the CLI runs wasm on V8's baseline compiler only (\`--liftoff-only\`: no optimised recompilation of hot functions, 60-70 MB less, and no slower on two shared cores; the PGlite-alone rows here use V8's default). \`npm start\` also runs Node with \`${NPM_START_FLAGS.join(' ')}\` (V8's young generation in 2 MB halves instead of up to 16 MB: about 20 MB less under load, for more frequent short scavenges); the row without flags is \`npx loglore start\`. The worker row runs without flags. Node itself is ${round(nodePeak)} MB; bullmq, ioredis and pg add ${round(barePeak - nodePeak)} MB; the JS heap of the HTTP API, workers and the OpenAPI document is most of the rest.`,
  ].join('\n\n');

  const file = writeResult(
    {
      name: 'startup',
      title: 'Memory and start-up',
      command: `npx tsx bench/startup/run.ts${options.mode === 'full' ? ' --full' : ''}`,
      mode: options.mode,
      figures,
      chart: 'docs/charts/startup.svg',
      notes,
      data: { startup_wall_seconds: times.wall, startup_cpu_seconds: times.cpu, load_average: load, start, worker, baselines: { node_peak_mb: nodePeak, bare_peak_mb: barePeak, pglite_stock_mb: pgliteStock, pglite_loglore_mb: pgliteLoglore } },
    },
    chart,
  );
  log(`startup: wrote ${path.relative(REPO_ROOT, file)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
