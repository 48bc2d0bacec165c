import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { TEST_BACKENDS, type BackendTestDatabase } from './testing.ts';
import {
  appendAnalysisEvent,
  createAnalysisRequest,
  createConversation,
  countLogEventsInScope,
  findLastResolvedAnalysis,
  findSimilarAnalyses,
  findSimilarByEvidence,
  getPatternTotals,
  insertLogEvents,
  selectLogEvents,
  getLastParameters,
  getPatternInfo,
  getRecentMessages,
  listAnalysisEvents,
  listPatterns,
  recordOutcome,
  recordPatternUsage,
  seedReferencePatterns,
  setMessageParameters,
  storeAnalysisResult,
  storeMessage,
  type NewAnalysisMemory,
} from './index.ts';


describe.each(TEST_BACKENDS)('repositories on %s', (_name, open) => {
  let database: BackendTestDatabase;
  beforeAll(async () => {
    database = await open();
  });
  afterAll(async () => {
    await database.drop();
  });

  async function newRequest(conversationId: string | null = null, text = 'NPSB transfers failing') {
    const { request } = await createAnalysisRequest(database.db, { source: 'api', text, conversationId });
    return request.id;
  }

  function memory(requestId: string, overrides: Partial<NewAnalysisMemory> = {}): NewAnalysisMemory {
    return {
      requestId,
      source: 'api',
      queryText: 'NPSB failed',
      parameters: { domain: 'transactions' },
      traceIds: ['trace123'],
      findings: [{ error: 'timeout' }],
      errorPattern: 'TIMEOUT_ERROR',
      ...overrides,
    };
  }

  it('recognises a stored pattern among similar analyses (the seed test, ported)', async () => {
    const conversation = await createConversation(database.db);
    const requestId = await newRequest(conversation.id);
    await storeAnalysisResult(database.db, memory(requestId, { conversationId: conversation.id }));
    const similar = await findSimilarAnalyses(database.db, { project: null, filter: { domain: 'transactions' } });
    expect(similar.length).toBeGreaterThan(0);
    expect(similar[0]!.error_pattern).toBe('TIMEOUT_ERROR');
    expect(similar[0]!.trace_ids).toEqual(['trace123']);
  });

  it('returns the last N messages oldest first, ties in created_at keeping insertion order', async () => {
    const conversation = await createConversation(database.db, { project: 'payments' });
    const sameInstant = new Date('2026-11-25T10:00:00Z');
    for (let i = 0; i < 12; i++) {
      await storeMessage(database.db, {
        conversationId: conversation.id,
        role: i % 2 ? 'assistant' : 'user',
        content: `turn ${i}`,
        createdAt: i < 6 ? new Date(sameInstant.getTime() - 60_000) : sameInstant,
      });
    }
    const recent = await getRecentMessages(database.db, conversation.id, 5);
    expect(recent.map((m) => m.content)).toEqual(['turn 7', 'turn 8', 'turn 9', 'turn 10', 'turn 11']);
    // Reading again never reorders equal timestamps.
    expect((await getRecentMessages(database.db, conversation.id, 5)).map((m) => m.id)).toEqual(recent.map((m) => m.id));
  });

  it('stores one message per request and role however often it is stored', async () => {
    const conversation = await createConversation(database.db);
    const requestId = await newRequest(conversation.id);
    const first = await storeMessage(database.db, { conversationId: conversation.id, role: 'assistant', content: 'a', requestId });
    const again = await storeMessage(database.db, { conversationId: conversation.id, role: 'assistant', content: 'b', requestId });
    expect(again.id).toBe(first.id);
    expect((await getRecentMessages(database.db, conversation.id)).length).toBe(1);
  });

  it('a stored analysis result is written once per request', async () => {
    const requestId = await newRequest();
    expect(await storeAnalysisResult(database.db, memory(requestId))).toBe(true);
    expect(await storeAnalysisResult(database.db, memory(requestId, { queryText: 'replayed' }))).toBe(false);
    const rows = await database.db.execute(sql`select query_text from analysis_memory where request_id = ${requestId}`);
    expect((rows as unknown as { rows: { query_text: string }[] }).rows).toEqual([{ query_text: 'NPSB failed' }]);
  });

  it('finds similar analyses by containment on every parameter given', async () => {
    const tag = randomUUID();
    const combos = [
      { project: tag, env: 'prod', domain: 'transactions' },
      { project: tag, env: 'staging', domain: 'transactions' },
      { project: tag, env: 'prod', domain: 'auth' },
      { project: 'other', env: 'prod', domain: 'transactions' },
    ];
    for (const parameters of combos) {
      await storeAnalysisResult(database.db, memory(await newRequest(), { parameters, queryText: JSON.stringify(parameters) }));
    }
    const prodTransactions = await findSimilarAnalyses(database.db, { project: null, filter: { project: tag, env: 'prod', domain: 'transactions' } });
    expect(prodTransactions.map((s) => JSON.parse(s.query_text))).toEqual([combos[0]]);
    const anyEnv = await findSimilarAnalyses(database.db, { project: null, filter: { project: tag, domain: 'transactions' }, limit: 10 });
    expect(anyEnv.map((s) => JSON.parse(s.query_text).env).sort()).toEqual(['prod', 'staging']);
    const wholeProject = await findSimilarAnalyses(database.db, { project: null, filter: { project: tag }, limit: 10 });
    expect(wholeProject).toHaveLength(3);
  });

  it('ranks past analyses by trigram similarity of their questions', async () => {
    const tag = randomUUID();
    const texts = [
      'database connection pool exhausted in ledger service',
      'NPSB transfers failing with switch timeout since 10:00',
      'login OTP not delivered to customers',
    ];
    for (const queryText of texts) {
      await storeAnalysisResult(database.db, memory(await newRequest(), { parameters: { project: tag }, queryText }));
    }
    const similar = await findSimilarAnalyses(database.db, { project: null,
      filter: { project: tag },
      text: 'npsb transfer failing, switch timeouts',
      limit: 3,
    });
    expect(similar[0]!.query_text).toBe(texts[1]);
    expect(similar[0]!.score).toBeGreaterThan(similar[1]!.score);
  });

  it('ranks a confirmed resolution above an unconfirmed one of the same question', async () => {
    const tag = randomUUID();
    const plain = await newRequest();
    const confirmed = await newRequest();
    await storeAnalysisResult(database.db, memory(plain, { parameters: { project: tag }, queryText: 'pool exhausted' }));
    await storeAnalysisResult(database.db, memory(confirmed, { parameters: { project: tag }, queryText: 'pool exhausted', patternKey: null }));
    await recordOutcome(database.db, { requestId: confirmed, outcome: 'resolved', resolution: 'raised pool size' });
    const similar = await findSimilarAnalyses(database.db, { project: null, filter: { project: tag }, text: 'pool exhausted' });
    expect(similar.map((s) => s.request_id)).toEqual([confirmed, plain]);
    expect(similar[0]!.resolution).toBe('raised pool size');
  });

  /**
   * `count` analyses of `project` stored one minute apart from `from` on, none sharing a
   * rare word with the questions below: what a busy project holds besides the one that matters.
   */
  async function storeFiller(project: string, count: number, from: Date, overrides: { patternKey?: string; services?: string[] } = {}) {
    await database.db.execute(sql`
      insert into analysis_memory (request_id, project, source, query_text, parameters, error_pattern, pattern_key, occurred_at, created_at, template_keys, services)
      select gen_random_uuid(), ${project}::text, 'api', 'kafka broker disk full in billing-svc, ticket ' || i,
        jsonb_build_object('project', ${project}::text, 'env', 'prod'), 'DISK_FULL', ${overrides.patternKey ?? 'infra.disk_full'}::text,
        ${from.toISOString()}::timestamptz + i * interval '1 minute', ${from.toISOString()}::timestamptz + i * interval '1 minute',
        array['tpl-disk-' || (i % 4)], ${`{${(overrides.services ?? ['billing-svc']).join(',')}}`}::text[]
      from generate_series(1, ${count}::int) as i`);
  }

  it('finds the same-cause analysis when it is the 5,001st newest of its project', async () => {
    const project = `scale-${randomUUID()}`;
    const question = 'checkout-svc kafka consumer lag growing on the orders topic';
    const { request } = await createAnalysisRequest(database.db, { source: 'api', text: question, project });
    await storeAnalysisResult(database.db, memory(request.id, {
      project,
      parameters: { project, env: 'prod' },
      queryText: 'kafka consumer lag on orders topic in checkout-svc',
      errorPattern: 'CONSUMER_LAG',
      patternKey: 'queue.consumer_lag',
      templateKeys: ['tpl-lag'],
      services: ['checkout-svc'],
      occurredAt: new Date('2026-05-01T10:00:00Z'),
      createdAt: new Date('2026-05-01T10:05:00Z'),
    }));
    // 5,000 newer analyses of the project, all sharing "kafka" and a pattern-less look.
    await storeFiller(project, 5_000, new Date('2026-06-01T00:00:00Z'));
    const anchor = new Date('2026-06-10T00:00:00Z');

    const similar = await findSimilarAnalyses(database.db, { project, filter: { project, env: 'prod' }, text: question, anchor, limit: 3 });
    expect(similar[0]!.request_id).toBe(request.id);
    expect(similar[0]!.score).toBeGreaterThan(similar[1]!.score);

    // By evidence: the same pattern and template, while 5,000 newer analyses share its service.
    const recalled = await findSimilarByEvidence(database.db, {
      project,
      env: 'prod',
      patternKey: 'queue.consumer_lag',
      templateKeys: ['tpl-lag'],
      services: ['checkout-svc', 'billing-svc'],
      text: question,
      anchor,
      limit: 3,
    });
    expect(recalled[0]!.request_id).toBe(request.id);
    // Storing 5,000 analyses (their keys filled by the trigger) takes seconds on PGlite.
  }, 120_000);

  it('the similar look-ups answer the same inside a transaction as outside one', async () => {
    const project = `tx-${randomUUID()}`;
    for (const [i, text] of ['payments-api timeouts to the card gateway', 'card gateway timing out for payments-api', 'disk full on ledger-svc'].entries()) {
      const { request } = await createAnalysisRequest(database.db, { source: 'api', text, project });
      await storeAnalysisResult(database.db, memory(request.id, {
        project,
        parameters: { project, env: 'prod' },
        queryText: text,
        errorPattern: i < 2 ? 'TIMEOUT_ERROR' : 'DISK_FULL',
        patternKey: i < 2 ? 'net.timeout' : 'infra.disk_full',
        templateKeys: [`tpl-${i}`],
        services: i < 2 ? ['payments-api'] : ['ledger-svc'],
        occurredAt: new Date(Date.parse('2026-05-01T10:00:00Z') + i * 60_000),
      }));
    }
    const anchor = new Date('2026-05-02T00:00:00Z');
    const similar = { project, filter: { project, env: 'prod' }, text: 'card gateway timeouts', errorPattern: 'TIMEOUT_ERROR', anchor, limit: 3 };
    const evidence = { project, env: 'prod', patternKey: 'net.timeout', templateKeys: ['tpl-0'], services: ['payments-api'], text: 'card gateway timeouts', anchor, limit: 3 };
    const outside = [await findSimilarAnalyses(database.db, similar), await findSimilarByEvidence(database.db, evidence)];
    const inside = await database.db.transaction(async (tx) => [await findSimilarAnalyses(tx, similar), await findSimilarByEvidence(tx, evidence)]);
    expect(inside).toEqual(outside);
    expect(outside[0]!.length).toBe(3);
    expect(outside[1]![0]!.error_pattern).toBe('TIMEOUT_ERROR');
  });

  it('similar look-ups never leave the asking project, however alike another project\'s analyses are', async () => {
    const tag = randomUUID();
    const question = 'ledger-svc deadlock detected on settlement batch';
    const ids: Record<string, string> = {};
    for (const project of [`a-${tag}`, `b-${tag}`, null]) {
      const { request } = await createAnalysisRequest(database.db, { source: 'api', text: question, project });
      ids[String(project)] = request.id;
      // Every one claims project a in its parameters: only the memory's own project decides.
      await storeAnalysisResult(database.db, memory(request.id, {
        project,
        parameters: { project: `a-${tag}` },
        queryText: `${question} ${tag}`,
        patternKey: `db.deadlock.${tag}`,
        templateKeys: [`tpl-${tag}`],
        services: [`svc-${tag}`],
      }));
    }
    for (const project of [`a-${tag}`, `b-${tag}`, null]) {
      const similar = await findSimilarAnalyses(database.db, { project, filter: { project: `a-${tag}` }, text: `${question} ${tag}`, limit: 10 });
      expect(similar.map((s) => s.request_id)).toEqual([ids[String(project)]]);
      const recalled = await findSimilarByEvidence(database.db, {
        project,
        patternKey: `db.deadlock.${tag}`,
        templateKeys: [`tpl-${tag}`],
        services: [`svc-${tag}`],
        text: `${question} ${tag}`,
        limit: 10,
      });
      // Evidence hides nothing of the project itself (a shared word recalls its own older memory).
      expect(recalled[0]!.request_id).toBe(ids[String(project)]);
      const others = Object.entries(ids).filter(([p]) => p !== String(project)).map(([, id]) => id);
      expect(recalled.filter((s) => others.includes(s.request_id))).toEqual([]);
    }
  });

  it('reading a pattern does not count as a use', async () => {
    const key = `test.read.${randomUUID()}`;
    await seedReferencePatterns(database.db, [{ pattern_key: key, error_type: 'TIMEOUT', domain: null, typical_causes: ['slow upstream'] }]);
    await getPatternInfo(database.db, key, null);
    await getPatternInfo(database.db, key, null);
    const info = await getPatternInfo(database.db, key, null);
    expect(info?.usageCount).toBe(0);
    expect(info?.lastSeen).toBeNull();
    expect(info?.typicalCauses).toEqual(['slow upstream']);
  });

  it('counts each analysis exactly once with eight concurrent updaters and replays', async () => {
    const key = `test.count.${randomUUID()}`;
    const definition = { pattern_key: key, error_type: 'TIMEOUT', domain: 'transactions' };
    const requests = await Promise.all(Array.from({ length: 8 }, () => newRequest()));
    const at = new Date('2026-11-25T10:00:00Z');
    // Eight updaters, each applying every request's update (a replay storm): 64 calls, 8 uses.
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = 0; i < requests.length; i++) {
          const requestId = requests[(i + worker) % requests.length]!;
          const index = requests.indexOf(requestId);
          await recordPatternUsage(database.db, { definition, requestId, occurredAt: new Date(at.getTime() + index * 1000), project: null });
        }
      }),
    );
    const replay = await recordPatternUsage(database.db, { definition, requestId: requests[0]!, occurredAt: at, project: null });
    expect(replay.counted).toBe(false);
    const info = await getPatternInfo(database.db, key, null);
    expect(info?.usageCount).toBe(8);
    expect(info?.firstSeen?.toISOString()).toBe(at.toISOString());
    expect(info?.lastSeen?.toISOString()).toBe(new Date(at.getTime() + 7000).toISOString());
  });

  it('feedback is one vote per analysis and a changed vote moves the counts', async () => {
    const key = `test.vote.${randomUUID()}`;
    const definition = { pattern_key: key, error_type: 'TIMEOUT', domain: null };
    const a = await newRequest();
    const b = await newRequest();
    for (const id of [a, b]) {
      await storeAnalysisResult(database.db, memory(id, { patternKey: key }));
      await recordPatternUsage(database.db, { definition, requestId: id, occurredAt: new Date(), project: null });
    }
    await recordOutcome(database.db, { requestId: a, outcome: 'resolved' });
    await recordOutcome(database.db, { requestId: a, outcome: 'resolved' });
    let result = await recordOutcome(database.db, { requestId: b, outcome: 'not_resolved' });
    expect(result?.pattern).toMatchObject({ successCount: 1, failureCount: 1, successRate: 0.5 });
    result = await recordOutcome(database.db, { requestId: b, outcome: 'resolved' });
    expect(result?.changed).toBe(true);
    expect(result?.pattern).toMatchObject({ successCount: 2, failureCount: 0, successRate: 1 });
    expect(await recordOutcome(database.db, { requestId: randomUUID(), outcome: 'resolved' })).toBeUndefined();
  });

  it('lists patterns filtered by domain and type, most used first', async () => {
    const domain = `d-${randomUUID()}`;
    await seedReferencePatterns(database.db, [
      { pattern_key: `${domain}.a`, error_type: 'TIMEOUT', domain },
      { pattern_key: `${domain}.b`, error_type: 'DEADLOCK', domain },
    ]);
    await recordPatternUsage(database.db, {
      definition: { pattern_key: `${domain}.b`, error_type: 'DEADLOCK', domain },
      requestId: await newRequest(),
      occurredAt: new Date(),
      project: null,
    });
    expect((await listPatterns(database.db, '*', { domain })).map((p) => p.patternKey)).toEqual([`${domain}.b`, `${domain}.a`]);
    expect((await listPatterns(database.db, '*', { domain, errorType: 'TIMEOUT' })).map((p) => p.patternKey)).toEqual([`${domain}.a`]);
  });

  it('memory of a project is recalled by that project only, and memory without a project only without one', async () => {
    const tag = randomUUID();
    const catalog = `test.scope.${tag}`;
    const derived = `derived.${tag.slice(0, 8)}`;
    await seedReferencePatterns(database.db, [{ pattern_key: catalog, error_type: 'TIMEOUT', domain: null }]);
    const at = new Date('2026-11-20T08:00:00Z');
    const stored: Record<string, string> = {};
    for (const project of ['alpha', 'beta', null]) {
      const { request } = await createAnalysisRequest(database.db, { source: 'api', text: 'pool exhausted', project });
      stored[String(project)] = request.id;
      // Every one says project tag in its parameters: only the memory's own project decides.
      await storeAnalysisResult(database.db, memory(request.id, { project, parameters: { project: tag }, queryText: 'pool exhausted', patternKey: catalog }));
      await recordPatternUsage(database.db, { definition: { pattern_key: catalog, error_type: 'TIMEOUT', domain: null }, requestId: request.id, occurredAt: at, project });
      await recordOutcome(database.db, { requestId: request.id, outcome: project === 'beta' ? 'not_resolved' : 'resolved', resolution: `fix of ${String(project)}` });
    }
    await recordPatternUsage(database.db, {
      definition: { pattern_key: derived, error_type: 'UNCLASSIFIED', domain: null, template: 'alpha <*> text' },
      requestId: stored.alpha!,
      occurredAt: at,
      project: 'alpha',
    });

    for (const project of ['alpha', 'beta', null]) {
      const similar = await findSimilarAnalyses(database.db, { project, filter: { project: tag }, limit: 10 });
      expect(similar.map((s) => s.request_id)).toEqual([stored[String(project)]]);
    }
    // After every occurrence, whatever today's date (the memory's occurred_at defaults to now).
    const later = new Date(Date.now() + 86_400_000);
    expect((await findLastResolvedAnalysis(database.db, catalog, later, randomUUID(), 'alpha'))?.requestId).toBe(stored.alpha);
    expect(await findLastResolvedAnalysis(database.db, catalog, later, randomUUID(), 'beta')).toBeUndefined();
    expect((await findLastResolvedAnalysis(database.db, catalog, later, randomUUID(), null))?.requestId).toBe(stored.null);
    expect(await findLastResolvedAnalysis(database.db, catalog, later, randomUUID(), 'gamma')).toBeUndefined();

    expect(await getPatternInfo(database.db, catalog, 'alpha')).toMatchObject({ usageCount: 1, successCount: 1, failureCount: 0, successRate: 1 });
    expect(await getPatternInfo(database.db, catalog, 'beta')).toMatchObject({ usageCount: 1, successCount: 0, failureCount: 1, successRate: 0 });
    expect(await getPatternInfo(database.db, catalog, 'gamma')).toMatchObject({ usageCount: 0, successCount: 0, lastSeen: null });
    expect(await getPatternTotals(database.db, catalog)).toMatchObject({ usageCount: 3, successCount: 2, failureCount: 1 });
    expect(await getPatternInfo(database.db, derived, 'alpha')).toMatchObject({ usageCount: 1, template: 'alpha <*> text' });
    expect(await getPatternInfo(database.db, derived, 'beta')).toBeUndefined();
    expect(await getPatternInfo(database.db, derived, null)).toBeUndefined();

    const keys = async (projects: '*' | string[]) =>
      new Map((await listPatterns(database.db, projects, { limit: 1_000 })).map((p) => [p.patternKey, p]));
    expect((await keys(['alpha'])).get(derived)?.usageCount).toBe(1);
    expect((await keys(['beta'])).has(derived)).toBe(false);
    expect((await keys([])).has(derived)).toBe(false);
    expect((await keys(['alpha', 'beta'])).get(catalog)).toMatchObject({ usageCount: 2, successCount: 1, failureCount: 1, successRate: 0.5 });
    expect((await keys(['gamma'])).get(catalog)).toMatchObject({ usageCount: 0, firstSeen: null });
    expect((await keys('*')).get(catalog)).toMatchObject({ usageCount: 3 });
    expect((await keys('*')).has(derived)).toBe(true);
  });

  it("votes and counts of one pattern in one project run concurrently without a deadlock, and the counts are exact", async () => {
    const key = `test.race.${randomUUID()}`;
    const project = `p-${randomUUID()}`;
    await seedReferencePatterns(database.db, [{ pattern_key: key, error_type: 'TIMEOUT', domain: null }]);
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) {
      const { request } = await createAnalysisRequest(database.db, { source: 'api', text: 'x', project });
      await storeAnalysisResult(database.db, memory(request.id, { project, patternKey: key }));
      ids.push(request.id);
    }
    const definition = { pattern_key: key, error_type: 'TIMEOUT', domain: null };
    // Each analysis is counted and voted on at once (pattern-stats and feedback racing), twice over.
    const results = await Promise.allSettled(
      ids.flatMap((requestId, i) => [
        recordPatternUsage(database.db, { definition, requestId, occurredAt: new Date(Date.UTC(2026, 10, 1, 0, i)), project }),
        recordOutcome(database.db, { requestId, outcome: i % 3 === 0 ? 'not_resolved' : 'resolved' }),
        recordPatternUsage(database.db, { definition, requestId, occurredAt: new Date(Date.UTC(2026, 10, 1, 0, i)), project }),
        recordOutcome(database.db, { requestId, outcome: i % 3 === 0 ? 'not_resolved' : 'resolved' }),
      ]),
    );
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect(await getPatternInfo(database.db, key, project)).toMatchObject({ usageCount: 24, successCount: 16, failureCount: 8 });
    expect(await getPatternTotals(database.db, key)).toMatchObject({ usageCount: 24, successCount: 16, failureCount: 8 });
  });

  it('stores each step event once, in sequence, and replays after a given seq', async () => {
    const requestId = await newRequest();
    const steps = ['params', 'similar', 'analysis'];
    for (const step of steps) await appendAnalysisEvent(database.db, { requestId, conversationId: null, step, payload: { step } });
    const replayed = await appendAnalysisEvent(database.db, { requestId, conversationId: null, step: 'similar', payload: { other: 1 } });
    expect(replayed.seq).toBe(2);
    expect(replayed.payload).toEqual({ step: 'similar' });
    expect((await listAnalysisEvents(database.db, requestId)).map((e) => [e.seq, e.step])).toEqual([
      [1, 'params'],
      [2, 'similar'],
      [3, 'analysis'],
    ]);
    expect((await listAnalysisEvents(database.db, requestId, 2)).map((e) => e.step)).toEqual(['analysis']);
  });

  it('answers the same request for a repeated idempotency key', async () => {
    const key = randomUUID();
    const first = await createAnalysisRequest(database.db, { source: 'api', text: 'x', idempotencyKey: key });
    const second = await createAnalysisRequest(database.db, { source: 'api', text: 'y', idempotencyKey: key });
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, request: { id: first.request.id, text: 'x' } });
  });

  it('selects only error-like events of a window and counts all of them', async () => {
    const project = `p-${randomUUID()}`;
    const base = { project, env: 'prod', domain: 'transactions', service: 'api', trace_id: null, attrs: {} };
    const ts = '2026-11-25T10:10:00.000Z';
    await insertLogEvents(database.db, [
      { ...base, ts, level: 'info', message: 'transfer 1 accepted' },
      { ...base, ts, level: 'info', message: 'Payment FAILED for account 7' },
      { ...base, ts, level: 'info', message: 'failover drill complete' },
      { ...base, ts, level: 'warn', message: 'slow response' },
      { ...base, ts: '2026-11-25T11:00:00.000Z', level: 'error', message: 'outside the window' },
    ]);
    const scope = { project, env: 'prod', domain: 'transactions', from: new Date('2026-11-25T10:00:00Z'), to: new Date('2026-11-25T10:30:00Z') };
    const events = await selectLogEvents(database.db, { ...scope, errorLike: true });
    expect(events.map((e) => e.message).sort()).toEqual(['Payment FAILED for account 7', 'slow response']);
    expect(await countLogEventsInScope(database.db, scope)).toBe(4);
  });

  it('gives a follow-up the parameters of the turn before it', async () => {
    const conversation = await createConversation(database.db);
    const first = await newRequest(conversation.id);
    const second = await newRequest(conversation.id);
    await storeMessage(database.db, { conversationId: conversation.id, role: 'user', content: 'q1', requestId: first });
    await setMessageParameters(database.db, first, { env: 'prod' });
    await storeMessage(database.db, { conversationId: conversation.id, role: 'user', content: 'q2', requestId: second });
    expect(await getLastParameters(database.db, conversation.id, { project: null, beforeRequestId: second })).toEqual({ env: 'prod' });
    await setMessageParameters(database.db, second, { env: 'staging' });
    // A replayed extraction of the second turn still sees only what came before it.
    expect(await getLastParameters(database.db, conversation.id, { project: null, beforeRequestId: second })).toEqual({ env: 'prod' });
    expect(await getLastParameters(database.db, conversation.id, { project: null })).toEqual({ env: 'staging' });
  });
});
