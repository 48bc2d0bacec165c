/**
 * Runs generated incidents through the real pipeline: a fresh Postgres test database with
 * the reference patterns seeded, the ingress app in memory on a fresh Redis queue prefix, and
 * every worker in-process (as apps/cli/src/e2e.test.ts does). Logs go in through
 * `POST /api/logs`, questions through the chat, analysis, alert and backfill endpoints,
 * feedback through `POST /api/analyses/{id}/feedback`. Incidents run one after the other, so
 * each analysis finds in memory exactly the incidents that came before it.
 *
 * The harness only observes: it records what the API answered and, for the text-only
 * baseline, ranks the same past analyses by pg_trgm similarity of their query text.
 */
import { sql } from 'drizzle-orm';
import { incidentIdempotencyKey, REFERENCE_PATTERNS, type LogEvent } from '@loglore/core';
import { getAnalysisRequestByKey, queryRows, seedReferencePatterns } from '@loglore/db';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { startWorker, type RunningWorker } from '@loglore/worker';
import { createTestIngress, type TestIngress } from '../../apps/ingress/src/testing.ts';
import { createTestWorkerDeps } from '../../apps/worker/src/testing.ts';
import type { Incident } from './generate.ts';

export interface SimilarEntry {
  request_id: string;
  score?: number;
  [key: string]: unknown;
}

/** The parts of a completed analysis' `result` the suite reads (docs/DESIGN.md). */
export interface AnalysisResult {
  request_id: string;
  query_text: string;
  parameters: { project: string | null; env: string | null; domain: string | null; time_range: { from: string; to: string }; services?: string[]; [key: string]: unknown };
  trace_ids: string[];
  error_pattern: string | null;
  pattern_key: string | null;
  findings: { kind: string; pattern_key?: string; trace_ids?: string[]; [key: string]: unknown }[];
  known_pattern: { pattern_key?: string } | null;
  similar: SimilarEntry[];
  resolution: string | null;
  recurrence?: { of_request_id: string } | null;
  [key: string]: unknown;
}

export interface Answer {
  requestId: string;
  status: string;
  error: string | null;
  result: AnalysisResult | null;
  steps: { step: string; payload: Record<string, unknown> }[];
  /** GET /api/conversations/{id}/similar right after completion (chat only). */
  conversationSimilar: SimilarEntry[] | null;
  /** Past analyses of other incidents in the same project and env when it was asked. */
  candidates: string[];
  /** The text-only baseline's ranking of those candidates (best first). */
  baseline: string[];
}

export interface Observation {
  incident: Incident;
  /** One answer, or two for late_logs (before and after the late logs landed). */
  answers: Answer[];
  seconds: number;
}

/** A past analysis as the harness knows it: which incident (and so which cause) it answered. */
export interface MemoryEntry {
  requestId: string;
  incidentId: string;
  cause: string;
  project: string;
  env: string;
}

