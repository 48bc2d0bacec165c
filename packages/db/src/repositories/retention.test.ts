import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { LogEvent } from '@loglore/core';
import type pg from 'pg';
import { openDatabase, queryRows, type Db } from '../client.ts';
import { createTestDatabase, TEST_BACKENDS, type BackendTestDatabase } from '../testing.ts';
import { countLogEventsInScope, evidenceWatermark, insertLogEvents } from './logs.ts';
import { countDefaultLogPartition, drainDefaultLogPartition, ensureLogPartitions, listLogPartitions } from './partitions.ts';
import { countPatternDays } from './browse.ts';
import { getPatternInfo, getPatternTotals, recordOutcome, recordPatternUsage } from './patterns.ts';
import { getProjectRetention, purgeExpired, setProjectRetention, type RetentionDays } from './retention.ts';


// Every age is measured from this instant, never from the clock.
const NOW = new Date('2026-06-15T12:00:00Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const DEFAULTS: RetentionDays = { logs: 30, analyses: 365, events: 365, messages: 365 };

function logEvent(project: string, at: Date, message = 'payment failed'): LogEvent {
  return { ts: at.toISOString(), project, env: 'prod', domain: null, service: 'api', level: 'error', trace_id: null, message, attrs: {} };
}

/** A finished analysis of `project` made `at`, with its memory row, two step events and a conversation of two messages. */
async function analysisAt(db: Db, project: string, at: Date): Promise<string> {
  const iso = at.toISOString();
  const [conversation] = await queryRows<{ id: string }>(db, sql`insert into conversations (project, created_at, updated_at) values (${project}, ${iso}, ${iso}) returning id`);
  const [request] = await queryRows<{ id: string }>(
    db,
    sql`insert into analysis_requests (source, text, project, status, conversation_id, created_at, updated_at)
        values ('api', 'why', ${project}, 'completed', ${conversation!.id}, ${iso}, ${iso}) returning id`,
  );
  const id = request!.id;
  await db.execute(sql`insert into analysis_memory (request_id, source, query_text, parameters, project, pattern_key, created_at, occurred_at)
                       values (${id}, 'api', 'why', '{}', ${project}, 'db.pool_exhausted', ${iso}, ${iso})`);
  await db.execute(sql`insert into analysis_events (request_id, seq, step, payload, at) values (${id}, 1, 'accepted', '{}', ${iso}), (${id}, 2, 'completed', '{}', ${iso})`);
  await db.execute(sql`insert into messages (conversation_id, role, content, request_id, created_at)
                       values (${conversation!.id}, 'user', 'why', ${id}, ${iso}), (${conversation!.id}, 'assistant', 'because', ${id}, ${iso})`);
  return id;
}

async function counts(db: Db, project: string) {
  const [row] = await queryRows<Record<string, number>>(
    db,
    sql`select
      (select count(*) from log_events where project = ${project})::int as logs,
      (select count(*) from analysis_requests where project = ${project})::int as requests,
      (select count(*) from analysis_memory where project = ${project})::int as memory,
      (select count(*) from analysis_events e join analysis_requests r on r.id = e.request_id where r.project = ${project})::int as events,
      (select count(*) from messages m join conversations c on c.id = m.conversation_id where c.project = ${project})::int as messages,
      (select count(*) from conversations where project = ${project})::int as conversations`,
  );
  return row!;
}

async function partitionsOfLogEvents(db: Db): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(
    db,
    sql`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'log_events'::regclass order by 1`,
  );
  return rows.map((r) => r.name);
}

