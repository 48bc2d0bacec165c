// Template mining benchmark: grouping accuracy (GA) on the 14 loghub-2k systems and
// throughput, each against a baseline measured in the same run.
//
//   npx tsx bench/mining/run.ts [--full]   (data: ../shared/data/loghub-2k, or LOGHUB_DIR)
//
// Baseline: mask every whitespace token containing a digit and group lines by the masked
// string. The miner runs with its defaults: one configuration for every system.
// The `loglore mine` command itself is also measured: spawned on each system's lines (piped
// through stdin), in its default mode (final grouping) and, with --full, with --stream (ids as
// first assigned). MINING_BENCH_COMMAND=0 skips it. Throughput runs 1 s per contestant
// (3 s with --full; MINING_BENCH_SECONDS overrides).
// Writes bench/results/mining.json through writeResult and docs/charts/mining-ga.svg; no log
// data is copied.
import os from 'node:os';
import { DEFAULT_MINER_OPTIONS, TemplateMiner } from '../../packages/core/src/mining/index.ts';
import { renderGaChart } from './chart.ts';
import { runMineCommand } from './command.ts';
import { groupingAccuracy, loadSystems, loghubDir } from './dataset.ts';
import { benchMode, higherIsBetter, REPO_ROOT as repoRoot, writeResult } from '../lib/results.ts';

const MODE = benchMode();
const SPEED_SECONDS = Number(process.env.MINING_BENCH_SECONDS ?? (MODE === 'full' ? 3 : 1));
/** The issue's aims: mean grouping accuracy and mining speed on one core. */
const GA_AIM = 0.95;
const SPEED_AIM = 200_000;

/** The baseline's masking: a whitespace token containing a digit becomes `<*>`. */
function digitMask(line: string): string {
  const tokens = line.split(/\s+/);
  let out = '';
  for (const t of tokens) {
    if (t === '') continue;
    const masked = /[0-9]/.test(t) ? '<*>' : t;
    out = out === '' ? masked : `${out} ${masked}`;
  }
  return out;
}

/** Baseline grouping: lines with the same digit-masked text form a group. */
function baselineGroups(lines: readonly string[]): string[] {
  const ids = new Map<string, string>();
  return lines.map((line) => {
    const key = digitMask(line);
    let id = ids.get(key);
    if (id === undefined) {
      id = `b${ids.size}`;
      ids.set(key, id);
    }
    return id;
  });
}

/** Miner grouping: learn online, then resolve each line's id to the template that holds it now. */
function minerGroups(lines: readonly string[]): { ids: string[]; templates: number } {
  const miner = new TemplateMiner();
  const ids = lines.map((line) => miner.add(line).id);
  return { ids: ids.map((id) => miner.resolve(id)?.id ?? id), templates: miner.templates().length };
}

const systems = loadSystems(loghubDir(repoRoot));
if (systems.length === 0) throw new Error('no <Sys>_2k.log_structured.csv found');

interface Row {
  system: string;
  lines: number;
  events: number;
  ga: number;
  baseline_ga: number;
  templates: number;
  /** GA of what `loglore mine` printed (null when skipped), by default and with --stream. */
  command_ga: number | null;
  command_stream_ga: number | null;
}
const measureCommand = process.env.MINING_BENCH_COMMAND !== '0';
const measureStream = measureCommand && MODE === 'full';
const rows: Row[] = [];
// One system at a time: each spawn is a CPU-heavy start and the machine is shared.
for (const { system, contents, eventIds } of systems) {
  const mined = minerGroups(contents);
  const command = measureCommand ? await runMineCommand(repoRoot, contents, false) : null;
  const streamed = measureStream ? await runMineCommand(repoRoot, contents, true) : null;
  process.stderr.write(`${system}: miner, baseline${command ? ', loglore mine' : ''}${streamed ? ', loglore mine --stream' : ''}\n`);
  rows.push({
    system,
    lines: contents.length,
    events: new Set(eventIds).size,
    ga: groupingAccuracy(mined.ids, eventIds),
    baseline_ga: groupingAccuracy(baselineGroups(contents), eventIds),
    templates: mined.templates,
    command_ga: command ? groupingAccuracy(command.ids, eventIds) : null,
    command_stream_ga: streamed ? groupingAccuracy(streamed.ids, eventIds) : null,
  });
}
const meanGa = rows.reduce((s, r) => s + r.ga, 0) / rows.length;
const meanBaseline = rows.reduce((s, r) => s + r.baseline_ga, 0) / rows.length;
const meanOf = (key: 'command_ga' | 'command_stream_ga') => (rows.every((r) => r[key] !== null) ? rows.reduce((s, r) => s + (r[key] ?? 0), 0) / rows.length : null);
const meanCommand = meanOf('command_ga');
const meanStream = meanOf('command_stream_ga');

