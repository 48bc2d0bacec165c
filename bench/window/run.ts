// Analysis cost against window size: the evidence the analyze step reads for a window holding
// N log rows (and a baseline window of the same length and density before it), timed as the
// step reads it, against a primary-key look-up of one log row in the same database, same run.
//
// The analysis is what `analyseWindow` in apps/worker/src/steps/analyze.ts does before recall:
// `readTemplateEvidence` of @loglore/db (aggregates and bounded samples, one statement) and
// core's `analyzeTemplates`, called as the step calls them, for a plain question and for one that
// names a service (the focus reads that service's traces). In the same run: the row path it
// replaced (`readWindowEvidence`, then `analyze` mining the rows, which the step still takes for
// windows holding rows stored before fingerprints at ingest). Each size is its own project in one
// `log_events` table, so every size is read from the same table and indexes.
//
//   npx tsx bench/window/run.ts [--full]     (BENCH_REPEATS: reads per size, 20 quick, 50 full)
//
// Quick: 10k and 100k rows in the window; --full adds 1M. 10 % of the rows are error-like
// (warn or error). Writes bench/results/window.json and docs/charts/window.svg.
import { sql } from 'drizzle-orm';
import { ANALYSIS_LIMITS, analyze, analyzeTemplates, hintsOf, type LogEvent, type Parameters } from '@loglore/core';
import { countLogEventsInScope, insertLogEvents, queryRows, readTemplateEvidence, readWindowEvidence, WINDOW_EVENT_LIMIT, type Db } from '@loglore/db';
import { createTestDatabase } from '@loglore/db/testing';
import { groupedBarChartSvg, SERIES_COLORS } from '../lib/charts.ts';
import { benchMode, lowerIsBetter, writeResult } from '../lib/results.ts';
import { round, summarize, table } from '../lib/stats.ts';

const MODE = benchMode();
const FULL = MODE === 'full';
const SIZES = FULL ? [10_000, 100_000, 1_000_000] : [10_000, 100_000];
const REPEATS = Number(process.env.BENCH_REPEATS ?? (FULL ? 50 : 20));
const HOUR = 3_600_000;
const TO = Date.UTC(2026, 11, 3, 12, 0, 0);
const FROM = TO - HOUR;
const BASELINE_FROM = FROM - HOUR;
/** Issue 11: the analysis cost stays flat as the window grows; read here as at most this many times the 10k figure. */
const FLAT_AIM = 2;
/** The row path mines every error-like row: fewer runs of it keep the bench short. */
const ROW_PATH_REPEATS = Math.min(REPEATS, 5);

const FAILURES = [
  'Connection pool exhausted: timeout after 30000ms waiting for connection (active=50, idle=0)',
  'NPSB switch unavailable: connect ECONNREFUSED 10.0.4.17:7001',
  'upstream returned 503 Service Unavailable from fraud-scoring',
  'Deadlock detected while updating ledger entry 88123',
];

