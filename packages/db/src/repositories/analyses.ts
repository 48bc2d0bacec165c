import { and, asc, eq, gt, inArray, isNotNull, isNull, lt, notExists, sql, type Column, type SQL } from 'drizzle-orm';
import type { SimilarAnalysis } from '@loglore/core';
import { queryRows, runPrepared, type Db, type PreparedStatement } from '../client.ts';
import { analysisEvents, analysisMemory, analysisRequests, patternUsages } from '../schema/index.ts';

export type AnalysisRequest = typeof analysisRequests.$inferSelect;
export type NewAnalysisRequest = typeof analysisRequests.$inferInsert;
export type AnalysisMemoryRow = typeof analysisMemory.$inferSelect;
export type NewAnalysisMemory = typeof analysisMemory.$inferInsert;
export type AnalysisEventRow = typeof analysisEvents.$inferSelect;

/**
 * `column` is the project given, the null project included: a project's memory answers only
 * that project, and memory without a project answers only requests without one. Every read of
 * memory goes through this.
 */
export function projectIs(column: Column | SQL, project: string | null): SQL {
  return project === null ? isNull(column) : sql`${column} = ${project}::text`;
}

/**
 * Records an accepted request. With an idempotency key that is already known, nothing is
 * written and the earlier request is returned with `created: false`.
 */
export async function createAnalysisRequest(
  db: Db,
  input: NewAnalysisRequest,
): Promise<{ request: AnalysisRequest; created: boolean }> {
  const [row] = await db.insert(analysisRequests).values(input).onConflictDoNothing().returning();
  if (row) return { request: row, created: true };
  if (!input.idempotencyKey) throw new Error('analysis request insert conflicted without an idempotency key');
  const [existing] = await db
    .select()
    .from(analysisRequests)
    .where(eq(analysisRequests.idempotencyKey, input.idempotencyKey));
  return { request: existing!, created: false };
}

export async function getAnalysisRequest(db: Db, id: string): Promise<AnalysisRequest | undefined> {
  const [row] = await db.select().from(analysisRequests).where(eq(analysisRequests.id, id));
  return row;
}

export async function getAnalysisRequestByKey(db: Db, idempotencyKey: string): Promise<AnalysisRequest | undefined> {
  const [row] = await db.select().from(analysisRequests).where(eq(analysisRequests.idempotencyKey, idempotencyKey));
  return row;
}

/** queued → running; a finished request is left as it is (a replayed step must not reopen it). */
export async function markRequestRunning(db: Db, id: string): Promise<void> {
  await db
    .update(analysisRequests)
    .set({ status: 'running', startedAt: sql`coalesce(${analysisRequests.startedAt}, now())`, updatedAt: sql`now()` })
    .where(and(eq(analysisRequests.id, id), inArray(analysisRequests.status, ['queued', 'running'])));
}

export async function saveRequestParameters(db: Db, id: string, parameters: Record<string, unknown>): Promise<void> {
  await db.update(analysisRequests).set({ parameters, updatedAt: sql`now()` }).where(eq(analysisRequests.id, id));
}

