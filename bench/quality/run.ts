/**
 * The quality suite: generated incidents with known root causes through the real pipeline,
 * scored for pattern consistency, cited-trace precision, answer recall and same-cause
 * recall@1 of `similar`, each next to a baseline measured in the same run.
 *
 *   npx tsx bench/quality/run.ts [--quick|--full] [--seed N] [--family NAME[,NAME]]
 *
 * Quick (default): 7 incidents per family; full: 24. Needs Postgres and Redis as the tests do
 * (TEST_DATABASE_URL, TEST_REDIS_URL). Progress goes to stderr, tables to stdout; a run of
 * every family writes bench/results/quality.json through writeResult (the headline figures,
 * and the whole report, every case with what went wrong, as its data) and the chart to
 * docs/charts/quality.svg; a run of some families writes its report to
 * bench/out/quality-<families>.json. A failing case is replayed with the
 * seed and family it names: a family draws from its own stream and its own projects, so it
 * runs alone exactly as it ran in the suite (only "a cause's pattern", the modal key, is
 * then computed over fewer incidents).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResult } from '../lib/results.ts';
import { round, table } from '../lib/stats.ts';
import { renderQualityChart } from './chart.ts';
import { FAMILIES, FULL, generateSuite, QUICK, type Family } from './generate.ts';
import { openHarness, type Observation } from './harness.ts';
import { qualityResult } from './result.ts';
import { AIMS, score, type QualityReport } from './score.ts';
import type { Ratio } from './metrics.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface RunOptions {
  mode: 'quick' | 'full';
  seed: number;
  families: Family[];
  perFamily?: number;
  progress?: (line: string) => void;
}

export function parseArgs(argv: readonly string[]): RunOptions {
  const options: RunOptions = { mode: 'quick', seed: 1, families: [...FAMILIES] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') options.mode = 'quick';
    else if (arg === '--full') options.mode = 'full';
    else if (arg === '--seed') {
      const seed = Number(value());
      if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed must be a whole number ≥ 0');
      options.seed = seed;
    } else if (arg === '--family') {
      const names = value().split(',').map((s) => s.trim());
      const unknown = names.filter((n) => !(FAMILIES as readonly string[]).includes(n));
      if (unknown.length > 0) throw new Error(`unknown family ${unknown.join(', ')}; families: ${FAMILIES.join(', ')}`);
      options.families = names as Family[];
    } else throw new Error(`unknown argument ${arg}; usage: run.ts [--quick|--full] [--seed N] [--family NAME]`);
  }
  return options;
}

/** Generates, runs and scores the suite. */
export async function runQuality(options: RunOptions): Promise<QualityReport> {
  const progress = options.progress ?? (() => {});
  const perFamily = options.perFamily ?? (options.mode === 'full' ? FULL.perFamily : QUICK.perFamily);
  const incidents = generateSuite({ seed: options.seed, perFamily, families: options.families });
  progress(`quality suite: seed ${options.seed}, ${options.mode}, ${incidents.length} incidents in ${options.families.length} families`);
  const t0 = performance.now();
  const harness = await openHarness();
  const observations: Observation[] = [];
  try {
    for (const [i, incident] of incidents.entries()) {
      const o = await harness.run(incident);
      observations.push(o);
      const last = o.answers[o.answers.length - 1]!;
      progress(`[${i + 1}/${incidents.length}] ${incident.id} ${incident.cause} via ${incident.ask.kind} → ${last.result?.pattern_key ?? last.status} (${o.seconds.toFixed(2)} s)`);
    }
  } finally {
    await harness.close();
  }
  return score(observations, harness.memory, { seed: options.seed, mode: options.families.length === FAMILIES.length ? options.mode : `${options.mode} (${options.families.join(',')})`, seconds: round((performance.now() - t0) / 1000) });
}

const fmt = (r: Ratio | number | null) => {
  const v = typeof r === 'number' || r === null ? r : r.value;
  return v === null ? 'n/a' : v.toFixed(3);
};
const count = (r: Ratio) => `${r.hits}/${r.n}`;

