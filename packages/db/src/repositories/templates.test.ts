import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq, sql } from 'drizzle-orm';
import { analyze, errorWeight, fingerprintLine, TemplateMiner, templatesOfForms, type FormOccurrence, type LogEvent } from '@loglore/core';
import { CAUSES, renderIncident } from '../../../core/src/analysis/incidents.fixture.ts';
import { openDatabase, queryRows, type Database, type Db } from '../client.ts';
import { logTemplates } from '../schema/index.ts';
import { createTestDatabase, INSERT_MODES, TEST_BACKENDS, type BackendTestDatabase, type TestDatabase } from '../testing.ts';
import { insertLogEvents, readWindowEvidence, storeLogEvents } from './logs.ts';
import { listLogTemplates, mergeTemplates, resolveTemplateIds, templateAggregates, templateMerges, type TemplateAggregate } from './templates.ts';


const T0 = Date.parse('2026-11-25T10:00:00.000Z');

function event(project: string | null, message: string, i: number, level: LogEvent['level'] = 'error'): LogEvent {
  return { ts: new Date(T0 + i * 1_000).toISOString(), project, env: 'prod', domain: null, service: 'auth', level, trace_id: null, message, attrs: {} };
}

interface TemplateRow {
  template_id: string;
  canonical_id: string | null;
  template: string;
  count: number;
  first_seen: Date;
  last_seen: Date;
}

async function templateRows(db: Db, project: string): Promise<TemplateRow[]> {
  const rows = await db.select().from(logTemplates).where(eq(logTemplates.project, project)).orderBy(asc(logTemplates.firstSeen), asc(logTemplates.templateId));
  return rows.map((r) => ({ template_id: r.templateId, canonical_id: r.canonicalId, template: r.template, count: Number(r.count), first_seen: r.firstSeen, last_seen: r.lastSeen }));
}

async function eventTemplateIds(db: Db, project: string): Promise<(string | null)[]> {
  const rows = await queryRows<{ template_id: string | null }>(db, sql`select template_id from log_events where project = ${project} order by ts, id`);
  return rows.map((r) => r.template_id);
}

