// Ingest benchmark: N generated NDJSON log lines (mixed levels, trace ids, attributes, some
// e-mails, tokens, passwords and card numbers) through the loglore ingest path against a
// baseline measured in the same run: raw COPY of the same rows, already normalised and
// redacted, as pre-built COPY text (Postgres alone, nothing to parse, redact or format).
//
// Variants of the ingest path (parseLogLines/parseLogBody → redactLogEvent → insertLogEvents):
// - streamed: COPY pulls its rows from a generator that parses and redacts lazily, in COPYs of
//   BATCH lines, so Node parses while Postgres stores (the headline ratio);
// - per body: bodies of BATCH lines parsed whole, then written, as POST /api/logs does today;
// - multi-row INSERT: the streamed path with `method: 'insert'`, on BENCH_INSERT_LINES lines.
// Then PGlite: COPY FROM /dev/blob against multi-row INSERT on pre-normalised rows.
//
//   npx tsx bench/ingest/run.ts [--full]
//
// Quick: 50k lines, 2 rounds, 10k lines for INSERT and PGlite; --full: 200k lines, 3 rounds,
// 50k (BENCH_LINES, BENCH_BATCH=10000, BENCH_ROUNDS, BENCH_INSERT_LINES, BENCH_PGLITE_LINES
// override either).
//
// log_events (and its template counts) is truncated before every measurement; the order of baseline and variants
// rotates from round to round (the machine is shared) and the spread over rounds is reported.
// Row counts and a digest of the stored rows are checked to be the same for every variant.
// Writes bench/results/ingest.json through writeResult and docs/charts/ingest.svg.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { parseLogBody, parseLogLines, redactLogEvent, type LogDefaults, type LogEvent } from '@loglore/core';
import { insertLogEvents, logEventCopyRow, LOG_EVENTS_COPY_SQL, queryRows, type Database, type Db } from '@loglore/db';
import { createTestDatabase, createTestPglite } from '@loglore/db/testing';
import { sql } from 'drizzle-orm';
import { benchMode, higherIsBetter, ratioAtLeast, writeResult } from '../lib/results.ts';
import { barChartSvg, round, table } from '../lib/stats.ts';
import { generateLogLines } from './generate.ts';

const MODE = benchMode();
const FULL = MODE === 'full';
const N = Number(process.env.BENCH_LINES ?? (FULL ? 200_000 : 50_000));
const BATCH = Number(process.env.BENCH_BATCH ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (FULL ? 3 : 2));
const INSERT_N = Math.min(N, Number(process.env.BENCH_INSERT_LINES ?? (FULL ? 50_000 : 10_000)));
const PGLITE_N = Math.min(N, Number(process.env.BENCH_PGLITE_LINES ?? (FULL ? 50_000 : 10_000)));
/** Issue 11: ingest stays at or above this share of raw COPY. */
const RATIO_AIM = 0.85;
const DEFAULTS: LogDefaults = { project: 'payments', env: 'prod', domain: 'transactions', now: new Date('2026-11-25T12:00:00Z') };

interface IngestRun {
  seconds: number;
  stored: number;
  parseMs: number;
  redactMs: number;
  /** Waiting for an earlier batch's COPY to finish, with every line of the current one already handed over. */
  waitMs: number;
  /** CPU time of this process (user + system) during the run. */
  cpuMs: number;
}

/**
 * The ingest path with parsing driven by COPY: each COPY takes its rows from a generator that
 * parses and redacts the next lines only when the COPY stream asks for more data, so Postgres
 * stores one chunk while the next is parsed. The next batch's COPY starts as soon as the
 * previous generator is drained (before Postgres has finished with it), so no batch boundary
 * leaves Postgres or Node idle.
 */