/** The readable tables of a report. */
export function formatReport(report: QualityReport): string {
  const s = report.similar_recall_at_1;
  const met = (v: number | null, aim: number) => (v === null ? '-' : v >= aim ? 'yes' : 'no');
  const headline = table([
    { figure: 'same-cause recall@1, result.similar', loglore: fmt(s.result), n: count(s.result), baseline: `${fmt(s.baseline)} text-only`, aim: `≥ ${AIMS.recall_at_1}`, met: met(s.result.value, AIMS.recall_at_1) },
    { figure: 'same-cause recall@1, similar event', loglore: fmt(s.event), n: count(s.event), baseline: `${fmt(s.baseline)} text-only`, aim: `≥ ${AIMS.recall_at_1}`, met: met(s.event.value, AIMS.recall_at_1) },
    { figure: 'same-cause recall@1, GET /similar', loglore: fmt(s.conversation), n: count(s.conversation), baseline: `${fmt(s.baseline_chat)} text-only`, aim: `≥ ${AIMS.recall_at_1}`, met: met(s.conversation.value, AIMS.recall_at_1) },
    { figure: 'pattern consistency V', loglore: fmt(report.pattern_consistency.v), n: String(report.pattern_consistency.n), baseline: `${fmt(report.pattern_consistency.baseline.v)} digit-mask`, aim: `≥ ${AIMS.v_measure}`, met: met(report.pattern_consistency.v, AIMS.v_measure) },
    { figure: '  homogeneity / completeness', loglore: `${fmt(report.pattern_consistency.homogeneity)} / ${fmt(report.pattern_consistency.completeness)}`, n: '', baseline: `${fmt(report.pattern_consistency.baseline.homogeneity)} / ${fmt(report.pattern_consistency.baseline.completeness)}`, aim: '', met: '' },
    { figure: 'cited-trace precision (pooled)', loglore: fmt(report.trace_precision.pooled), n: count(report.trace_precision.pooled), baseline: `${fmt(report.trace_precision.baseline)} digit-mask`, aim: `= ${AIMS.trace_precision}`, met: met(report.trace_precision.pooled.value, AIMS.trace_precision) },
    { figure: 'answer recall (found the cause)', loglore: fmt(report.answer_recall), n: count(report.answer_recall), baseline: '', aim: '', met: '' },
    { figure: 'render consistency (cause’s pattern)', loglore: fmt(report.render_consistency), n: count(report.render_consistency), baseline: '', aim: '', met: '' },
  ]);
  const families = table(
    report.families.map((f) => ({
      family: f.family,
      n: f.n,
      passed: f.passed,
      'pass rate': fmt(f.pass_rate),
      'failed checks': Object.entries(f.failed_checks).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}×${n}`).join(' ') || '-',
    })),
  );
  const points = report.families.map((f) => `  ${f.family}: ${f.point}`);
  const causes = table(
    report.pattern_consistency.per_cause.map((c) => ({
      cause: c.cause,
      n: c.n,
      pattern: c.pattern ?? '(none)',
      share: fmt(c.share),
      'other patterns': Object.entries(c.patterns).filter(([k]) => k !== c.pattern).map(([k, n]) => `${k}×${n}`).join(' ') || '-',
    })),
  );
  const failing = report.failing.slice(0, 60).map((f) => `  ${f.id} (${f.cause}, seed ${f.seed}): ${f.problems.join(' | ') || 'a check failed'}`);
  return [
    `quality: seed ${report.seed}, ${report.mode}, ${report.incidents} incidents, ${report.analyses} analyses, ${report.seconds} s`,
    '',
    headline,
    '',
    families,
    ...points,
    '',
    'consistency across renders (a cause’s pattern is its most frequent pattern_key):',
    causes,
    '',
    `failing cases (${report.failing.length}; replay with --seed N --family NAME):`,
    ...failing,
    ...(report.failing.length > 60 ? [`  … ${report.failing.length - 60} more in the report's JSON`] : []),
  ].join('\n');
}

/** The command line that reproduces a run of these options. */
function commandOf(options: RunOptions): string {
  return ['npx tsx bench/quality/run.ts', ...(options.mode === 'full' ? ['--full'] : []), ...(options.seed !== 1 ? [`--seed ${options.seed}`] : [])].join(' ');
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const report = await runQuality({ ...options, progress: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${formatReport(report)}\n`);
  if (options.families.length !== FAMILIES.length) {
    // A run of some families is for replaying cases, not a figure of BENCHMARKS.md.
    const file = path.join(repoRoot, 'bench/out', `quality-${options.families.join('-')}.json`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`wrote ${file}\n`);
    process.exit(0);
  }
  const s = report.similar_recall_at_1;
  const chart = renderQualityChart(
    [
      { label: 'same-cause recall@1 (result)', loglore: s.result.value, baseline: s.baseline.value, aim: AIMS.recall_at_1 },
      { label: 'same-cause recall@1 (event)', loglore: s.event.value, baseline: s.baseline.value, aim: AIMS.recall_at_1 },
      { label: 'same-cause recall@1 (/similar)', loglore: s.conversation.value, baseline: s.baseline_chat.value, aim: AIMS.recall_at_1 },
      { label: 'pattern consistency V', loglore: report.pattern_consistency.v, baseline: report.pattern_consistency.baseline.v, aim: AIMS.v_measure },
      { label: 'cited-trace precision', loglore: report.trace_precision.pooled.value, baseline: report.trace_precision.baseline.value, aim: AIMS.trace_precision },
      { label: 'answer recall', loglore: report.answer_recall.value, baseline: null, aim: 1 },
      ...report.families.map((f) => ({ label: `pass rate: ${f.family}`, loglore: f.pass_rate, baseline: null, aim: 1 })),
    ],
    'Quality: generated incidents with known causes',
    `seed ${report.seed}, ${report.mode}, ${report.incidents} incidents; baselines: text-only similarity, digit-mask loudest line`,
  );
  const file = writeResult(qualityResult(report, { mode: options.mode, command: commandOf(options) }), chart);
  process.stderr.write(`wrote ${file} and docs/charts/quality.svg\n`);
  process.exit(0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
