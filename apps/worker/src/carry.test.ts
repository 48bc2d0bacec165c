/**
 * The carry only saves reads: the same questions run once with every step given its carry and
 * once with every carry taken away (each step reads Postgres, as after a retry) leave the same
 * rows in every table and publish the same events. And every step delivered twice with its
 * carry (a duplicate delivery while the request is open) writes nothing new the second time and
 * republishes what was stored, under the same seq.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { LogEvent, StepEvent } from '@loglore/core';
import { createAnalysisRequest, insertLogEvents, queryRows, recordOutcome, schema, storeAnalysisResult, storeMessage, type Db } from '@loglore/db';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { STEPS, toRequestCarry, type Step, type StepJobData } from '@loglore/queue';
import { collectEvents, createTestWorkerDeps } from './testing.ts';
import { STEP_MODULES, type StepModule } from './steps/index.ts';
import { startWorker } from './worker.ts';

const AT = new Date('2026-11-25T10:30:00Z');
const PROJECT = 'carrybank';
const CONVERSATION = '7b0c2a5e-0000-4000-8000-00000000c0de';
const PAST = '7b0c2a5e-0000-4000-8000-000000000001';
/** The questions, asked one after the other: a chat turn, its follow-up, an API question, a repeat (cache). */
const QUESTIONS = [
  { id: '7b0c2a5e-0000-4000-8000-000000000010', text: 'ledger transfers failing in prod since 10:00?', conversation: true },
  { id: '7b0c2a5e-0000-4000-8000-000000000011', text: 'and what about staging?', conversation: true },
  { id: '7b0c2a5e-0000-4000-8000-000000000012', text: 'ledger errors in prod transactions since 10:00', conversation: false },
  { id: '7b0c2a5e-0000-4000-8000-000000000013', text: 'ledger errors in prod transactions since 10:00', conversation: false },
];

function incidentEvents(): LogEvent[] {
  const events: LogEvent[] = [];
  const base = { project: PROJECT, env: 'prod', domain: 'transactions', attrs: {} };
  for (let i = 0; i < 30; i++) {
    events.push({
      ...base,
      ts: new Date(Date.parse('2026-11-25T10:05:00Z') + i * 20_000).toISOString(),
      service: 'ledger-service',
      level: 'error',
      trace_id: `trace${String(i).padStart(4, '0')}`,
      message: `Connection pool exhausted: timeout after 30000ms waiting for connection from pool ledger-db (active=${40 + (i % 10)}, idle=0)`,
    });
  }
  for (let i = 0; i < 30; i++) {
    events.push({ ...base, ts: new Date(Date.parse('2026-11-25T09:31:00Z') + i * 55_000).toISOString(), service: 'transfer-api', level: 'info', trace_id: null, message: `transfer ${i} accepted` });
  }
  return events;
}

/** A database with the logs, a conversation and a past analysis of the same pattern confirmed resolved (a recurrence). */
async function seeded(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  await insertLogEvents(database.db, incidentEvents());
  await database.db.insert(schema.conversations).values({ id: CONVERSATION, project: PROJECT });
  await createAnalysisRequest(database.db, { id: PAST, source: 'api', text: 'pool exhausted last week', project: PROJECT, occurredAt: new Date('2026-11-18T09:00:00Z') });
  await storeAnalysisResult(database.db, {
    requestId: PAST,
    project: PROJECT,
    source: 'api',
    queryText: 'pool exhausted last week',
    parameters: { project: PROJECT, env: 'prod' },
    errorPattern: 'DB_POOL_EXHAUSTED',
    patternKey: 'db.pool_exhausted',
    resolution: 'raised the pool size',
    summary: 'pool exhausted',
    occurredAt: new Date('2026-11-18T09:00:00Z'),
  });
  await recordOutcome(database.db, { requestId: PAST, outcome: 'resolved' });
  // Microseconds: the recurrence's resolved_at is written by SQL on one path and by JS on the other.
  await queryRows(database.db, sql`update analysis_memory set outcome_at = '2026-11-20T08:00:00.123456Z' where request_id = ${PAST}::uuid`);
  return database;
}