async function ingest(db: Db, lines: readonly string[], method: 'copy' | 'insert'): Promise<IngestRun> {
  const run: IngestRun = { seconds: 0, stored: 0, parseMs: 0, redactMs: 0, waitMs: 0, cpuMs: 0 };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const parsed = parseLogLines(lines, DEFAULTS);
  let done = false;
  function* batch(drained: () => void): Generator<LogEvent> {
    let n = 0;
    while (n < BATCH) {
      const t = performance.now();
      const r = parsed.next();
      const t1 = performance.now();
      run.parseMs += t1 - t;
      if (r.done) {
        done = true;
        break;
      }
      if (!r.value.ok) continue;
      const e = redactLogEvent(r.value.event);
      run.redactMs += performance.now() - t1;
      n++;
      yield e;
    }
    drained();
  }
  let previous: Promise<number> | null = null;
  while (!done) {
    let drained!: () => void;
    const sent = new Promise<void>((resolve) => (drained = resolve));
    const current = insertLogEvents(db, batch(drained), { method });
    // Whichever comes first: this batch fully handed to COPY, or its COPY failing.
    await Promise.race([sent, current]);
    const t = performance.now();
    if (previous) run.stored += await previous;
    run.waitMs += performance.now() - t;
    previous = current;
  }
  const t = performance.now();
  if (previous) run.stored += await previous;
  run.waitMs += performance.now() - t;
  run.seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  run.cpuMs = (cpu.user + cpu.system) / 1000;
  return run;
}

/**
 * What POST /api/logs does today, one request per batch: parseLogBody on the whole body,
 * redact every event, then one insertLogEvents (COPY). Nothing overlaps.
 */
async function ingestBodies(db: Db, bodies: readonly string[]): Promise<IngestRun> {
  const run: IngestRun = { seconds: 0, stored: 0, parseMs: 0, redactMs: 0, waitMs: 0, cpuMs: 0 };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const body of bodies) {
    const t = performance.now();
    const { events } = parseLogBody(body, DEFAULTS);
    const t1 = performance.now();
    const redacted = events.map((e) => redactLogEvent(e));
    const t2 = performance.now();
    run.stored += await insertLogEvents(db, redacted);
    run.parseMs += t1 - t;
    run.redactMs += t2 - t1;
    run.waitMs += performance.now() - t2;
  }
  run.seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  run.cpuMs = (cpu.user + cpu.system) / 1000;
  return run;
}

/** The baseline: COPY of pre-built text, nothing to parse, redact or format. */
async function rawCopy(pool: pg.Pool, chunks: readonly Buffer[]): Promise<number> {
  const t0 = performance.now();
  const client = await pool.connect();
  try {
    await pipeline(Readable.from(chunks), client.query(copyFrom(LOG_EVENTS_COPY_SQL)));
  } finally {
    client.release();
  }
  return (performance.now() - t0) / 1000;
}

/** The rows insertLogEvents would send, as buffers of about 256 KiB (its chunk size). */
function copyText(events: readonly LogEvent[]): Buffer[] {
  const chunks: Buffer[] = [];
  let rows: string[] = [];
  let size = 0;
  for (const e of events) {
    const row = logEventCopyRow(e);
    rows.push(row);
    size += row.length;
    if (size >= 256 * 1024) {
      chunks.push(Buffer.from(rows.join('')));
      rows = [];
      size = 0;
    }
  }
  if (rows.length) chunks.push(Buffer.from(rows.join('')));
  return chunks;
}

