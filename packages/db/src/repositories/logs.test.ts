import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { fingerprintLine, type LogEvent } from '@loglore/core';
import { queryRows } from '../client.ts';
import { createTestDatabase, INSERT_MODES, TEST_BACKENDS, type BackendTestDatabase } from '../testing.ts';
import { countLogEventsInScope, evidenceWatermark, evidenceWatermarkQuery, insertLogEvents, logEventCopyRow, selectLogEvents, type InsertLogEventsOptions } from './logs.ts';


const FROM = new Date('2026-11-25T00:00:00Z');
const TO = new Date('2026-11-26T00:00:00Z');

/** Values that break naive COPY or JSON handling, each in its own event, tagged by `attrs.n`. */
function awkwardEvents(project: string): LogEvent[] {
  const base = { project, env: 'prod', domain: 'transactions', service: 'api', level: 'error' as const, trace_id: null };
  const rows: Omit<LogEvent, 'attrs'>[] = [
    { ...base, ts: '2026-11-25T10:00:00.001Z', message: 'tab\there and\ttwo' },
    { ...base, ts: '2026-11-25T10:00:00.002Z', message: 'line1\nline2\r\nline3\rend' },
    { ...base, ts: '2026-11-25T10:00:00.003Z', message: 'back\\slash \\t \\n literal, ends with \\' },
    { ...base, ts: '2026-11-25T10:00:00.004Z', message: '\\N' },
    { ...base, ts: '2026-11-25T10:00:00.005Z', message: '\\.' },
    { ...base, ts: '2026-11-25T10:00:00.006Z', message: `quotes "double" 'single' \`back\`` },
    { ...base, ts: '2026-11-25T10:00:00.007Z', message: 'Zürich – 日本語 – مرحبا – ключ' },
    { ...base, ts: '2026-11-25T10:00:00.008Z', message: 'card 💳 failed 🔥 by 👩‍💻' },
    { ...base, ts: '2026-11-25T10:00:00.009Z', message: '', service: null, domain: null, env: null, level: 'info' },
    { ...base, ts: '2026-11-25T10:00:00.010Z', message: 'fields', service: '\\N', domain: 'a\tb', env: '', trace_id: 'abc\\def\n' },
    { ...base, ts: '2026-11-25T10:00:00.011Z', message: 'trace', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', level: 'fatal' },
    // Not in the canonical form: normalised through Date, as the INSERT path always did.
    { ...base, ts: '2026-11-25T12:00:00.012+02:00', message: 'offset' },
  ];
  const attrs: Record<string, unknown>[] = [
    { nested: { a: { b: [1, 'x\ty', null, { c: '\\N' }] } } },
    { nl: 'a\nb\r\nc', bs: '\\', quote: '"', both: '\\"' },
    { 'key\\with\tescapes': 'v', 'ключ': 'значение', emoji: '😀🚀' },
    { num: 1.5, neg: -3, big: 12345678901234, bool: false, nothing: null, empty: {}, list: [] },
    { json_in_string: '{"a":"b\\\\c"}' },
  ];
  return rows.map((r, n) => ({ ...r, attrs: { n, ...attrs[n % attrs.length] } }));
}

function byN(events: LogEvent[]): LogEvent[] {
  return [...events].sort((a, b) => Number(a.attrs.n) - Number(b.attrs.n));
}

function window(project: string) {
  return { project, from: FROM, to: TO };
}

describe('a log event as COPY text', () => {
  const event: LogEvent = {
    ts: '2026-11-25T10:00:00.000Z',
    project: null,
    env: 'prod',
    domain: null,
    service: 'a\tb',
    level: 'warn',
    trace_id: null,
    message: 'x\\y\nz\r\u0000',
    attrs: { k: 'a\\b' },
  };

  it('escapes the characters COPY gives a meaning to, drops NUL, writes null as \\N and marks error-like events with their fingerprint', () => {
    expect(logEventCopyRow(event)).toBe(
      `2026-11-25T10:00:00.000Z\t\\N\tprod\t\\N\ta\\tb\twarn\t40\t\\N\tx\\\\y\\nz\\r\t{"k":"a\\\\\\\\b"}\tt\t${fingerprintLine('x\\y\nz\r').id}\n`,
    );
    expect(logEventCopyRow({ ...event, level: 'info' })).toMatch(/\tf\t\\N\n$/);
  });

  it('rejects an event whose timestamp is not a date', () => {
    expect(() => logEventCopyRow({ ...event, ts: 'yesterday' })).toThrow(/not a date/);
  });
});

describe.each(TEST_BACKENDS)('log events on %s', (_name, open) => {
  let database: BackendTestDatabase;
  beforeAll(async () => {
    database = await open();
  });
  afterAll(async () => {
    await database.drop();
  });

  it.each(INSERT_MODES)('awkward values round-trip exactly through %s', async (_mode, insert) => {
    const project = `p-${randomUUID()}`;
    const events = awkwardEvents(project);
    expect(await insert(database.db, events)).toBe(events.length);
    const stored = byN(await selectLogEvents(database.db, window(project)));
    const expected = events.map((e) => (e.message === 'offset' ? { ...e, ts: '2026-11-25T10:00:00.012Z' } : e));
    expect(stored).toEqual(expected);
  });

  it.each(INSERT_MODES)('NUL characters and lone surrogates never reach Postgres through %s', async (_mode, insert) => {
    const project = `p-${randomUUID()}`;
    const event: LogEvent = {
      ts: '2026-11-25T10:00:00.000Z',
      project,
      env: 'prod\u0000',
      domain: null,
      service: null,
      level: 'error',
      trace_id: 't\u00001',
      message: 'a\u0000b',
      attrs: { 'k\u0000': 'v\u0000', deep: ['x\u0000', { lone: 'a\uD800b' }] },
    };
    await insert(database.db, [event]);
    const [stored] = await selectLogEvents(database.db, window(project));
    expect(stored).toEqual({ ...event, env: 'prod', trace_id: 't1', message: 'ab', attrs: { k: 'v', deep: ['x', { lone: 'a\uFFFDb' }] } });
  });

  it('streams a batch larger than one COPY chunk and stores every row', async () => {
    const project = `p-${randomUUID()}`;
    const events: LogEvent[] = Array.from({ length: 12_000 }, (_, i) => ({
      ts: new Date(FROM.getTime() + i * 1000).toISOString(),
      project,
      env: 'prod',
      domain: null,
      service: `svc-${i % 5}`,
      level: i % 10 === 0 ? 'error' : 'info',
      trace_id: i % 10 === 0 ? `trace-${i}` : null,
      message: `transfer ${i} accepted\tfor account ${i % 97}`,
      attrs: { i, path: `C:\\tmp\\${i}` },
    }));
    expect(await insertLogEvents(database.db, events)).toBe(events.length);
    const stored = await selectLogEvents(database.db, { ...window(project), limit: 20_000 });
    expect(stored).toHaveLength(events.length);
    expect(stored.find((e) => e.attrs.i === 11_999)).toEqual(events[11_999]);
  });

  it('stores none of a batch when one event cannot be written, and keeps working', async () => {
    const project = `p-${randomUUID()}`;
    const good = (i: number): LogEvent => ({
      ts: '2026-11-25T10:00:00.000Z',
      project,
      env: null,
      domain: null,
      service: null,
      level: 'info',
      trace_id: null,
      message: `line ${i} ${'x'.repeat(200)}`,
      attrs: {},
    });
    const events = Array.from({ length: 3_000 }, (_, i) => good(i));
    events[2_500] = { ...good(2_500), ts: 'not a time' };
    await expect(insertLogEvents(database.db, events)).rejects.toThrow();
    expect(await selectLogEvents(database.db, window(project))).toEqual([]);
    await insertLogEvents(database.db, [good(1)]);
    expect(await selectLogEvents(database.db, window(project))).toHaveLength(1);
  });

  const methods: [string, InsertLogEventsOptions][] = [
    ['COPY', {}],
    ['multi-row INSERT', { method: 'insert' }],
  ];

  it.each(methods)('takes events from a generator through %s', async (_method, options) => {
    const project = `p-${randomUUID()}`;
    const pulled: number[] = [];
    function* lazy(): Generator<LogEvent> {
      for (let i = 0; i < 7_000; i++) {
        pulled.push(i);
        yield { ts: '2026-11-25T10:00:00.000Z', project, env: null, domain: null, service: null, level: 'info', trace_id: null, message: `line ${i}`, attrs: { i } };
      }
    }
    expect(await insertLogEvents(database.db, lazy(), options)).toBe(7_000);
    expect(pulled).toHaveLength(7_000);
    expect(await selectLogEvents(database.db, { ...window(project), limit: 10_000 })).toHaveLength(7_000);
  });

  it('a generator that fails half way through stores none of its events', async () => {
    const project = `p-${randomUUID()}`;
    function* failing(): Generator<LogEvent> {
      for (let i = 0; i < 5_000; i++) {
        if (i === 4_000) throw new Error('source broke');
        yield { ts: '2026-11-25T10:00:00.000Z', project, env: null, domain: null, service: null, level: 'info', trace_id: null, message: `line ${i} ${'y'.repeat(100)}`, attrs: {} };
      }
    }
    await expect(insertLogEvents(database.db, failing())).rejects.toThrow('source broke');
    expect(await selectLogEvents(database.db, window(project))).toEqual([]);
  });

  it('inside a transaction the rows roll back with it', async () => {
    const project = `p-${randomUUID()}`;
    const events = awkwardEvents(project).slice(0, 3);
    await expect(
      database.db.transaction(async (tx) => {
        await insertLogEvents(tx, events);
        const [row] = await queryRows<{ n: number }>(tx, sql`select count(*)::int as n from log_events where project = ${project}`);
        expect(row?.n).toBe(3);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await selectLogEvents(database.db, window(project))).toEqual([]);
  });
});

describe.each(TEST_BACKENDS)('the evidence watermark on %s', (_name, open) => {
  let database: BackendTestDatabase;
  beforeAll(async () => {
    database = await open();
  });
  afterAll(async () => {
    await database.drop();
  });

  const scope = (project: string) => ({ project, env: 'prod', from: new Date('2026-11-25T09:30:00Z'), to: new Date('2026-11-25T10:31:00Z') });
  const event = (project: string, ts: string, over: Partial<LogEvent> = {}): LogEvent => ({
    ts, project, env: 'prod', domain: 'transactions', service: 'api', level: 'info', trace_id: null, message: 'ok', attrs: {}, ...over,
  });

  it('moves when an event lands in the project, env and window, and only then', async () => {
    const project = `p-${randomUUID()}`;
    expect(await evidenceWatermark(database.db, scope(project))).toEqual({ events: 0, mark: null });
    await insertLogEvents(database.db, [event(project, '2026-11-25T10:05:00Z'), event(project, '2026-11-25T09:40:00Z', { domain: null, service: null })]);
    const first = await evidenceWatermark(database.db, scope(project));
    expect(first.events).toBe(2);
    expect(first.mark).toEqual(expect.any(Number));

    await insertLogEvents(database.db, [
      event(`p-${randomUUID()}`, '2026-11-25T10:05:00Z'), // another project
      event(project, '2026-11-25T10:05:00Z', { env: 'staging' }), // another env
      event(project, '2026-11-25T10:31:00Z'), // the window's end is exclusive
      event(project, '2026-11-25T09:29:59.999Z'), // before it
    ]);
    expect(await evidenceWatermark(database.db, scope(project))).toEqual(first);

    // Any domain or service counts: hints never bound the evidence.
    await insertLogEvents(database.db, [event(project, '2026-11-25T10:30:59.999Z', { domain: 'auth', service: 'login', level: 'error' })]);
    const second = await evidenceWatermark(database.db, scope(project));
    expect(second.events).toBe(3);
    expect(second.mark).toBeGreaterThan(first.mark!);
  });

  it('without a project or env it covers every project or env, as the analysis reads them', async () => {
    const project = `p-${randomUUID()}`;
    await insertLogEvents(database.db, [event(project, '2026-11-25T10:05:00Z'), event(project, '2026-11-25T10:06:00Z', { env: null })]);
    expect((await evidenceWatermark(database.db, { ...scope(project), env: null })).events).toBe(2);
    const everywhere = await evidenceWatermark(database.db, { ...scope(project), project: null, env: null });
    expect(everywhere.events).toBeGreaterThanOrEqual(2);
  });
});

describe.each(TEST_BACKENDS)('window totals from the per-minute counts on %s', (_name, open) => {
  let database: BackendTestDatabase;
  const project = `p-${randomUUID()}`;
  const BASE = Date.parse('2026-11-25T10:00:00Z');
  // 3,000 events over ten minutes at instants of a fixed pseudo-random sequence, in two envs,
  // three domains (one null) and three services (one null), some sharing an instant; stored a
  // third each through COPY, multi-row INSERT and INSERT inside a transaction.
  const events: LogEvent[] = [];
  let seed = 7;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  for (let i = 0; i < 3_000; i++) {
    const at = i % 50 === 0 && events.length > 0 ? Date.parse(events[events.length - 1]!.ts) : BASE + Math.floor(next() * 600_000);
    events.push({
      ts: new Date(at).toISOString(),
      project,
      env: next() < 0.8 ? 'prod' : 'staging',
      domain: [null, 'payments', 'auth'][Math.floor(next() * 3)]!,
      service: [null, 'api', 'worker'][Math.floor(next() * 3)]!,
      level: next() < 0.1 ? 'error' : 'info',
      trace_id: next() < 0.5 ? 'trace-a' : 'trace-b',
      message: `event ${i}`,
      attrs: {},
    });
  }
  beforeAll(async () => {
    database = await open();
    await insertLogEvents(database.db, events.slice(0, 1_000));
    await insertLogEvents(database.db, events.slice(1_000, 2_000), { method: 'insert' });
    await database.db.transaction((tx) => insertLogEvents(tx, events.slice(2_000)));
  });
  afterAll(async () => {
    await database.drop();
  });

  const rowCount = (scope: Parameters<typeof countLogEventsInScope>[1]) =>
    events.filter((e) => {
      const t = Date.parse(e.ts);
      return (
        t >= scope.from.getTime() &&
        t < scope.to.getTime() &&
        (!scope.env || e.env === scope.env) &&
        (!scope.domain || e.domain === scope.domain || e.domain === null) &&
        (!scope.services?.length || (e.service !== null && scope.services.includes(e.service))) &&
        (!scope.traceIds?.length || (e.trace_id !== null && scope.traceIds.includes(e.trace_id)))
      );
    }).length;

  it('the rollup holds every stored event, per minute and dimensions, whichever way they were stored', async () => {
    const rollup = await queryRows<{ key: string; n: number }>(
      database.db,
      sql`select concat_ws('|', env, domain, service, minute) as key, count::int as n from log_event_minutes where project = ${project} order by 1`,
    );
    const rows = await queryRows<{ key: string; n: number }>(
      database.db,
      sql`select concat_ws('|', env, domain, service, date_trunc('minute', ts at time zone 'UTC') at time zone 'UTC') as key, count(*)::int as n
          from log_events where project = ${project} group by 1 order by 1`,
    );
    expect(rollup).toEqual(rows);
    expect(rollup.reduce((sum, r) => sum + r.n, 0)).toBe(events.length);
  });

  it('counts exactly what counting the rows gives, for edges anywhere', async () => {
    const at = (ms: number) => new Date(BASE + ms);
    const edges: [number, number][] = [
      [0, 600_000], // whole minutes
      [-3_600_000, 3_600_000], // wider than the events
      [12_345, 598_001], // both edges cut a minute
      [60_000, 60_001], // one millisecond
      [61_000, 119_999], // within one minute
      [59_999, 120_001], // two cut minutes, nothing whole between them
      [59_999, 180_001],
      [300_000, 300_000], // empty
      [400_000, 100_000], // backwards
    ];
    for (let i = 0; i < 20; i++) {
      const a = Math.floor(next() * 700_000) - 50_000;
      edges.push([a, a + Math.floor(next() * 300_000)]);
    }
    for (const [from, to] of edges) {
      for (const extra of [{}, { env: 'prod' }, { domain: 'payments' }, { services: ['api', 'worker'] }, { env: 'staging', domain: 'auth', services: ['api'] }, { traceIds: ['trace-a'] }]) {
        const scope = { project, from: at(from), to: at(to), ...extra };
        expect({ from, to, extra, n: await countLogEventsInScope(database.db, scope) }).toEqual({ from, to, extra, n: rowCount(scope) });
      }
    }
  });

  it('the evidence watermark moves on a late event inside the scope, and not on one outside it', async () => {
    const scope = { project, env: 'prod', from: new Date(BASE + 120_000), to: new Date(BASE + 300_000) };
    const first = await evidenceWatermark(database.db, scope);
    expect(first.events).toBe(rowCount(scope));
    const late = (ts: number, over: Partial<LogEvent> = {}): LogEvent => ({ ...events[0]!, ts: new Date(BASE + ts).toISOString(), env: 'prod', message: 'late', ...over });
    // Outside: after the window, before it, another env, another project.
    await insertLogEvents(database.db, [late(300_000), late(119_999), late(200_000, { env: 'staging' }), late(200_000, { project: `p-${randomUUID()}` })]);
    expect(await evidenceWatermark(database.db, scope)).toEqual(first);
    // Inside: an event of minutes ago, stored now, through each path.
    await insertLogEvents(database.db, [late(150_000)]);
    const second = await evidenceWatermark(database.db, scope);
    expect(second.events).toBe(first.events + 1);
    expect(second.mark).toBeGreaterThan(first.mark!);
    await database.db.transaction((tx) => insertLogEvents(tx, [late(299_999)]));
    const third = await evidenceWatermark(database.db, scope);
    expect(third.events).toBe(first.events + 2);
    expect(third.mark).toBeGreaterThan(second.mark!);
  });
});

describe('the evidence watermark query plan', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
    // A day of one event a minute in each of 10 projects and 2 envs: 28,800 rows.
    const events: LogEvent[] = [];
    for (let p = 0; p < 10; p++) {
      for (const env of ['prod', 'staging']) {
        for (let m = 0; m < 1440; m++) {
          events.push({ ts: new Date(FROM.getTime() + m * 60_000).toISOString(), project: `proj${p}`, env, domain: `d${m % 4}`, service: `s${m % 7}`, level: 'info', trace_id: null, message: `event ${m}`, attrs: {} });
        }
      }
    }
    // ...and a few on the days around it, so there are partitions to leave out.
    for (const ts of ['2026-11-24T23:59:59.999Z', '2026-11-26T00:00:00.000Z']) events.push({ ts, project: 'proj3', env: 'prod', domain: null, service: null, level: 'info', trace_id: null, message: 'next door', attrs: {} });
    await insertLogEvents(database.db, events);
    await queryRows(database.db, sql`vacuum analyze log_event_minutes`);
  });
  afterAll(async () => {
    await database.drop();
  });

  it('reads the minutes of log_event_minutes_key the window covers, never log_events', async () => {
    const { sql: text, params } = evidenceWatermarkQuery(database.db, { project: 'proj3', env: 'prod', from: new Date('2026-11-25T09:29:00Z'), to: new Date('2026-11-25T10:31:00Z') }).toSQL();
    const pool = (database.db as unknown as { $client: import('pg').Pool }).$client;
    const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (format json) ${text}`, params);
    const scans = flatten(rows[0]!['QUERY PLAN'][0].Plan).filter((n) => n['Relation Name'] !== undefined);
    expect(scans).toHaveLength(1);
    expect(scans[0]).toMatchObject({ 'Relation Name': 'log_event_minutes', 'Index Name': 'log_event_minutes_key' });
    // Both ends of the window are index conditions, not a filter over the project's whole history.
    expect(scans[0]!['Index Cond']).toMatch(/minute >=.*minute </);
    expect(await evidenceWatermark(database.db, { project: 'proj3', env: 'prod', from: new Date('2026-11-25T09:29:00Z'), to: new Date('2026-11-25T10:31:00Z') })).toMatchObject({ events: 62 });
  });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}
