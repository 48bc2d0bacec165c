import { and, asc, inArray, sql, type SQL } from 'drizzle-orm';
import { fingerprintLine, mergeFingerprints, type LineFingerprint, type TemplateWindowCount } from '@loglore/core';
import { queryRows, type Db } from '../client.ts';
import { logTemplates } from '../schema/index.ts';
import { projectIs } from './analyses.ts';

/**
 * Template identity at ingest: what one call of insertLogEvents counted, written in the
 * transaction that stores its events, so the counts are exactly the stored rows.
 */
export interface TemplateTally {
  /** Per project and fingerprint. */
  templates: Map<string, TemplateCount>;
  /** Per row of log_template_minutes: scope, hints, level, fingerprint and minute. */
  minutes: Map<string, MinuteCount>;
}

interface MinuteCount {
  project: string | null;
  env: string | null;
  service: string | null;
  domain: string | null;
  severity: number;
  template_id: string;
  minute: string;
  count: number;
  first_ts: string;
  last_ts: string;
}

interface TemplateCount {
  project: string | null;
  template_id: string;
  masked: string;
  token_count: number;
  first_seen: string;
  last_seen: string;
  count: number;
}

/** The dimensions of an event as stored (NUL already dropped, ts canonical ISO). */
export interface TalliedEvent {
  project: string | null;
  env: string | null;
  service: string | null;
  domain: string | null;
  severity: number;
  /** `Date#toISOString` form: such strings order as the instants do. */
  ts: string;
}

export function newTemplateTally(): TemplateTally {
  return { templates: new Map(), minutes: new Map() };
}

/** A nullable dimension in a map key (stored values hold no NUL, the separator). */
function part(v: string | null): string {
  return v === null ? 'n' : `v${v}`;
}

