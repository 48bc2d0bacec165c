import { createRoute, z } from '@hono/zod-openapi';
import { rankSimilar, redactValue } from '@loglore/core';
import {
  createConversation,
  findSimilarAnalyses,
  findSimilarByEvidence,
  getAnalysisMemory,
  getAnalysisRequest,
  getLastParameters,
  getLastUserMessage,
  getRecentMessages,
  listConversationEntries,
} from '@loglore/db';
import { acceptAnalysis } from '../accept.ts';
import { canSee, resolveWriteProject } from '../auth.ts';
import {
  ConversationCreated,
  ConversationParams,
  ConversationsQuery,
  ConversationsView,
  ConversationView,
  CreateConversationBody,
  errorResponses,
  MessageAccepted,
  PostMessageBody,
  SimilarQuery,
  SimilarView,
} from '../schemas.ts';
import { streamConversation } from '../sse.ts';
import { conversationVisibility, findConversation, type ApiApp, type RouteContext } from './context.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

/** A GET answers at most this many turns, the latest ones, oldest first. */
const MAX_MESSAGES = 1_000;

export function registerConversationRoutes(app: ApiApp, { deps, streams }: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/conversations',
      tags: ['conversations'],
      summary: 'Start a conversation',
      // An empty JSON body reads as `{}` (see jsonBodyGuard in server.ts).
      description: 'The body is optional: no body, or an empty one, starts a conversation without a project.',
      request: { body: { required: false, content: { 'application/json': { schema: CreateConversationBody } } } },
      responses: {
        201: { description: 'Created', content: { 'application/json': { schema: ConversationCreated } } },
        ...errorResponses(400, 401, 403, 413, 415, 422),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const project = resolveWriteProject(c.get('grant'), body.project);
      // Metadata is the client's free-form JSON: secrets in it (by key or by shape) are redacted.
      const conversation = await createConversation(deps.db, { project, metadata: redactValue(body.metadata ?? {}) });
      return c.json({ conversation_id: conversation.id, created_at: conversation.createdAt.toISOString() }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/conversations',
      tags: ['conversations'],
      summary: 'Conversations, newest first',
      description:
        "Only the key's projects (a conversation without a project: keys of every project only). Each entry has its " +
        'first question and the number of turns the key may see. Pages of `limit` (50, at most 200): pass ' +
        '`next_cursor` as `cursor` for the next one; null when there is none.',
      request: { query: ConversationsQuery },
      responses: {
        200: { description: 'A page of conversations', content: { 'application/json': { schema: ConversationsView } } },
        ...errorResponses(400, 401),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const grant = c.get('grant');
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const page = await listConversationEntries(deps.db, grant === '*' ? '*' : [...grant], {
        project: query.project,
        limit: query.limit,
        after: after && { createdAt: after[0], id: after[1] },
      });
      return c.json({ conversations: page.conversations, next_cursor: page.next ? encodeCursor([page.next.createdAt, page.next.id]) : null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/conversations/{id}',
      tags: ['conversations'],
      summary: 'A conversation with its messages, oldest first',
      description: "Turns asked for a project the key was not granted (by a key of several projects) are left out.",
      request: { params: ConversationParams },
      responses: {
        200: { description: 'The conversation', content: { 'application/json': { schema: ConversationView } } },
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const conversation = await findConversation(deps, c.get('grant'), id);
      const visible = await conversationVisibility(deps, c.get('grant'), conversation);
      const messages = [];
      for (const m of await getRecentMessages(deps.db, id, MAX_MESSAGES)) if (await visible(m.requestId)) messages.push(m);
      return c.json(
        {
          conversation_id: conversation.id,
          project: conversation.project,
          metadata: conversation.metadata,
          created_at: conversation.createdAt.toISOString(),
          updated_at: conversation.updatedAt.toISOString(),
          messages: messages.map((m) => ({
            role: m.role,
            content: m.content,
            parameters: m.parameters,
            request_id: m.requestId,
            created_at: m.createdAt.toISOString(),
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/conversations/{id}/messages',
      tags: ['conversations'],
      summary: 'Ask a question in a conversation: stores the turn and queues its analysis',
      description:
        'The user message and the analysis request are stored in one transaction before the answer. ' +
        'The project defaults to the conversation\'s. Follow the analysis with `GET /api/analyses/{request_id}/events` ' +
        'or the conversation\'s event stream.',
      request: {
        params: ConversationParams,
        body: { required: true, content: { 'application/json': { schema: PostMessageBody } } },
      },
      responses: {
        202: { description: 'Accepted', content: { 'application/json': { schema: MessageAccepted } } },
        ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const grant = c.get('grant');
      const conversation = await findConversation(deps, grant, id);
      const project = resolveWriteProject(grant, body.project ?? conversation.project);
      const { request } = await acceptAnalysis(deps, {
        text: body.content,
        source: 'chat',
        conversationId: conversation.id,
        project,
        env: body.env ?? null,
        domain: body.domain ?? null,
        occurredAt: body.occurred_at ? new Date(body.occurred_at) : undefined,
      });
      return c.json({ request_id: request.id, conversation_id: conversation.id, status: request.status }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/conversations/{id}/similar',
      tags: ['conversations'],
      summary: "Past analyses similar to the conversation's last question",
      description:
        'Scoped to the project (and stated env) of the conversation\'s last parameters. Once its last question ' +
        'was analysed: past analyses of the same failure, ranked by the evidence (pattern, templates, services, ' +
        'then text and recency), as the result\'s `similar`; before that, ranked by the text of the last user ' +
        'message. The analysis of that message itself is left out. Only analyses of the project that message was ' +
        'asked for are recalled (of none, when it had none), and only when the key is granted it.',
      request: { params: ConversationParams, query: SimilarQuery },
      responses: {
        200: { description: 'Best first', content: { 'application/json': { schema: SimilarView } } },
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { limit } = c.req.valid('query');
      const grant = c.get('grant');
      const conversation = await findConversation(deps, grant, id);
      // The memory scope is the project the last question was asked for (a conversation may
      // hold turns of several projects), else the conversation's; a key recalls only its own.
      const last = await getLastUserMessage(deps.db, id);
      const asked = last?.requestId ? await getAnalysisRequest(deps.db, last.requestId) : undefined;
      const project = asked ? asked.project : conversation.project;
      if (!canSee(grant, project)) return c.json({ similar: [] }, 200);
      const parameters = await getLastParameters(deps.db, id, { project });
      if (!parameters) return c.json({ similar: [] }, 200);
      const filter: Record<string, string> = {};
      // A domain is a guess from words: it ranks, it does not hide.
      for (const key of ['project', 'env'] as const) {
        const value = parameters[key];
        if (typeof value === 'string' && value) filter[key] = value;
      }
      // Once the last question was analysed, "similar" is what its result recalled: past
      // analyses of the same failure, ranked by the evidence found.
      const memory = last?.requestId ? await getAnalysisMemory(deps.db, last.requestId) : undefined;
      if (memory?.patternKey) {
        const recalled = await findSimilarByEvidence(deps.db, {
          project,
          env: filter.env ?? null,
          patternKey: memory.patternKey,
          templateKeys: memory.templateKeys,
          services: memory.services,
          text: memory.queryText,
          anchor: memory.occurredAt,
          excludeRequestId: memory.requestId,
          limit,
        });
        // Ordered as the analysis orders its `similar`: same pattern, then confirmed resolutions.
        return c.json({ similar: rankSimilar(recalled, memory.errorPattern) }, 200);
      }
      const similar = await findSimilarAnalyses(deps.db, {
        project,
        filter,
        text: last?.content ?? null,
        excludeRequestId: last?.requestId ?? null,
        limit,
      });
      return c.json({ similar }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/conversations/{id}/events',
      tags: ['conversations'],
      summary: 'Server-Sent Events: the step events of every analysis in the conversation',
      description:
        'Replays every stored event of the conversation, then streams live ones; stays open, with a comment ' +
        'heartbeat every 15 s. Each event is `id: <seq>`, `event: <step>`, `data: <event JSON>`. Events of analyses ' +
        'asked for a project the key was not granted are left out.',
      request: { params: ConversationParams },
      responses: {
        200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
        ...errorResponses(400, 401, 404, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const conversation = await findConversation(deps, c.get('grant'), id);
      const visible = await conversationVisibility(deps, c.get('grant'), conversation);
      return streamConversation(c, deps, streams, conversation.id, visible);
    },
  );
}