/** Final states. Completed wins over failed: a late failure never hides a stored result. */
export async function markRequestCompleted(db: Db, id: string, result: Record<string, unknown>): Promise<void> {
  await db
    .update(analysisRequests)
    .set({ status: 'completed', result, error: null, finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(eq(analysisRequests.id, id));
}

export async function markRequestFailed(db: Db, id: string, error: string): Promise<boolean> {
  const rows = await db
    .update(analysisRequests)
    .set({ status: 'failed', error, finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(analysisRequests.id, id), inArray(analysisRequests.status, ['queued', 'running'])))
    .returning({ id: analysisRequests.id });
  return rows.length > 0;
}

/** Open requests untouched since `before`: candidates for re-enqueueing. */
export async function listStaleOpenRequests(db: Db, before: Date, limit = 500): Promise<AnalysisRequest[]> {
  return db
    .select()
    .from(analysisRequests)
    .where(and(inArray(analysisRequests.status, ['queued', 'running']), lt(analysisRequests.updatedAt, before)))
    .orderBy(asc(analysisRequests.updatedAt))
    .limit(limit);
}

/**
 * Moves an open request to its next enqueue generation, if nobody else did since `seenCount`
 * was read and it did not finish meanwhile (compare-and-set). Returns the new generation, or
 * null when another process won or the request is done.
 */
export async function noteRequestReenqueued(db: Db, id: string, seenCount: number): Promise<number | null> {
  const rows = await db
    .update(analysisRequests)
    .set({ enqueueCount: sql`${analysisRequests.enqueueCount} + 1`, updatedAt: sql`now()` })
    .where(and(eq(analysisRequests.id, id), eq(analysisRequests.enqueueCount, seenCount), inArray(analysisRequests.status, ['queued', 'running'])))
    .returning({ enqueueCount: analysisRequests.enqueueCount });
  return rows[0]?.enqueueCount ?? null;
}

/**
 * Completed analyses that named a pattern but were never counted towards it: no
 * `pattern_usages` row, although persist queued pattern-stats (whose job then vanished from
 * Redis or ran out of retries). Cached answers are left out, they never count. Only analyses
 * stored more than `olderThanMs` and less than `withinMs` ago, by the database's clock, are
 * looked at: the first leaves pattern-stats time to run, the second keeps the look-up on the
 * analysis_memory created_at index.
 */
export async function listUncountedAnalyses(db: Db, window: { withinMs: number; olderThanMs: number }, limit = 500): Promise<AnalysisRequest[]> {
  const rows = await db
    .select({ request: analysisRequests })
    .from(analysisMemory)
    .innerJoin(analysisRequests, eq(analysisRequests.id, analysisMemory.requestId))
    .where(
      and(
        // Ages by the database's clock, the one created_at was written with.
        sql`${analysisMemory.createdAt} >= now() - ${window.withinMs}::float8 * interval '1 millisecond'`,
        sql`${analysisMemory.createdAt} < now() - ${window.olderThanMs}::float8 * interval '1 millisecond'`,
        isNotNull(analysisMemory.patternKey),
        eq(analysisRequests.status, 'completed'),
        sql`coalesce((${analysisRequests.result} ->> 'cached')::boolean, false) = false`,
        notExists(
          db
            .select({ one: sql`1` })
            .from(patternUsages)
            .where(and(eq(patternUsages.patternKey, analysisMemory.patternKey), eq(patternUsages.requestId, analysisMemory.requestId))),
        ),
      ),
    )
    .orderBy(asc(analysisMemory.createdAt))
    .limit(limit);
  return rows.map((r) => r.request);
}

/**
 * Moves a completed request to its next enqueue generation (compare-and-set on `seenCount`),
 * so a re-enqueued pattern-stats job gets an id no finished job holds. Returns the new
 * generation, or null when another process got there first.
 */
export async function noteCountReenqueued(db: Db, id: string, seenCount: number): Promise<number | null> {
  const rows = await db
    .update(analysisRequests)
    .set({ enqueueCount: sql`${analysisRequests.enqueueCount} + 1`, updatedAt: sql`now()` })
    .where(and(eq(analysisRequests.id, id), eq(analysisRequests.enqueueCount, seenCount), eq(analysisRequests.status, 'completed')))
    .returning({ enqueueCount: analysisRequests.enqueueCount });
  return rows[0]?.enqueueCount ?? null;
}

/** Marks an open request as seen alive (its jobs are in Redis), so the next pass looks at others. */
export async function touchRequest(db: Db, id: string): Promise<void> {
  await db.update(analysisRequests).set({ updatedAt: sql`now()` }).where(eq(analysisRequests.id, id));
}

/**
 * Writes analysis memory for a request once; `project` is the request's (its scope for recall). Returns false when the row was already there
 * (a retried persist), in which case nothing changed.
 */
export async function storeAnalysisResult(db: Db, input: NewAnalysisMemory): Promise<boolean> {
  const rows = await db
    .insert(analysisMemory)
    .values(input)
    .onConflictDoNothing({ target: analysisMemory.requestId })
    .returning({ id: analysisMemory.id });
  return rows.length > 0;
}

export async function getAnalysisMemory(db: Db, requestId: string): Promise<AnalysisMemoryRow | undefined> {
  const [row] = await db.select().from(analysisMemory).where(eq(analysisMemory.requestId, requestId));
  return row;
}

/**
 * The latest analysis of a pattern in `project` whose resolution was confirmed before `before`:
 * when the pattern shows up again there, the new analysis is a recurrence of that one. Another
 * project's resolution is never recalled (null: only analyses without a project).
 */
export async function findLastResolvedAnalysis(
  db: Db,
  patternKey: string,
  before: Date,
  excludeRequestId: string,
  project: string | null,
): Promise<AnalysisMemoryRow | undefined> {
  const [row] = await db
    .select()
    .from(analysisMemory)
    .where(
      and(
        projectIs(analysisMemory.project, project),
        eq(analysisMemory.patternKey, patternKey),
        eq(analysisMemory.outcome, 'resolved'),
        lt(analysisMemory.occurredAt, before),
        sql`${analysisMemory.requestId} <> ${excludeRequestId}::uuid`,
      ),
    )
    .orderBy(sql`${analysisMemory.occurredAt} desc`)
    .limit(1);
  return row;
}

export interface SimilarQuery {
  /**
   * The project of the request asking (null: a request without one). Only that project's memory
   * is a candidate, whatever `filter` says.
   */
  project: string | null;
  /**
   * Every key given must be contained in a past analysis' parameters (jsonb `@>`), e.g.
   * `{project: 'payments', env: 'prod'}`; nothing is filtered by a hidden default.
   */
  filter: Record<string, unknown>;
  /** Text to rank by trigram similarity with past queries. */
  text?: string | null;
  /** Past analyses with this error pattern rank higher. */
  errorPattern?: string | null;
  /** Recency is measured from here (the request's time), so replays rank the same. */
  anchor?: Date;
  excludeRequestId?: string | null;
  limit?: number;
}

// Ranking weights: text similarity matters most, then the same error pattern, then a
// confirmed resolution, then recency (half-life about three weeks).
const W_TEXT = 0.45;
const W_PATTERN = 0.25;
const W_RESOLVED = 0.2;
const W_RECENT = 0.1;
const RECENCY_SCALE_SECONDS = 30 * 86_400;
/** The weights {@link findSimilarAnalyses} ranks by (bench/similar scores every row with them, as a reference). */
export const SIMILAR_WEIGHTS = { text: W_TEXT, pattern: W_PATTERN, resolved: W_RESOLVED, recent: W_RECENT, recencyScaleSeconds: RECENCY_SCALE_SECONDS } as const;
// Candidates come from bounded index walks within the project: the newest analyses sharing each
// MinHash band of the question's trigrams (near-duplicates, however common their words), each
// word of it, the same error pattern, and the nearest in time and the nearest confirmed
// resolutions on either side of the anchor. A few hundred rows at most, however many the
// project holds.
const SIMILAR_BAND_WALK = 32;
const SIMILAR_WORD_WALK = 16;
const SIMILAR_WALK = 32;
// Trigram similarity costs tens of microseconds a row, so only this many candidates get it: the
// best by the same score with an estimate standing in for text similarity (the share of the
// question's words a candidate was found by, or the similarity its share of MinHash bands
// implies: a band is 4 hashes, shared with probability similarity^4; analysis_memory_minhash_keys).
const SIMILAR_SHORTLIST = 48;
const MINHASH_BAND_ROWS = 4;

/**
 * `column` is the project the statement is for: `$n` (a project given), or null (a request
 * without one). The same rule as {@link projectIs}, written into a statement's text: the two are
 * separate statements, so each keeps a plan that walks the project's index entries.
 */
function projectIsText(column: string, param: string | null): string {
  return param === null ? `${column} is null` : `${column} = ${param}::text`;
}

/** 1 at the anchor (`anchor`, a timestamptz parameter), fading with the distance in time either way (float arithmetic throughout). */
function recency(anchor: string): string {
  return `exp(-abs(date_part('epoch', ${anchor}::timestamptz - m.occurred_at)) / ${RECENCY_SCALE_SECONDS}::float8)`;
}

/**
 * `lateral (…) walk`: the newest `limit` analyses of the project under the key `wanted.key`, an
 * index-only walk of analysis_memory_keys_walk_idx. What else a candidate must be is checked
 * once it is joined to its memory row: checked inside the walk, the planner may trade the walk
 * for a scan of every row of the project.
 */
function keyLateral(project: string | null, limit: string): string {
  return `lateral (
      select k.memory_id as id from analysis_memory_keys k
      where ${projectIsText('k.project', project)} and k.key = wanted.key
      order by k.occurred_at desc limit ${limit}::int) walk`;
}

/**
 * {@link findSimilarAnalyses}' statement. Parameters: $1 the question's text, $2 the filter
 * (jsonb text), $3 the request left out (uuid or null), $4 the anchor, $5 the error pattern (or
 * null), $6 the limit, $7 to $9 the walk sizes, and $10 the project in the statement for a
 * project. Walk sizes are parameters, not text, for the generic plan's sake: it takes a LIMIT it
 * cannot see as wanting a tenth of the rows and walks the index in order, where a LIMIT of 200
 * over an estimate of 50 rows makes it read and sort them all.
 */
function similarStatement(scoped: boolean): PreparedStatement {
  const project = scoped ? '$10' : null;
  // What every candidate must be, checked inside each walk so that a walk yields rows that count.
  const eligible = `${projectIsText('m.project', project)} and m.parameters @> $2::jsonb and ($3::uuid is null or m.request_id <> $3::uuid)`;
  const nearest = (where: string) => `
          (select m.id from analysis_memory m where ${eligible} and ${where} and m.occurred_at <= $4::timestamptz
            order by m.occurred_at desc limit $9::int)
          union
          (select m.id from analysis_memory m where ${eligible} and ${where} and m.occurred_at > $4::timestamptz
            order by m.occurred_at asc limit $9::int)`;
  // Every part of the score but text similarity.
  const rest = `${W_PATTERN}::float8 * (case when $5::text is not null and m.error_pattern = $5::text then 1 else 0 end)
    + ${W_RESOLVED}::float8 * (case m.outcome when 'resolved' then 1 when 'not_resolved' then -0.5 else 0 end)
    + ${W_RECENT}::float8 * ${recency('$4')}`;
  return {
    name: scoped ? 'loglore_find_similar' : 'loglore_find_similar_no_project',
    // Its generic plan (no values: `project = $10` estimated as one project of n_distinct,
    // `@> $2` as 1%, so each walk as a row or two) reads and sorts every analysis of the project
    // with the error pattern and every confirmed one instead of walking the newest few: twice
    // as slow at 100k analyses, and growing with the project.
    customPlans: true,
    text: `
      with asked as (select analysis_memory_text_keys($1::text) as words, analysis_memory_minhash_keys($1::text) as bands),
      found as (
        (select walk.id, count(*)::float8 / cardinality(asked.words) as share
          from asked, unnest(asked.words) as wanted(key), ${keyLateral(project, '$7')}
          group by walk.id, asked.words)
        union all
        (select walk.id, power(count(*)::float8 / cardinality(asked.bands), ${1 / MINHASH_BAND_ROWS}::float8) as share
          from asked, unnest(asked.bands) as wanted(key), ${keyLateral(project, '$8')}
          group by walk.id, asked.bands)
        union all
        (select id, 0::float8 from (
          (select m.id from analysis_memory m
            where $5::text is not null and m.error_pattern = $5::text and ${eligible}
            order by m.occurred_at desc limit $9::int)
          union
          ${nearest('true')}
          union
          ${nearest(`m.outcome = 'resolved'`)}
        ) walked)
      ),
      shortlist as (
        select m.*, ${rest} as rest from (select id, max(share) as share from found group by id) c
        join analysis_memory m on m.id = c.id
        where ${eligible}
        order by ${W_TEXT}::float8 * c.share + ${rest} desc, m.created_at desc, m.id desc
        limit ${SIMILAR_SHORTLIST}
      )
      select m.request_id, m.query_text, m.error_pattern, m.trace_ids, m.resolution, m.outcome, m.created_at, m.occurred_at,
        (${W_TEXT}::float8 * (case when $1::text = '' then 0 else similarity(m.query_text, $1::text) end) + m.rest)::float8 as score
      from shortlist m
      order by score desc, m.created_at desc, m.id desc
      limit $6::int`,
  };
}
const SIMILAR_SCOPED = similarStatement(true);
const SIMILAR_NO_PROJECT = similarStatement(false);

/**
 * Past analyses like this one, best first. Candidates must contain every parameter of
 * `filter`; among them text similarity, error pattern, confirmed resolutions and recency rank.
 * Candidates come from index walks of a few dozen rows each, never from a scan of the project's
 * newest rows, so the cost stays flat as memory grows. One prepared statement (two: with a
 * project and without).
 */
export async function findSimilarAnalyses(db: Db, query: SimilarQuery): Promise<SimilarAnalysis[]> {
  const values = [
    query.text ?? '',
    JSON.stringify(query.filter),
    query.excludeRequestId ?? null,
    (query.anchor ?? new Date()).toISOString(),
    query.errorPattern ?? null,
    query.limit ?? 5,
    SIMILAR_WORD_WALK,
    SIMILAR_BAND_WALK,
    SIMILAR_WALK,
  ];
  const rows =
    query.project === null
      ? await runPrepared<SimilarRow>(db, SIMILAR_NO_PROJECT, values)
      : await runPrepared<SimilarRow>(db, SIMILAR_SCOPED, [...values, query.project]);
  return rows.map(toSimilar);
}

export interface SimilarByEvidenceQuery {
  /**
   * The access boundary: the project of the request asking (analysis_requests.project). Only
   * memory of that project is a candidate (null: only memory of no project), whatever the
   * past analyses' parameters say.
   */
  project: string | null;
  /** Same env ranks higher; other envs are not hidden (the same cause recurs in staging). */
  env?: string | null;
  patternKey: string | null;
  templateKeys: readonly string[];
  services: readonly string[];
  /** The question, a weak last signal. */
  text?: string | null;
  anchor?: Date;
  excludeRequestId?: string | null;
  limit?: number;
}

// Ranking by evidence: the pattern the analysis found matters most, then how many of its
// templates the past one saw (Jaccard), then the services that logged it, then text, env,
// a confirmed resolution and recency.
const E_PATTERN = 0.4;
const E_TEMPLATES = 0.25;
const E_SERVICES = 0.1;
const E_TEXT = 0.1;
const E_ENV = 0.05;
const E_RESOLVED = 0.05;
const E_RECENT = 0.05;
/** The weights {@link findSimilarByEvidence} ranks by. */
export const EVIDENCE_WEIGHTS = {
  pattern: E_PATTERN,
  templates: E_TEMPLATES,
  services: E_SERVICES,
  text: E_TEXT,
  env: E_ENV,
  resolved: E_RESOLVED,
  recent: E_RECENT,
  recencyScaleSeconds: RECENCY_SCALE_SECONDS,
} as const;
// Candidates per index walk: the newest analyses of the same pattern (and of them the newest
// confirmed), of each template key, of each service and of each MinHash band of the question.
const EVIDENCE_PATTERN = 200;
const EVIDENCE_RESOLVED = 32;
const EVIDENCE_KEY = 64;
const EVIDENCE_BAND = 16;
// Only the best this many by the score with the similarity a candidate's share of MinHash bands
// implies standing in for text similarity get similarity() (tens of microseconds a row).
const EVIDENCE_SHORTLIST = 48;

/**
 * {@link findSimilarByEvidence}' statement. Parameters: $1 the question's text, $2 the template
 * keys and $3 the services (text[] literals), $4 the pattern key, $5 the env (each may be null),
 * $6 the request left out (uuid or null), $7 the anchor, $8 the limit, $9 to $12 the walk sizes
 * (parameters for the generic plan's sake, as in {@link similarStatement}), and $13 the project
 * in the statement for a project. Postgres may keep its generic plan after five executions: it
 * walks the same indexes as a custom one (EXPLAIN at 100k analyses, 20 and 2,000 patterns) and
 * saves the planning.
 */
function evidenceStatement(scoped: boolean): PreparedStatement {
  const project = scoped ? '$13' : null;
  const eligible = `${projectIsText('m.project', project)} and ($6::uuid is null or m.request_id <> $6::uuid)`;
  const samePattern = `$4::text is not null and m.pattern_key = $4::text and ${eligible}`;
  const jaccard = (column: string, wanted: string) => `coalesce(
    cardinality(array(select unnest(${column}) intersect select unnest(${wanted}::text[])))::float8
    / nullif(cardinality(array(select unnest(${column}) union select unnest(${wanted}::text[]))), 0), 0)`;
  // Every part of the score but text similarity.
  const rest = `${E_PATTERN}::float8 * (case when m.pattern_key = $4::text then 1 else 0 end)
    + ${E_TEMPLATES}::float8 * ${jaccard('m.template_keys', '$2')}
    + ${E_SERVICES}::float8 * ${jaccard('m.services', '$3')}
    + ${E_ENV}::float8 * (case when $5::text is not null and m.parameters->>'env' = $5::text then 1 else 0 end)
    + ${E_RESOLVED}::float8 * (case m.outcome when 'resolved' then 1 when 'not_resolved' then -0.5 else 0 end)
    + ${E_RECENT}::float8 * ${recency('$7')}`;
  // The same with the similarity a candidate's share of MinHash bands implies for text (pooled as c).
  const estimate = `${rest} + ${E_TEXT}::float8 * c.text`;
  return {
    name: scoped ? 'loglore_find_similar_by_evidence' : 'loglore_find_similar_by_evidence_no_project',
    text: `
      with asked as (
        select array(select distinct 't:' || t from unnest($2::text[]) t) as templates,
          array(select distinct 's:' || s from unnest($3::text[]) s) as services,
          analysis_memory_minhash_keys($1::text) as bands
      ),
      found as (
        (select id, 0::float8 as text from (
          (select m.id from analysis_memory m where ${samePattern}
            order by m.occurred_at desc limit $9::int)
          union
          (select m.id from analysis_memory m where ${samePattern} and m.outcome = 'resolved'
            order by m.occurred_at desc limit $10::int)
          union
          (select walk.id from asked, unnest(asked.templates || asked.services) as wanted(key), ${keyLateral(project, '$11')})
        ) walked)
        union all
        (select walk.id, power(count(*)::float8 / cardinality(asked.bands), ${1 / MINHASH_BAND_ROWS}::float8)
          from asked, unnest(asked.bands) as wanted(key), ${keyLateral(project, '$12')}
          group by walk.id, asked.bands)
      ),
      pooled as (select id, max(text) as text from found group by id),
      shortlist as (
        select m.* from pooled c join analysis_memory m on m.id = c.id
        where ${eligible}
        order by ${estimate} desc, m.occurred_at desc, m.id desc
        limit ${EVIDENCE_SHORTLIST}
      )
      select m.request_id, m.query_text, m.error_pattern, m.trace_ids, m.resolution, m.outcome, m.created_at, m.occurred_at,
        (${E_TEXT}::float8 * (case when $1::text = '' then 0 else similarity(m.query_text, $1::text) end) + ${rest})::float8 as score
      from shortlist m
      order by score desc, m.occurred_at desc, m.id desc
      limit $8::int`,
  };
}
const EVIDENCE_SCOPED = evidenceStatement(true);
const EVIDENCE_NO_PROJECT = evidenceStatement(false);

/**
 * Past analyses of the same project that found the same failure, best first: candidates come
 * from bounded walks of the indexes on pattern key, template signatures, services and MinHash
 * bands of the question (never a scan of the newest rows), and rank by {@link E_PATTERN}… weights.
 * Read-only; one prepared statement (two: with a project and without).
 */
export async function findSimilarByEvidence(db: Db, query: SimilarByEvidenceQuery): Promise<SimilarAnalysis[]> {
  const values = [
    query.text ?? '',
    pgTextArray(query.templateKeys),
    pgTextArray(query.services),
    query.patternKey,
    query.env ?? null,
    query.excludeRequestId ?? null,
    (query.anchor ?? new Date()).toISOString(),
    query.limit ?? 5,
    EVIDENCE_PATTERN,
    EVIDENCE_RESOLVED,
    EVIDENCE_KEY,
    EVIDENCE_BAND,
  ];
  const rows =
    query.project === null
      ? await runPrepared<SimilarRow>(db, EVIDENCE_NO_PROJECT, values)
      : await runPrepared<SimilarRow>(db, EVIDENCE_SCOPED, [...values, query.project]);
  return rows.map(toSimilar);
}

/** A text[] literal (`{"a","b"}`) of values, so one parameter carries the whole array. */
function pgTextArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}

interface SimilarRow {
  request_id: string;
  query_text: string;
  error_pattern: string | null;
  trace_ids: string[];
  resolution: string | null;
  outcome: 'resolved' | 'not_resolved' | null;
  created_at: Date | string;
  occurred_at: Date | string;
  score: number;
}

function toSimilar(r: SimilarRow): SimilarAnalysis {
  return {
    request_id: r.request_id,
    query_text: r.query_text,
    error_pattern: r.error_pattern,
    trace_ids: r.trace_ids ?? [],
    resolution: r.resolution,
    outcome: r.outcome,
    created_at: new Date(r.created_at).toISOString(),
    occurred_at: new Date(r.occurred_at).toISOString(),
    score: Math.round(Number(r.score) * 1000) / 1000,
  };
}

/**
 * Appends a step event. Each step is stored once per request with the next sequence number;
 * a retried step gets back the event stored the first time (same seq), so subscribers see
 * one event per step however often the job ran.
 */
export async function appendAnalysisEvent(
  db: Db,
  input: { requestId: string; conversationId: string | null; step: string; payload: Record<string, unknown> },
): Promise<AnalysisEventRow & { inserted: boolean }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const rows = await queryRows<Record<string, unknown>>(
      db,
      sql`
        insert into ${analysisEvents} (request_id, seq, conversation_id, step, payload)
        select ${input.requestId}::uuid, coalesce(max(seq), 0) + 1, ${input.conversationId}::uuid, ${input.step}, ${JSON.stringify(input.payload)}::jsonb
        from ${analysisEvents} where request_id = ${input.requestId}::uuid
        on conflict do nothing
        returning request_id, seq, conversation_id, step, payload, at`,
    );
    if (rows[0]) return { ...toEventRow(rows[0]), inserted: true };
    const [existing] = await db
      .select()
      .from(analysisEvents)
      .where(and(eq(analysisEvents.requestId, input.requestId), eq(analysisEvents.step, input.step)));
    if (existing) return { ...existing, inserted: false };
    // Lost a race for the sequence number with another step of the same request: try again.
  }
  throw new Error(`could not append ${input.step} event for ${input.requestId}`);
}