describe.each(TEST_BACKENDS)('template identity at ingest on %s', (_name, open) => {
  let database: BackendTestDatabase;
  beforeAll(async () => {
    database = await open();
  });
  afterAll(async () => {
    await database.drop();
  });

  it.each(INSERT_MODES)('an error-like event stores its fingerprint and is counted under it through %s', async (_mode, insert) => {
    const project = `p-${randomUUID()}`;
    const lines = ['pool timeout after 30000ms on db-1', 'pool timeout after 12ms on db-2', 'pool timeout after 7ms on db-3'];
    await insert(database.db, [...lines.map((l, i) => event(project, l, i)), event(project, 'user logged in', 3, 'info'), event(project, 'request failed: 503', 4, 'info')]);
    const fp = fingerprintLine(lines[0] as string);
    expect(fp.masked).toBe('pool timeout after <*> on db-<*>');
    const failed = fingerprintLine('request failed: 503');
    expect(await eventTemplateIds(database.db, project)).toEqual([fp.id, fp.id, fp.id, null, failed.id]);
    const rows = await templateRows(database.db, project);
    expect(rows.map((r) => [r.template_id, r.canonical_id, r.template, r.count])).toEqual([
      [fp.id, null, fp.masked, 3],
      [failed.id, null, failed.masked, 1],
    ]);
    expect(rows[0]?.first_seen.toISOString()).toBe('2026-11-25T10:00:00.000Z');
    expect(rows[0]?.last_seen.toISOString()).toBe('2026-11-25T10:00:02.000Z');
  });

  it('counts add up over calls, and a batch that fails counts nothing', async () => {
    const project = `p-${randomUUID()}`;
    await insertLogEvents(database.db, [event(project, 'disk full on /var/lib/1', 0)]);
    await insertLogEvents(database.db, [event(project, 'disk full on /var/lib/2', 5), event(project, 'disk full on /var/lib/3', -5)]);
    await expect(insertLogEvents(database.db, [event(project, 'disk full on /var/lib/4', 9), { ...event(project, 'x', 10), ts: 'never' }])).rejects.toThrow();
    await expect(
      database.db.transaction(async (tx) => {
        await insertLogEvents(tx, [event(project, 'disk full on /var/lib/5', 11)]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const [row] = await templateRows(database.db, project);
    expect(row?.count).toBe(3);
    expect([row?.first_seen.toISOString(), row?.last_seen.toISOString()]).toEqual(['2026-11-25T09:59:55.000Z', '2026-11-25T10:00:05.000Z']);
  });

  it('fingerprints the miner merges into one template map to one id, which stays', async () => {
    const project = `p-${randomUUID()}`;
    const users = ['alice', 'bob', 'carol', 'dave'];
    // One call per line: each new fingerprint is merged as it arrives.
    for (const [i, u] of users.slice(0, 2).entries()) await insertLogEvents(database.db, [event(project, `Invalid user ${u} from 10.0.0.${i}`, i)]);
    const ids = users.map((u) => fingerprintLine(`Invalid user ${u} from 10.0.0.1`).id);
    // Two values are not yet a variable: two templates.
    expect([...(await resolveTemplateIds(database.db, project, ids.slice(0, 2))).values()]).toEqual(ids.slice(0, 2));
    await insertLogEvents(database.db, [event(project, 'Invalid user carol from 10.0.0.9', 2), event(project, 'VM Paused', 3), event(project, 'VM Resumed', 4)]);
    const first = ids[0] as string;
    expect([...(await resolveTemplateIds(database.db, project, ids.slice(0, 3))).values()]).toEqual([first, first, first]);
    await insertLogEvents(database.db, [event(project, 'Invalid user dave from 10.0.0.7', 5)]);
    expect((await resolveTemplateIds(database.db, project, ids)).get(ids[3] as string)).toBe(first);

    const templates = await listLogTemplates(database.db, project);
    expect(templates.map((t) => [t.templateId, t.template, t.count, t.aliases.length])).toEqual([
      [first, 'Invalid user <*> from <*>', 4, 3],
      [fingerprintLine('VM Paused').id, 'VM Paused', 1, 0],
      [fingerprintLine('VM Resumed').id, 'VM Resumed', 1, 0],
    ]);
    // The grouping is the miner's over the same lines.
    const miner = new TemplateMiner();
    const mined = ['Invalid user alice from 10.0.0.0', 'Invalid user bob from 10.0.0.1', 'Invalid user carol from 10.0.0.9', 'VM Paused', 'VM Resumed', 'Invalid user dave from 10.0.0.7'].map((l) => miner.add(l).id);
    expect(mined.map((id) => miner.resolve(id)?.id)).toEqual([first, first, first, templates[1]?.templateId, templates[2]?.templateId, first]);
  });

  it('inside a transaction the events are counted at once and merged by the caller after it commits', async () => {
    const project = `p-${randomUUID()}`;
    const lines = ['alice', 'bob', 'carol'].map((u) => `Invalid user ${u} from 10.0.0.1`);
    const { rows, created } = await database.db.transaction((tx) => storeLogEvents(tx, lines.map((l, i) => event(project, l, i))));
    expect(rows).toBe(3);
    expect((await templateRows(database.db, project)).map((r) => r.canonical_id)).toEqual([null, null, null]);
    await mergeTemplates(database.db, created);
    const first = fingerprintLine(lines[0] as string).id;
    expect((await templateRows(database.db, project)).map((r) => r.canonical_id ?? r.template_id)).toEqual([first, first, first]);
  });

  it('projects keep their own templates, a project-less event too', async () => {
    const a = `p-${randomUUID()}`;
    const b = `p-${randomUUID()}`;
    const line = `DNS lookup failed for ${randomUUID()}.internal`;
    await insertLogEvents(database.db, [event(a, line, 0), event(b, line, 1), event(b, line, 2), event(null, line, 3), event(null, line, 4)]);
    const id = fingerprintLine(line).id;
    expect((await templateRows(database.db, a)).map((r) => r.count)).toEqual([1]);
    expect((await templateRows(database.db, b)).map((r) => r.count)).toEqual([2]);
    const [none] = await queryRows<{ count: number }>(database.db, sql`select count::int as count from log_templates where project is null and template_id = ${id}`);
    expect(none?.count).toBe(2);
  });
});

/** A small deterministic generator (tests own their randomness as they own their clock). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

const LINES = ['pool timeout after 30000ms on db-1', 'disk full on /var/lib/pg', 'Invalid user alice', 'Invalid user bob', 'Invalid user carol', 'request failed: 503'];
const LEVELS: LogEvent['level'][] = ['error', 'warn', 'fatal', 'info'];

/** Error-like (and some plain) events over 30 minutes from T0, at millisecond instants. */
function scatteredEvents(project: string, n: number, seed: number): LogEvent[] {
  const rnd = lcg(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  return Array.from({ length: n }, () => {
    const level = pick(LEVELS);
    return {
      ts: new Date(T0 + Math.floor(rnd() * 30 * 60_000)).toISOString(),
      project,
      env: pick(['prod', 'prod', 'staging', null]),
      domain: pick(['payments', null]),
      service: pick(['api', 'ledger', null]),
      level,
      trace_id: null,
      message: level === 'info' && rnd() < 0.5 ? 'user logged in' : pick(LINES),
      attrs: {},
    };
  });
}

describe.each(TEST_BACKENDS)('the per-minute template rollup on %s', (_name, open) => {
  let database: BackendTestDatabase;
  beforeAll(async () => {
    database = await open();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('holds what log_events holds, per scope, service, domain, level, fingerprint and minute, whatever path wrote it', async () => {
    const project = `p-${randomUUID()}`;
    const events = scatteredEvents(project, 600, 1);
    await insertLogEvents(database.db, events.slice(0, 200));
    await insertLogEvents(database.db, events.slice(200, 400), { method: 'insert' });
    await database.db.transaction((tx) => insertLogEvents(tx, events.slice(400)));
    await expect(insertLogEvents(database.db, [...events.slice(0, 50), { ...(events[0] as LogEvent), ts: 'never' }])).rejects.toThrow();
    const key = (r: Record<string, unknown>) => JSON.stringify(r);
    const fromRows = await queryRows<Record<string, unknown>>(
      database.db,
      sql`select env, service, domain, severity::int, template_id, date_trunc('minute', ts)::text as minute, count(*)::int as count, min(ts)::text as first_ts, max(ts)::text as last_ts
          from log_events where project = ${project} and error_like group by 1, 2, 3, 4, 5, 6`,
    );
    const rollup = await queryRows<Record<string, unknown>>(
      database.db,
      sql`select env, service, domain, severity::int, template_id, minute::text as minute, count, first_ts::text as first_ts, last_ts::text as last_ts
          from log_template_minutes where project = ${project}`,
    );
    expect(fromRows.length).toBeGreaterThan(100);
    expect(rollup.map(key).sort()).toEqual(fromRows.map(key).sort());
  });

  it('answers a window and its baseline per template exactly as counting the rows would, at any instants', async () => {
    const project = `p-${randomUUID()}`;
    const events = scatteredEvents(project, 800, 2);
    await insertLogEvents(database.db, events);
    const at = (minutes: number) => new Date(T0 + Math.round(minutes * 60_000));
    const windows = [
      { env: 'prod', baselineFrom: at(2), from: at(12), to: at(22) },
      { env: 'prod', baselineFrom: at(2.51), from: at(11.123), to: at(19.7) },
      { env: null, baselineFrom: at(-5), from: at(10.5), to: at(26) },
      { env: 'staging', baselineFrom: at(7.2), from: at(7.4), to: at(7.9) },
      { env: 'prod', baselineFrom: at(0), from: at(15), to: at(30) },
    ];
    for (const w of windows) {
      const expected = new Map<string, TemplateAggregate>();
      for (const e of events) {
        const ms = Date.parse(e.ts);
        if ((w.env !== null && e.env !== w.env) || ms < w.baselineFrom.getTime() || ms >= w.to.getTime()) continue;
        if (errorWeight(e) === 0) continue;
        const id = fingerprintLine(e.message).id;
        const severity = { error: 50, warn: 40, fatal: 60, info: 30 }[e.level as 'error'];
        const k = [id, e.service, e.domain, severity].join('|');
        const row: TemplateAggregate = expected.get(k) ?? {
          templateId: id,
          canonicalId: id,
          masked: fingerprintLine(e.message).masked,
          service: e.service,
          domain: e.domain,
          severity,
          count: 0,
          baselineCount: 0,
          firstMs: null,
          lastMs: null,
          baselineFirstMs: null,
        };
        if (ms >= w.from.getTime()) {
          row.count++;
          row.firstMs = Math.min(row.firstMs ?? ms, ms);
          row.lastMs = Math.max(row.lastMs ?? ms, ms);
        } else {
          row.baselineCount++;
          row.baselineFirstMs = Math.min(row.baselineFirstMs ?? ms, ms);
        }
        expected.set(k, row);
      }
      const got = await templateAggregates(database.db, { project, ...w });
      const canonical = await resolveTemplateIds(database.db, project, [...new Set(got.map((g) => g.templateId))]);
      const order = (a: TemplateAggregate, b: TemplateAggregate) => (JSON.stringify([a.templateId, a.service, a.domain, a.severity]) < JSON.stringify([b.templateId, b.service, b.domain, b.severity]) ? -1 : 1);
      expect(got.sort(order)).toEqual([...expected.values()].map((r) => ({ ...r, canonicalId: canonical.get(r.templateId) ?? r.templateId })).sort(order));
    }
    // The three users merged: their fingerprints name one template.
    const users = ['alice', 'bob', 'carol'].map((u) => fingerprintLine(`Invalid user ${u}`).id);
    expect(new Set((await templateAggregates(database.db, { project, ...windows[2]! })).filter((g) => users.includes(g.templateId)).map((g) => g.canonicalId)).size).toBe(1);
  });
});

describe('template identity with two ingest processes', () => {
  let database: TestDatabase;
  let other: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
    other = await openDatabase({ url: database.url });
  });
  afterAll(async () => {
    await other.close();
    await database.drop();
  });

  it('processes ingesting at once agree on every id and merge, and every alias names a template', async () => {
    const project = `p-${randomUUID()}`;
    const names = Array.from({ length: 12 }, (_, i) => `user${String.fromCharCode(97 + i)}x`);
    const batch = (offset: number) => names.map((n, i) => event(project, `Invalid user ${n} from 10.1.0.${i}`, offset + i));
    await Promise.all([
      ...[0, 1, 2].map((k) => insertLogEvents(database.db, batch(k * 100).filter((_, i) => i % 3 === k))),
      ...[0, 1, 2].map((k) => insertLogEvents(other.db, batch(k * 100 + 50).filter((_, i) => i % 3 !== k))),
    ]);
    const rows = await templateRows(database.db, project);
    expect(rows).toHaveLength(names.length);
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(names.length * 3);
    const roots = new Set(rows.filter((r) => r.canonical_id === null).map((r) => r.template_id));
    for (const r of rows) if (r.canonical_id !== null) expect(roots.has(r.canonical_id)).toBe(true);
    expect(roots.size).toBe(1);
    expect(rows.find((r) => r.canonical_id === null)?.template).toBe('Invalid user <*> from <*>');
    const ids = rows.map((r) => r.template_id);
    expect(await resolveTemplateIds(other.db, project, ids)).toEqual(await resolveTemplateIds(database.db, project, ids));
  });
});

describe('a merge of stored fingerprints', () => {
  const form = (line: string, canonicalId: string | null = null) => {
    const fp = fingerprintLine(line);
    return { templateId: fp.id, masked: fp.masked, tokenCount: fp.tokens, canonicalId, template: fp.masked };
  };

  it('never undoes a recorded merge, and moves the fingerprints of a template merged into another', () => {
    const [a, b, c] = ['Invalid user alice', 'Invalid user bob', 'Invalid user carol'].map((l) => form(l));
    // b was recorded under a earlier; replaying the three (c first now) merges them all.
    const recorded = { ...b!, canonicalId: a!.templateId };
    const changes = templateMerges([c!, a!, recorded]);
    const after = new Map([c!, a!, recorded].map((r) => [r.templateId, r.canonicalId]));
    for (const ch of changes) after.set(ch.template_id, ch.canonical_id);
    const root = [...after.entries()].filter(([, p]) => p === null).map(([id]) => id);
    expect(root).toHaveLength(1);
    for (const [id, p] of after) expect(p === null ? id : p).toBe(root[0]);
    expect(changes.find((ch) => ch.canonical_id === null)?.template).toBe('Invalid user <*>');
  });

  it('changes nothing when the stored merges are what the replay finds', () => {
    expect(templateMerges([form('VM Paused'), form('VM Resumed')])).toEqual([]);
  });
});

describe('an analysis from aggregates', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('the stored aggregates give the templates, counts and baseline counts analyze() mines from the rows', async () => {
    for (const cause of [...CAUSES, null]) {
      for (const seed of [1, 2]) {
        const incident = renderIncident(cause, seed);
        const project = `p-${randomUUID()}`;
        const moved = (events: LogEvent[]) => events.map((e) => ({ ...e, project }));
        await insertLogEvents(database.db, [...moved(incident.baseline), ...moved(incident.events)]);
        const parameters = { ...incident.parameters, project };
        const from = new Date(parameters.time_range.from);
        const to = new Date(parameters.time_range.to);
        const windows = { project, env: parameters.env, baselineFrom: new Date(2 * from.getTime() - to.getTime()), from, to };
        const read = await readWindowEvidence(database.db, windows);
        const outcome = analyze({ question: 'what failed?', parameters, events: read.events, baseline: read.baseline, similar: [], knownPatterns: () => undefined, totals: read.totals });

        const aggregates = await templateAggregates(database.db, windows);
        const forms = new Map<string, FormOccurrence>();
        for (const a of aggregates) {
          const firstMs = a.baselineFirstMs ?? a.firstMs!;
          const known = forms.get(a.templateId);
          if (!known || firstMs < known.firstMs) forms.set(a.templateId, { id: a.templateId, masked: a.masked, firstMs });
        }
        const templates = templatesOfForms([...forms.values()]);
        const counts = new Map<string, { count: number; baseline: number; text: string }>();
        for (const a of aggregates) {
          const t = templates.get(a.templateId)!;
          const c = counts.get(t.id) ?? { count: 0, baseline: 0, text: t.template };
          c.count += a.count;
          c.baseline += a.baselineCount;
          counts.set(t.id, c);
        }
        expect(outcome.evidence.templates.length, `${cause} seed ${seed}`).toBeGreaterThan(0);
        for (const t of outcome.evidence.templates) {
          expect(counts.get(t.template_id), `${cause} seed ${seed}: ${t.template}`).toEqual({ count: t.count, baseline: t.baseline_count, text: t.template });
        }
      }
    }
  });
});
