/**
 * The shapes that cross loglore's boundaries (HTTP, job payloads, memory rows, events).
 * JSON is snake_case, as DESIGN.md's contracts say.
 */
import { z } from 'zod';
import { INSTANT_RANGE_MESSAGE, instantInRange } from './storable.ts';

/**
 * An ISO-8601 instant with an offset, e.g. `2026-11-25T10:00:00Z`, between the years 1000 and
 * 9999 (Postgres refuses year 0000, which the ISO format allows).
 */
export const IsoInstant = z.iso.datetime({ offset: true }).refine(instantInRange, INSTANT_RANGE_MESSAGE);

export const TimeRange = z.object({
  from: IsoInstant,
  to: IsoInstant,
});
export type TimeRange = z.infer<typeof TimeRange>;

/**
 * What an analysis is about. `project`, `env`, `domain` and `time_range` are always present
 * (null when nothing said them and configuration gives no default); the lists hold whatever
 * else was extracted.
 */
export const Parameters = z.object({
  project: z.string().nullable(),
  env: z.string().nullable(),
  domain: z.string().nullable(),
  time_range: TimeRange,
  trace_ids: z.array(z.string()).default([]),
  request_ids: z.array(z.string()).default([]),
  transaction_ids: z.array(z.string()).default([]),
  services: z.array(z.string()).default([]),
  http_status: z.array(z.number().int()).default([]),
  /** Status classes such as "5xx" when the text names a class rather than a code. */
  http_status_classes: z.array(z.string()).optional(),
  error_codes: z.array(z.string()).default([]),
  keywords: z.array(z.string()).default([]),
});
export type Parameters = z.infer<typeof Parameters>;

export const LogLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
export type LogLevel = z.infer<typeof LogLevel>;

/** Numeric severity of a level, so that "errors first" is an ordered comparison. */
export const LEVEL_SEVERITY: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

/** One log event after normalisation (field aliases resolved, level mapped). */
export const LogEvent = z.object({
  ts: IsoInstant,
  project: z.string().nullable(),
  env: z.string().nullable(),
  domain: z.string().nullable(),
  service: z.string().nullable(),
  level: LogLevel,
  trace_id: z.string().nullable(),
  message: z.string(),
  attrs: z.record(z.string(), z.unknown()).default({}),
});
export type LogEvent = z.infer<typeof LogEvent>;

export const AnalysisSource = z.enum(['chat', 'api', 'alertmanager', 'grafana', 'backfill']);
export type AnalysisSource = z.infer<typeof AnalysisSource>;

export const AnalysisStatus = z.enum(['queued', 'running', 'completed', 'failed']);
export type AnalysisStatus = z.infer<typeof AnalysisStatus>;

export const Outcome = z.enum(['resolved', 'not_resolved']);
export type Outcome = z.infer<typeof Outcome>;

/** One entry of `similar`, best first. */
export const SimilarAnalysis = z.object({
  request_id: z.string(),
  query_text: z.string(),
  error_pattern: z.string().nullable(),
  trace_ids: z.array(z.string()),
  resolution: z.string().nullable(),
  outcome: Outcome.nullable(),
  created_at: IsoInstant,
  /** When the incident happened (a backfilled one long before it was stored). */
  occurred_at: IsoInstant.optional(),
  score: z.number(),
});
export type SimilarAnalysis = z.infer<typeof SimilarAnalysis>;

/** The error-pattern facts an analysis can lean on ("we know this one"). */
export const KnownPattern = z.object({
  pattern_key: z.string(),
  error_type: z.string(),
  domain: z.string().nullable(),
  template: z.string().nullable(),
  typical_causes: z.array(z.string()),
  resolution_steps: z.array(z.string()),
  usage_count: z.number().int(),
  success_count: z.number().int(),
  failure_count: z.number().int(),
  success_rate: z.number(),
});
export type KnownPattern = z.infer<typeof KnownPattern>;

export const STEP_NAMES = ['params', 'similar', 'known_pattern', 'analysis', 'verification', 'completed', 'failed'] as const;
export const StepName = z.enum(STEP_NAMES);
export type StepName = z.infer<typeof StepName>;

/** What every step publishes (DESIGN.md "Step events"). */
export const StepEvent = z.object({
  request_id: z.string(),
  conversation_id: z.string().nullable(),
  seq: z.number().int().positive(),
  step: StepName,
  at: IsoInstant,
  payload: z.record(z.string(), z.unknown()),
});
export type StepEvent = z.infer<typeof StepEvent>;

/**
 * What integrations attach to a request (`analysis_requests.metadata`) for the pipeline.
 * `hints` add to the extracted parameters (an alert's service label, an incident's trace
 * ids); `known` is what the caller already knows of the outcome (a backfilled incident),
 * which the stored analysis keeps over the analyser's view; `window` fixes the time range.
 * Other keys (`alert`, `resolved_at`) are records, not instructions.
 */
export const RequestMetadata = z.looseObject({
  hints: z
    .object({
      services: z.array(z.string()).default([]),
      trace_ids: z.array(z.string()).default([]),
    })
    .optional(),
  known: z
    .object({
      error_pattern: z.string().nullable().default(null),
      resolution: z.string().nullable().default(null),
      outcome: Outcome.nullable().default(null),
    })
    .optional(),
  /**
   * A window fixed by the integration (an alert's, anchored at its startsAt): the analysis'
   * time_range, whatever times the text writes.
   */
  window: z.object({ from: IsoInstant, to: IsoInstant }).optional(),
  /** When the alert that started this analysis was resolved (an Alertmanager/Grafana `resolved` notification). */
  resolved_at: IsoInstant.optional(),
});
export type RequestMetadata = z.infer<typeof RequestMetadata>;