/** `value` with every `created_at` (when a past analysis was stored: the run's clock) blanked, deeply. */
function withoutStoredAt<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutStoredAt) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'created_at' ? '<stored at>' : withoutStoredAt(v)])) as T;
  }
  return value;
}

/** Every row the pipeline writes, without the instants and identities a run cannot fix. */
async function storedState(db: Db) {
  const q = async (text: string) => withoutStoredAt(await queryRows<Record<string, unknown>>(db, sql.raw(text)));
  return {
    requests: await q(`select id, status, parameters, result, error, enqueue_count, started_at is not null as started, finished_at is not null as finished from analysis_requests order by id`),
    events: await q(`select request_id, seq, conversation_id, step, payload from analysis_events order by request_id, seq`),
    memory: await q(`select request_id, conversation_id, project, source, query_text, parameters, trace_ids, findings, error_pattern, pattern_key,
      resolution, summary, confidence_score, outcome, occurred_at, template_keys, services from analysis_memory order by request_id`),
    messages: await q(`select conversation_id, role, content, request_id, parameters, metadata from messages order by request_id, role`),
    patterns: await q(`select pattern_key, error_type, domain, title, template, origin, typical_causes, resolution_steps, usage_count, success_count, failure_count,
      first_seen, last_seen from error_patterns where usage_count > 0 or origin = 'derived' order by pattern_key`),
    stats: await q(`select pattern_key, project, usage_count, success_count, failure_count, first_seen, last_seen from pattern_project_stats order by pattern_key, project`),
    usages: await q(`select pattern_key, request_id, occurred_at from pattern_usages order by pattern_key, request_id`),
  };
}

const comparable = (events: StepEvent[]) =>
  events
    .map(({ request_id, conversation_id, seq, step, payload }) => ({ request_id, conversation_id, seq, step, payload: withoutStoredAt(payload) })).sort((a, b) => a.request_id.localeCompare(b.request_id) || a.seq - b.seq);

interface Run {
  database: TestDatabase;
  state: Awaited<ReturnType<typeof storedState>>;
  events: StepEvent[];
  /** The job data each step of each request ran with. */
  given: Map<string, StepJobData>;
}

/**
 * The questions through the workers, each to its end (pattern-stats included) before the next:
 * with the carries (`carry`), without any (`postgres`), or with every step run a second time
 * with the same job data right after the first (`twice`).
 */
async function run(mode: 'carry' | 'postgres' | 'twice'): Promise<Run> {
  const database = await seeded();
  const deps = createTestWorkerDeps(database.db);
  const given = new Map<string, StepJobData>();
  const counted = new Set<string>();
  const modules = Object.fromEntries(
    STEPS.map((step) => [
      step,
      {
        async handle(data, d) {
          const input = mode === 'postgres' ? { request_id: data.request_id, generation: data.generation } : data;
          given.set(`${step}/${data.request_id}`, input);
          try {
            const first = await STEP_MODULES[step].handle(input, d);
            if (mode === 'twice') await STEP_MODULES[step].handle(input, d);
            return first;
          } finally {
            if (step === 'pattern-stats') counted.add(data.request_id);
          }
        },
      } satisfies StepModule,
    ]),
  ) as Record<Step, StepModule>;
  const worker = startWorker(deps, { concurrency: 2, reconciler: false, modules });
  const listener = await collectEvents(`${deps.config.queuePrefix}:analysis:*`);
  try {
    for (const [i, question] of QUESTIONS.entries()) {
      const conversationId = question.conversation ? CONVERSATION : null;
      const { request } = await createAnalysisRequest(database.db, { id: question.id, source: conversationId ? 'chat' : 'api', text: question.text, conversationId, project: PROJECT, occurredAt: AT });
      if (conversationId) await storeMessage(database.db, { conversationId, role: 'user', content: question.text, requestId: request.id });
      // As the ingress enqueues it (with the request) or as the reconciler does (without).
      const carry = mode === 'carry' ? { carry: { request: toRequestCarry(request) } } : {};
      await deps.pipeline.enqueue('extract-params', { request_id: request.id, generation: 1, ...carry });
      // Published once per delivery of persist.
      const completions = mode === 'twice' ? 2 : 1;
      const completed = () => listener.events.filter((e) => e.step === 'completed' && e.request_id === request.id).length;
      for (let t = 0; t < 800 && completed() < completions; t++) await new Promise((r) => setTimeout(r, 25));
      const expectCount = i < 3; // the repeat is answered from the cache and counts nothing
      for (let t = 0; t < 200 && expectCount && !counted.has(request.id); t++) await new Promise((r) => setTimeout(r, 25));
      await new Promise((r) => setTimeout(r, 50));
    }
    return { database, state: await storedState(database.db), events: [...listener.events], given };
  } finally {
    listener.close();
    await worker.close(5_000);
    await deps.close();
  }
}

