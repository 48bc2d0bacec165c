import { eq, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../client.ts';
import { projectRetention } from '../schema/index.ts';
import { dropLogPartitionsBefore, drainDefaultLogPartition, ensureLogPartitions, isLockTimeout } from './partitions.ts';

/** Days each kind of row is kept; 0 keeps it for ever. */
export interface RetentionDays {
  /** log_events, by the event's instant. */
  logs: number;
  /** analysis_requests and analysis_memory (alert occurrences and backfill links go with their request), by created_at. */
  analyses: number;
  /** analysis_events, the step events kept for replay, by their instant. They never outlive their analysis. */
  events: number;
  /** Conversation messages by created_at; a conversation left without messages goes too. */
  messages: number;
}
export type RetentionKind = keyof RetentionDays;

const COLUMNS = { logs: 'logDays', analyses: 'analysisDays', events: 'eventDays', messages: 'messageDays' } as const satisfies Record<RetentionKind, keyof typeof projectRetention.$inferSelect>;

/** A project's overrides; a kind left out takes the default. */
export type ProjectRetention = Partial<Record<RetentionKind, number>>;

/**
 * Sets (a number) or clears (null: back to the default) a project's retention of some kinds;
 * kinds not named keep what they had.
 *
 * @example
 * await setProjectRetention(db, 'payments', { logs: 7, analyses: null });
 */
export async function setProjectRetention(db: Db, project: string, days: Partial<Record<RetentionKind, number | null>>): Promise<ProjectRetention> {
  const set: Partial<typeof projectRetention.$inferInsert> = {};
  for (const kind of Object.keys(COLUMNS) as RetentionKind[]) {
    const value = days[kind];
    if (value === undefined) continue;
    if (value !== null && (!Number.isInteger(value) || value < 0)) throw new RangeError(`retention of ${kind} must be a whole number of days, 0 or more`);
    set[COLUMNS[kind]] = value;
  }
  await db
    .insert(projectRetention)
    .values({ project, ...set })
    .onConflictDoUpdate({ target: projectRetention.project, set: { ...set, updatedAt: sql`now()` } });
  return (await getProjectRetention(db, project)) ?? {};
}

/** A project's overrides, or undefined when it has none. */
export async function getProjectRetention(db: Db, project: string): Promise<ProjectRetention | undefined> {
  const [row] = await db.select().from(projectRetention).where(eq(projectRetention.project, project));
  return row ? overridesOf(row) : undefined;
}

/** Every project's overrides. */
export async function listProjectRetention(db: Db): Promise<Map<string, ProjectRetention>> {
  const rows = await db.select().from(projectRetention);
  return new Map(rows.map((r) => [r.project, overridesOf(r)]));
}

function overridesOf(row: typeof projectRetention.$inferSelect): ProjectRetention {
  const out: ProjectRetention = {};
  for (const kind of Object.keys(COLUMNS) as RetentionKind[]) {
    const value = row[COLUMNS[kind]];
    if (value !== null) out[kind] = value;
  }
  return out;
}

/** Tables the purge deletes from, as /metrics names them. */
export const RETENTION_TABLES = ['log_events', 'log_event_minutes', 'log_template_minutes', 'analysis_requests', 'analysis_memory', 'analysis_events', 'messages', 'conversations'] as const;
export type RetentionTable = (typeof RETENTION_TABLES)[number];

export interface RetentionOptions {
  defaults: RetentionDays;
  /** The instant ages are measured from. */
  now: Date;
  /** Rows per DELETE statement (default 5,000). */
  batchSize?: number;
  /** DELETE statements per rule and run at most (default 200); what is left waits for the next run. */
  maxBatches?: number;
  /** Day partitions made ahead of `now` (default 2: today's and tomorrow's). */
  daysAhead?: number;
}

export interface RetentionRun {
  /** Rows deleted per table, the rows of dropped partitions included in log_events. */
  purged: Record<RetentionTable, number>;
  /** Day partitions of log_events dropped whole. */
  droppedPartitions: string[];
  /** Partitions whose drop waited too long for its lock; the next run tries again. */
  skippedPartitions: string[];
  /** Partitions made (ahead of time, or for rows found in the default partition). */
  madePartitions: number;
  /** True when some rule stopped at maxBatches with rows left. */
  more: boolean;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** One project's cut-off or the default's: `project` rows, or (`project` null) every project without its own. */
interface Rule {
  project: string | null;
  others: readonly string[];
  cutoff: Date;
}

function rules(kind: RetentionKind, options: RetentionOptions, overrides: Map<string, ProjectRetention>): Rule[] {
  const out: Rule[] = [];
  const own: string[] = [];
  for (const [project, o] of overrides) {
    const days = o[kind];
    if (days === undefined) continue;
    own.push(project);
    if (days > 0) out.push({ project, others: [], cutoff: new Date(options.now.getTime() - days * DAY_MS) });
  }
  const fallback = options.defaults[kind];
  if (fallback > 0) out.push({ project: null, others: own, cutoff: new Date(options.now.getTime() - fallback * DAY_MS) });
  // Logs go by whole minutes, so the per-minute rollups purged with them keep counting exactly the rows kept.
  if (kind === 'logs') for (const rule of out) rule.cutoff = new Date(Math.floor(rule.cutoff.getTime() / MINUTE_MS) * MINUTE_MS);
  return out;
}

/** `column` within a rule's projects: its project, or any project (and none) without an override. */
function projectMatch(column: SQL, rule: Rule): SQL {
  if (rule.project !== null) return sql`${column} = ${rule.project}`;
  if (rule.others.length === 0) return sql`true`;
  return sql`(${column} is null or ${column} <> all(${textArray(rule.others)}::text[]))`;
}

function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}

/** The longest time any project keeps logs (null: some project keeps them for ever). */
function longestLogDays(defaults: RetentionDays, overrides: Map<string, ProjectRetention>): number | null {
  let longest = defaults.logs;
  if (longest === 0) return null;
  for (const o of overrides.values()) {
    if (o.logs === undefined) continue;
    if (o.logs === 0) return null;
    longest = Math.max(longest, o.logs);
  }
  return longest;
}

/**
 * Deletes what has outlived its project's retention (or the default), in statements of at most
 * `batchSize` rows; drops the day partitions of log_events older than every project's log
 * retention; makes the coming days' partitions and drains the default partition of days that
 * are kept.
 *
 * Idempotent and safe to run from several processes at once: each batch picks its rows with
 * `FOR UPDATE SKIP LOCKED`, so two runs delete disjoint rows and count each row once, and
 * partition DDL is serialised by an advisory lock. Pattern statistics are counters of their
 * own (error_patterns, pattern_project_stats, pattern_usages) and are never recomputed from the
 * analyses purged here.
 *
 * @example
 * const run = await purgeExpired(db, { defaults: { logs: 30, analyses: 365, events: 90, messages: 365 }, now: new Date() });
 */
export async function purgeExpired(db: Db, options: RetentionOptions): Promise<RetentionRun> {
  const batchSize = options.batchSize ?? 5_000;
  const maxBatches = options.maxBatches ?? 200;
  const overrides = await listProjectRetention(db);
  const run: RetentionRun = {
    purged: Object.fromEntries(RETENTION_TABLES.map((t) => [t, 0])) as Record<RetentionTable, number>,
    droppedPartitions: [],
    skippedPartitions: [],
    madePartitions: 0,
    more: false,
  };
  const now = options.now.getTime();
  const today = Date.UTC(options.now.getUTCFullYear(), options.now.getUTCMonth(), options.now.getUTCDate());

  // Logs: whole days first, then what the partitions kept of projects that keep less.
  const longest = longestLogDays(options.defaults, overrides);
  const keptFrom = longest === null ? null : new Date(now - longest * DAY_MS);
  if (keptFrom) {
    const dropped = await dropLogPartitionsBefore(db, keptFrom);
    run.droppedPartitions = dropped.dropped;
    run.skippedPartitions = dropped.skipped;
    run.purged.log_events += dropped.rows;
  }
  const ahead = Array.from({ length: options.daysAhead ?? 2 }, (_, i) => new Date(today + i * DAY_MS).toISOString().slice(0, 10));
  // Partitions wait for writes in flight; a busy table is left for the next run, the purge goes on.
  const unlessBusy = (made: Promise<number>) => made.catch((error: unknown) => (isLockTimeout(error) ? 0 : Promise.reject(error)));
  run.madePartitions += await unlessBusy(ensureLogPartitions(db, ahead));
  run.madePartitions += await unlessBusy(drainDefaultLogPartition(db, { from: keptFrom, to: new Date(today + 8 * DAY_MS) }));

  // Each statement answers the rows it deleted (n), and a request's its step events (events).
  const batches = async (table: RetentionTable, statement: (rule: Rule) => SQL, kind: RetentionKind) => {
    for (const rule of rules(kind, options, overrides)) {
      for (let i = 0; ; i++) {
        if (i === maxBatches) {
          run.more = true;
          break;
        }
        const [row] = await queryRows<{ n: number; events?: number }>(db, statement(rule));
        const n = Number(row?.n ?? 0);
        run.purged[table] += n;
        run.purged.analysis_events += Number(row?.events ?? 0);
        if (n < batchSize) break;
      }
    }
  };

  await batches(
    'log_events',
    (rule) => sql`with doomed as (
        select ts, id from log_events
        where ts < ${rule.cutoff.toISOString()}::timestamptz and ${projectMatch(sql`project`, rule)}
        limit ${batchSize} for update skip locked
      ), gone as (
        delete from log_events l using doomed d where l.ts = d.ts and l.id = d.id returning 1
      ) select count(*)::int as n from gone`,
    'logs',
  );

  // The per-minute counts of the purged logs go with them: all events, then templates (log_templates keeps its totals).
  for (const table of ['log_event_minutes', 'log_template_minutes'] as const) {
    await batches(
      table,
      (rule) => sql`with doomed as (
          select ctid from ${sql.identifier(table)}
          where minute < ${rule.cutoff.toISOString()}::timestamptz and ${projectMatch(sql`project`, rule)}
          limit ${batchSize} for update skip locked
        ), gone as (
          delete from ${sql.identifier(table)} m using doomed d where m.ctid = d.ctid returning 1
        ) select count(*)::int as n from gone`,
      'logs',
    );
  }

  // Step events alone, where a project keeps them less long than its analyses.
  await batches(
    'analysis_events',
    (rule) => sql`with doomed as (
        select e.request_id, e.seq from analysis_events e join analysis_requests r on r.id = e.request_id
        where e.at < ${rule.cutoff.toISOString()}::timestamptz and ${projectMatch(sql`r.project`, rule)}
        limit ${batchSize} for update of e skip locked
      ), gone as (
        delete from analysis_events e using doomed d where e.request_id = d.request_id and e.seq = d.seq returning 1
      ) select count(*)::int as n from gone`,
    'events',
  );

  // Finished requests, with their step events (counted) and, by cascade, alert occurrences and backfill links.
  await batches(
    'analysis_requests',
    (rule) => sql`with doomed as (
        select id from analysis_requests
        where created_at < ${rule.cutoff.toISOString()}::timestamptz and status in ('completed', 'failed')
          and ${projectMatch(sql`project`, rule)}
        limit ${batchSize} for update skip locked
      ), events as (
        delete from analysis_events e using doomed d where e.request_id = d.id returning 1
      ), gone as (
        delete from analysis_requests r using doomed d where r.id = d.id returning 1
      ) select (select count(*) from gone)::int as n, (select count(*) from events)::int as events`,
    'analyses',
  );

  await batches(
    'analysis_memory',
    (rule) => sql`with doomed as (
        select id from analysis_memory
        where created_at < ${rule.cutoff.toISOString()}::timestamptz and ${projectMatch(sql`project`, rule)}
        limit ${batchSize} for update skip locked
      ), gone as (
        delete from analysis_memory m using doomed d where m.id = d.id returning 1
      ) select count(*)::int as n from gone`,
    'analyses',
  );

  await batches(
    'messages',
    (rule) => sql`with doomed as (
        select m.id from messages m join conversations c on c.id = m.conversation_id
        where m.created_at < ${rule.cutoff.toISOString()}::timestamptz and ${projectMatch(sql`c.project`, rule)}
        limit ${batchSize} for update of m skip locked
      ), gone as (
        delete from messages m using doomed d where m.id = d.id returning 1
      ) select count(*)::int as n from gone`,
    'messages',
  );
  await batches(
    'conversations',
    (rule) => sql`with doomed as (
        select c.id from conversations c
        where c.updated_at < ${rule.cutoff.toISOString()}::timestamptz and ${projectMatch(sql`c.project`, rule)}
          and not exists (select 1 from messages m where m.conversation_id = c.id)
        limit ${batchSize} for update skip locked
      ), gone as (
        delete from conversations c using doomed d where c.id = d.id returning 1
      ) select count(*)::int as n from gone`,
    'messages',
  );
  return run;
}