export interface Harness {
  run(incident: Incident): Promise<Observation>;
  memory: MemoryEntry[];
  close(): Promise<void>;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

export async function openHarness(options: { concurrency?: number; cacheTtlSeconds?: number } = {}): Promise<Harness> {
  const database: TestDatabase = await createTestDatabase();
  await seedReferencePatterns(database.db, REFERENCE_PATTERNS);
  const ingress: TestIngress = createTestIngress(database.db);
  const env: Record<string, string> = options.cacheTtlSeconds === undefined ? {} : { CACHE_TTL_SECONDS: String(options.cacheTtlSeconds) };
  const workerDeps = createTestWorkerDeps(database.db, ingress.prefix, env);
  const worker: RunningWorker = startWorker(workerDeps, { concurrency: options.concurrency ?? 2, reconciler: false });
  const memory: MemoryEntry[] = [];

  const call = async (path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await ingress.app.request(path, init);
    const text = await response.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { raw: text };
    }
    if (response.status >= 400) throw new Error(`${init.method ?? 'GET'} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return { status: response.status, body };
  };
  const post = (path: string, body: unknown) => call(path, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });

  async function ingest(events: readonly LogEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 5_000) {
      const body = events
        .slice(i, i + 5_000)
        .map((e) => JSON.stringify({ ts: e.ts, level: e.level, message: e.message, service: e.service, trace_id: e.trace_id ?? undefined, project: e.project, env: e.env, domain: e.domain, ...e.attrs }))
        .join('\n');
      const { body: answer } = await call('/api/logs', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
      const rejected = answer.rejected as unknown[];
      if (rejected.length > 0) throw new Error(`POST /api/logs rejected generated lines: ${JSON.stringify(rejected.slice(0, 3))}`);
    }
  }

  async function finished(requestId: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { body } = await call(`/api/analyses/${requestId}`);
      if (body.status === 'completed' || body.status === 'failed') return body;
      if (Date.now() > deadline) throw new Error(`analysis ${requestId} did not finish in 120 s (status ${String(body.status)})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Sends the incident's question; answers the request id (and the conversation for chat). */
  async function ask(incident: Incident, conversationId: string | null): Promise<{ requestId: string; conversationId: string | null }> {
    const a = incident.ask;
    switch (a.kind) {
      case 'chat': {
        const id = conversationId ?? String((await post('/api/conversations', { project: incident.project })).body.conversation_id);
        const { body } = await post(`/api/conversations/${id}/messages`, { content: a.text, occurred_at: a.occurredAt });
        return { requestId: String(body.request_id), conversationId: id };
      }
      case 'api': {
        const { body } = await post('/api/analyses', { text: a.text, project: incident.project, occurred_at: a.occurredAt });
        return { requestId: String(body.request_id), conversationId: null };
      }
      case 'alertmanager':
      case 'grafana': {
        const { body } = await post(`/api/alerts/${a.kind}`, a.body);
        const ids = body.request_ids as string[];
        if (ids.length !== 1) throw new Error(`an alert notification of one firing alert answered ${ids.length} request ids`);
        return { requestId: ids[0]!, conversationId: null };
      }
      case 'backfill': {
        const line = JSON.stringify(a.line);
        await call('/api/backfill', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: `${line}\n` });
        const request = await getAnalysisRequestByKey(database.db, incidentIdempotencyKey(JSON.parse(line)));
        if (!request) throw new Error('the backfilled incident was not stored');
        return { requestId: request.id, conversationId: null };
      }
    }
  }

  /** The text-only baseline: the candidates ranked by trigram similarity of their query text. */
  async function baselineRanking(text: string, candidates: readonly string[]): Promise<string[]> {
    if (candidates.length === 0) return [];
    const ids = sql.join(candidates.map((id) => sql`${id}::uuid`), sql`, `);
    const rows = await queryRows<{ request_id: string }>(
      database.db,
      sql`select request_id::text as request_id from analysis_memory where request_id in (${ids})
          order by similarity(query_text, ${text}::text) desc, occurred_at desc, request_id limit 5`,
    );
    return rows.map((r) => r.request_id);
  }

  async function answer(incident: Incident, requestId: string, conversationId: string | null, candidates: string[]): Promise<Answer> {
    const body = await finished(requestId);
    const result = (body.result ?? null) as AnalysisResult | null;
    const steps = ((body.steps ?? []) as { step: string; payload: Record<string, unknown> }[]).map((s) => ({ step: s.step, payload: s.payload }));
    const conversationSimilar = conversationId ? ((await call(`/api/conversations/${conversationId}/similar`)).body.similar as SimilarEntry[]) : null;
    const baseline = await baselineRanking(result?.query_text ?? '', candidates);
    memory.push({ requestId, incidentId: incident.id, cause: incident.cause, project: incident.project, env: incident.env });
    return { requestId, status: String(body.status), error: (body.error as string | null) ?? null, result, steps, conversationSimilar, candidates, baseline };
  }

  return {
    memory,
    async run(incident) {
      const t0 = performance.now();
      await ingest(incident.logs);
      const candidates = () => memory.filter((m) => m.project === incident.project && m.env === incident.env && m.incidentId !== incident.id).map((m) => m.requestId);
      const answers: Answer[] = [];
      const first = await ask(incident, null);
      answers.push(await answer(incident, first.requestId, first.conversationId, candidates()));
      if (incident.lateLogs.length > 0) {
        await ingest(incident.lateLogs);
        const again = await ask(incident, first.conversationId);
        answers.push(await answer(incident, again.requestId, again.conversationId, candidates()));
      }
      const last = answers[answers.length - 1]!;
      if (incident.feedback && last.status === 'completed') {
        await post(`/api/analyses/${last.requestId}/feedback`, { outcome: incident.feedback.outcome, resolution: incident.feedback.resolution });
      }
      return { incident, answers, seconds: (performance.now() - t0) / 1000 };
    },
    async close() {
      await worker.close(10_000);
      await workerDeps.close();
      await ingress.close();
      await database.drop();
    },
  };
}