async function storedRows(database: Database): Promise<number> {
  const [row] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from log_events`);
  return Number(row?.n ?? 0);
}

/** A digest of everything stored, to prove every variant stores exactly the baseline's rows. */
async function contentDigest(database: Database): Promise<string> {
  const [row] = await queryRows<{ digest: string }>(
    database.db,
    sql`select md5(string_agg(r, E'\n' order by r)) as digest from (select concat_ws('|', ts, project, env, domain, service, level, severity, trace_id, message, attrs::text, error_like, template_id) as r from log_events) t`,
  );
  return row?.digest ?? '';
}

async function truncate(database: Database): Promise<void> {
  await database.db.execute(sql`truncate log_events, log_event_minutes, log_templates, log_template_minutes`);
}

function spread(values: readonly number[], digits = 0) {
  return { median: round(median(values), digits), min: round(Math.min(...values), digits), max: round(Math.max(...values), digits), runs: values.map((v) => round(v, digits)) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function pgliteComparison(events: readonly LogEvent[]) {
  const database = await createTestPglite();
  const copy: number[] = [];
  const insert: number[] = [];
  try {
    for (let r = 0; r < 2; r++) {
      for (const method of r % 2 ? (['insert', 'copy'] as const) : (['copy', 'insert'] as const)) {
        await truncate(database);
        const t0 = performance.now();
        await insertLogEvents(database.db, events, { method });
        const rate = events.length / ((performance.now() - t0) / 1000);
        (method === 'copy' ? copy : insert).push(rate);
        if ((await storedRows(database)) !== events.length) throw new Error(`pglite ${method} stored the wrong number of rows`);
      }
    }
  } finally {
    await database.close();
  }
  return { rows: events.length, copy_rows_per_s: spread(copy), insert_rows_per_s: spread(insert) };
}

function breakdownOf(runs: readonly IngestRun[]) {
  const ms = (pick: (run: IngestRun) => number) => round(median(runs.map(pick)), 0);
  return {
    parse_ms: ms((x) => x.parseMs),
    redact_ms: ms((x) => x.redactMs),
    // Formatting rows as COPY text, encoding and sending them, and waiting for Postgres.
    write_ms: ms((x) => x.seconds * 1000 - x.parseMs - x.redactMs),
    of_which_waiting_ms: ms((x) => x.waitMs),
    total_ms: ms((x) => x.seconds * 1000),
    // CPU time of this process (user + system): well under total_ms means Node was waiting for Postgres (or for a core).
    node_cpu_ms: ms((x) => x.cpuMs),
  };
}

async function main() {
  const { lines, bytes } = generateLogLines(N);
  process.stdout.write(`ingest benchmark: ${N} NDJSON lines (${(bytes / 1e6).toFixed(1)} MB), batches of ${BATCH}, ${ROUNDS} rounds\n`);

  // The baseline's rows: exactly what the ingest path stores, built before the clock starts.
  const prepared: LogEvent[] = [];
  for (const r of parseLogLines(lines, DEFAULTS)) {
    if (!r.ok) throw new Error(`generated line ${r.line} was rejected: ${r.error}`);
    prepared.push(redactLogEvent(r.event));
  }
  const chunks = copyText(prepared);
  // Request bodies of BATCH lines, as a client of POST /api/logs would send them.
  const bodies: string[] = [];
  for (let i = 0; i < N; i += BATCH) bodies.push(`${lines.slice(i, i + BATCH).join('\n')}\n`);
  const insertLines = lines.slice(0, INSERT_N);

  const database = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  const rates = { copy: [] as number[], streamed: [] as number[], bodies: [] as number[], insert: [] as number[] };
  const ratios = { streamed: [] as number[], bodies: [] as number[] };
  const streamedRuns: IngestRun[] = [];
  const bodyRuns: IngestRun[] = [];
  try {
    const digests = new Map<string, string>();
    const check = async (what: string, expected: number) => {
      const n = await storedRows(database);
      if (n !== expected) throw new Error(`${what} stored ${n} rows, expected ${expected}`);
      if (expected === N && !digests.has(what)) digests.set(what, await contentDigest(database));
      if (new Set(digests.values()).size > 1) throw new Error(`stored rows differ between variants: ${JSON.stringify(Object.fromEntries(digests))}`);
    };
    for (let r = 0; r < ROUNDS; r++) {
      // Baseline and candidates take turns going first: the machine is shared.
      const order = ['copy', 'streamed', 'bodies'];
      for (let k = 0; k < r % order.length; k++) order.push(order.shift()!);
      for (const which of order) {
        await truncate(database);
        if (which === 'copy') {
          rates.copy.push(N / (await rawCopy(pool, chunks)));
        } else if (which === 'streamed') {
          const run = await ingest(database.db, lines, 'copy');
          rates.streamed.push(N / run.seconds);
          streamedRuns.push(run);
        } else {
          const run = await ingestBodies(database.db, bodies);
          rates.bodies.push(N / run.seconds);
          bodyRuns.push(run);
        }
        await check(which, N);
      }
      // Multi-row INSERT is several times slower: a slice of the lines is enough for its rate.
      await truncate(database);
      const insertRun = await ingest(database.db, insertLines, 'insert');
      await check('insert', insertLines.length);
      rates.insert.push(insertLines.length / insertRun.seconds);
      ratios.streamed.push(rates.streamed[r]! / rates.copy[r]!);
      ratios.bodies.push(rates.bodies[r]! / rates.copy[r]!);
      process.stdout.write(
        `round ${r + 1}: raw COPY ${Math.round(rates.copy[r]!)} rows/s; ingest streamed ${Math.round(rates.streamed[r]!)} lines/s (${ratios.streamed[r]!.toFixed(2)}), ` +
          `per body ${Math.round(rates.bodies[r]!)} lines/s (${ratios.bodies[r]!.toFixed(2)}), multi-row INSERT ${Math.round(rates.insert[r]!)} lines/s\n`,
      );
    }
    await truncate(database);
  } finally {
    await pool.end();
    await database.drop();
  }

  const pglite = await pgliteComparison(prepared.slice(0, PGLITE_N));

  const ratio = spread(ratios.streamed, 2);
  const result = {
    lines: N,
    bytes,
    batch: BATCH,
    rounds: ROUNDS,
    raw_copy_rows_per_s: spread(rates.copy),
    ingest_streamed_lines_per_s: spread(rates.streamed),
    ingest_per_body_lines_per_s: spread(rates.bodies),
    ingest_insert_lines_per_s: { ...spread(rates.insert), lines: insertLines.length },
    ratio_ingest_to_raw_copy: ratio,
    ratio_per_body_to_raw_copy: spread(ratios.bodies, 2),
    target_ratio: RATIO_AIM,
    meets_target: ratio.median >= RATIO_AIM,
    breakdown_median_ms: { streamed: breakdownOf(streamedRuns), per_body: breakdownOf(bodyRuns) },
    pglite,
  };

  const row = (measure: string, x: { median: number; min: number; max: number }, vsCopy = '') => ({ measure, 'median /s': x.median, min: x.min, max: x.max, 'vs raw COPY': vsCopy });
  process.stdout.write(
    `\n${table([
      row('raw COPY of pre-built rows (baseline)', result.raw_copy_rows_per_s, '1'),
      row('ingest, streamed: parse → redact → COPY', result.ingest_streamed_lines_per_s, `${ratio.median} (${ratio.min}–${ratio.max})`),
      row(`ingest, per body of ${BATCH} (POST /api/logs today)`, result.ingest_per_body_lines_per_s, `${result.ratio_per_body_to_raw_copy.median} (${result.ratio_per_body_to_raw_copy.min}–${result.ratio_per_body_to_raw_copy.max})`),
      row(`ingest, multi-row INSERT (${insertLines.length} lines)`, result.ingest_insert_lines_per_s),
      row(`PGlite COPY (${pglite.rows} rows)`, pglite.copy_rows_per_s),
      row(`PGlite multi-row INSERT (${pglite.rows} rows)`, pglite.insert_rows_per_s),
    ])}\n`,
  );
  process.stdout.write(`\nratio streamed ingest / raw COPY: median ${ratio.median} (min ${ratio.min}, max ${ratio.max}; target ≥ ${RATIO_AIM}) — ${result.meets_target ? 'met' : 'NOT met'}\n`);
  for (const [name, b] of Object.entries(result.breakdown_median_ms)) {
    process.stdout.write(
      `breakdown ${name} (median ms): parse ${b.parse_ms}, redact ${b.redact_ms}, format + send + wait for Postgres ${b.write_ms} (of which waiting ${b.of_which_waiting_ms}), total ${b.total_ms}; Node CPU ${b.node_cpu_ms}\n`,
    );
  }

  const sb = result.breakdown_median_ms.streamed;
  const runs = (x: { runs: number[] }) => x.runs.map((v) => v.toLocaleString('en-US')).join(' / ');
  const notes = [
    `${N.toLocaleString('en-US')} generated NDJSON lines (${(bytes / 1e6).toFixed(1)} MB: mixed levels, trace ids, attributes, some e-mails, tokens, passwords and card numbers), ${ROUNDS} rounds, the order of baseline and variants rotated from round to round; \`log_events\` truncated before every measurement. Every variant is checked to store exactly the baseline's rows (count and digest).`,
    '',
    '| path | lines/s, each round | median vs raw COPY |',
    '| --- | ---: | ---: |',
    `| raw COPY of pre-built rows (baseline) | ${runs(result.raw_copy_rows_per_s)} | 1 |`,
    `| parse → redact → COPY, streamed (parsing overlaps Postgres storing; what \`POST /api/logs\` does) | ${runs(result.ingest_streamed_lines_per_s)} | ${ratio.median} |`,
    `| parse a whole ${BATCH.toLocaleString('en-US')}-line body, then redact → COPY | ${runs(result.ingest_per_body_lines_per_s)} | ${result.ratio_per_body_to_raw_copy.median} |`,
    `| multi-row INSERT, ${INSERT_N.toLocaleString('en-US')} lines (the transaction fallback) | ${runs(result.ingest_insert_lines_per_s)} | ${round(result.ingest_insert_lines_per_s.median / result.raw_copy_rows_per_s.median, 2)} |`,
    `| PGlite: COPY from a blob / multi-row INSERT, ${pglite.rows.toLocaleString('en-US')} rows | ${pglite.copy_rows_per_s.median.toLocaleString('en-US')} / ${pglite.insert_rows_per_s.median.toLocaleString('en-US')} | |`,
    '',
    `Streamed breakdown (median ms): parse ${sb.parse_ms}, redact ${sb.redact_ms}, format + send ${sb.write_ms} (${sb.of_which_waiting_ms} of it waiting on Postgres), total ${sb.total_ms}; Node CPU ${sb.node_cpu_ms}.`,
  ].join('\n');
  const copy = result.raw_copy_rows_per_s.median;
  const written = writeResult(
    {
      name: 'ingest',
      title: 'Log ingestion',
      command: `npx tsx bench/ingest/run.ts${FULL ? ' --full' : ''}`,
      mode: MODE,
      figures: [
        ratioAtLeast(higherIsBetter('log ingestion, parse + redact + COPY, streamed', result.ingest_streamed_lines_per_s.median, 'lines/s', copy, 'raw COPY of the same rows', null), RATIO_AIM),
        higherIsBetter('log ingestion parsing a whole body before one COPY', result.ingest_per_body_lines_per_s.median, 'lines/s', copy, 'raw COPY of the same rows', null),
        higherIsBetter('PGlite ingestion, COPY from a blob', pglite.copy_rows_per_s.median, 'rows/s', pglite.insert_rows_per_s.median, 'PGlite multi-row INSERT', null),
      ],
      chart: 'docs/charts/ingest.svg',
      notes,
      data: result,
    },
    barChartSvg(
      `Log ingest into Postgres, ${N.toLocaleString('en-US')} NDJSON lines (median of ${ROUNDS})`,
      [
        { label: 'raw COPY (baseline)', value: result.raw_copy_rows_per_s.median },
        { label: 'ingest, streamed', value: result.ingest_streamed_lines_per_s.median, note: `(${ratio.median}× COPY)` },
        { label: 'ingest, per body', value: result.ingest_per_body_lines_per_s.median, note: `(${result.ratio_per_body_to_raw_copy.median}× COPY)` },
        { label: 'ingest, multi-row INSERT', value: result.ingest_insert_lines_per_s.median },
      ],
      'lines/s',
    ),
  );
  process.stdout.write(`wrote ${written} and docs/charts/ingest.svg\n`);
}

await main();
