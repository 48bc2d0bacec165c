/**
 * `npm run bench`: runs every `bench/<name>/run.ts` one after the other (quick by default,
 * `--full` passed on with `--full`), each in its own process, showing which bench runs and for
 * how long; then writes BENCHMARKS.md from `bench/results/*.json`.
 *
 *   npm run bench [-- --full] [--only name[,name]] [--report] [--list]
 *
 * A bench is any directory of `bench/` with a `run.ts` that writes `bench/results/<name>.json`
 * through `writeResult`. An optional `bench/<name>/bench.json` gives `{ "quick_seconds": n,
 * "full_seconds": n }`, shown as the expected duration. Each bench's output is shown prefixed
 * with its name and kept in `bench/out/<name>.log`.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { discoverBenches, type BenchInfo } from './benches.ts';
import { REPORT_PATH, renderRepositoryReport, StoredResult } from './report.ts';
import { REPO_ROOT } from './results.ts';

export interface RunnerOptions {
  full: boolean;
  only: string[] | null;
  reportOnly: boolean;
  list: boolean;
}

const USAGE = 'usage: npm run bench [-- --full] [--only name[,name]] [--report] [--list]';

export function parseRunnerArgs(argv: readonly string[]): RunnerOptions {
  const options: RunnerOptions = { full: false, only: null, reportOnly: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--full') options.full = true;
    else if (arg === '--quick') options.full = false;
    else if (arg === '--report') options.reportOnly = true;
    else if (arg === '--list') options.list = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (!value) throw new Error(`--only needs a name; ${USAGE}`);
      options.only = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    } else if (arg === '--help' || arg === '-h') throw new Error(USAGE);
    else throw new Error(`unknown argument ${arg}; ${USAGE}`);
  }
  return options;
}

export function selectBenches(all: readonly BenchInfo[], only: readonly string[] | null): BenchInfo[] {
  if (only === null) return [...all];
  const unknown = only.filter((n) => !all.some((b) => b.name === n));
  if (unknown.length > 0) throw new Error(`no bench named ${unknown.join(', ')}; benches: ${all.map((b) => b.name).join(', ')}`);
  return all.filter((b) => only.includes(b.name));
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

interface Outcome {
  name: string;
  ok: boolean;
  ms: number;
  problem: string | null;
}

/** Runs one bench in its own process; it succeeded when it exited 0 and wrote a valid result of the asked mode. */
async function runBench(bench: BenchInfo, index: number, total: number, full: boolean): Promise<Outcome> {
  const estimate = full ? bench.fullSeconds : bench.quickSeconds;
  const mode = full ? 'full' : 'quick';
  process.stdout.write(`\n▶ [${index}/${total}] ${bench.name} (${mode}${estimate ? `, about ${estimate} s` : ''})\n`);
  const resultPath = path.join(REPO_ROOT, 'bench/results', `${bench.name}.json`);
  mkdirSync(path.join(REPO_ROOT, 'bench/out'), { recursive: true });
  const log = createWriteStream(path.join(REPO_ROOT, 'bench/out', `${bench.name}.log`));
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', bench.script, ...(full ? ['--full'] : [])], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  const prefix = `  ${bench.name} │ `;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      process.stdout.write(`${prefix}${line}\n`);
      log.write(`${line}\n`);
    });
  }
  // A heartbeat while a bench is quiet, so a long one does not look hung.
  let lastOutput = Date.now();
  child.stdout.on('data', () => (lastOutput = Date.now()));
  child.stderr.on('data', () => (lastOutput = Date.now()));
  const ticker = setInterval(() => {
    if (Date.now() - lastOutput < 15_000) return;
    process.stdout.write(`  ${bench.name} … ${seconds(Date.now() - t0)} elapsed${estimate ? ` of about ${estimate} s` : ''}\n`);
    lastOutput = Date.now();
  }, 5_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearInterval(ticker);
  log.end();
  const ms = Date.now() - t0;
  let problem: string | null = code === 0 ? null : `exited with ${code}`;
  if (problem === null) {
    if (!existsSync(resultPath) || statSync(resultPath).mtimeMs < t0) problem = `did not write bench/results/${bench.name}.json`;
    else {
      const parsed = StoredResult.safeParse(JSON.parse(readFileSync(resultPath, 'utf8')));
      if (!parsed.success) problem = `bench/results/${bench.name}.json is not a benchmark result`;
      else if (parsed.data.mode !== mode) problem = `wrote a ${parsed.data.mode} result when ${mode} was asked`;
    }
  }
  process.stdout.write(`${problem === null ? '✓' : '✗'} ${bench.name}: ${seconds(ms)}${problem === null ? '' : ` — ${problem} (log: bench/out/${bench.name}.log)`}\n`);
  return { name: bench.name, ok: problem === null, ms, problem };
}

function writeReport(): void {
  writeFileSync(REPORT_PATH, renderRepositoryReport());
  process.stdout.write(`wrote ${path.relative(REPO_ROOT, REPORT_PATH)} from bench/results/*.json\n`);
}

export async function main(argv: readonly string[]): Promise<number> {
  let options: RunnerOptions;
  let benches: BenchInfo[];
  try {
    options = parseRunnerArgs(argv);
    benches = selectBenches(discoverBenches(), options.only);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (options.list) {
    for (const b of benches) process.stdout.write(`${b.name.padEnd(12)} quick ${b.quickSeconds ?? '?'} s, full ${b.fullSeconds ?? '?'} s\n`);
    return 0;
  }
  if (options.reportOnly) {
    writeReport();
    return 0;
  }
  const t0 = Date.now();
  const outcomes: Outcome[] = [];
  for (const [i, bench] of benches.entries()) outcomes.push(await runBench(bench, i + 1, benches.length, options.full));
  process.stdout.write(`\n${outcomes.map((o) => `${o.ok ? '✓' : '✗'} ${o.name.padEnd(12)} ${seconds(o.ms).padStart(6)}${o.problem ? `  ${o.problem}` : ''}`).join('\n')}\n`);
  process.stdout.write(`${outcomes.filter((o) => o.ok).length} of ${outcomes.length} benches in ${seconds(Date.now() - t0)}\n`);
  writeReport();
  return outcomes.every((o) => o.ok) ? 0 : 1;
}