// Characters Postgres text or jsonb cannot hold as sent: NUL and (lone) surrogates. Only a
// message holding one of them needs the precise clean-up below.
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const MAYBE_UNSTORABLE = /[\u0000\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The fingerprint of a message as Postgres stores it (NUL dropped, a lone surrogate as
 * U+FFFD, as COPY's UTF-8 encoding and the INSERT path leave it): the fingerprint of the
 * stored message is the one recorded, whichever path wrote it.
 */
export function storedFingerprint(message: string): LineFingerprint {
  const stored = MAYBE_UNSTORABLE.test(message) ? message.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\uFFFD') : message;
  return fingerprintLine(stored);
}

/** Counts one error-like event under its fingerprint. */
export function tallyEvent(tally: TemplateTally, event: TalliedEvent, fp: LineFingerprint): void {
  // `2026-11-25T10:04:59.123Z` → `2026-11-25T10:04:00.000Z`
  const minute = `${event.ts.slice(0, 17)}00.000Z`;
  const mkey = `${part(event.project)}\u0000${part(event.env)}\u0000${part(event.service)}\u0000${part(event.domain)}\u0000${event.severity}\u0000${fp.id}\u0000${minute}`;
  const m = tally.minutes.get(mkey);
  if (m) {
    m.count++;
    if (event.ts < m.first_ts) m.first_ts = event.ts;
    if (event.ts > m.last_ts) m.last_ts = event.ts;
  } else {
    tally.minutes.set(mkey, {
      project: event.project,
      env: event.env,
      service: event.service,
      domain: event.domain,
      severity: event.severity,
      template_id: fp.id,
      minute,
      count: 1,
      first_ts: event.ts,
      last_ts: event.ts,
    });
  }
  const key = `${part(event.project)}\u0000${fp.id}`;
  const t = tally.templates.get(key);
  if (t) {
    t.count++;
    if (event.ts < t.first_seen) t.first_seen = event.ts;
    if (event.ts > t.last_seen) t.last_seen = event.ts;
    return;
  }
  tally.templates.set(key, {
    project: event.project,
    template_id: fp.id,
    masked: fp.masked,
    token_count: fp.tokens,
    first_seen: event.ts,
    last_seen: event.ts,
    count: 1,
  });
}

/**
 * Runs one statement whose only parameter, `$1`, is JSON text, on whatever connection the
 * events went through (a pg client mid-transaction, a PGlite transaction, a drizzle handle).
 */
export type JsonStatementRunner = (text: string, json: string) => Promise<Record<string, unknown>[]>;

/** A {@link JsonStatementRunner} over a drizzle handle. */
export function dbRunner(db: Db): JsonStatementRunner {
  return (text, json) => {
    const [before, after] = text.split('$1') as [string, string];
    return queryRows<Record<string, unknown>>(db, sql`${sql.raw(before)}${json}${sql.raw(after)}`);
  };
}

// Rows are sent in key order so that concurrent ingests lock shared rows in the same order
// (no deadlock). `xmax = 0` tells a row inserted by this statement from an updated one.
const UPSERT_TEMPLATES = `insert into log_templates (project, template_id, masked, token_count, template, first_seen, last_seen, count)
select r.project, r.template_id, r.masked, r.token_count, r.masked, r.first_seen, r.last_seen, r.count
from jsonb_to_recordset($1::jsonb) as r(project text, template_id text, masked text, token_count smallint, first_seen timestamptz, last_seen timestamptz, count bigint)
order by r.project nulls first, r.template_id
on conflict (project, template_id) do update set
  first_seen = least(log_templates.first_seen, excluded.first_seen),
  last_seen = greatest(log_templates.last_seen, excluded.last_seen),
  count = log_templates.count + excluded.count
returning project, token_count, (xmax = 0) as inserted`;

const UPSERT_MINUTES = `insert into log_template_minutes (project, env, service, domain, severity, template_id, minute, count, first_ts, last_ts)
select r.project, r.env, r.service, r.domain, r.severity, r.template_id, r.minute, r.count, r.first_ts, r.last_ts
from jsonb_to_recordset($1::jsonb) as r(project text, env text, service text, domain text, severity smallint, template_id text, minute timestamptz, count integer, first_ts timestamptz, last_ts timestamptz)
order by r.project nulls first, r.env nulls first, r.minute, r.template_id, r.service nulls first, r.domain nulls first, r.severity
on conflict (project, env, minute, template_id, service, domain, severity) do update set
  count = log_template_minutes.count + excluded.count,
  first_ts = least(log_template_minutes.first_ts, excluded.first_ts),
  last_ts = greatest(log_template_minutes.last_ts, excluded.last_ts)`;

/** The fingerprints a tally created, by project: each with the token counts a merge must replay. */
export type NewTemplates = Map<string | null, Set<number>>;

/**
 * Writes a tally (two statements: log_templates and the per-minute rollup; none for an empty
 * tally) and says which project and token
 * counts gained a fingerprint, for {@link mergeTemplates} once the transaction has committed.
 */
export async function writeTemplateTally(run: JsonStatementRunner, tally: TemplateTally): Promise<NewTemplates> {
  const created: NewTemplates = new Map();
  if (tally.templates.size === 0) return created;
  const rows = await run(UPSERT_TEMPLATES, JSON.stringify([...tally.templates.values()]));
  await run(UPSERT_MINUTES, JSON.stringify([...tally.minutes.values()]));
  for (const r of rows) {
    if (r.inserted !== true) continue;
    const project = (r.project as string | null) ?? null;
    let counts = created.get(project);
    if (!counts) created.set(project, (counts = new Set()));
    counts.add(Number(r.token_count));
  }
  return created;
}

/** Adds the new fingerprints of `more` to `into` (for a caller storing several batches). */
export function addNewTemplates(into: NewTemplates, more: NewTemplates): NewTemplates {
  for (const [project, counts] of more) {
    const known = into.get(project);
    if (known) for (const n of counts) known.add(n);
    else into.set(project, new Set(counts));
  }
  return into;
}

/** Most fingerprints of one project replayed by a merge (the earliest first seen). */
export const MERGE_FORMS_LIMIT = 20_000;

/**
 * Records which fingerprints the miner holds in one template, for the projects and token
 * counts that gained fingerprints. For each, the stored forms are replayed through a fresh
 * miner in order of first occurrence (core's mergeFingerprints: work proportional to the
 * distinct forms, not to the lines); a fingerprint the miner put into another template gets
 * that template's fingerprint as `canonical_id`, and the template's row its generalised text.
 *
 * Merges are only ever added: a fingerprint once mapped keeps its template, and when two
 * templates merge, every fingerprint of the absorbed one moves with it (`canonical_id` always
 * names a fingerprint that is its own template). One project's merges run under an advisory
 * transaction lock, so concurrent ingest processes apply them one after the other and agree.
 */
export async function mergeTemplates(db: Db, created: NewTemplates): Promise<void> {
  for (const [project, counts] of created) {
    await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext('log_templates'), hashtext(${project ?? ''}))`);
      const rows = await tx
        .select({ templateId: logTemplates.templateId, masked: logTemplates.masked, tokenCount: logTemplates.tokenCount, canonicalId: logTemplates.canonicalId, template: logTemplates.template })
        .from(logTemplates)
        .where(and(projectIs(logTemplates.project, project), inArray(logTemplates.tokenCount, [...counts])))
        .orderBy(asc(logTemplates.firstSeen), asc(logTemplates.templateId))
        .limit(MERGE_FORMS_LIMIT);
      const changes = templateMerges(rows);
      if (changes.length === 0) return;
      const where = project === null ? sql`project is null` : sql`project = ${project}`;
      // Rows are locked in the order an ingest's upsert locks them (template_id within a
      // project), or a merge and an ingest could each hold a row the other waits for.
      await queryRows(
        tx,
        sql`select 1 from log_templates where ${where} and template_id in (select value from jsonb_array_elements_text(${JSON.stringify(changes.map((c) => c.template_id))}::jsonb))
            order by template_id for update`,
      );
      await queryRows(
        tx,
        sql`update log_templates t set canonical_id = r.canonical_id, template = r.template
            from jsonb_to_recordset(${JSON.stringify(changes)}::jsonb) as r(template_id text, canonical_id text, template text)
            where ${project === null ? sql`t.project is null` : sql`t.project = ${project}`} and t.template_id = r.template_id`,
      );
    });
  }
}

interface StoredForm {
  templateId: string;
  masked: string;
  tokenCount: number;
  canonicalId: string | null;
  template: string;
}

/**
 * The rows a merge changes, from the stored forms (in order of first occurrence): a
 * union-find whose parents are the stored `canonical_id`s, joined as the replay groups.
 */
export function templateMerges(rows: readonly StoredForm[]): { template_id: string; canonical_id: string | null; template: string }[] {
  const parent = new Map<string, string | null>(rows.map((r) => [r.templateId, r.canonicalId]));
  const text = new Map<string, string>(rows.map((r) => [r.templateId, r.template]));
  // A canonical id outside the rows read (beyond the limit) is a root as far as this merge knows.
  const root = (id: string): string => {
    let at = id;
    for (;;) {
      const p = parent.get(at);
      if (p == null || p === at) return at;
      if (!parent.has(p)) return p;
      at = p;
    }
  };
  const byCount = new Map<number, StoredForm[]>();
  for (const r of rows) {
    const forms = byCount.get(r.tokenCount);
    if (forms) forms.push(r);
    else byCount.set(r.tokenCount, [r]);
  }
  const replayed = new Map<string, string>();
  for (const forms of byCount.values()) {
    for (const m of mergeFingerprints(forms.map((f) => ({ id: f.templateId, masked: f.masked })))) {
      replayed.set(m.id, m.template);
      const a = root(m.id);
      const b = root(m.canonical);
      // Only a root whose row was read can be pointed elsewhere (its row is written below).
      if (a !== b && parent.has(a)) parent.set(a, b);
      else if (a !== b && parent.has(b)) parent.set(b, a);
    }
  }
  const changes: { template_id: string; canonical_id: string | null; template: string }[] = [];
  for (const r of rows) {
    const top = root(r.templateId);
    const canonical = top === r.templateId ? null : top;
    // A template's text is the replay's for the fingerprint that stands for it.
    const template = canonical === null ? (replayed.get(r.templateId) ?? r.template) : (text.get(r.templateId) ?? r.template);
    if (canonical !== r.canonicalId || template !== r.template) changes.push({ template_id: r.templateId, canonical_id: canonical, template });
  }
  return changes;
}

/** A stored template: a fingerprint that is its own template, with what was counted under it. */
export interface StoredTemplate {
  templateId: string;
  template: string;
  /** Fingerprints merged into it (itself excluded). */
  aliases: string[];
}

/**
 * The template each fingerprint stands for in a project: itself, or the template it was merged
 * into. Fingerprints never stored map to themselves.
 *
 * @example
 * const ids = await resolveTemplateIds(db, 'payments', ['t0123456789abcdef']);
 */
export async function resolveTemplateIds(db: Db, project: string | null, templateIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>(templateIds.map((id) => [id, id]));
  if (templateIds.length === 0) return out;
  const rows = await db
    .select({ templateId: logTemplates.templateId, canonicalId: logTemplates.canonicalId })
    .from(logTemplates)
    .where(and(projectIs(logTemplates.project, project), inArray(logTemplates.templateId, [...templateIds])));
  for (const r of rows) out.set(r.templateId, r.canonicalId ?? r.templateId);
  return out;
}

/** A project's stored templates (fingerprints that are their own template), with their merged fingerprints. */
export async function listLogTemplates(db: Db, project: string | null): Promise<(StoredTemplate & { count: number; firstSeen: Date; lastSeen: Date })[]> {
  const rows = await db.select().from(logTemplates).where(projectIs(logTemplates.project, project)).orderBy(asc(logTemplates.firstSeen), asc(logTemplates.templateId));
  const byId = new Map<string, StoredTemplate & { count: number; firstSeen: Date; lastSeen: Date }>();
  for (const r of rows) {
    if (r.canonicalId === null) byId.set(r.templateId, { templateId: r.templateId, template: r.template, aliases: [], count: 0, firstSeen: r.firstSeen, lastSeen: r.lastSeen });
  }
  for (const r of rows) {
    const t = byId.get(r.canonicalId ?? r.templateId);
    if (!t) continue;
    if (r.canonicalId !== null) t.aliases.push(r.templateId);
    t.count += Number(r.count);
    if (r.firstSeen < t.firstSeen) t.firstSeen = r.firstSeen;
    if (r.lastSeen > t.lastSeen) t.lastSeen = r.lastSeen;
  }
  return [...byId.values()];
}


/** The windows an analysis reads: [baselineFrom, from) and [from, to), within a project and env. */
export interface TemplateWindows {
  /** null: every project (as the evidence query reads an unset project). */
  project: string | null;
  env: string | null;
  baselineFrom: Date;
  from: Date;
  to: Date;
}

/** {@link TemplateWindowCount} with the template the fingerprint belongs to now (its own id unless merged into another). */
export interface TemplateAggregate extends TemplateWindowCount {
  canonicalId: string;
}

const MINUTE_MS = 60_000;
const floorMinute = (d: Date) => new Date(Math.floor(d.getTime() / MINUTE_MS) * MINUTE_MS);
const ceilMinute = (d: Date) => new Date(Math.ceil(d.getTime() / MINUTE_MS) * MINUTE_MS);
/** An instant as a typed parameter (the same on pg and PGlite). */
const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/** The scope of a window's rows under an alias: project and env when set (null reads every project). */
export function windowScopeSql(alias: string, w: Pick<TemplateWindows, 'project' | 'env'>): SQL {
  const col = (name: string) => sql.raw(`${alias}.${name}`);
  return sql.join([w.project === null ? sql`true` : sql`${col('project')} = ${w.project}`, w.env === null ? sql`true` : sql`${col('env')} = ${w.env}`], sql` and `);
}

/**
 * The common table expressions behind {@link templateAggregates}, ending in `aggregates` (one
 * row per fingerprint, service, domain and level: template_id, canonical_id, masked, service,
 * domain, severity, count, baseline_count, first_ms, last_ms, baseline_first_ms), for a
 * statement that reads more next to them. `parts` holds what they add up: per fingerprint,
 * service, domain and level, each whole minute of the rollup and each event of a cut minute
 * (`at`: the minute, or the event's instant), `in_window` or of the baseline.
 */
export function templateAggregatesCte(w: TemplateWindows): SQL {
  const bfCeil = ceilMinute(w.baselineFrom);
  const fFloor = floorMinute(w.from);
  const fCeil = ceilMinute(w.from);
  const tFloor = floorMinute(w.to);
  return sql`parts as (
          select m.project, m.template_id, m.service, m.domain, m.severity, m.minute >= ${ts(w.from)} as in_window, m.minute as at, m.count, m.first_ts, m.last_ts
          from log_template_minutes m
          where ${windowScopeSql('m', w)} and m.minute >= ${ts(bfCeil)} and m.minute < ${ts(tFloor)}
            and not (m.minute >= ${ts(fFloor)} and m.minute < ${ts(fCeil)})
          union all
          select e.project, e.template_id, e.service, e.domain, e.severity, e.ts >= ${ts(w.from)}, e.ts, 1, e.ts, e.ts
          from log_events e
          where ${windowScopeSql('e', w)} and e.error_like and e.template_id is not null and e.ts >= ${ts(w.baselineFrom)} and e.ts < ${ts(w.to)}
            and (e.ts < ${ts(bfCeil)} or e.ts >= ${ts(tFloor)} or (e.ts >= ${ts(fFloor)} and e.ts < ${ts(fCeil)}))
        ), grouped as (
          select project, template_id, service, domain, severity,
            coalesce(sum(count) filter (where in_window), 0)::int as count,
            coalesce(sum(count) filter (where not in_window), 0)::int as baseline_count,
            (extract(epoch from min(first_ts) filter (where in_window)) * 1000)::float8 as first_ms,
            (extract(epoch from max(last_ts) filter (where in_window)) * 1000)::float8 as last_ms,
            (extract(epoch from min(first_ts) filter (where not in_window)) * 1000)::float8 as baseline_first_ms
          from parts group by project, template_id, service, domain, severity
        ), aggregates as (
          select g.template_id, t.canonical_id, t.masked, g.service, g.domain, g.severity::int as severity, g.count, g.baseline_count, g.first_ms, g.last_ms, g.baseline_first_ms
          from grouped g
          left join lateral (
            select lt.canonical_id, lt.masked from log_templates lt
            where lt.template_id = g.template_id and (lt.project = g.project or (g.project is null and lt.project is null))
            limit 1
          ) t on true
        )`;
}

/**
 * The error-like events of a window and of its baseline, counted per fingerprint, service,
 * domain and level, in one statement: whole minutes from log_template_minutes, and the
 * minutes a boundary cuts (at most three: where the baseline starts, where the window starts,
 * where it ends) from the rows themselves, so the counts are exact for any instants. The cost
 * follows the number of minutes and templates, not the number of events.
 *
 * @example
 * const rows = await templateAggregates(db, { project: 'bank', env: 'prod', baselineFrom, from, to });
 */
export async function templateAggregates(db: Db, w: TemplateWindows): Promise<TemplateAggregate[]> {
  const rows = await queryRows<{
    template_id: string;
    canonical_id: string | null;
    masked: string | null;
    service: string | null;
    domain: string | null;
    severity: number;
    count: number;
    baseline_count: number;
    first_ms: number | null;
    last_ms: number | null;
    baseline_first_ms: number | null;
  }>(
    db,
    sql`with ${templateAggregatesCte(w)}
        select * from aggregates order by template_id, service nulls first, domain nulls first, severity`,
  );
  return rows.map((r) => ({
    templateId: r.template_id,
    canonicalId: r.canonical_id ?? r.template_id,
    masked: r.masked ?? '',
    service: r.service,
    domain: r.domain,
    severity: Number(r.severity),
    count: Number(r.count),
    baselineCount: Number(r.baseline_count),
    firstMs: r.first_ms === null ? null : Number(r.first_ms),
    lastMs: r.last_ms === null ? null : Number(r.last_ms),
    baselineFirstMs: r.baseline_first_ms === null ? null : Number(r.baseline_first_ms),
  }));
}
