// Analysis cost against window size: the evidence the analyze step reads for a window holding
// N log rows (and a baseline window of the same length and density before it), timed as the
// step reads it, against a primary-key look-up of one log row in the same database, same run.
//
// The evidence read is the function `analyseWindow` in apps/worker/src/steps/analyze.ts awaits
// before it analyses, `readWindowEvidence` of @loglore/db, called as the step calls it: what is
// timed here is what ships. Each size is its own project in one `log_events` table, so every
// size is read from the same table and indexes.
//
//   npx tsx bench/window/run.ts [--full]     (BENCH_REPEATS: reads per size, 20 quick, 50 full)
//
// Quick: 10k and 100k rows in the window; --full adds 1M. 10 % of the rows are error-like
// (warn or error). Writes bench/results/window.json and docs/charts/window.svg.
import { sql } from 'drizzle-orm';
import type { LogEvent } from '@loglore/core';
import { countLogEventsInScope, insertLogEvents, queryRows, readWindowEvidence, WINDOW_EVENT_LIMIT, type Db } from '@loglore/db';
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

/** The analyze step's evidence read for one window: the function analyseWindow calls, with the windows it derives. */
async function evidenceRead(db: Db, project: string): Promise<number> {
  const read = await readWindowEvidence(db, { project, env: 'prod', baselineFrom: new Date(BASELINE_FROM), from: new Date(FROM), to: new Date(TO) });
  return read.events.length + read.baseline.length + read.totals.events + read.totals.baseline;
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

async function main() {
  process.stdout.write(`window benchmark: ${SIZES.map(sizeLabel).join(', ')} rows in the window (and as many in its baseline), ${REPEATS} reads each\n`);
  const database = await createTestDatabase({ max: 10 });
  const rows: { size: number; evidence: ReturnType<typeof summarize>; lookup: ReturnType<typeof summarize>; count: ReturnType<typeof summarize>; evidenceRows: number }[] = [];
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
      const evidence: number[] = [];
      const lookup: number[] = [];
      const count: number[] = [];
      let evidenceRows = 0;
      // Two untimed reads warm the cache and the plans; then the three alternate.
      for (let i = 0; i < 2; i++) await evidenceRead(database.db, project);
      for (let i = 0; i < REPEATS; i++) {
        evidence.push(await timed(async () => (evidenceRows = await evidenceRead(database.db, project))));
        lookup.push(await timed(() => primaryKeyLookup(database.db, keys[i % keys.length]!)));
        count.push(await timed(() => indexedCount(database.db, project)));
      }
      const row = { size: n, evidence: summarize(evidence), lookup: summarize(lookup), count: summarize(count), evidenceRows };
      rows.push(row);
      process.stdout.write(`${sizeLabel(n)}: evidence read p50 ${row.evidence.p50} ms p99 ${row.evidence.p99} ms; primary-key look-up p50 ${row.lookup.p50} ms; window count p50 ${row.count.p50} ms\n`);
    }
  } finally {
    await database.drop();
  }

  process.stdout.write(
    `\n${table(rows.map((r) => ({ 'rows in window': sizeLabel(r.size), 'evidence p50 ms': r.evidence.p50, 'evidence p99 ms': r.evidence.p99, 'pk look-up p50 ms': r.lookup.p50, 'window count p50 ms': r.count.p50 })))}\n`,
  );
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const growth = last.evidence.p50 / first.evidence.p50;
  const notes = [
    `Each size is one project in one \`log_events\` table: N rows spread over a one-hour window and N over the hour before it (the baseline window the analyze step compares with), one in ten error-like (warn or error). The evidence read is the function the analyze step awaits before it analyses (\`readWindowEvidence\`, called by \`analyseWindow\` in \`apps/worker/src/steps/analyze.ts\`): the error-like events of the window and of the baseline through \`selectLogEvents\` (at most ${WINDOW_EVENT_LIMIT.toLocaleString('en-US')} each, most severe and newest first) and both windows' totals through \`countLogEventsInScope\`, in parallel. Baselines in the same database and run: a primary-key look-up of one log row, and the window's event count alone (\`countLogEventsInScope\`: whole minutes from \`log_event_minutes\`, the edge minutes from the rows). ${REPEATS} reads of each per size, alternating, after two warm-up reads; table statistics gathered after the load.`,
    '',
    '| rows in the window | evidence read p50 / p99 ms | events read | primary-key look-up p50 ms | window event count p50 ms |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.size.toLocaleString('en-US')} | ${r.evidence.p50} / ${r.evidence.p99} | ${(Math.min(r.size / 10, WINDOW_EVENT_LIMIT) * 2).toLocaleString('en-US')} | ${r.lookup.p50} | ${r.count.p50} |`),
    '',
    `From ${sizeLabel(first.size)} to ${sizeLabel(last.size)} rows the evidence read grows ${round(growth, 1)}×: it reads every error-like row of both windows up to the cap, and counts every row of both.`,
  ].join('\n');
  const figures = rows.map((r) =>
    lowerIsBetter(`analyze step's evidence read, ${r.size.toLocaleString('en-US')} rows in the window (p50)`, r.evidence.p50, 'ms', r.lookup.p50, 'primary-key look-up of one row', null),
  );
  figures.push({
    ...lowerIsBetter(`evidence read at ${sizeLabel(last.size)} rows against at ${sizeLabel(first.size)} (p50)`, last.evidence.p50, 'ms', first.evidence.p50, `the same read at ${sizeLabel(first.size)} rows`, null),
    aim: `flat (≤ ${FLAT_AIM}× the ${sizeLabel(first.size)} figure)`,
    met: growth <= FLAT_AIM,
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
      data: { sizes: SIZES, repeats: REPEATS, window_event_limit: WINDOW_EVENT_LIMIT, rows },
    },
    groupedBarChartSvg(
      'Analyze step: evidence read against rows in the window (p50)',
      `${REPEATS} reads per size; same database, same run`,
      [
        { name: 'evidence read (2 selects + 2 counts)', color: SERIES_COLORS.loglore },
        { name: 'window event count', color: SERIES_COLORS.baseline },
        { name: 'primary-key look-up', color: SERIES_COLORS.baseline2 },
      ],
      rows.map((r) => ({ label: `${sizeLabel(r.size)} rows`, values: [r.evidence.p50, r.count.p50, r.lookup.p50] })),
      'ms',
    ),
  );
  process.stdout.write(`wrote ${file} and docs/charts/window.svg\n`);
  process.exit(0);
}

await main();