// Throughput on all systems' lines concatenated. Each pass starts a fresh miner (learning
// from nothing, not replaying a warmed one); passes of miner and baseline alternate so both
// see the same machine load, until each has run for SPEED_SECONDS. Rates are given per
// second of process CPU time (the machine is shared, so wall time includes waiting for a
// core; CPU time also counts V8's background GC threads, which only makes it stricter)
// and per second of wall time.
const all = systems.flatMap((s) => s.contents);
let sink = 0;
type Contestant = 'miner' | 'baseline';
const passes: Record<Contestant, () => void> = {
  miner: () => {
    const miner = new TemplateMiner();
    for (const line of all) sink += miner.add(line).size;
  },
  baseline: () => {
    sink += new Set(baselineGroups(all)).size;
  },
};
const stats: Record<Contestant, { wall: number; cpu: number; passes: number; best: number }> = {
  miner: { wall: 0, cpu: 0, passes: 0, best: Infinity },
  baseline: { wall: 0, cpu: 0, passes: 0, best: Infinity },
};
const warmUntil = performance.now() + 300;
while (performance.now() < warmUntil) for (const run of Object.values(passes)) run();
while (stats.miner.wall < SPEED_SECONDS * 1000 || stats.baseline.wall < SPEED_SECONDS * 1000) {
  for (const name of ['miner', 'baseline'] as const) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    passes[name]();
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const s = stats[name];
    s.wall += wall;
    s.cpu += (cpu.user + cpu.system) / 1000;
    s.passes++;
    s.best = Math.min(s.best, wall);
  }
}
const rate = (name: Contestant, clock: 'cpu' | 'wall') => (stats[name].passes * all.length) / (stats[name][clock] / 1000);
const minerRate = rate('miner', 'cpu');
const baselineRate = rate('baseline', 'cpu');

const pct = (v: number) => v.toFixed(3);
console.log(`loghub-2k template mining, ${rows.length} systems, miner options ${JSON.stringify(DEFAULT_MINER_OPTIONS)}`);
console.log('');
const opt = (v: number | null) => (v === null ? '-' : pct(v));
console.log(
  `${'system'.padEnd(12)} ${'events'.padStart(6)} ${'templates'.padStart(9)} ${'GA'.padStart(6)} ${'baseline'.padStart(8)} ${'mine cmd'.padStart(8)} ${'--stream'.padStart(8)}`,
);
for (const r of rows) {
  console.log(
    `${r.system.padEnd(12)} ${String(r.events).padStart(6)} ${String(r.templates).padStart(9)} ${pct(r.ga).padStart(6)} ${pct(r.baseline_ga).padStart(8)} ${opt(r.command_ga).padStart(8)} ${opt(r.command_stream_ga).padStart(8)}`,
  );
}
console.log(
  `${'mean'.padEnd(12)} ${''.padStart(6)} ${''.padStart(9)} ${pct(meanGa).padStart(6)} ${pct(meanBaseline).padStart(8)} ${opt(meanCommand).padStart(8)} ${opt(meanStream).padStart(8)}`,
);
console.log('(GA: the miner resolved at the end; mine cmd: what `loglore mine` prints; --stream: `loglore mine --stream`)');
console.log('');
const fmt = (v: number) => Math.round(v).toLocaleString('en');
console.log(`throughput on ${all.length} lines x ${stats.miner.passes} passes, one thread (node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}):`);
console.log(`  ${''.padEnd(9)} ${'lines/s (cpu)'.padStart(14)} ${'lines/s (wall)'.padStart(15)} ${'best pass'.padStart(10)}`);
for (const name of ['miner', 'baseline'] as const) {
  console.log(
    `  ${name.padEnd(9)} ${fmt(rate(name, 'cpu')).padStart(14)} ${fmt(rate(name, 'wall')).padStart(15)} ${fmt(all.length / (stats[name].best / 1000)).padStart(10)}`,
  );
}
console.log(`  ratio miner/baseline ${(minerRate / baselineRate).toFixed(2)} (baseline: digit mask + group by string)`);

