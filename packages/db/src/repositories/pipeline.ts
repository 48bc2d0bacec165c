/**
 * The pipeline's hot path: one statement per step, prepared, writing what the step holds and
 * returning only what it does not (sequence numbers and instants), never the payloads back.
 * Each statement is gated on the request's state, so a step whose inputs came stale (carried in
 * job data while another run finished the request) writes nothing and says so; the caller then
 * takes the step's Postgres path, which reads the stored state like a replay.
 */
import { runPrepared, type Db, type PreparedStatement } from '../client.ts';

/** A step event as stored: what the caller needs to publish the payload it already holds. */
export interface StoredEventHead {
  step: string;
  seq: number;
  at: Date;
}

interface HeadRow {
  step: string;
  seq: number | string;
  at: Date | string;
}

const toHead = (r: HeadRow): StoredEventHead => ({ step: r.step, seq: Number(r.seq), at: new Date(r.at) });

// Sequence numbers follow each request's last event; the events of one call take the next ones
// in order. A concurrent append of the same request (a `failed` event, or the same request twice
// in one batch) makes the key conflict: that row is skipped like an event already stored, and
// the caller reads what is there.
const APPEND_EVENTS: PreparedStatement = {
  name: 'loglore_append_step_events_batch',
  text: `
    with input as (
      select (b.value->>'request_id')::uuid as request_id, (b.value->>'conversation_id')::uuid as conversation_id, b.value->'events' as events
      from jsonb_array_elements($1::jsonb) as b(value)
    ), open as (
      select i.request_id, i.conversation_id, i.events,
        (select coalesce(max(e.seq), 0) from analysis_events e where e.request_id = i.request_id) as seq
      from input i
      where exists (select 1 from analysis_requests r where r.id = i.request_id and r.status in ('queued', 'running'))
    )
    insert into analysis_events (request_id, seq, conversation_id, step, payload)
    select o.request_id, o.seq + e.ord, o.conversation_id, e.value->>'step', e.value->'payload'
    from open o, jsonb_array_elements(o.events) with ordinality as e(value, ord)
    on conflict do nothing
    returning request_id, step, seq, at`,
};

export interface AppendInput {
  requestId: string;
  conversationId: string | null;
  events: readonly { step: string; payload: Record<string, unknown> }[];
}

interface Pending {
  input: AppendInput;
  resolve(heads: StoredEventHead[]): void;
  reject(error: unknown): void;
}

/** Appends waiting for the statement in flight on each database (see {@link appendStepEvents}). */
const appendQueues = new WeakMap<Db, { flying: boolean; waiting: Pending[] }>();

async function appendBatch(db: Db, batch: readonly AppendInput[]): Promise<Map<string, StoredEventHead[]>> {
  const rows = await runPrepared<HeadRow & { request_id: string }>(db, APPEND_EVENTS, [
    JSON.stringify(batch.map((b) => ({ request_id: b.requestId, conversation_id: b.conversationId, events: b.events }))),
  ]);
  const heads = new Map<string, StoredEventHead[]>();
  for (const row of rows) {
    const list = heads.get(row.request_id) ?? [];
    list.push(toHead(row));
    heads.set(row.request_id, list);
  }
  for (const list of heads.values()) list.sort((a, b) => a.seq - b.seq);
  return heads;
}

async function flush(db: Db, queue: { flying: boolean; waiting: Pending[] }): Promise<void> {
  queue.flying = true;
  try {
    while (queue.waiting.length > 0) {
      // One call per request in a statement: a second one (a duplicate delivery) waits for the next.
      const seen = new Set<string>();
      const batch: Pending[] = [];
      const later: Pending[] = [];
      for (const p of queue.waiting.splice(0)) {
        (seen.has(p.input.requestId) ? later : batch).push(p);
        seen.add(p.input.requestId);
      }
      queue.waiting.unshift(...later);
      try {
        const heads = await appendBatch(db, batch.map((p) => p.input));
        for (const p of batch) p.resolve(heads.get(p.input.requestId) ?? []);
      } catch (error) {
        if (batch.length === 1) {
          batch[0]!.reject(error);
          continue;
        }
        // One bad call must not fail the others: each runs alone, with its own error.
        await Promise.all(batch.map((p) => appendBatch(db, [p.input]).then((h) => p.resolve(h.get(p.input.requestId) ?? []), p.reject)));
      }
    }
  } finally {
    queue.flying = false;
  }
}

