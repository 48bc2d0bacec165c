import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../client.ts';

/**
 * Read-only views for browsing (the web console and its API): lists of analyses, a pattern's
 * occurrences per day, its resolutions, and an analysis' events over time. Every reader takes
 * the caller's projects (`'*'`: every project, rows without a project included).
 */
export type ProjectScope = '*' | readonly string[];

/** One analysis as a list shows it. Instants are ISO strings. */
export interface AnalysisListEntry {
  request_id: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  source: string;
  project: string | null;
  env: string | null;
  domain: string | null;
  conversation_id: string | null;
  query_text: string;
  created_at: string;
  completed_at: string | null;
  error_pattern: string | null;
  pattern_key: string | null;
  confidence_score: number | null;
  outcome: 'resolved' | 'not_resolved' | null;
  alert: { fingerprint: string; labels: Record<string, string>; status: 'firing' | 'resolved'; starts_at: string; resolved_at: string | null } | null;
}

export interface AnalysisListFilter {
  project?: string | undefined;
  status?: string | undefined;
  source?: string | undefined;
  patternKey?: string | undefined;
  since?: Date | undefined;
  limit: number;
  /** Keyset position: entries strictly older than (created_at, request_id) of the last one shown. */
  after?: { createdAt: string; requestId: string } | undefined;
}

/** A position in a list, exact to the microsecond (created_at is finer than a JS Date). */
export interface AnalysisListPage {
  analyses: AnalysisListEntry[];
  /** The (created_at, request_id) of the last entry when more may follow. */
  next: { createdAt: string; requestId: string } | null;
}

interface AnalysisListRow {
  request_id: string;
  status: AnalysisListEntry['status'];
  source: string;
  project: string | null;
  env: string | null;
  domain: string | null;
  conversation_id: string | null;
  query_text: string;
  created_at: string;
  created_key: string;
  completed_at: string | null;
  error_pattern: string | null;
  pattern_key: string | null;
  confidence_score: number | null;
  outcome: AnalysisListEntry['outcome'];
  metadata: Record<string, unknown>;
}

const iso = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

function projectScope(column: SQL, projects: ProjectScope): SQL {
  if (projects === '*') return sql`true`;
  if (projects.length === 0) return sql`false`;
  return sql`${column} in (${sql.join(
    projects.map((p) => sql`${p}`),
    sql`, `,
  )})`;
}

/**
 * Analyses newest first (created_at, then request id), with what memory concluded, one page per
 * call, in one statement over `analysis_requests_project_created_idx` (or `..._created_idx`
 * for a key of every project).
 */
export async function listAnalysisEntries(db: Db, projects: ProjectScope, filter: AnalysisListFilter): Promise<AnalysisListPage> {
  const where: SQL[] = [projectScope(sql`r.project`, projects)];
  if (filter.project !== undefined) where.push(sql`r.project = ${filter.project}`);
  if (filter.status !== undefined) where.push(sql`r.status = ${filter.status}`);
  if (filter.source !== undefined) where.push(sql`r.source = ${filter.source}`);
  if (filter.patternKey !== undefined) where.push(sql`m.pattern_key = ${filter.patternKey}`);
  if (filter.since !== undefined) where.push(sql`r.created_at >= ${filter.since.toISOString()}::timestamptz`);
  if (filter.after) where.push(sql`(r.created_at, r.id) < (${filter.after.createdAt}::timestamptz, ${filter.after.requestId}::uuid)`);
  const rows = await queryRows<AnalysisListRow>(
    db,
    sql`select r.id as request_id, r.status, r.source, r.project, r.env, r.domain, r.conversation_id, r.text as query_text,
          ${iso(sql`r.created_at`)} as created_at,
          to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_key,
          case when r.status in ('completed', 'failed') then ${iso(sql`r.finished_at`)} end as completed_at,
          m.error_pattern, m.pattern_key, m.confidence_score, m.outcome, r.metadata
        from analysis_requests r
        left join analysis_memory m on m.request_id = r.id
        where ${sql.join(where, sql` and `)}
        order by r.created_at desc, r.id desc
        limit ${filter.limit + 1}`,
  );
  const more = rows.length > filter.limit;
  const page = more ? rows.slice(0, filter.limit) : rows;
  const last = page.at(-1);
  return {
    analyses: page.map(toEntry),
    next: more && last ? { createdAt: last.created_key, requestId: last.request_id } : null,
  };
}

