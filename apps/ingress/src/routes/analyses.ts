import { createRoute, z } from '@hono/zod-openapi';
import { redactText } from '@loglore/core';
import { countEventBuckets, listAnalysisEntries, listAnalysisEvents, recordOutcome, type AnalysisRequest } from '@loglore/db';
import { acceptAnalysis } from '../accept.ts';
import { canSee, resolveWriteProject } from '../auth.ts';
import { ApiError } from '../errors.ts';
import {
  AnalysesQuery,
  AnalysesView,
  AnalysisAccepted,
  AnalysisParams,
  AnalysisView,
  CreateAnalysisBody,
  errorResponses,
  EventsQuery,
  FeedbackBody,
  FeedbackRecorded,
  HistogramView,
} from '../schemas.ts';
import { streamAnalysis, toStepEvent } from '../sse.ts';
import { findAnalysis, findConversation, type ApiApp, type RouteContext } from './context.ts';
import { decodeCursor, encodeCursor, type Cursor } from './cursor.ts';
import { toPatternView } from './patterns.ts';

export function registerAnalysisRoutes(app: ApiApp, { deps, streams }: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/analyses',
      tags: ['analyses'],
      summary: 'Queue an analysis',
      description:
        'Stored before the answer, then queued. A repeated `idempotency_key` answers the request it first ' +
        'created, with its current status, and queues nothing. With `conversation_id` the text is also stored as ' +
        "the conversation's user turn and the project defaults to the conversation's.",
      request: { body: { required: true, content: { 'application/json': { schema: CreateAnalysisBody } } } },
      responses: {
        202: { description: 'Accepted', content: { 'application/json': { schema: AnalysisAccepted } } },
        ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const grant = c.get('grant');
      const conversation = body.conversation_id ? await findConversation(deps, grant, body.conversation_id) : undefined;
      const project = resolveWriteProject(grant, body.project ?? conversation?.project ?? null);
      const { request, created } = await acceptAnalysis(deps, {
        text: body.text,
        source: body.source,
        conversationId: conversation?.id ?? null,
        project,
        env: body.env ?? null,
        domain: body.domain ?? null,
        occurredAt: body.occurred_at ? new Date(body.occurred_at) : undefined,
        idempotencyKey: body.idempotency_key,
      });
      // Keys are global; one used by another project's request must not reveal that request.
      if (!created && !canSee(grant, request.project)) {
        throw new ApiError('conflict', 'this idempotency_key is already used by another request');
      }
      return c.json({ request_id: request.id, status: request.status }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/analyses',
      tags: ['analyses'],
      summary: 'Analyses, newest first, with what they concluded',
      description:
        "Only the key's projects. Filters combine: `project`, `status`, `source`, `pattern` (the pattern_key " +
        'concluded), `since` (created at or after). Pages of `limit` (50, at most 200): pass `next_cursor` as `cursor` ' +
        'for the next one; null when there is none. Each entry carries `outcome` (the feedback) and, for an alert, ' +
        '`alert` with its labels and whether a `resolved` notification came.',
      request: { query: AnalysesQuery },
      responses: {
        200: { description: 'A page of analyses', content: { 'application/json': { schema: AnalysesView } } },
        ...errorResponses(400, 401),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const grant = c.get('grant');
      const page = await listAnalysisEntries(deps.db, grant === '*' ? '*' : [...grant], {
        project: query.project,
        status: query.status,
        source: query.source,
        patternKey: query.pattern,
        since: query.since ? new Date(query.since) : undefined,
        limit: query.limit,
        after: query.cursor === undefined ? undefined : requestAfter(decodeCursor(query.cursor)),
      });
      return c.json({ analyses: page.analyses, next_cursor: page.next ? encodeCursor([page.next.createdAt, page.next.requestId]) : null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/analyses/{request_id}/histogram',
      tags: ['analyses'],
      summary: "Log events and error-like events over time in the analysis' window and its baseline",
      description:
        'Counts of every log event and of the error-like ones per bucket over the scope the analysis searched ' +
        "(project, env) and its window, and over the baseline: the same length just before it. About 60 buckets of " +
        'a round number of seconds; bucket starts are multiples of it. 409 while the analysis has no window yet.',
      request: { params: AnalysisParams },
      responses: {
        200: { description: 'The histogram', content: { 'application/json': { schema: HistogramView } } },
        ...errorResponses(400, 401, 404, 409),
      },
    }),
    async (c) => {
      const { request_id } = c.req.valid('param');
      const request = await findAnalysis(deps, c.get('grant'), request_id);
      const scope = searchedScope(request);
      if (!scope) throw new ApiError('conflict', `the analysis is ${request.status} and has no window yet`);
      const length = Math.max(60_000, scope.to.getTime() - scope.from.getTime());
      const bucketSeconds = bucketSize(length / 1000);
      const bucketMs = bucketSeconds * 1000;
      const floor = (t: number) => Math.floor(t / bucketMs) * bucketMs;
      const from = floor(scope.from.getTime());
      const to = floor(scope.from.getTime() + length - 1) + bucketMs;
      const baselineFrom = floor(scope.from.getTime() - length);
      const [buckets, baseline] = await Promise.all([
        countEventBuckets(deps.db, { project: scope.project, env: scope.env, from: new Date(from), to: new Date(to) }, bucketSeconds),
        countEventBuckets(deps.db, { project: scope.project, env: scope.env, from: new Date(baselineFrom), to: new Date(from) }, bucketSeconds),
      ]);
      return c.json(
        { time_range: { from: scope.from.toISOString(), to: scope.to.toISOString() }, bucket_seconds: bucketSeconds, buckets, baseline },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/analyses/{request_id}',
      tags: ['analyses'],
      summary: 'The state of an analysis: status, stored step events, result or error',
      request: { params: AnalysisParams },
      responses: {
        200: { description: 'The analysis', content: { 'application/json': { schema: AnalysisView } } },
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { request_id } = c.req.valid('param');
      const request = await findAnalysis(deps, c.get('grant'), request_id);
      const events = await listAnalysisEvents(deps.db, request.id);
      return c.json(
        {
          request_id: request.id,
          status: request.status,
          conversation_id: request.conversationId,
          source: request.source,
          steps: events.map(toStepEvent),
          result: request.result,
          error: request.error,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/analyses/{request_id}/events',
      tags: ['analyses'],
      summary: 'Server-Sent Events of one analysis',
      description:
        'Stored events after `Last-Event-ID` (header, or `?last_event_id=` for clients that cannot set it), then live ' +
        'ones, each once, in `seq` order; closed after `completed` or `failed`. A client that connects after the end ' +
        'gets the whole history and the stream closes. Each event is `id: <seq>`, `event: <step>`, `data: <event JSON>`.',
      request: { params: AnalysisParams, query: EventsQuery },
      responses: {
        200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
        204: { description: 'The analysis has finished and nothing is left after `Last-Event-ID`: stop reconnecting' },
        ...errorResponses(400, 401, 404, 503),
      },
    }),
    async (c) => {
      const { request_id } = c.req.valid('param');
      const { last_event_id } = c.req.valid('query');
      const afterSeq = parseLastEventId(c.req.header('last-event-id')) ?? last_event_id ?? 0;
      const request = await findAnalysis(deps, c.get('grant'), request_id);
      // Nothing is left to send (an EventSource reconnecting after the final event): 204 is
      // how the SSE spec tells a browser to stop reconnecting. A finished request's final
      // event is stored before its status says so, so nothing can still arrive.
      if ((request.status === 'completed' || request.status === 'failed') && (await listAnalysisEvents(deps.db, request.id, afterSeq)).length === 0) {
        return c.body(null, 204);
      }
      return streamAnalysis(c, deps, streams, request, afterSeq);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/analyses/{request_id}/feedback',
      tags: ['analyses', 'patterns'],
      summary: "Say whether a completed analysis' resolution worked",
      description:
        "One vote per analysis: repeating it changes nothing, changing it moves one count. Answers the error pattern's " +
        "updated statistics in the analysis' project (what the vote changed), or `pattern: null` when the analysis " +
        'named none. 409 while the analysis has not completed.',
      request: {
        params: AnalysisParams,
        body: { required: true, content: { 'application/json': { schema: FeedbackBody } } },
      },
      responses: {
        200: { description: 'Recorded', content: { 'application/json': { schema: FeedbackRecorded } } },
        ...errorResponses(400, 401, 404, 409, 413, 415, 422),
      },
    }),
    async (c) => {
      const { request_id } = c.req.valid('param');
      const body = c.req.valid('json');
      const request = await findAnalysis(deps, c.get('grant'), request_id);
      if (request.status !== 'completed') {
        throw new ApiError('conflict', `the analysis is ${request.status}; feedback is taken once it has completed`);
      }
      // A resolution is free text recalled into later analyses and prompts: redacted like a question.
      const resolution = body.resolution === undefined ? null : redactText(body.resolution);
      const recorded = await recordOutcome(deps.db, { requestId: request.id, outcome: body.outcome, resolution });
      if (!recorded) throw new ApiError('conflict', 'the analysis has no stored result to give feedback on');
      return c.json(
        {
          request_id: request.id,
          outcome: body.outcome,
          changed: recorded.changed,
          pattern: recorded.pattern ? toPatternView(recorded.pattern) : null,
        },
        200,
      );
    },
  );
}


const requestAfter = ([createdAt, requestId]: Cursor) => ({ createdAt, requestId });

// Round bucket sizes in seconds; the smallest that makes at most about 60 buckets is used.
const BUCKET_SECONDS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400];

function bucketSize(windowSeconds: number): number {
  return BUCKET_SECONDS.find((s) => windowSeconds / s <= 60) ?? Math.ceil(windowSeconds / 60 / 86_400) * 86_400;
}

/**
 * What the analysis searched: `result.scope.searched` once analysed, else the extracted
 * parameters (project, env, time_range); undefined before either exists.
 */
function searchedScope(request: AnalysisRequest): { project: string | null; env: string | null; from: Date; to: Date } | undefined {
  const result = request.result as { scope?: { searched?: Record<string, unknown> } } | null;
  const searched = result?.scope?.searched ?? request.parameters;
  if (!searched) return undefined;
  const range = searched.time_range as { from?: unknown; to?: unknown } | undefined;
  const from = typeof range?.from === 'string' ? new Date(range.from) : undefined;
  const to = typeof range?.to === 'string' ? new Date(range.to) : undefined;
  if (!from || !to || Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return undefined;
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return { project: text(searched.project) ?? request.project, env: text(searched.env), from, to };
}

/** `Last-Event-ID` as a seq; anything else a client could send is a 400, not a crash. */
function parseLastEventId(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const value = header.trim();
  if (!/^\d{1,5}$/.test(value) || Number(value) > 32_767) {
    throw new ApiError('bad_request', 'Last-Event-ID must be the seq of an event (a whole number)');
  }
  return Number(value);
}