/**
 * Stores the events of one step of an open request, in the order given. Returns the events it
 * stored; one it did not store (already there: a replay; the request finished or failed
 * meanwhile) is missing from the answer. Calls for other requests that arrive while a statement
 * is in flight on this database wait for it and then go together in one multi-row statement (no
 * wait when none is in flight), so the jobs a worker holds at once cost one round trip; each
 * call's rows, conflicts and errors stay its own.
 */
export function appendStepEvents(db: Db, input: AppendInput): Promise<StoredEventHead[]> {
  let queue = appendQueues.get(db);
  if (!queue) appendQueues.set(db, (queue = { flying: false, waiting: [] }));
  const q = queue;
  return new Promise<StoredEventHead[]>((resolve, reject) => {
    q.waiting.push({ input, resolve, reject });
    if (!q.flying) void flush(db, q);
  });
}

const START_WITH_PARAMETERS: PreparedStatement = {
  name: 'loglore_start_with_parameters',
  text: `
    with req as (
      update analysis_requests
      set status = 'running', started_at = coalesce(started_at, now()), parameters = $3::jsonb, updated_at = now()
      where id = $1::uuid and status in ('queued', 'running') and parameters is null
      returning id
    ), msg as (
      update messages set parameters = $3::jsonb
      where request_id = $1::uuid and role = 'user' and exists (select 1 from req)
    ), ev as (
      insert into analysis_events (request_id, seq, conversation_id, step, payload)
      select $1::uuid, coalesce(max(seq), 0) + 1, $2::uuid, 'params', jsonb_build_object('parameters', $3::jsonb)
      from analysis_events where request_id = $1::uuid
      having exists (select 1 from req)
      on conflict do nothing
      returning step, seq, at
    )
    select step, seq, at from ev`,
};

/**
 * extract-params in one statement: the request is running with its parameters, the user's
 * message has them, and the `params` event is stored. Only for a request that is open and has
 * no parameters yet (a first run); otherwise nothing is written and null is returned.
 */
export async function startRequestWithParameters(
  db: Db,
  input: { requestId: string; conversationId: string | null; parameters: Record<string, unknown> },
): Promise<StoredEventHead | null> {
  const [row] = await runPrepared<HeadRow>(db, START_WITH_PARAMETERS, [input.requestId, input.conversationId, JSON.stringify(input.parameters)]);
  return row ? toHead(row) : null;
}

export interface CompletionInput {
  requestId: string;
  conversationId: string | null;
  project: string | null;
  source: string;
  queryText: string;
  parameters: Record<string, unknown>;
  traceIds: readonly string[];
  findings: unknown;
  errorPattern: string | null;
  patternKey: string | null;
  resolution: string | null;
  summary: string;
  confidenceScore: number;
  occurredAt: Date;
  templateKeys: readonly string[];
  services: readonly string[];
  /** The request's result without `recurrence`, which the statement looks up and adds. */
  result: Record<string, unknown>;
  /** The assistant message's metadata without `recurrence` (stored only in a conversation). */
  messageMetadata: Record<string, unknown>;
}

/** A pattern's last confirmed resolution before this incident, as `result.recurrence` says it. */
export interface Recurrence {
  of_request_id: string;
  resolved_at: string;
  resolution: string | null;
}