function toEntry(row: AnalysisListRow): AnalysisListEntry {
  return {
    request_id: row.request_id,
    status: row.status,
    source: row.source,
    project: row.project,
    env: row.env,
    domain: row.domain,
    conversation_id: row.conversation_id,
    query_text: row.query_text,
    created_at: row.created_at,
    completed_at: row.completed_at,
    error_pattern: row.error_pattern,
    pattern_key: row.pattern_key,
    confidence_score: row.confidence_score === null ? null : Number(row.confidence_score),
    outcome: row.outcome,
    alert: alertOf(row.metadata),
  };
}

/** One conversation as a list shows it: its first visible question and how far it went. */
export interface ConversationListEntry {
  conversation_id: string;
  project: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
  /** The first user turn the caller may see; null before the first question. */
  first_question: string | null;
  /** Turns the caller may see (questions and answers). */
  turns: number;
  last_message_at: string | null;
}

export interface ConversationListPage {
  conversations: ConversationListEntry[];
  next: { createdAt: string; id: string } | null;
}

interface ConversationListRow {
  conversation_id: string;
  project: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
  created_key: string;
  first_question: string | null;
  turns: number;
  last_message_at: string | null;
}

/**
 * Conversations newest first (created_at, then id), one page per call, over
 * `conversations_project_idx`. A turn counts only when the caller may see the project it was
 * asked for (its request's project, else the conversation's), as `GET /api/conversations/{id}`
 * shows them.
 */
export async function listConversationEntries(
  db: Db,
  projects: ProjectScope,
  filter: { project?: string | undefined; limit: number; after?: { createdAt: string; id: string } | undefined },
): Promise<ConversationListPage> {
  const where: SQL[] = [projectScope(sql`c.project`, projects)];
  if (filter.project !== undefined) where.push(sql`c.project = ${filter.project}`);
  if (filter.after) where.push(sql`(c.created_at, c.id) < (${filter.after.createdAt}::timestamptz, ${filter.after.id}::uuid)`);
  const rows = await queryRows<ConversationListRow>(
    db,
    sql`select c.id as conversation_id, c.project, c.metadata,
          ${iso(sql`c.created_at`)} as created_at,
          to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_key,
          t.first_question, coalesce(t.turns, 0)::int as turns, ${iso(sql`t.last_at`)} as last_message_at
        from conversations c
        left join lateral (
          select count(*) as turns, max(m.created_at) as last_at,
                 (array_agg(m.content order by m.created_at, m.id) filter (where m.role = 'user'))[1] as first_question
          from messages m
          left join analysis_requests r on r.id = m.request_id
          where m.conversation_id = c.id and ${projectScope(sql`coalesce(r.project, c.project)`, projects)}
        ) t on true
        where ${sql.join(where, sql` and `)}
        order by c.created_at desc, c.id desc
        limit ${filter.limit + 1}`,
  );
  const more = rows.length > filter.limit;
  const page = more ? rows.slice(0, filter.limit) : rows;
  const last = page.at(-1);
  return {
    conversations: page.map(({ created_key: _key, ...entry }) => ({ ...entry, turns: Number(entry.turns) })),
    next: more && last ? { createdAt: last.created_key, id: last.conversation_id } : null,
  };
}

/** What an integration stored as `metadata.alert` (core's AlertMetadata) and `metadata.resolved_at`. */
function alertOf(metadata: Record<string, unknown> | null): AnalysisListEntry['alert'] {
  const alert = metadata?.alert as Record<string, unknown> | undefined;
  if (!alert || typeof alert !== 'object' || typeof alert.fingerprint !== 'string') return null;
  const labels: Record<string, string> = {};
  if (alert.labels && typeof alert.labels === 'object') {
    for (const [k, v] of Object.entries(alert.labels as Record<string, unknown>)) if (typeof v === 'string') labels[k] = v;
  }
  const resolvedAt = typeof metadata?.resolved_at === 'string' ? metadata.resolved_at : null;
  return {
    fingerprint: alert.fingerprint,
    labels,
    status: resolvedAt ? 'resolved' : 'firing',
    starts_at: typeof alert.starts_at === 'string' ? alert.starts_at : '',
    resolved_at: resolvedAt,
  };
}

/** How often each pattern was concluded per UTC day, in the days a caller asks for. */
export interface PatternDay {
  day: string;
  count: number;
}

/**
 * Occurrences per UTC day of each pattern in `windows` (pattern key → the last day, `YYYY-MM-DD`,
 * of its 30-day window), counted from the usage rows alone, never from analyses (which retention
 * may have purged): those of the analyses of `projects`; with
 * `'*'` every row, as usage_count counts them): one grouped statement for them all. Every day of each window is present, zeros included, oldest first.
 */
