import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import { and, asc, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { errorWeight, LEVEL_SEVERITY, type LogEvent } from '@loglore/core';
import { queryRows, type Db } from '../client.ts';
import { logEventMinutes, logEvents } from '../schema/index.ts';
import { ensureLogPartitions } from './partitions.ts';
import { dbRunner, mergeTemplates, newTemplateTally, storedFingerprint, tallyEvent, writeTemplateTally, type JsonStatementRunner, type NewTemplates, type TalliedEvent, type TemplateTally } from './templates.ts';

// 12 parameters a row: 5,000 rows stay under Postgres' 65,535 bind parameters.
const INSERT_BATCH = 5_000;

/** Columns COPY fills, in the order {@link logEventCopyRow} writes them. */
export const LOG_EVENTS_COPY_COLUMNS = ['ts', 'project', 'env', 'domain', 'service', 'level', 'severity', 'trace_id', 'message', 'attrs', 'error_like', 'template_id'] as const;

/** The COPY statement {@link insertLogEvents} streams rows into (text format, tab-separated, `\N` for null). */
export const LOG_EVENTS_COPY_SQL = `COPY log_events (${LOG_EVENTS_COPY_COLUMNS.join(', ')}) FROM STDIN`;

/** COPY data is sent in pieces of about this many bytes: memory stays flat whatever the batch size. */
const COPY_CHUNK_BYTES = 256 * 1024;

// What `Date#toISOString` writes; anything else is normalised through Date, as the INSERT path does.
const CANONICAL_TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
// Characters COPY text format gives a meaning to, plus NUL, which Postgres text cannot hold.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const COPY_SPECIAL = /[\\\t\n\r\x00]/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const COPY_SPECIAL_ALL = /[\\\t\n\r\x00]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\x00': '' };
// In JSON.stringify output: a `\u0000` escape (jsonb rejects it) or an escaped lone surrogate
// (jsonb rejects those too). An escaped backslash before `u0000` also matches: that only costs
// the slow path.
const JSON_UNSAFE_ESCAPE = /\\u(?:0000|d[89a-f])/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function copyText(s: string): string {
  return COPY_SPECIAL.test(s) ? s.replace(COPY_SPECIAL_ALL, (c) => COPY_ESCAPES[c] ?? '') : s;
}

function copyNullable(s: string | null | undefined): string {
  return s === null || s === undefined ? '\\N' : copyText(s);
}

function cleanJsonString(s: string): string {
  return s.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\uFFFD');
}

/** A copy of a JSON value whose strings and keys hold no NUL and no lone surrogate. */
function cleanJson(value: unknown): unknown {
  if (typeof value === 'string') return cleanJsonString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cleanJson);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    Object.defineProperty(out, cleanJsonString(k), { value: cleanJson(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** `attrs` as jsonb input text; what jsonb would reject (NUL, lone surrogates) is cleaned first. */
function attrsJson(attrs: Record<string, unknown> | undefined): string {
  if (!attrs) return '{}';
  let json = JSON.stringify(attrs);
  if (json.includes('\\u') && JSON_UNSAFE_ESCAPE.test(json)) json = JSON.stringify(cleanJson(attrs));
  return json;
}

function isoInstant(ts: string): string {
  if (CANONICAL_TS.test(ts)) return ts;
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) throw new RangeError(`log event timestamp is not a date: ${ts.slice(0, 64)}`);
  return d.toISOString();
}

function severityOf(level: LogEvent['level']): number {
  const severity = LEVEL_SEVERITY[level] as number | undefined;
  if (severity === undefined) throw new RangeError(`unknown log level: ${String(level).slice(0, 32)}`);
  return severity;
}

/**
 * One event as a line of COPY text format for {@link LOG_EVENTS_COPY_SQL}, newline included:
 * backslash, tab, newline and carriage return escaped, NUL dropped, null as `\N`, `attrs` as
 * JSON text, and an error-like event's fingerprint (`template_id`). The row
 * {@link insertLogEvents} sends; exported for benchmarks and tests.
 */
export function logEventCopyRow(e: LogEvent): string {
  return copyRow(e, undefined);
}

/** {@link logEventCopyRow}, counting the event into `tally` (and an error-like one's fingerprint). */
function copyRow(e: LogEvent, tally: IngestTally | undefined): string {
  const json = attrsJson(e.attrs);
  const ts = isoInstant(e.ts);
  const errorLike = errorWeight(e) > 0;
  let templateId = '\\N';
  if (tally) tallyMinute(tally.minutes, e, ts);
  if (errorLike) {
    const fp = storedFingerprint(e.message);
    templateId = fp.id;
    if (tally) tallyEvent(tally.templates, talliedEvent(e, ts), fp);
  }
  return (
    `${ts}\t${copyNullable(e.project)}\t${copyNullable(e.env)}\t${copyNullable(e.domain)}\t${copyNullable(e.service)}\t` +
    `${copyText(e.level)}\t${severityOf(e.level)}\t${copyNullable(e.trace_id)}\t${copyText(e.message)}\t` +
    // JSON.stringify escapes control characters itself, so only its backslashes need doubling.
    `${json.includes('\\') ? json.replaceAll('\\', '\\\\') : json}\t${errorLike ? 't' : 'f'}\t${templateId}\n`
  );
}

/**
 * COPY text for `events` as UTF-8, in buffers of about {@link COPY_CHUNK_BYTES}. Each row is
 * encoded straight into the buffer: concatenating rows into one string first would make V8
 * flatten a long rope before encoding it, which costs more than formatting the rows.
 */
function* copyChunks(events: Iterable<LogEvent>, counter: { rows: number; days: Set<string>; tally: IngestTally }): Generator<Buffer> {
  let buf = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
  let used = 0;
  let day = '\n'; // no row starts with it
  for (const e of events) {
    const row = copyRow(e, counter.tally);
    counter.rows++;
    // A row starts with its instant in ISO form: its first ten characters are its UTC day.
    if (!row.startsWith(day)) counter.days.add((day = row.slice(0, 10)));
    // UTF-8 takes at most 3 bytes per UTF-16 code unit, so a row that passes this check fits.
    if (used + row.length * 3 > buf.length) {
      if (used > 0) yield buf.subarray(0, used);
      buf = Buffer.allocUnsafe(Math.max(COPY_CHUNK_BYTES, row.length * 3));
      used = 0;
    }
    used += buf.write(row, used);
  }
  if (used > 0) yield buf.subarray(0, used);
}

/** What one call of insertLogEvents counted, written in the transaction that stores its events. */
interface IngestTally {
  templates: TemplateTally;
  minutes: EventMinutes;
}

function newIngestTally(): IngestTally {
  return { templates: newTemplateTally(), minutes: new Map() };
}

/** Every event counted per row of log_event_minutes: scope, hints and minute. */
type EventMinutes = Map<string, { project: string | null; env: string | null; domain: string | null; service: string | null; minute: string; count: number }>;

/** A nullable dimension in a map key (stored values hold no NUL, the separator). */
function keyPart(v: string | null): string {
  return v === null ? 'n' : `v${v}`;
}

/** Counts one event (`ts` in `Date#toISOString` form) into its minute, under its dimensions as stored. */
function tallyMinute(minutes: EventMinutes, e: LogEvent, ts: string): void {
  // `2026-11-25T10:04:59.123Z` → `2026-11-25T10:04:00.000Z` (a six-digit year is rounded through Date).
  const minute = ts.length === 24 ? `${ts.slice(0, 17)}00.000Z` : new Date(Math.floor(Date.parse(ts) / 60_000) * 60_000).toISOString();
  const project = withoutNulOrNull(e.project);
  const env = withoutNulOrNull(e.env);
  const domain = withoutNulOrNull(e.domain);
  const service = withoutNulOrNull(e.service);
  const key = `${keyPart(project)}\u0000${keyPart(env)}\u0000${keyPart(domain)}\u0000${keyPart(service)}\u0000${minute}`;
  const m = minutes.get(key);
  if (m) m.count++;
  else minutes.set(key, { project, env, domain, service, minute, count: 1 });
}

// Rows are sent in key order so that concurrent ingests lock shared rows in the same order (no
// deadlock). One mark for the statement (an uncorrelated subquery runs once); a row keeps the
// highest mark it was given.
const UPSERT_EVENT_MINUTES = `insert into log_event_minutes (project, env, domain, service, minute, count, mark)
select r.project, r.env, r.domain, r.service, r.minute, r.count, (select nextval('log_event_minutes_mark_seq'))
from jsonb_to_recordset($1::jsonb) as r(project text, env text, domain text, service text, minute timestamptz, count integer)
order by r.project nulls first, r.env nulls first, r.minute, r.domain nulls first, r.service nulls first
on conflict (project, env, minute, domain, service) do update set
  count = log_event_minutes.count + excluded.count,
  mark = greatest(log_event_minutes.mark, excluded.mark)`;

/**
 * Writes a tally: the per-minute counts of every event, then the templates of the error-like
 * ones (see {@link writeTemplateTally}); says which fingerprints are new.
 */
async function writeIngestTally(run: JsonStatementRunner, tally: IngestTally): Promise<NewTemplates> {
  if (tally.minutes.size > 0) await run(UPSERT_EVENT_MINUTES, JSON.stringify([...tally.minutes.values()]));
  return writeTemplateTally(run, tally.templates);
}

/** What one COPY stored: its rows, the fingerprints new to log_templates, and the UTC days (YYYY-MM-DD) of its events. */
interface Stored extends StoredLogEvents {
  days: Set<string>;
}

/**
 * COPY and the template counts of its rows in one transaction on a connection of its own:
 * both land, or neither.
 */
async function copyIntoPool(pool: pg.Pool, events: Iterable<LogEvent>): Promise<Stored> {
  const counter = { rows: 0, days: new Set<string>(), tally: newIngestTally() };
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    await pipeline(Readable.from(copyChunks(events, counter)), client.query(copyFrom(LOG_EVENTS_COPY_SQL)));
    const run: JsonStatementRunner = async (text, json) => (await client.query<Record<string, unknown>>(text, [json])).rows;
    const created = await writeIngestTally(run, counter.tally);
    await client.query('COMMIT');
    return { rows: counter.rows, created, days: counter.days };
  } catch (e) {
    broken = true;
    throw e;
  } finally {
    // A connection whose COPY broke off may be mid-protocol (or mid-transaction): it is
    // discarded, not reused, which also rolls its transaction back.
    client.release(broken);
  }
}

async function copyIntoPglite(client: PGlite, events: Iterable<LogEvent>): Promise<Stored> {
  const counter = { rows: 0, days: new Set<string>(), tally: newIngestTally() };
  // PGlite reads COPY data from a Blob it exposes as /dev/blob; the parts are not joined into one string.
  const blob = new Blob([...copyChunks(events, counter)]);
  if (counter.rows === 0) return { rows: 0, created: new Map(), days: counter.days };
  const created = await client.transaction(async (tx) => {
    await tx.query(`COPY log_events (${LOG_EVENTS_COPY_COLUMNS.join(', ')}) FROM '/dev/blob'`, [], { blob });
    return writeIngestTally(async (text, json) => (await tx.query<Record<string, unknown>>(text, [json])).rows, counter.tally);
  });
  return { rows: counter.rows, created, days: counter.days };
}

function withoutNul(s: string): string {
  return s.includes('\u0000') ? s.replaceAll('\u0000', '') : s;
}

function withoutNulOrNull(s: string | null): string | null {
  return s === null ? null : withoutNul(s);
}

/** An event's dimensions as the rollups store them (as the row stores them). */
function talliedEvent(e: LogEvent, ts: string): TalliedEvent {
  return {
    project: withoutNulOrNull(e.project),
    env: withoutNulOrNull(e.env),
    service: withoutNulOrNull(e.service),
    domain: withoutNulOrNull(e.domain),
    severity: severityOf(e.level),
    ts,
  };
}

function insertRow(e: LogEvent, tally: IngestTally) {
  const attrs = e.attrs ?? {};
  const errorLike = errorWeight(e) > 0;
  const ts = new Date(e.ts);
  const iso = ts.toISOString();
  tallyMinute(tally.minutes, e, iso);
  let templateId: string | null = null;
  if (errorLike) {
    const fp = storedFingerprint(e.message);
    templateId = fp.id;
    tallyEvent(tally.templates, talliedEvent(e, iso), fp);
  }
  return {
    ts,
    project: withoutNulOrNull(e.project),
    env: withoutNulOrNull(e.env),
    domain: withoutNulOrNull(e.domain),
    service: withoutNulOrNull(e.service),
    level: e.level,
    severity: severityOf(e.level),
    traceId: withoutNulOrNull(e.trace_id),
    message: withoutNul(e.message),
    attrs: JSON_UNSAFE_ESCAPE.test(JSON.stringify(attrs)) ? (cleanJson(attrs) as Record<string, unknown>) : attrs,
    errorLike,
    templateId,
  };
}

/**
 * Multi-row INSERTs, counting their templates. On a database (not a transaction) each batch's
 * days get their partitions first, so its rows go straight into them. Inside a caller's
 * transaction no partition is made: making one locks log_events against writes until that
 * transaction ends (and two such transactions could deadlock); rows of a day without one wait in
 * the default partition for the maintenance job.
 */
async function insertRows(db: Db, events: Iterable<LogEvent>, makePartitions: boolean): Promise<StoredLogEvents> {
  const tally = newIngestTally();
  let rows = 0;
  let batch: ReturnType<typeof insertRow>[] = [];
  const flush = async () => {
    if (makePartitions) await ensureLogPartitions(db, new Set(batch.map((r) => r.ts.toISOString().slice(0, 10))));
    await db.insert(logEvents).values(batch);
    rows += batch.length;
    batch = [];
  };
  for (const e of events) {
    batch.push(insertRow(e, tally));
    if (batch.length === INSERT_BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return { rows, created: await writeIngestTally(dbRunner(db), tally) };
}

export interface InsertLogEventsOptions {
  /**
   * `copy` (default) streams the rows with COPY where the handle allows it; `insert` forces
   * multi-row INSERT statements (for comparison in benchmarks).
   */
  method?: 'copy' | 'insert';
}

/**
 * Stores normalised events; returns how many were written.
 *
 * On a Postgres database (`db` over a pg.Pool) the rows are streamed with
 * `COPY log_events (…) FROM STDIN` on a connection of their own, in text format and in
 * chunks of about 256 KiB, so a large batch never becomes one string in memory. One call is
 * one COPY: it stores all of its events or none. `events` may be any iterable, such as a
 * generator that parses lines as COPY asks for rows, so parsing overlaps with Postgres
 * storing what was sent before; an exception thrown by it aborts the COPY.
 *
 * On PGlite the same rows go through `COPY … FROM '/dev/blob'` (PGlite takes COPY data as a
 * whole Blob), also all or none. Given a transaction (`tx` from `db.transaction`) it falls
 * back to multi-row INSERTs in batches of 5,000 inside that transaction: COPY needs a
 * connection of its own, which would escape the transaction. There it makes no partitions:
 * rows of a day without one go to the default partition until the maintenance job drains it.
 *
 * Every event is counted into `log_event_minutes` (per project, env, domain, service and minute:
 * what window totals and the evidence watermark read) in the same transaction as the rows.
 * Each error-like event gets its fingerprint (`template_id`, core's fingerprintLine of the
 * stored message) and is counted into `log_templates` in the same transaction as the rows;
 * when a fingerprint is new to its project, the project's templates are merged afterwards
 * (see {@link mergeTemplates}); given a transaction, merging is the caller's after it commits
 * ({@link storeLogEvents}).
 *
 * Events are expected as core produces them (text cleaned, secrets redacted); NUL characters,
 * which Postgres cannot store, are dropped all the same.
 *
 * log_events is partitioned by UTC day. COPY routes each row to its day's partition, or to
 * the default partition when the day has none yet; after the COPY, days this process has not
 * seen before get their partitions ({@link ensureLogPartitions}: one statement, which also
 * moves the rows that reached the default partition). Known days cost nothing more.
 *
 * @example
 * const { events } = parseLogBody(body, { project: 'payments' });
 * await insertLogEvents(db, events.map((e) => redactLogEvent(e)));
 */
export async function insertLogEvents(db: Db, events: Iterable<LogEvent>, options: InsertLogEventsOptions = {}): Promise<number> {
  const stored = await storeLogEvents(db, events, options);
  // Merging replays the project's stored forms once the counts are committed, and only when a
  // fingerprint was new. Inside a caller's transaction it is left to that caller (see storeLogEvents).
  if (stored.created.size > 0 && isDatabase(db)) await mergeTemplates(db, stored.created);
  return stored.rows;
}

/** What {@link storeLogEvents} stored: the rows, and the fingerprints new to log_templates. */
export interface StoredLogEvents {
  rows: number;
  /** For {@link mergeTemplates}, once the transaction that stored them has committed. */
  created: NewTemplates;
}

/**
 * {@link insertLogEvents} without the merge of new fingerprints. A caller storing events
 * inside its own transaction calls {@link mergeTemplates} with `created` after it commits:
 * a merge locks log_templates rows in its own order, which a transaction already holding
 * rows from an earlier upsert must not do (two such transactions could deadlock).
 */
export async function storeLogEvents(db: Db, events: Iterable<LogEvent>, options: InsertLogEventsOptions = {}): Promise<StoredLogEvents> {
  if (Array.isArray(events) && events.length === 0) return { rows: 0, created: new Map() };
  // Only a database carries `$client`; a transaction does not.
  const client: unknown = (db as { $client?: unknown }).$client;
  if (options.method !== 'insert' && (client instanceof pg.Pool || client instanceof PGlite)) {
    const stored = client instanceof pg.Pool ? await copyIntoPool(client, events) : await copyIntoPglite(client, events);
    // The rows are committed whatever happens next: failing the call would make the client send
    // them again. Without their partition they stay in the default one, which the maintenance
    // job drains.
    if (stored.rows > 0) await ensureLogPartitions(db, stored.days).catch(() => 0);
    return { rows: stored.rows, created: stored.created };
  }
  return insertRows(db, events, client !== undefined);
}

/** A database handle rather than a transaction (only a database carries `$client`). */
function isDatabase(db: Db): boolean {
  return (db as { $client?: unknown }).$client !== undefined;
}

export interface LogScope {
  project?: string | null;
  env?: string | null;
  domain?: string | null;
  services?: readonly string[];
  traceIds?: readonly string[];
  from: Date;
  to: Date;
}

export interface EvidenceQuery extends LogScope {
  /** Only events at or above this severity (e.g. 40 for warn and above). */
  minSeverity?: number;
  /**
   * Only error-like events (warn and above, or a message that reads like a failure, as
   * decided at ingest). The rest of a window is noise to an analysis; count it instead.
   */
  errorLike?: boolean;
  limit?: number;
}

function scopeWhere(scope: LogScope, minSeverity?: number, errorLike?: boolean): SQL | undefined {
  const where: SQL[] = [gte(logEvents.ts, scope.from), lt(logEvents.ts, scope.to)];
  if (scope.project) where.push(eq(logEvents.project, scope.project));
  if (scope.env) where.push(eq(logEvents.env, scope.env));
  // A domain filter keeps events of that domain and events that carry none (a service's own
  // logs rarely say their business domain).
  if (scope.domain) where.push(sql`(${logEvents.domain} = ${scope.domain} or ${logEvents.domain} is null)`);
  if (scope.services?.length) where.push(inArray(logEvents.service, [...scope.services]));
  if (scope.traceIds?.length) where.push(inArray(logEvents.traceId, [...scope.traceIds]));
  if (minSeverity !== undefined) where.push(gte(logEvents.severity, minSeverity));
  if (errorLike) where.push(eq(logEvents.errorLike, true));
  return and(...where);
}

/** Events in a scope and window, most severe first, then newest first. */
export async function selectLogEvents(db: Db, query: EvidenceQuery): Promise<LogEvent[]> {
  const rows = await db
    .select()
    .from(logEvents)
    .where(scopeWhere(query, query.minSeverity, query.errorLike))
    .orderBy(desc(logEvents.severity), desc(logEvents.ts), asc(logEvents.id))
    .limit(query.limit ?? 10_000);
  return rows.map((r) => ({
    ts: r.ts.toISOString(),
    project: r.project,
    env: r.env,
    domain: r.domain,
    service: r.service,
    level: r.level as LogEvent['level'],
    trace_id: r.traceId,
    message: r.message,
    attrs: r.attrs,
  }));
}

const MINUTE_MS = 60_000;
const floorMinute = (d: Date) => new Date(Math.floor(d.getTime() / MINUTE_MS) * MINUTE_MS);
const ceilMinute = (d: Date) => new Date(Math.ceil(d.getTime() / MINUTE_MS) * MINUTE_MS);

/** {@link scopeWhere} on log_event_minutes, over the whole minutes [from, to). */
function minutesWhere(scope: LogScope): SQL | undefined {
  const where: SQL[] = [gte(logEventMinutes.minute, scope.from), lt(logEventMinutes.minute, scope.to)];
  if (scope.project) where.push(eq(logEventMinutes.project, scope.project));
  if (scope.env) where.push(eq(logEventMinutes.env, scope.env));
  if (scope.domain) where.push(sql`(${logEventMinutes.domain} = ${scope.domain} or ${logEventMinutes.domain} is null)`);
  if (scope.services?.length) where.push(inArray(logEventMinutes.service, [...scope.services]));
  return and(...where);
}

/**
 * How many events a scope and window hold in all: the whole minutes from log_event_minutes and
 * the minutes the window's edges cut from the rows themselves, so the count is exact for any
 * instants and its cost follows the minutes, not the events. A scope naming trace ids (which the
 * rollup does not keep) counts rows.
 */
export async function countLogEventsInScope(db: Db, scope: LogScope): Promise<number> {
  const [row] = await queryRows<{ n: string | number }>(db, sql`select ${logEventsInScopeSql(scope)} as n`);
  return Number(row?.n ?? 0);
}

/** {@link countLogEventsInScope} as a scalar SQL expression (a bigint), to read within a larger statement. */
export function logEventsInScopeSql(scope: LogScope): SQL {
  const wholeFrom = ceilMinute(scope.from);
  const wholeTo = floorMinute(scope.to);
  const rows = (s: LogScope) => sql`(select count(*) from ${logEvents} where ${scopeWhere(s)})`;
  if (scope.traceIds?.length || wholeFrom >= wholeTo) return sql`${rows(scope)}::bigint`;
  return sql`(
      (select coalesce(sum(${logEventMinutes.count}), 0) from ${logEventMinutes} where ${minutesWhere({ ...scope, from: wholeFrom, to: wholeTo })})
      + ${rows({ ...scope, to: wholeFrom })} + ${rows({ ...scope, from: wholeTo })}
    )::bigint`;
}

/** How many events a scope holds, by level: the volume the evidence was drawn from. */
export async function countLogEvents(db: Db, scope: LogScope): Promise<Record<string, number>> {
  const rows = await db
    .select({ level: logEvents.level, n: sql<number>`count(*)::int` })
    .from(logEvents)
    .where(scopeWhere(scope))
    .groupBy(logEvents.level);
  return Object.fromEntries(rows.map((r) => [r.level, Number(r.n)]));
}

/** Error-like events an analysis reads per window; beyond it the most severe and newest are kept. */
export const WINDOW_EVENT_LIMIT = 20_000;

/** The windows an analysis reads within its hard scope: [baselineFrom, from) and [from, to). */
export interface EvidenceWindows {
  project: string | null;
  env: string | null;
  baselineFrom: Date;
  from: Date;
  to: Date;
}

/** What an analysis reads: the error-like events of the window and its baseline, and how many events each holds in all. */
export interface WindowEvidence {
  events: LogEvent[];
  baseline: LogEvent[];
  totals: { events: number; baseline: number };
}

/**
 * The evidence of one analysis, as the analyze step reads it (and bench/window times it): the
 * error-like events of the window and of the baseline (at most {@link WINDOW_EVENT_LIMIT} each,
 * most severe and newest first) and both windows' totals, four statements in parallel. Only the
 * hard scope bounds it: the hints only rank and focus inside it.
 *
 * @example
 * const { events, baseline, totals } = await readWindowEvidence(db, { project: 'bank', env: 'prod', baselineFrom, from, to });
 */
export async function readWindowEvidence(db: Db, w: EvidenceWindows): Promise<WindowEvidence> {
  const scope = { project: w.project, env: w.env };
  const [events, baseline, eventTotal, baselineTotal] = await Promise.all([
    selectLogEvents(db, { ...scope, from: w.from, to: w.to, errorLike: true, limit: WINDOW_EVENT_LIMIT }),
    selectLogEvents(db, { ...scope, from: w.baselineFrom, to: w.from, errorLike: true, limit: WINDOW_EVENT_LIMIT }),
    countLogEventsInScope(db, { ...scope, from: w.from, to: w.to }),
    countLogEventsInScope(db, { ...scope, from: w.baselineFrom, to: w.from }),
  ]);
  return { events, baseline, totals: { events: eventTotal, baseline: baselineTotal } };
}

/**
 * The hard scope of an analysis' evidence: project (the auth boundary) and env, when set, and a
 * window. Domain, services and the other hints only ever narrow what is read within it.
 */
export interface HardScope {
  project: string | null;
  env: string | null;
  from: Date;
  to: Date;
}

/**
 * What has been ingested into a hard scope, from log_event_minutes over the minutes the window
 * touches: how many events they hold and the highest ingest mark among them. Every statement
 * that stores events takes a new mark (a sequence) and writes it into each minute it adds to,
 * and a count only ever grows by ingest, so any event stored into the scope changes the mark;
 * the count also catches a mark taken earlier that committed later, and an event purged by
 * retention (its minutes go with it). The minutes cover the window (the cache's scopes are whole
 * minutes): an event in a cut minute just outside the window changes the mark too, which only
 * costs a cache miss.
 */
export interface EvidenceWatermark {
  events: number;
  mark: number | null;
}

/** The watermark query, unexecuted (a range scan of `log_event_minutes_key`, whatever the events). */
export function evidenceWatermarkQuery(db: Db, scope: HardScope) {
  return db
    .select({ events: sql<string>`coalesce(sum(${logEventMinutes.count}), 0)::bigint`, mark: sql<string | null>`max(${logEventMinutes.mark})` })
    .from(logEventMinutes)
    .where(minutesWhere({ project: scope.project, env: scope.env, from: floorMinute(scope.from), to: ceilMinute(scope.to) }));
}

/**
 * The evidence watermark of a hard scope: a cached analysis computed when the scope had this
 * mark was computed from the evidence that is there now.
 *
 * @example
 * const mark = await evidenceWatermark(db, { project: 'bank', env: 'prod', from, to });
 */
export async function evidenceWatermark(db: Db, scope: HardScope): Promise<EvidenceWatermark> {
  const [row] = await evidenceWatermarkQuery(db, scope);
  return { events: Number(row?.events ?? 0), mark: row?.mark == null ? null : Number(row.mark) };
}