const f3 = (v: number | null) => (v === null ? '—' : v.toFixed(3));
const systemRows = rows.map((r) => `| ${r.system} | ${f3(r.ga)} | ${f3(r.baseline_ga)} | ${f3(r.command_ga)} | ${f3(r.command_stream_ga)} |`);
const notes = [
  `Grouping accuracy (GA) on the ${rows.length} loghub-2k systems, one configuration for every system (${JSON.stringify(DEFAULT_MINER_OPTIONS)}); baseline: mask every whitespace token containing a digit and group lines by the masked string. The \`loglore mine\` columns are the command itself, spawned on each system with its lines on stdin${measureStream ? '' : ' (`--stream` is measured with `--full` only)'}.`,
  '',
  '| system | miner GA | digit-mask GA | `loglore mine` GA | `loglore mine --stream` GA |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...systemRows,
  `| **mean** | **${f3(meanGa)}** | **${f3(meanBaseline)}** | **${f3(meanCommand)}** | ${f3(meanStream)} |`,
  '',
  'By default `loglore mine` reads every line, then prints each line with the id of the template that holds it at the end, so it groups exactly as the miner does; `--stream` prints ids as first assigned, before later merges, and says so on stderr.',
  '',
  'The rules are about token shape (a token with digits, a key=value value, a path, an address…), each justified in `packages/core/src/mining/`. GA moved between 0.959 and 0.964 for similarity 0.3–0.7 and depth 3–5 when last swept, so the figure is not a tuned point. Most remaining errors are label inconsistencies (Linux labels `user=root` and `user=guest` as different events; HPC treats command names as constants). Drain\'s published mean on these systems is 0.896 with a hand-tuned regex set per dataset.',
  '',
  `Throughput: all systems' lines concatenated (${all.length.toLocaleString('en-US')} lines), a fresh miner per pass, miner and baseline passes alternating for ${SPEED_SECONDS} s each, per second of process CPU time (the machine is shared; wall-time rates are in the JSON): miner ${fmt(minerRate)} lines/CPU-s, baseline ${fmt(baselineRate)}, on ${os.cpus()[0]?.model ?? 'this cpu'}.`,
].join('\n');
const figures = [
  higherIsBetter('template grouping accuracy, mean of the loghub-2k systems', meanGa, '', meanBaseline, 'mask every token with a digit', { text: `≥ ${GA_AIM}`, min: GA_AIM }),
  ...(meanCommand === null ? [] : [higherIsBetter('the same through `loglore mine` (the command, spawned)', meanCommand, '', meanBaseline, 'mask every token with a digit', { text: `≥ ${GA_AIM}`, min: GA_AIM })]),
  higherIsBetter('template mining speed, one core', Math.round(minerRate), 'lines/CPU-s', Math.round(baselineRate), 'digit mask', { text: `≥ ${SPEED_AIM.toLocaleString('en-US')} lines/s`, min: SPEED_AIM }),
];
const written = writeResult(
  {
    name: 'mining',
    title: 'Template mining',
    command: `npx tsx bench/mining/run.ts${MODE === 'full' ? ' --full' : ''}`,
    mode: MODE,
    figures,
    chart: 'docs/charts/mining-ga.svg',
    notes,
    data: {
      options: DEFAULT_MINER_OPTIONS,
      cpu: os.cpus()[0]?.model ?? null,
      systems: rows,
      mean_ga: meanGa,
      mean_baseline_ga: meanBaseline,
      mean_command_ga: meanCommand,
      mean_command_stream_ga: meanStream,
      throughput: {
        lines: all.length,
        seconds_each: SPEED_SECONDS,
        passes: { miner: stats.miner.passes, baseline: stats.baseline.passes },
        miner_lines_per_cpu_s: minerRate,
        baseline_lines_per_cpu_s: baselineRate,
        ratio: minerRate / baselineRate,
        miner_lines_per_wall_s: rate('miner', 'wall'),
        baseline_lines_per_wall_s: rate('baseline', 'wall'),
        miner_best_pass_lines_per_s: all.length / (stats.miner.best / 1000),
        baseline_best_pass_lines_per_s: all.length / (stats.baseline.best / 1000),
      },
    },
  },
  renderGaChart(
    rows.map((r) => ({ system: r.system, miner: r.ga, baseline: r.baseline_ga })),
    `Grouping accuracy on loghub-2k: miner ${pct(meanGa)} vs baseline ${pct(meanBaseline)} (mean)`,
  ),
);
console.log(`wrote ${written} and docs/charts/mining-ga.svg`);
if (sink < 0) console.log(sink); // keeps the timed work observable