const sizeLabel = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1_000}k`);
const projectOf = (n: number) => `window${sizeLabel(n).toLowerCase()}`;

/** n events spread evenly over [from, from + 1 h), one in ten error-like. */
function* windowEvents(project: string, from: number, n: number): Generator<LogEvent> {
  for (let i = 0; i < n; i++) {
    const kind = i % 20;
    const level = kind === 0 ? 'error' : kind === 1 ? 'warn' : 'info';
    yield {
      ts: new Date(from + Math.floor((i / n) * HOUR)).toISOString(),
      project,
      env: 'prod',
      domain: 'transactions',
      service: `svc-${i % 7}`,
      level,
      trace_id: level === 'info' ? null : `${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}${i.toString(16).padStart(8, '0')}`,
      message: level === 'info' ? `transfer ${i} accepted for account ${i % 997}` : FAILURES[(i >> 5) % FAILURES.length]!,
      attrs: {},
    };
  }
}

const windowsOf = (project: string) => ({ project, env: 'prod', baselineFrom: new Date(BASELINE_FROM), from: new Date(FROM), to: new Date(TO) });

function parametersOf(project: string, services: string[]): Parameters {
  return {
    project,
    env: 'prod',
    domain: null,
    time_range: { from: new Date(FROM).toISOString(), to: new Date(TO).toISOString() },
    trace_ids: [],
    request_ids: [],
    transaction_ids: [],
    services,
    http_status: [],
    error_codes: [],
    keywords: ['transfers', 'failing'],
  };
}

/** The analyze step's analysis of one window, as analyseWindow runs it: aggregates read in one statement, then concluded. */
async function analysisFromAggregates(db: Db, project: string, services: string[]): Promise<string | null> {
  const parameters = parametersOf(project, services);
  const hints = hintsOf(parameters);
  const evidence = await readTemplateEvidence(db, windowsOf(project), { services: [...hints.services], traceIds: [...hints.traceIds] });
  if (evidence.untemplated) throw new Error('the bench stores every event with its fingerprint');
  return analyzeTemplates({ question: 'transfers failing?', parameters, read: evidence.read, similar: [], knownPatterns: () => undefined }).pattern_key;
}

/** The row path it replaced: the window's error-like rows read and mined. */
async function analysisFromRows(db: Db, project: string): Promise<string | null> {
  const read = await readWindowEvidence(db, windowsOf(project));
  return analyze({ question: 'transfers failing?', parameters: parametersOf(project, []), ...read, similar: [], knownPatterns: () => undefined }).pattern_key;
}

/** One row by its primary key, (ts, id): log_events is partitioned by ts, so the key holds it. */
async function primaryKeyLookup(db: Db, key: { ts: string; id: number }): Promise<number> {
  const rows = await queryRows<{ id: string }>(db, sql`select * from log_events where ts = ${key.ts}::timestamptz and id = ${key.id}`);
  return rows.length;
}

async function indexedCount(db: Db, project: string): Promise<number> {
  return countLogEventsInScope(db, { project, env: 'prod', from: new Date(FROM), to: new Date(TO) });
}

const timed = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

type Summary = ReturnType<typeof summarize>;
interface SizeRow {
  size: number;
  aggregates: Summary;
  focused: Summary;
  rowsPath: Summary;
  lookup: Summary;
  count: Summary;
}

async function main() {
  process.stdout.write(`window benchmark: ${SIZES.map(sizeLabel).join(', ')} rows in the window (and as many in its baseline), ${REPEATS} reads each\n`);
  const database = await createTestDatabase({ max: 10 });
  const rows: SizeRow[] = [];
  const conclusions: { size: number; aggregates: string; rows: string | null }[] = [];
  try {
    const tLoad = performance.now();
    for (const n of SIZES) {
      for (const from of [BASELINE_FROM, FROM]) await insertLogEvents(database.db, windowEvents(projectOf(n), from, n));
      process.stdout.write(`loaded ${sizeLabel(n)} + ${sizeLabel(n)} rows (${round((performance.now() - tLoad) / 1000)} s so far)\n`);
    }
    // Planner statistics, as autovacuum would gather them shortly after a load this size.
    await queryRows(database.db, sql`analyze log_events`);
    // Keys to look up, spread over the table (read before the timing starts).
    const keys = await queryRows<{ ts: string; id: number }>(
      database.db,
      sql`select to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ts, id::int as id from log_events tablesample system (1) limit ${REPEATS}`,
    );
    if (keys.length === 0) throw new Error('no log rows to look up');

    for (const n of SIZES) {
      const project = projectOf(n);
      const samples = { aggregates: [] as number[], focused: [] as number[], rowsPath: [] as number[], lookup: [] as number[], count: [] as number[] };
      // Both paths must conclude alike where the row path reads every error-like row (beyond its
      // cap it reads the most severe and newest, and may conclude otherwise), or the comparison
      // means nothing.
      const [fromAggregates, fromRows] = [await analysisFromAggregates(database.db, project, []), await analysisFromRows(database.db, project)];
      if (fromAggregates === null) throw new Error(`no pattern found at ${sizeLabel(n)}`);
      if (n / 10 <= WINDOW_EVENT_LIMIT && fromAggregates !== fromRows) throw new Error(`the paths disagree at ${sizeLabel(n)}: ${fromAggregates} against ${fromRows}`);
      conclusions.push({ size: n, aggregates: fromAggregates, rows: fromRows });
      // Two untimed runs warm the cache and the plans; then the five alternate.
      for (let i = 0; i < 2; i++) {
        await analysisFromAggregates(database.db, project, []);
        await analysisFromAggregates(database.db, project, ['svc-0']);
      }
      for (let i = 0; i < REPEATS; i++) {
        samples.aggregates.push(await timed(() => analysisFromAggregates(database.db, project, [])));
        samples.focused.push(await timed(() => analysisFromAggregates(database.db, project, ['svc-0'])));
        if (i < ROW_PATH_REPEATS) samples.rowsPath.push(await timed(() => analysisFromRows(database.db, project)));
        samples.lookup.push(await timed(() => primaryKeyLookup(database.db, keys[i % keys.length]!)));
        samples.count.push(await timed(() => indexedCount(database.db, project)));
      }
      const row: SizeRow = {
        size: n,
        aggregates: summarize(samples.aggregates),
        focused: summarize(samples.focused),
        rowsPath: summarize(samples.rowsPath),
        lookup: summarize(samples.lookup),
        count: summarize(samples.count),
      };
      rows.push(row);
      process.stdout.write(
        `${sizeLabel(n)}: analysis p50 ${row.aggregates.p50} ms (p99 ${row.aggregates.p99}), a service named ${row.focused.p50} ms, row path ${row.rowsPath.p50} ms; primary-key look-up ${row.lookup.p50} ms; window count ${row.count.p50} ms\n`,
      );
    }
  } finally {
    await database.drop();
  }

  process.stdout.write(
    `\n${table(rows.map((r) => ({ 'rows in window': sizeLabel(r.size), 'analysis p50 ms': r.aggregates.p50, 'analysis p99 ms': r.aggregates.p99, 'service named p50 ms': r.focused.p50, 'row path p50 ms': r.rowsPath.p50, 'pk look-up p50 ms': r.lookup.p50, 'window count p50 ms': r.count.p50 })))}\n`,
  );
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const growth = last.aggregates.p50 / first.aggregates.p50;
  const focusedGrowth = last.focused.p50 / first.focused.p50;
  const notes = [
    `Each size is one project in one \`log_events\` table: N rows spread over a one-hour window and N over the hour before it (the baseline window the analyze step compares with), one in ten error-like (warn or error), four failure messages over seven services. The analysis is what the analyze step does before recall (\`analyseWindow\` in \`apps/worker/src/steps/analyze.ts\`): \`readTemplateEvidence\` (per-template and per-minute aggregates from \`log_template_minutes\`, bounded samples per fingerprint, both windows' totals, one statement) and core's \`analyzeTemplates\`; for a plain question, and for one naming a service (\`svc-0\`, which holds a seventh of the errors: the focus reads that service's traces and what else they hold). In the same run: the row path it replaced (\`readWindowEvidence\`: the error-like rows of both windows, at most ${WINDOW_EVENT_LIMIT.toLocaleString('en-US')} each, then \`analyze\` mining them; still used for windows holding rows stored before migration 0012), a primary-key look-up of one log row, and the window's event count alone (\`countLogEventsInScope\`). ${REPEATS} runs of each per size (${ROW_PATH_REPEATS} of the row path), alternating, after two warm-up runs; table statistics gathered after the load. Both paths are checked to conclude the same pattern.`,
    '',
    '| rows in the window | analysis p50 / p99 ms | a service named p50 / p99 ms | row path p50 ms | primary-key look-up p50 ms | window event count p50 ms |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.size.toLocaleString('en-US')} | ${r.aggregates.p50} / ${r.aggregates.p99} | ${r.focused.p50} / ${r.focused.p99} | ${r.rowsPath.p50} | ${r.lookup.p50} | ${r.count.p50} |`),
    '',
    ...conclusions
      .filter((c) => c.aggregates !== c.rows)
      .map((c) => `At ${sizeLabel(c.size)} rows the row path, which reads at most ${WINDOW_EVENT_LIMIT.toLocaleString('en-US')} error-like rows per window, concluded \`${c.rows}\`; the aggregates, which count every row, \`${c.aggregates}\` (the four failures are equally frequent here).`),
    '',
    `From ${sizeLabel(first.size)} to ${sizeLabel(last.size)} rows the analysis grows ${round(growth, 1)}× (the row path ${round(last.rowsPath.p50 / first.rowsPath.p50, 1)}×); naming a service, ${round(focusedGrowth, 1)}×: the focus reads the hinted service's errors (through its fingerprints) to find its newest ${ANALYSIS_LIMITS.hintedTraces.toLocaleString('en-US')} traces, and follows those.`,
  ].join('\n');
  const figures = rows.map((r) =>
    lowerIsBetter(`analyze step's analysis, ${r.size.toLocaleString('en-US')} rows in the window (p50)`, r.aggregates.p50, 'ms', r.lookup.p50, 'primary-key look-up of one row', null),
  );
  for (const r of rows) {
    figures.push(lowerIsBetter(`analysis from aggregates against the row path it replaced, ${r.size.toLocaleString('en-US')} rows (p50)`, r.aggregates.p50, 'ms', r.rowsPath.p50, 'readWindowEvidence + analyze (mining the rows)', null));
  }
  figures.push({
    ...lowerIsBetter(`analysis at ${sizeLabel(last.size)} rows against at ${sizeLabel(first.size)} (p50)`, last.aggregates.p50, 'ms', first.aggregates.p50, `the same analysis at ${sizeLabel(first.size)} rows`, null),
    aim: `flat (≤ ${FLAT_AIM}× the ${sizeLabel(first.size)} figure)`,
    met: growth <= FLAT_AIM,
  });
  figures.push({
    ...lowerIsBetter(`analysis naming a service at ${sizeLabel(last.size)} rows against at ${sizeLabel(first.size)} (p50)`, last.focused.p50, 'ms', first.focused.p50, `the same analysis at ${sizeLabel(first.size)} rows`, null),
    aim: `flat (≤ ${FLAT_AIM}× the ${sizeLabel(first.size)} figure)`,
    met: focusedGrowth <= FLAT_AIM,
  });
  const file = writeResult(
    {
      name: 'window',
      title: 'Analysis cost against window size',
      command: `npx tsx bench/window/run.ts${FULL ? ' --full' : ''}`,
      mode: MODE,
      figures,
      chart: 'docs/charts/window.svg',
      notes,
      data: { sizes: SIZES, repeats: REPEATS, row_path_repeats: ROW_PATH_REPEATS, window_event_limit: WINDOW_EVENT_LIMIT, rows, conclusions },
    },
    groupedBarChartSvg(
      'Analyze step: analysis against rows in the window (p50)',
      `${REPEATS} runs per size; same database, same run`,
      [
        { name: 'analysis (aggregates, one statement)', color: SERIES_COLORS.loglore },
        { name: 'analysis naming a service', color: SERIES_COLORS.loglore2 },
        { name: 'row path it replaced', color: SERIES_COLORS.baseline },
        { name: 'primary-key look-up', color: SERIES_COLORS.baseline2 },
      ],
      rows.map((r) => ({ label: `${sizeLabel(r.size)} rows`, values: [r.aggregates.p50, r.focused.p50, r.rowsPath.p50, r.lookup.p50] })),
      'ms',
    ),
  );
  process.stdout.write(`wrote ${file} and docs/charts/window.svg\n`);
  process.exit(0);
}

await main();