describe.each(TEST_BACKENDS)('retention on %s', (_name, open) => {
  let database: BackendTestDatabase;
  beforeAll(async () => {
    database = await open();
  });
  afterAll(async () => {
    await database.drop();
  });

  it("purges each kind of row past its project's retention, and not another project's that keeps them longer", async () => {
    const db = database.db;
    const short = `short-${randomUUID()}`;
    const long = `long-${randomUUID()}`;
    await setProjectRetention(db, short, { logs: 7, analyses: 30, events: 10, messages: 20 });
    await setProjectRetention(db, long, { logs: 60, analyses: 90, events: 90, messages: 90 });
    for (const project of [short, long]) {
      await insertLogEvents(db, [logEvent(project, ago(40)), logEvent(project, ago(10)), logEvent(project, ago(1))]);
      for (const days of [45, 25, 15, 5]) await analysisAt(db, project, ago(days));
    }

    const run = await purgeExpired(db, { defaults: DEFAULTS, now: NOW });

    // short: logs of 40 and 10 days gone; analyses of 45 days gone (memory, events, messages
    // with them), events of 25 and 15 days gone, messages of 25 days gone (and that conversation).
    expect(await counts(db, short)).toEqual({ logs: 1, requests: 3, memory: 3, events: 2, messages: 4, conversations: 2 });
    expect(await counts(db, long)).toEqual({ logs: 3, requests: 4, memory: 4, events: 8, messages: 8, conversations: 4 });
    expect(run.purged).toMatchObject({ log_events: 2, log_event_minutes: 2, log_template_minutes: 2, analysis_requests: 1, analysis_memory: 1, analysis_events: 6, messages: 4, conversations: 2 });
    // Nothing is old enough for every project (60 days kept by one): no partition dropped.
    expect(run.droppedPartitions).toEqual([]);
  });

  it('purges logs by whole minutes, so the per-minute counts still count the rows kept, and the evidence watermark moves', async () => {
    const db = database.db;
    const project = `minutes-${randomUUID()}`;
    await setProjectRetention(db, project, { logs: 4 });
    // A whole minute, on a day no other test stores into (the drain test counts partitions made).
    const edge = ago(4).getTime();
    await insertLogEvents(db, [-61_000, -1_000, 10_000, 40_000, 70_000].map((ms) => logEvent(project, new Date(edge + ms), `event ${ms}`)));
    const scope = { project, env: 'prod', from: new Date(edge - 120_000), to: new Date(edge + 120_000) };
    const before = await evidenceWatermark(db, scope);
    expect(before.events).toBe(5);

    // The cut-off falls 30 s into a minute: that minute is kept whole, rows and counts.
    const run = await purgeExpired(db, { defaults: DEFAULTS, now: new Date(NOW.getTime() + 30_000) });

    expect(run.purged).toMatchObject({ log_events: 2, log_event_minutes: 2 });
    expect((await counts(db, project)).logs).toBe(3);
    const [rollup] = await queryRows<{ n: number }>(db, sql`select coalesce(sum(count), 0)::int as n from log_event_minutes where project = ${project}`);
    expect(rollup!.n).toBe(3);
    expect(await countLogEventsInScope(db, scope)).toBe(3);
    const after = await evidenceWatermark(db, scope);
    expect(after.events).toBe(3);
    expect(after).not.toEqual(before);
  });

  it('runs again without deleting anything more, and two runs at once delete each row once', async () => {
    const db = database.db;
    const project = `again-${randomUUID()}`;
    await setProjectRetention(db, project, { logs: 3 });
    await insertLogEvents(db, Array.from({ length: 50 }, (_, i) => logEvent(project, new Date(ago(5).getTime() + i * 1000))));
    const [a, b] = await Promise.all([
      purgeExpired(db, { defaults: DEFAULTS, now: NOW, batchSize: 7 }),
      purgeExpired(db, { defaults: DEFAULTS, now: NOW, batchSize: 7 }),
    ]);
    expect(a.purged.log_events + b.purged.log_events).toBe(50);
    expect((await counts(db, project)).logs).toBe(0);
    const again = await purgeExpired(db, { defaults: DEFAULTS, now: NOW });
    expect(Object.values(again.purged).every((n) => n === 0)).toBe(true);
  });

  it('stops after maxBatches statements of batchSize rows and says there is more', async () => {
    const db = database.db;
    const project = `bounded-${randomUUID()}`;
    await setProjectRetention(db, project, { logs: 3 });
    await insertLogEvents(db, Array.from({ length: 10 }, (_, i) => logEvent(project, new Date(ago(5).getTime() + i * 1000))));
    const first = await purgeExpired(db, { defaults: DEFAULTS, now: NOW, batchSize: 3, maxBatches: 2 });
    expect(first.purged.log_events).toBe(6);
    expect(first.more).toBe(true);
    expect((await counts(db, project)).logs).toBe(4);
    await purgeExpired(db, { defaults: DEFAULTS, now: NOW, batchSize: 3, maxBatches: 2 });
    expect((await counts(db, project)).logs).toBe(0);
  });

  it("drops a day's partition whole once every project's retention has passed it", async () => {
    const db = database.db;
    const project = `old-${randomUUID()}`;
    // 100 days ago: older than every retention here (at most 60 days).
    await insertLogEvents(db, [logEvent(project, ago(100)), logEvent(project, new Date(ago(100).getTime() + 60_000))]);
    const day = ago(100).toISOString().slice(0, 10).replaceAll('-', '');
    expect(await partitionsOfLogEvents(db)).toContain(`log_events_p${day}`);

    const run = await purgeExpired(db, { defaults: DEFAULTS, now: NOW });

    expect(run.droppedPartitions).toContain(`log_events_p${day}`);
    expect(run.purged.log_events).toBeGreaterThanOrEqual(2);
    expect(await partitionsOfLogEvents(db)).not.toContain(`log_events_p${day}`);
    const [gone] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from pg_class where relname = ${`log_events_p${day}`}`);
    expect(gone!.n).toBe(0);
    expect((await counts(db, project)).logs).toBe(0);
    // The partitions of the days ahead of NOW exist, made by the same run.
    const days = (await listLogPartitions(db)).map((p) => p.day);
    expect(days).toEqual(expect.arrayContaining(['2026-06-15', '2026-06-16']));
  });

  it("keeps every partition while some project keeps its logs for ever (0), deleting only other projects' old rows", async () => {
    const db = database.db;
    const forever = `forever-${randomUUID()}`;
    const other = `other-${randomUUID()}`;
    await setProjectRetention(db, forever, { logs: 0 });
    await insertLogEvents(db, [logEvent(forever, ago(200)), logEvent(other, ago(200))]);
    const run = await purgeExpired(db, { defaults: DEFAULTS, now: NOW });
    expect(run.droppedPartitions).toEqual([]);
    expect((await counts(db, forever)).logs).toBe(1);
    expect((await counts(db, other)).logs).toBe(0);
    await setProjectRetention(db, forever, { logs: null });
    expect(await getProjectRetention(db, forever)).toEqual({});
    await purgeExpired(db, { defaults: DEFAULTS, now: NOW });
    expect((await counts(db, forever)).logs).toBe(0);
  });

  it("a row that reached the default partition moves into its day's partition when that is made", async () => {
    const db = database.db;
    const project = `late-${randomUUID()}`;
    // A day nothing else uses, stored without going through insertLogEvents: no partition yet.
    const at = '2026-05-20T08:00:00.000Z';
    await db.execute(sql`insert into log_events (ts, project, level, severity, message) values (${at}, ${project}, 'error', 50, 'early')`);
    const where = async () => queryRows<{ part: string; id: string }>(db, sql`select tableoid::regclass::text as part, id::text from log_events where project = ${project}`);
    const [before] = await where();
    expect(before!.part).toBe('log_events_default');

    expect(await ensureLogPartitions(db, ['2026-05-20'])).toBe(1);

    expect(await where()).toEqual([{ part: 'log_events_p20260520', id: before!.id }]);
    expect(await countDefaultLogPartition(db)).toBe(0);
    // And ingest keeps writing that day into it.
    await insertLogEvents(db, [logEvent(project, new Date('2026-05-20T09:00:00Z'))]);
    expect((await where()).map((r) => r.part)).toEqual(['log_events_p20260520', 'log_events_p20260520']);
  });

  it('the maintenance drain gives days found in the default partition their partitions', async () => {
    const db = database.db;
    const project = `drain-${randomUUID()}`;
    await db.execute(sql`insert into log_events (ts, project, level, severity, message) values ('2026-06-12T08:00:00Z', ${project}, 'info', 30, 'a'), ('2026-06-13T08:00:00Z', ${project}, 'info', 30, 'b')`);
    expect(await countDefaultLogPartition(db)).toBe(2);
    expect(await drainDefaultLogPartition(db, { from: ago(30), to: NOW })).toBe(2);
    expect(await countDefaultLogPartition(db)).toBe(0);
    expect(await partitionsOfLogEvents(db)).toEqual(expect.arrayContaining(['log_events_p20260612', 'log_events_p20260613']));
  });

  it('patterns keep their counts, success rate and first and last seen when the analyses behind them are purged', async () => {
    const db = database.db;
    const project = `stats-${randomUUID()}`;
    await setProjectRetention(db, project, { analyses: 30 });
    const definition = { pattern_key: `derived.${randomUUID().slice(0, 8)}`, error_type: 'DB_POOL_EXHAUSTED', domain: null };
    const ids: string[] = [];
    for (const days of [60, 50, 5]) {
      const id = await analysisAt(db, project, ago(days));
      await db.execute(sql`update analysis_memory set pattern_key = ${definition.pattern_key} where request_id = ${id}`);
      await recordPatternUsage(db, { definition, requestId: id, occurredAt: ago(days), project });
      ids.push(id);
    }
    await recordOutcome(db, { requestId: ids[0]!, outcome: 'resolved' });
    await recordOutcome(db, { requestId: ids[1]!, outcome: 'not_resolved' });
    await recordOutcome(db, { requestId: ids[2]!, outcome: 'resolved' });
    const totals = await getPatternTotals(db, definition.pattern_key);
    const scoped = await getPatternInfo(db, definition.pattern_key, project);
    const window = new Map([[definition.pattern_key, ago(5).toISOString().slice(0, 10)]]);
    const daily = await countPatternDays(db, [project], window, 60);
    expect(daily.get(definition.pattern_key)!.reduce((n, d) => n + d.count, 0)).toBe(3);

    const run = await purgeExpired(db, { defaults: DEFAULTS, now: NOW });
    expect(run.purged.analysis_memory).toBeGreaterThanOrEqual(2);
    expect((await counts(db, project)).memory).toBe(1);

    const after = await getPatternTotals(db, definition.pattern_key);
    expect(after).toMatchObject({ usageCount: 3, successCount: 2, failureCount: 1, firstSeen: ago(60), lastSeen: ago(5) });
    expect(after).toEqual(totals);
    expect(await getPatternInfo(db, definition.pattern_key, project)).toEqual(scoped);
    // The project's daily occurrences are read from the usage ledger, not from the purged memory.
    expect(await countPatternDays(db, [project], window, 60)).toEqual(daily);
    expect(await countPatternDays(db, '*', window, 60)).toEqual(daily);
    // A vote on a purged analysis finds nothing to change.
    expect(await recordOutcome(db, { requestId: ids[0]!, outcome: 'not_resolved' })).toBeUndefined();
    expect(await getPatternTotals(db, definition.pattern_key)).toEqual(totals);
  });
});

describe('partitions made by two ingesting processes at once', () => {
  it('both store every row of a day that had no partition, and the rows end in its partition', async () => {
    const database = await createTestDatabase();
    // A second process: its own pool, its own idea of which days have partitions.
    const other = await openDatabase({ url: database.url, max: 4 });
    try {
      const project = `race-${randomUUID()}`;
      const batch = (n: number) => Array.from({ length: 2_000 }, (_, i) => logEvent(project, new Date(Date.parse('2026-04-02T00:00:00Z') + (n * 2_000 + i) * 1_000)));
      // Each COPY may start before or after another made the partition, or while it does.
      const stored = await Promise.all(Array.from({ length: 8 }, (_, n) => insertLogEvents((n % 2 ? other : database).db, batch(n))));
      expect(stored).toEqual(Array(8).fill(2_000));
      const parts = await queryRows<{ part: string; n: number }>(
        database.db,
        sql`select tableoid::regclass::text as part, count(*)::int as n from log_events where project = ${project} group by 1`,
      );
      expect(parts).toEqual([{ part: 'log_events_p20260402', n: 16_000 }]);
    } finally {
      await other.close();
      await database.drop();
    }
  });
});

describe('a partition waiting for a long transaction', () => {
  it('delays no ingest: its rows wait in the default partition, and the partition is made once the transaction ends', async () => {
    const database = await createTestDatabase();
    const holder = await (database.db as unknown as { $client: pg.Pool }).$client.connect();
    try {
      const project = `held-${randomUUID()}`;
      // An open transaction that wrote into log_events (as a backfill does) holds off partition DDL.
      await holder.query('begin');
      await holder.query(`insert into log_events (ts, level, severity, message) values ('2026-04-10T00:00:00Z', 'info', 30, 'held')`);
      expect(await insertLogEvents(database.db, [logEvent(project, new Date('2026-04-11T10:00:00Z'))])).toBe(1);
      const where = async () => queryRows<{ part: string }>(database.db, sql`select tableoid::regclass::text as part from log_events where project = ${project}`);
      expect(await where()).toEqual([{ part: 'log_events_default' }]);
      await holder.query('commit');
      expect(await ensureLogPartitions(database.db, ['2026-04-11'])).toBe(1);
      expect(await where()).toEqual([{ part: 'log_events_p20260411' }]);
    } finally {
      holder.release();
      await database.drop();
    }
  });
});