function toEventRow(r: Record<string, unknown>): AnalysisEventRow {
  return {
    requestId: String(r.request_id),
    seq: Number(r.seq),
    conversationId: (r.conversation_id as string | null) ?? null,
    step: String(r.step),
    payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>,
    at: new Date(r.at as string),
  };
}

/** Events of one request after `afterSeq`, in order (SSE replay). */
export async function listAnalysisEvents(db: Db, requestId: string, afterSeq = 0): Promise<AnalysisEventRow[]> {
  return db
    .select()
    .from(analysisEvents)
    .where(and(eq(analysisEvents.requestId, requestId), gt(analysisEvents.seq, afterSeq)))
    .orderBy(asc(analysisEvents.seq));
}

/** Events of every request of a conversation, oldest first. */
export async function listConversationEvents(db: Db, conversationId: string): Promise<AnalysisEventRow[]> {
  return db
    .select()
    .from(analysisEvents)
    .where(eq(analysisEvents.conversationId, conversationId))
    .orderBy(asc(analysisEvents.at), asc(analysisEvents.requestId), asc(analysisEvents.seq));
}

/**
 * The project of every request asked in a conversation, by request id. A conversation may hold
 * turns of several projects (a key granted them named one per turn); a reader is shown only the
 * turns and events of the projects it may see.
 */
export async function listConversationRequestProjects(db: Db, conversationId: string): Promise<Map<string, string | null>> {
  const rows = await db
    .select({ id: analysisRequests.id, project: analysisRequests.project })
    .from(analysisRequests)
    .where(eq(analysisRequests.conversationId, conversationId));
  return new Map(rows.map((r) => [r.id, r.project]));
}