export interface Completion {
  /** False when the request failed meanwhile: nothing was written. */
  open: boolean;
  /** The analysis_memory row was written now (false: a replay found it there). */
  memoryWritten: boolean;
  /** The `completed` event, when stored now (null: it was there already, or the request failed). */
  event: StoredEventHead | null;
  recurrence: Recurrence | null;
}

// The recurrence look-up (the project's latest confirmed resolution of the pattern before this
// incident) in two forms, so each keeps the (project, pattern_key, occurred_at) index.
const previousResolved = (projectCondition: string) => `
  select request_id, coalesce(outcome_at, occurred_at) as resolved_at, resolution from analysis_memory
  where $10::text is not null and ${projectCondition} and pattern_key = $10::text and outcome = 'resolved'
    and occurred_at < $14::timestamptz and request_id <> $1::uuid
  order by occurred_at desc limit 1`;

const completeText = (projectCondition: string) => `
  with prev as (${previousResolved(projectCondition)}),
  rec as (
    select coalesce(
      (select jsonb_build_object(
        'of_request_id', request_id,
        'resolved_at', to_char(resolved_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'resolution', resolution) from prev),
      'null'::jsonb) as recurrence
  ),
  open as (select 1 from analysis_requests where id = $1::uuid and status <> 'failed'),
  mem as (
    insert into analysis_memory (request_id, conversation_id, project, source, query_text, parameters, trace_ids, findings,
      error_pattern, pattern_key, resolution, summary, confidence_score, occurred_at, template_keys, services)
    select $1::uuid, $2::uuid, $3::text, $4::text, $5::text, $6::jsonb, array(select jsonb_array_elements_text($7::jsonb)), $8::jsonb,
      $9::text, $10::text, $11::text, $12::text, $13::real, $14::timestamptz,
      array(select jsonb_array_elements_text($15::jsonb)), array(select jsonb_array_elements_text($16::jsonb))
    where exists (select 1 from open)
    on conflict (request_id) do nothing
    returning id
  ),
  msg as (
    insert into messages (conversation_id, role, content, request_id, parameters, metadata)
    select $2::uuid, 'assistant', $12::text, $1::uuid, $6::jsonb, $18::jsonb || jsonb_build_object('recurrence', rec.recurrence)
    from rec
    where $2::uuid is not null and exists (select 1 from open)
    on conflict (request_id, role) where request_id is not null do nothing
    returning conversation_id
  ),
  conv as (update conversations set updated_at = now() where id in (select conversation_id from msg)),
  req as (
    update analysis_requests
    set status = 'completed', result = $17::jsonb || jsonb_build_object('recurrence', rec.recurrence), error = null, finished_at = now(), updated_at = now()
    from rec
    where id = $1::uuid and status <> 'failed'
    returning id
  ),
  ev as (
    insert into analysis_events (request_id, seq, conversation_id, step, payload)
    select $1::uuid, coalesce(max(seq), 0) + 1, $2::uuid, 'completed',
      jsonb_build_object('result', $17::jsonb || jsonb_build_object('recurrence', (select recurrence from rec)))
    from analysis_events where request_id = $1::uuid
    having exists (select 1 from open)
    on conflict do nothing
    returning step, seq, at
  )
  select (select count(*) from open)::int as open, (select count(*) from mem)::int as memory_written,
    (select recurrence from rec) as recurrence, (select count(*) from req)::int as completed,
    ev.step, ev.seq, ev.at
  from (select 1) one left join ev on true`;

const COMPLETE: Record<'project' | 'none', PreparedStatement> = {
  project: { name: 'loglore_complete_request', text: completeText('project = $3::text') },
  none: { name: 'loglore_complete_request_np', text: completeText('$3::text is null and project is null') },
};

/**
 * persist in one statement: analysis memory (once per request), the assistant's answer in its
 * conversation (once), the request's result and status, and the `completed` event, with the
 * recurrence (the project's last confirmed resolution of the pattern, before this incident)
 * looked up and written into the result, the answer and the event alike. A request that failed
 * meanwhile gets nothing. One statement is one transaction: all of it or none.
 */
