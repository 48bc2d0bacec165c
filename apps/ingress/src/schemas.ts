/**
 * The HTTP shapes of DESIGN.md's API table: request bodies, path ids, queries and answers.
 * Domain shapes (parameters, similar analyses, step events, patterns) come from @loglore/core.
 */
import { z } from '@hono/zod-openapi';
import { AnalysisSource, AnalysisStatus, IsoInstant, KnownPattern, Outcome, SimilarAnalysis, StepEvent } from '@loglore/core';

/** Bounds on what a client may send; longer values are 422, not truncated. */
export const LIMITS = {
  text: 20_000,
  name: 100,
  idempotencyKey: 200,
  resolution: 5_000,
  metadataBytes: 16_384,
} as const;

// Any 8-4-4-4-12 hex string is a valid Postgres uuid, so an id that passes never reaches the
// database as a syntax error: it is found or it is a 404.
const Id = z.guid({ message: 'must be a UUID' });

/** project, env, domain, service: short names without control characters. */
export const Name = z
  .string()
  .trim()
  .min(1)
  .max(LIMITS.name)
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');

const Metadata = z
  .record(z.string(), z.unknown())
  .refine((m) => JSON.stringify(m).length <= LIMITS.metadataBytes, `must serialise to at most ${LIMITS.metadataBytes} bytes`);

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

export const ConversationParams = z.object({
  id: Id.openapi({ param: { name: 'id', in: 'path' }, example: '5b0c9a52-3c84-4a8f-9a8e-0a3f6f0c2d11' }),
});

export const AnalysisParams = z.object({
  request_id: Id.openapi({ param: { name: 'request_id', in: 'path' }, example: '5b0c9a52-3c84-4a8f-9a8e-0a3f6f0c2d11' }),
});

export const CreateConversationBody = z
  .strictObject({
    project: Name.optional(),
    metadata: Metadata.optional(),
  })
  .openapi('CreateConversation');

export const ConversationCreated = z.object({ conversation_id: z.string(), created_at: IsoInstant }).openapi('ConversationCreated');

export const MessageView = z.object({
  role: z.enum(['user', 'assistant', 'system']),
  content: z.string(),
  parameters: z.record(z.string(), z.unknown()).nullable(),
  request_id: z.string().nullable(),
  created_at: IsoInstant,
});

export const ConversationView = z
  .object({
    conversation_id: z.string(),
    project: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    created_at: IsoInstant,
    updated_at: IsoInstant,
    messages: z.array(MessageView),
  })
  .openapi('Conversation');

export const ConversationsQuery = z.object({
  project: Name.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** `next_cursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
});

export const ConversationEntry = z
  .object({
    conversation_id: z.string(),
    project: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    created_at: IsoInstant,
    /** The first question the key may see; null before any. */
    first_question: z.string().nullable(),
    /** Turns the key may see, questions and answers. */
    turns: z.number().int(),
    last_message_at: IsoInstant.nullable(),
  })
  .openapi('ConversationEntry');

export const ConversationsView = z
  .object({ conversations: z.array(ConversationEntry), next_cursor: z.string().nullable() })
  .openapi('Conversations');

export const PostMessageBody = z
  .strictObject({
    content: z.string().trim().min(1).max(LIMITS.text),
    project: Name.optional(),
    env: Name.optional(),
    domain: Name.optional(),
    /** When the question was asked (relative times resolve against it); default: now. */
    occurred_at: IsoInstant.optional(),
  })
  .openapi('PostMessage');

export const MessageAccepted = z
  .object({ request_id: z.string(), conversation_id: z.string(), status: AnalysisStatus })
  .openapi('MessageAccepted');

export const SimilarQuery = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(5),
});

export const SimilarView = z.object({ similar: z.array(SimilarAnalysis) }).openapi('Similar');

export const CreateAnalysisBody = z
  .strictObject({
    text: z.string().trim().min(1).max(LIMITS.text),
    project: Name.optional(),
    env: Name.optional(),
    domain: Name.optional(),
    conversation_id: Id.optional(),
    source: AnalysisSource.default('api'),
    occurred_at: IsoInstant.optional(),
    idempotency_key: z
      .string()
      .min(1)
      .max(LIMITS.idempotencyKey)
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .optional(),
  })
  .openapi('CreateAnalysis');

export const AnalysisAccepted = z.object({ request_id: z.string(), status: AnalysisStatus }).openapi('AnalysisAccepted');

export const AnalysisView = z
  .object({
    request_id: z.string(),
    status: AnalysisStatus,
    conversation_id: z.string().nullable(),
    source: z.string(),
    steps: z.array(StepEvent),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().nullable(),
  })
  .openapi('Analysis');

/** SSE resume point: the `Last-Event-ID` header wins; the query serves clients that cannot set headers. */
export const EventsQuery = z.object({
  last_event_id: z.coerce.number().int().min(0).max(32_767).optional(),
});

export const FeedbackBody = z
  .strictObject({
    outcome: Outcome,
    resolution: z.string().trim().min(1).max(LIMITS.resolution).optional(),
  })
  .openapi('Feedback');

export const PatternView = KnownPattern.extend({
  title: z.string().nullable(),
  first_seen: IsoInstant.nullable(),
  last_seen: IsoInstant.nullable(),
}).openapi('Pattern');

export const FeedbackRecorded = z
  .object({
    request_id: z.string(),
    outcome: Outcome,
    /** False when the same vote was given before: no count moved. */
    changed: z.boolean(),
    pattern: PatternView.nullable(),
  })
  .openapi('FeedbackRecorded');

export const PatternsQuery = z.object({
  /** A case-insensitive substring of the key or the title. */
  q: z.string().trim().min(1).max(LIMITS.name).optional(),
  domain: Name.optional(),
  error_type: Name.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});


export const LogsQuery = z.object({
  project: Name.optional(),
  env: Name.optional(),
  domain: Name.optional(),
  service: Name.optional(),
});

export const LogsIngested = z
  .object({
    ingested: z.number().int(),
    rejected: z.array(z.object({ line: z.number().int(), error: z.string() })),
  })
  .openapi('LogsIngested');

/** The error answers a route documents besides its success. */
export function errorResponses(...statuses: (400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 503)[]) {
  const descriptions: Record<number, string> = {
    400: 'Malformed JSON, id or query',
    401: 'Missing or unknown API key',
    403: 'The API key may not write into that project',
    404: 'Unknown id (or one of a project the key does not see)',
    409: 'Conflicts with the current state',
    413: 'Body too large',
    415: 'Unsupported content type',
    422: 'The body violates the schema; details list each issue',
    503: 'Postgres or Redis is unavailable; retry after Retry-After seconds',
  };
  return Object.fromEntries(
    statuses.map((s) => [s, { description: descriptions[s]!, content: { 'application/json': { schema: ErrorResponse } } }]),
  ) as Record<number, { description: string; content: { 'application/json': { schema: typeof ErrorResponse } } }>;
}

export const AnalysesQuery = z.object({
  project: Name.optional(),
  status: AnalysisStatus.optional(),
  source: AnalysisSource.optional(),
  /** Only analyses that concluded this pattern. */
  pattern: Name.optional(),
  /** Only analyses created at or after this instant. */
  since: IsoInstant.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** `next_cursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
});