export async function countPatternDays(db: Db, projects: ProjectScope, windows: ReadonlyMap<string, string>, days = 30): Promise<Map<string, PatternDay[]>> {
  const out = new Map<string, PatternDay[]>();
  if (windows.size === 0) return out;
  const keys = [...windows.keys()];
  const lastDays = keys.map((k) => windows.get(k)!);
  const rows = await queryRows<{ pattern_key: string; day: string; count: number }>(
    db,
    sql`with w as (
          select * from unnest(${toArray(keys)}::text[], ${toArray(lastDays)}::date[]) as w(pattern_key, last_day)
        )
        select u.pattern_key, to_char((u.occurred_at at time zone 'UTC')::date, 'YYYY-MM-DD') as day, count(*)::int as count
        from w
        join pattern_usages u on u.pattern_key = w.pattern_key
          and u.occurred_at >= (w.last_day - ${days - 1}::int)::timestamp at time zone 'UTC'
          and u.occurred_at < (w.last_day + 1::int)::timestamp at time zone 'UTC'
          and ${projectScope(sql`u.project`, projects)}
        group by 1, 2`,
  );
  const counts = new Map(rows.map((r) => [`${r.pattern_key}\n${r.day}`, Number(r.count)]));
  for (const [key, lastDay] of windows) {
    const end = Date.parse(`${lastDay}T00:00:00Z`);
    const series: PatternDay[] = [];
    for (let i = days - 1; i >= 0; i--) {
      const day = new Date(end - i * 86_400_000).toISOString().slice(0, 10);
      series.push({ day, count: counts.get(`${key}\n${day}`) ?? 0 });
    }
    out.set(key, series);
  }
  return out;
}

/** A Postgres array literal of text values, as one bind parameter. */
function toArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}

export interface PatternResolution {
  resolution: string;
  resolved: number;
  not_resolved: number;
  last_at: string;
}

/**
 * The resolutions analyses of `projects` gave for a pattern, with how often each was reported to
 * work or not, best record first; `last_at` is when the newest incident it answered happened.
 */
export async function listPatternResolutions(db: Db, projects: ProjectScope, patternKey: string, limit = 20): Promise<PatternResolution[]> {
  const rows = await queryRows<PatternResolution>(
    db,
    sql`select m.resolution,
          (count(*) filter (where m.outcome = 'resolved'))::int as resolved,
          (count(*) filter (where m.outcome = 'not_resolved'))::int as not_resolved,
          ${iso(sql`max(m.occurred_at)`)} as last_at
        from analysis_memory m
        where m.pattern_key = ${patternKey} and m.resolution is not null and ${projectScope(sql`m.project`, projects)}
        group by m.resolution
        order by 2 desc, 3 asc, max(m.occurred_at) desc
        limit ${limit}`,
  );
  return rows.map((r) => ({ ...r, resolved: Number(r.resolved), not_resolved: Number(r.not_resolved) }));
}

export interface EventBucket {
  at: string;
  events: number;
  errors: number;
}

/**
 * Log events and error-like events per `bucketSeconds` of [from, to) in a project and env (null
 * env: every env), buckets aligned on `from`; every bucket present, zeros included. One grouped
 * statement over `log_events_scope_window_idx`.
 */
export async function countEventBuckets(
  db: Db,
  scope: { project: string | null; env: string | null; from: Date; to: Date },
  bucketSeconds: number,
): Promise<EventBucket[]> {
  const from = scope.from.toISOString();
  const where: SQL[] = [sql`ts >= ${from}::timestamptz`, sql`ts < ${scope.to.toISOString()}::timestamptz`];
  // As the analysis read it: without a project, every project's events (only a key of every project sees such a request).
  if (scope.project !== null) where.push(sql`project = ${scope.project}`);
  if (scope.env !== null) where.push(sql`env = ${scope.env}`);
  const rows = await queryRows<{ at: string; events: number; errors: number }>(
    db,
    sql`select ${iso(sql`date_bin(make_interval(secs => ${bucketSeconds}), ts, ${from}::timestamptz)`)} as at,
          count(*)::int as events, (count(*) filter (where error_like))::int as errors
        from log_events
        where ${sql.join(where, sql` and `)}
        group by 1`,
  );
  const byAt = new Map(rows.map((r) => [r.at, r]));
  const buckets: EventBucket[] = [];
  for (let t = scope.from.getTime(); t < scope.to.getTime(); t += bucketSeconds * 1000) {
    const at = new Date(t).toISOString();
    const row = byAt.get(at);
    buckets.push({ at, events: Number(row?.events ?? 0), errors: Number(row?.errors ?? 0) });
  }
  return buckets;
}
