import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from './client.ts';
import { createEmptyTestDatabase, type EmptyTestDatabase } from './testing.ts';

/** Runs one migration of drizzle/ statement by statement, as the migrator does. */
async function apply(client: pg.Client | PGlite, tag: string): Promise<void> {
  for (const statement of readFileSync(join(MIGRATIONS_DIR, `${tag}.sql`), 'utf8').split('--> statement-breakpoint')) {
    if (!statement.trim()) continue;
    // PGlite's query takes one statement; a migration's statement may be several.
    if (client instanceof PGlite) await client.exec(statement);
    else await client.query(statement);
  }
}

/** An empty database for the describe block that calls this, dropped after the block. */
function emptyDatabase(): { readonly client: pg.Client } {
  let database: EmptyTestDatabase | undefined;
  beforeAll(async () => {
    database = await createEmptyTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  return {
    get client() {
      if (!database) throw new Error('the empty database is made in beforeAll');
      return database.client;
    },
  };
}

/** The migrations in journal order, split at the one under test (found by name, whatever its number). */
function journal(name: string): { before: string[]; tag: string } {
  const { entries } = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  const tags = entries.map((e) => e.tag);
  const at = tags.findIndex((t) => t.endsWith(`_${name}`));
  if (at < 0) throw new Error(`no migration named ${name}`);
  return { before: tags.slice(0, at), tag: tags[at]! };
}

describe('the project-scope migration', () => {
  const database = emptyDatabase();

  it('gives existing memory its request\'s project, per-project statistics of what was counted, and backfills their owners', async () => {
    const { client } = database;
    const { before, tag } = journal('project_scope');
    for (const earlier of before) await apply(client, earlier);
    // What a database from before holds: two projects and one request without a project,
    // each counted towards one pattern, two of them voted on; two backfills.
    const ids: Record<string, string> = {};
    for (const [label, project, outcome, at] of [
      ['a1', 'alpha', 'resolved', '2026-11-01T10:00:00Z'],
      ['a2', 'alpha', 'not_resolved', '2026-11-03T10:00:00Z'],
      ['b1', 'beta', null, '2026-11-02T10:00:00Z'],
      ['n1', null, 'resolved', '2026-11-04T10:00:00Z'],
    ] as const) {
      const { rows } = await client.query<{ id: string }>(`insert into analysis_requests (source, text, project) values ('api', 'x', $1) returning id`, [project]);
      ids[label] = rows[0]!.id;
      await client.query(
        `insert into analysis_memory (request_id, source, query_text, parameters, pattern_key, outcome, occurred_at)
         values ($1, 'api', 'x', '{}', 'db.pool_exhausted', $2, $3)`,
        [rows[0]!.id, outcome, at],
      );
      await client.query(`insert into pattern_usages (pattern_key, request_id, occurred_at) values ('db.pool_exhausted', $1, $2)`, [rows[0]!.id, at]);
    }
    await client.query(`insert into backfills (projects) values ('{alpha}'), ('{}')`);

    await apply(client, tag);

    const memory = await client.query<{ request_id: string; project: string | null }>(`select request_id, project from analysis_memory`);
    expect(new Map(memory.rows.map((r) => [r.request_id, r.project]))).toEqual(
      new Map([
        [ids.a1, 'alpha'],
        [ids.a2, 'alpha'],
        [ids.b1, 'beta'],
        [ids.n1, null],
      ]),
    );
    const stats = await client.query(
      `select project, usage_count, success_count, failure_count, first_seen, last_seen
       from pattern_project_stats where pattern_key = 'db.pool_exhausted' order by project nulls last`,
    );
    expect(stats.rows).toEqual([
      { project: 'alpha', usage_count: 2, success_count: 1, failure_count: 1, first_seen: new Date('2026-11-01T10:00:00Z'), last_seen: new Date('2026-11-03T10:00:00Z') },
      { project: 'beta', usage_count: 1, success_count: 0, failure_count: 0, first_seen: new Date('2026-11-02T10:00:00Z'), last_seen: new Date('2026-11-02T10:00:00Z') },
      { project: null, usage_count: 1, success_count: 1, failure_count: 0, first_seen: new Date('2026-11-04T10:00:00Z'), last_seen: new Date('2026-11-04T10:00:00Z') },
    ]);
    const owners = await client.query<{ projects: string[]; owner_projects: string[] | null }>(`select projects, owner_projects from backfills order by cardinality(projects) desc`);
    expect(owners.rows).toEqual([
      { projects: ['alpha'], owner_projects: ['alpha'] },
      { projects: [], owner_projects: null },
    ]);
  });
});

describe('the similar-candidates migration', () => {
  const database = emptyDatabase();

  it('keys the memory stored before it, keys memory stored after it on insert, and forgets the keys of deleted memory', async () => {
    const { client } = database;
    const { before, tag } = journal('similar_candidates');
    for (const earlier of before) await apply(client, earlier);
    const insert = (project: string | null, text: string, templates: string[], services: string[]) =>
      client.query<{ id: string }>(
        `insert into analysis_memory (request_id, project, source, query_text, parameters, occurred_at, template_keys, services)
         values (gen_random_uuid(), $1, 'api', $2, '{}', '2026-11-01T10:00:00Z', $3, $4) returning id`,
        [project, text, templates, services],
      );
    const old = await insert('alpha', 'NPSB transfers failing since 10:00, the ledger-svc pool', ['tpl1', 'tpl1'], ['ledger-svc']);
    await insert(null, 'why is it slow?', [], []);

    await apply(client, tag);

    // MinHash bands (h0: … h7:) aside, checked below.
    const keysOf = async (id: string) =>
      (await client.query<{ key: string; project: string | null }>(`select key, project from analysis_memory_keys where memory_id = $1 and key !~ '^h[0-9]:' order by key`, [id])).rows;
    const bandsOf = async (id: string) =>
      (await client.query<{ key: string }>(`select key from analysis_memory_keys where memory_id = $1 and key ~ '^h[0-9]:' order by key`, [id])).rows.map((r) => r.key);
    // Words in order of the question, no bare numbers, no common words; each key once.
    expect(await keysOf(old.rows[0]!.id)).toEqual(
      ['s:ledger-svc', 't:tpl1', 'w:failing', 'w:ledger', 'w:npsb', 'w:pool', 'w:svc', 'w:transfers'].map((key) => ({ key, project: 'alpha' })),
    );
    const { rows: slow } = await client.query<{ key: string; project: string | null }>(
      `select k.key, k.project from analysis_memory_keys k join analysis_memory m on m.id = k.memory_id where m.query_text = 'why is it slow?' and k.key !~ '^h[0-9]:'`,
    );
    expect(slow).toEqual([{ key: 'w:slow', project: null }]);

    const later = await insert('beta', 'Kafka consumer lag', ['tpl9'], []);
    expect((await keysOf(later.rows[0]!.id)).map((k) => k.key)).toEqual(['t:tpl9', 'w:consumer', 'w:kafka', 'w:lag']);
    // Up to eight bands (a band of bins no trigram fell in is left out), the same for the same
    // trigrams (case and punctuation aside), others for other text.
    const bands = await bandsOf(later.rows[0]!.id);
    expect(bands.length).toBeGreaterThanOrEqual(4);
    expect(bands.every((b) => /^h[0-7]:[0-9a-f]+$/.test(b))).toBe(true);
    const { rows: asked } = await client.query<{ same: string[]; other: string[] }>(
      `select analysis_memory_minhash_keys('kafka consumer LAG!') as same, analysis_memory_minhash_keys('disk full on db-1') as other`,
    );
    expect([...asked[0]!.same].sort()).toEqual(bands);
    expect(asked[0]!.other.filter((b) => bands.includes(b))).toEqual([]);
    await client.query(`delete from analysis_memory where id = $1`, [later.rows[0]!.id]);
    expect(await keysOf(later.rows[0]!.id)).toEqual([]);
  });
});

/** What a database from before holds: events over three days, and one with an instant far outside any day worth a partition. */
const EVENTS_BEFORE = `insert into log_events (ts, project, env, level, severity, message, error_like) values
  ('2026-11-24T23:59:59.999Z', 'alpha', 'prod', 'error', 50, 'a', true),
  ('2026-11-25T00:00:00Z', 'alpha', 'prod', 'info', 30, 'b', false),
  ('2026-11-25T12:00:00Z', 'beta', null, 'warn', 40, 'c', true),
  ('2026-11-27T08:00:00Z', null, null, 'info', 30, 'd', false),
  ('0500-01-01T00:00:00Z', 'alpha', 'prod', 'info', 30, 'e', false)`;

const PARTITIONS = `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'log_events'::regclass order by 1`;
const ROWS = `select tableoid::regclass::text as part, id::int, message from log_events order by id`;
const EXPECTED_ROWS = [
  { part: 'log_events_p20261124', id: 1, message: 'a' },
  { part: 'log_events_p20261125', id: 2, message: 'b' },
  { part: 'log_events_p20261125', id: 3, message: 'c' },
  { part: 'log_events_p20261127', id: 4, message: 'd' },
  { part: 'log_events_default', id: 5, message: 'e' },
];

describe('the log_events partitioning migration on postgres', () => {
  const database = emptyDatabase();

  it('moves every stored event, ids kept, into the partition of its day, and new ids follow the old ones', async () => {
    const { client } = database;
    const { before, tag } = journal('partition_log_events');
    for (const earlier of before) await apply(client, earlier);
    await client.query(EVENTS_BEFORE);

    await apply(client, tag);

    expect((await client.query(PARTITIONS)).rows.map((r: { name: string }) => r.name)).toEqual([
      'log_events_default',
      'log_events_p20261124',
      'log_events_p20261125',
      'log_events_p20261127',
    ]);
    expect((await client.query(ROWS)).rows).toEqual(EXPECTED_ROWS);
    const { rows } = await client.query<{ id: number }>(`insert into log_events (ts, level, severity, message) values ('2026-11-25T13:00:00Z', 'info', 30, 'new') returning id::int`);
    expect(rows[0]!.id).toBe(6);
    // The old table and its sequence are gone; the partitioned table's indexes have the names the schema gives them.
    const { rows: relations } = await client.query(`select relname from pg_class where relname like 'log_events_unpartitioned%'`);
    expect(relations).toEqual([]);
    const { rows: indexes } = await client.query(`select indexname from pg_indexes where tablename = 'log_events' order by 1`);
    expect(indexes.map((r: { indexname: string }) => r.indexname)).toEqual([
      'log_events_scope_error_like_idx',
      'log_events_scope_errors_idx',
      'log_events_scope_ts_idx',
      'log_events_scope_window_idx',
      'log_events_trace_idx',
      'log_events_ts_id_pk',
    ]);
  });
});

describe('the log_events partitioning migration on pglite', () => {
  it('moves every stored event, ids kept, into the partition of its day', async () => {
    const client = await PGlite.create('memory://', { extensions: { pg_trgm } });
    try {
      const { before, tag } = journal('partition_log_events');
      for (const earlier of before) await apply(client, earlier);
      await client.exec(EVENTS_BEFORE);
      await apply(client, tag);
      expect((await client.query<{ name: string }>(PARTITIONS)).rows.map((r) => r.name)).toEqual([
        'log_events_default',
        'log_events_p20261124',
        'log_events_p20261125',
        'log_events_p20261127',
      ]);
      expect((await client.query(ROWS)).rows).toEqual(EXPECTED_ROWS);
    } finally {
      await client.close();
    }
  });
});

describe('the pattern usage project migration', () => {
  const database = emptyDatabase();

  it("gives each usage row its analysis' project, and null where the analysis is gone", async () => {
    const { client } = database;
    const { before, tag } = journal('pattern_usage_project');
    for (const earlier of before) await apply(client, earlier);
    const ids: Record<string, string> = {};
    for (const [label, project] of [['a', 'alpha'], ['n', null], ['gone', 'beta']] as const) {
      const { rows } = await client.query<{ id: string }>(`insert into analysis_requests (source, text, project) values ('api', 'x', $1) returning id`, [project]);
      ids[label] = rows[0]!.id;
      if (label !== 'gone') {
        await client.query(`insert into analysis_memory (request_id, source, query_text, parameters, pattern_key, project) values ($1, 'api', 'x', '{}', 'db.pool_exhausted', $2)`, [rows[0]!.id, project]);
      }
      await client.query(`insert into pattern_usages (pattern_key, request_id, occurred_at) values ('db.pool_exhausted', $1, '2026-11-01T10:00:00Z')`, [rows[0]!.id]);
    }

    await apply(client, tag);

    const { rows } = await client.query<{ request_id: string; project: string | null }>(`select request_id, project from pattern_usages`);
    expect(new Map(rows.map((r) => [r.request_id, r.project]))).toEqual(
      new Map([
        [ids.a, 'alpha'],
        [ids.n, null],
        [ids.gone, null],
      ]),
    );
  });
});

describe('the log event minutes migration', () => {
  const database = emptyDatabase();

  it('counts the events stored before it per project, env, domain, service and UTC minute, whatever the session time zone', async () => {
    const { client } = database;
    const { before, tag } = journal('log_event_minutes');
    for (const earlier of before) await apply(client, earlier);
    // A session zone other than UTC: the minutes counted are UTC minutes all the same.
    await client.query(`set time zone 'Asia/Kathmandu'`);
    await client.query(`insert into log_events (ts, project, env, domain, service, level, severity, message) values
      ('2026-11-25T10:00:01Z', 'a', 'prod', null, 'api', 'info', 30, 'x'),
      ('2026-11-25T10:00:59.999Z', 'a', 'prod', null, 'api', 'error', 50, 'x'),
      ('2026-11-25T10:01:00Z', 'a', 'prod', null, 'api', 'info', 30, 'x'),
      ('2026-11-25T10:00:30Z', 'a', null, 'pay', null, 'info', 30, 'x'),
      ('2026-11-25T10:00:30Z', null, 'prod', null, 'api', 'info', 30, 'x')`);

    await apply(client, tag);

    await client.query(`set time zone 'UTC'`);
    const { rows } = await client.query<{ project: string | null; env: string | null; domain: string | null; service: string | null; minute: Date; count: number; mark: string }>(
      `select project, env, domain, service, minute, count, mark from log_event_minutes order by project nulls first, env nulls first, minute`,
    );
    expect(rows.map(({ mark: _mark, ...r }) => r)).toEqual([
      { project: null, env: 'prod', domain: null, service: 'api', minute: new Date('2026-11-25T10:00:00Z'), count: 1 },
      { project: 'a', env: null, domain: 'pay', service: null, minute: new Date('2026-11-25T10:00:00Z'), count: 1 },
      { project: 'a', env: 'prod', domain: null, service: 'api', minute: new Date('2026-11-25T10:00:00Z'), count: 2 },
      { project: 'a', env: 'prod', domain: null, service: 'api', minute: new Date('2026-11-25T10:01:00Z'), count: 1 },
    ]);
    // One mark for the whole backfill, and events stored after it take marks above it.
    expect(new Set(rows.map((r) => r.mark)).size).toBe(1);
    const { rows: next } = await client.query<{ n: string }>(`select nextval('log_event_minutes_mark_seq')::text as n`);
    expect(Number(next[0]!.n)).toBeGreaterThan(Math.max(...rows.map((r) => Number(r.mark))));
  });
});