export const AlertView = z.object({
  fingerprint: z.string(),
  labels: z.record(z.string(), z.string()),
  status: z.enum(['firing', 'resolved']),
  starts_at: z.string(),
  resolved_at: IsoInstant.nullable(),
});

export const AnalysisEntry = z
  .object({
    request_id: z.string(),
    status: AnalysisStatus,
    source: z.string(),
    project: z.string().nullable(),
    env: z.string().nullable(),
    domain: z.string().nullable(),
    conversation_id: z.string().nullable(),
    query_text: z.string(),
    created_at: IsoInstant,
    /** When it completed or failed. */
    completed_at: IsoInstant.nullable(),
    error_pattern: z.string().nullable(),
    pattern_key: z.string().nullable(),
    confidence_score: z.number().nullable(),
    outcome: Outcome.nullable(),
    /** The alert that started it (Alertmanager, Grafana), else null. */
    alert: AlertView.nullable(),
  })
  .openapi('AnalysisEntry');

export const AnalysesView = z
  .object({ analyses: z.array(AnalysisEntry), next_cursor: z.string().nullable() })
  .openapi('Analyses');

export const PatternDay = z.object({ day: z.string().openapi({ example: '2026-03-14' }), count: z.number().int() });

/** A pattern as lists show it: its statistics and its occurrences per day. */
export const PatternEntry = PatternView.extend({
  /** Occurrences per UTC day over the 30 days ending on last_seen's day, oldest first; empty when never seen. */
  daily: z.array(PatternDay),
}).openapi('PatternEntry');

export const PatternsListView = z.object({ patterns: z.array(PatternEntry) }).openapi('Patterns');

export const PatternParams = z.object({
  pattern_key: Name.openapi({ param: { name: 'pattern_key', in: 'path' }, example: 'db.pool_exhausted' }),
});

export const PatternDetailView = z
  .object({
    pattern: PatternView,
    daily: z.array(PatternDay),
    analyses: z.array(AnalysisEntry),
    resolutions: z.array(
      z.object({ resolution: z.string(), resolved: z.number().int(), not_resolved: z.number().int(), last_at: IsoInstant }),
    ),
  })
  .openapi('PatternDetail');

export const HistogramBucket = z.object({ at: IsoInstant, events: z.number().int(), errors: z.number().int() });

export const HistogramView = z
  .object({
    time_range: z.object({ from: IsoInstant, to: IsoInstant }),
    bucket_seconds: z.number().int(),
    buckets: z.array(HistogramBucket),
    /** The same length of time just before the window, in buckets of the same size. */
    baseline: z.array(HistogramBucket),
  })
  .openapi('Histogram');

export const ProjectParams = z.object({
  project: Name.openapi({ param: { name: 'project', in: 'path' }, example: 'payments' }),
});

const RetentionDaysValue = z.number().int().min(0).max(100 * 365);

/** A project's retention to set: days per kind, null back to the default, absent unchanged. */
export const RetentionUpdate = z
  .object({
    logs_days: RetentionDaysValue.nullable().optional(),
    analyses_days: RetentionDaysValue.nullable().optional(),
    events_days: RetentionDaysValue.nullable().optional(),
    messages_days: RetentionDaysValue.nullable().optional(),
  })
  .strict()
  .openapi('RetentionUpdate');

const RetentionKinds = z.object({
  logs_days: z.number().int(),
  analyses_days: z.number().int(),
  events_days: z.number().int(),
  messages_days: z.number().int(),
});

export const RetentionView = z
  .object({
    project: z.string(),
    /** What applies: the project's own days or the default; 0 keeps for ever. */
    retention: RetentionKinds,
    /** The project's own settings (absent kinds take the default). */
    overrides: RetentionKinds.partial(),
    defaults: RetentionKinds,
  })
  .openapi('RetentionView');