export async function completeRequest(db: Db, input: CompletionInput): Promise<Completion> {
  const [row] = await runPrepared<{ open: number; memory_written: number; recurrence: unknown } & Partial<HeadRow>>(
    db,
    COMPLETE[input.project === null ? 'none' : 'project'],
    [
      input.requestId,
      input.conversationId,
      input.project,
      input.source,
      input.queryText,
      JSON.stringify(input.parameters),
      JSON.stringify(input.traceIds),
      JSON.stringify(input.findings),
      input.errorPattern,
      input.patternKey,
      input.resolution,
      input.summary,
      input.confidenceScore,
      input.occurredAt,
      JSON.stringify(input.templateKeys),
      JSON.stringify(input.services),
      JSON.stringify(input.result),
      JSON.stringify(input.messageMetadata),
    ],
  );
  const recurrence = (typeof row!.recurrence === 'string' ? JSON.parse(row!.recurrence) : row!.recurrence) as Recurrence | null;
  return {
    open: row!.open > 0,
    memoryWritten: row!.memory_written > 0,
    event: row!.seq !== null && row!.seq !== undefined ? toHead(row as HeadRow) : null,
    recurrence,
  };
}

const COUNT_USAGE: PreparedStatement = {
  name: 'loglore_count_pattern_usage',
  text: `
    with usage as (
      insert into pattern_usages (pattern_key, request_id, project, occurred_at) values ($1::text, $2::uuid, $8::text, $3::timestamptz)
      on conflict do nothing
      returning pattern_key
    ), pattern as (
      insert into error_patterns (pattern_key, error_type, domain, title, template, origin, usage_count, first_seen, last_seen)
      select $1::text, $4::text, $5::text, $6::text, $7::text, 'derived', 1, $3::timestamptz, $3::timestamptz from usage
      on conflict (pattern_key) do update set
        usage_count = error_patterns.usage_count + 1,
        first_seen = least(coalesce(error_patterns.first_seen, excluded.first_seen), excluded.first_seen),
        last_seen = greatest(coalesce(error_patterns.last_seen, excluded.last_seen), excluded.last_seen),
        updated_at = now()
      returning 1
    ), stats as (
      insert into pattern_project_stats (pattern_key, project, usage_count, first_seen, last_seen)
      select $1::text, $8::text, 1, $3::timestamptz, $3::timestamptz from usage
      on conflict (pattern_key, project) do update set
        usage_count = pattern_project_stats.usage_count + 1,
        first_seen = least(coalesce(pattern_project_stats.first_seen, excluded.first_seen), excluded.first_seen),
        last_seen = greatest(coalesce(pattern_project_stats.last_seen, excluded.last_seen), excluded.last_seen),
        updated_at = now()
      returning 1
    )
    select (select count(*) from usage)::int as counted, (select count(*) from pattern)::int as patterns, (select count(*) from stats)::int as stats`,
};

/**
 * recordPatternUsage in one statement: the usage row decides whether this analysis counts (once
 * per request); when it does, the pattern (created as derived on first sight) and the project's
 * row are counted by upserts, in that order (recordOutcome locks them in the same order), which
 * also count right when two analyses create the same pattern at once. Returns whether it counted.
 */
export async function countPatternUsage(
  db: Db,
  input: {
    definition: { pattern_key: string; error_type: string; domain: string | null; title?: string | null; template?: string | null };
    requestId: string;
    occurredAt: Date;
    project: string | null;
  },
): Promise<boolean> {
  const d = input.definition;
  const [row] = await runPrepared<{ counted: number }>(db, COUNT_USAGE, [
    d.pattern_key,
    input.requestId,
    input.occurredAt,
    d.error_type,
    d.domain,
    d.title ?? null,
    d.template ?? null,
    input.project,
  ]);
  return row!.counted > 0;
}