describe('carried state and stored state', () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(databases.map((d) => d.drop()));
  });

  it('store the same rows and publish the same events; a step delivered twice with its carry writes nothing new the second time', async () => {
    const carried = await run('carry');
    databases.push(carried.database);
    const stored = await run('postgres');
    databases.push(stored.database);

    // Every step after the first of every question was given a carry (the path under test ran),
    // and none was given one without a carry.
    for (const question of QUESTIONS) {
      for (const step of ['extract-params', 'find-similar', 'analyze', 'persist'] as const) {
        expect({ step, carry: Boolean(carried.given.get(`${step}/${question.id}`)?.carry) }).toEqual({ step, carry: true });
        expect(stored.given.get(`${step}/${question.id}`)?.carry).toBeUndefined();
      }
    }
    expect(carried.given.get(`pattern-stats/${QUESTIONS[0]!.id}`)?.carry).toMatchObject({ usage: { definition: { pattern_key: 'db.pool_exhausted' } } });

    // The scenario covers what the carries hold: a conversation, a recurrence, a cache hit, counts.
    const first = carried.state.requests.find((r) => r.id === QUESTIONS[0]!.id)!.result as Record<string, unknown>;
    expect(first.recurrence).toEqual({ of_request_id: PAST, resolved_at: '2026-11-20T08:00:00.123Z', resolution: 'raised the pool size' });
    expect((carried.state.requests.find((r) => r.id === QUESTIONS[3]!.id)!.result as Record<string, unknown>).cached).toBe(true);
    expect(carried.state.messages.filter((m) => m.role === 'assistant')).toHaveLength(2);
    expect(carried.state.usages.map((u) => u.request_id)).toContain(QUESTIONS[0]!.id);

    expect(carried.state).toEqual(stored.state);
    expect(comparable(carried.events)).toEqual(comparable(stored.events));
    // What was published from memory is what was stored.
    expect(comparable(carried.events)).toEqual(
      (carried.state.events as { request_id: string; seq: number; conversation_id: string | null; step: string; payload: unknown }[]).map((e) => ({ ...e, seq: Number(e.seq) })),
    );

    // Every step delivered twice: the same rows, and each event published twice under one seq.
    const twice = await run('twice');
    databases.push(twice.database);
    expect(twice.state).toEqual(carried.state);
    const published = comparable(twice.events);
    const once = published.filter((e, k) => k === 0 || e.request_id !== published[k - 1]!.request_id || e.seq !== published[k - 1]!.seq);
    expect(once).toEqual(comparable(carried.events));
    expect(published).toHaveLength(2 * once.length);
    expect(published).toEqual(once.flatMap((e) => [e, e]));
  }, 120_000);
});
