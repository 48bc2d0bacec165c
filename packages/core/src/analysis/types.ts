/**
 * Shapes of an analysis: its evidence, findings, outcome and verification. They are stored
 * (`analysis_memory.findings`), published (the `analysis` and `verification` step events)
 * and read back, so each has a zod schema; JSON is snake_case.
 */
import { z } from 'zod';
import { IsoInstant, KnownPattern, LogLevel, Outcome, SimilarAnalysis, TimeRange, type LogEvent, type Parameters } from '../schemas.ts';

/** One mined template of the window as the analysis saw it. Counts are of error-like events only. */
export const EvidenceTemplate = z.object({
  template_id: z.string(),
  template: z.string(),
  /** Error-like events of this template in the window. */
  count: z.number().int(),
  /** Error-like events of this template in the equally long window before. */
  baseline_count: z.number().int(),
  /** Highest level seen among those events. */
  level: LogLevel,
  /** Absent from the baseline although the baseline had events. */
  new: z.boolean(),
  /** Grew beyond noise against its baseline count (see `SPIKE_MIN_COUNT`, `SPIKE_RATIO`, `SPIKE_Z`). */
  spiking: z.boolean(),
  /** Counts towards the conclusion: error level, or new, spiking or asked about. */
  significant: z.boolean(),
  error_pattern: z.string(),
  pattern_key: z.string(),
  services: z.array(z.string()),
  first_seen: IsoInstant,
  last_seen: IsoInstant,
  /** When the burst of this template began, for new or spiking ones with enough events. */
  spike_start: IsoInstant.nullable(),
  /** Trace ids of its events, most recent first, capped. */
  trace_ids: z.array(z.string()),
  /** Its most recent message, capped (already redacted by the caller). */
  example: z.string(),
});
export type EvidenceTemplate = z.infer<typeof EvidenceTemplate>;

/** Everything a conclusion may cite. The verifier and an optional model read only this. */
export const Evidence = z.object({
  time_range: TimeRange,
  /** The filters the events were selected with (the hard scope: project, env; domain is a hint and null). */
  scope: z.object({ project: z.string().nullable(), env: z.string().nullable(), domain: z.string().nullable() }),
  event_count: z.number().int(),
  error_event_count: z.number().int(),
  baseline_event_count: z.number().int(),
  baseline_error_event_count: z.number().int(),
  first_event: IsoInstant.nullable(),
  last_event: IsoInstant.nullable(),
  /** Error-like templates, most significant first, capped. */
  templates: z.array(EvidenceTemplate),
  /** Union of the templates' trace ids. */
  trace_ids: z.array(z.string()),
  /** Services with error-like events and how many. */
  services: z.array(z.object({ service: z.string(), error_count: z.number().int() })),
  /** Key of the known pattern the analysis folded in, if any. */
  known_pattern_key: z.string().nullable(),
  /** Past analyses the analysis was given (ids and what they concluded). */
  similar: z.array(
    z.object({ request_id: z.string(), error_pattern: z.string().nullable(), outcome: Outcome.nullable(), resolution: z.string().nullable() }),
  ),
});
export type Evidence = z.infer<typeof Evidence>;

/**
 * Where the evidence came from. Only the project, a stated env and the window bound it; the
 * other hints focus the conclusion on part of it, and when that part holds too little error
 * evidence the analysis widens to all of it and says why.
 */
export const AnalysisScope = z.object({
  /** The hints the request gave (they rank and focus, never hide evidence). */
  asked: z.object({
    domain: z.string().nullable(),
    services: z.array(z.string()),
    trace_ids: z.array(z.string()),
    /** Words and codes of the question that may name its subject. */
    terms: z.array(z.string()),
  }),
  /** The hard scope the evidence was read from. */
  searched: z.object({ project: z.string().nullable(), env: z.string().nullable(), time_range: TimeRange }),
  /** `all`: no hints; `hinted`: concluded from the hinted scope and the causes it leads to; `widened`: from the whole scope. */
  focus: z.enum(['all', 'hinted', 'widened']),
  widened: z.boolean(),
  /** Error-like events in the hinted scope. */
  hinted_error_event_count: z.number().int(),
  /** Error-like events of other services on the hinted errors' traces. */
  linked_error_event_count: z.number().int(),
  /** Why it widened, in one sentence; null when it did not. */
  reason: z.string().nullable(),
});
export type AnalysisScope = z.infer<typeof AnalysisScope>;

export const FINDING_KINDS = ['error_template', 'new_error', 'spike', 'affected_service', 'trace', 'known_pattern', 'similar_resolution'] as const;
export const FindingKind = z.enum(FINDING_KINDS);
export type FindingKind = z.infer<typeof FindingKind>;

/**
 * One fact of the analysis with the evidence it rests on. Template findings
 * (`error_template`, `new_error`, `spike`, `trace`) cite `template_id`/`template` and
 * their `count`, times and trace ids; every cited value must be in the {@link Evidence}.
 */
export const Finding = z.object({
  kind: FindingKind,
  /** One readable line. */
  title: z.string(),
  template_id: z.string().optional(),
  template: z.string().optional(),
  count: z.number().int().optional(),
  baseline_count: z.number().int().optional(),
  trace_ids: z.array(z.string()).optional(),
  first_seen: IsoInstant.optional(),
  last_seen: IsoInstant.optional(),
  spike_start: IsoInstant.optional(),
  services: z.array(z.string()).optional(),
  service: z.string().optional(),
  error_pattern: z.string().optional(),
  pattern_key: z.string().optional(),
  /** `similar_resolution`: the past analysis cited. */
  request_id: z.string().optional(),
  resolution: z.string().optional(),
  outcome: Outcome.nullable().optional(),
});
export type Finding = z.infer<typeof Finding>;

export const TimelineEntry = z.object({
  at: IsoInstant,
  what: z.string(),
  /** The template whose evidence holds this instant. */
  template_id: z.string().optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

/** The parts of the confidence score, each in [0, 1], for whoever wants to know why. */
export const ConfidenceFactors = z.object({
  /** Share of the error weight explained by the dominant pattern. */
  share: z.number(),
  /** Grows with the number of events of the dominant pattern. */
  volume: z.number(),
  /** New or spiking against the baseline (1), no baseline (0.5), steady (0.3). */
  growth: z.number(),
  /** Error level (1), warning (0.6), only error-looking lower levels (0.3). */
  severity: z.number(),
  /** Catalogued, with a track record or a confirmed similar resolution. */
  recognition: z.number(),
});
export type ConfidenceFactors = z.infer<typeof ConfidenceFactors>;

export const ResolutionSource = z
  .object({ kind: z.enum(['similar', 'known_pattern']), ref: z.string() })
  .nullable();
export type ResolutionSource = z.infer<typeof ResolutionSource>;

/** The conclusion of the deterministic analyser (and, after verification, of the pipeline). */
export const AnalysisOutcome = z.object({
  /** Null only in outcomes stored before scopes were reported. */
  scope: AnalysisScope.nullable().default(null),
  findings: z.array(Finding),
  error_pattern: z.string().nullable(),
  pattern_key: z.string().nullable(),
  /** The dominant pattern's classification; a PatternDefinition for `error_patterns`. */
  classification: z
    .object({
      error_pattern: z.string(),
      pattern_key: z.string(),
      error_type: z.string(),
      domain: z.string().nullable(),
      known: z.boolean(),
      title: z.string(),
      template: z.string(),
    })
    .nullable(),
  /** The template the conclusion rests on. */
  dominant: z.object({ template_id: z.string(), template: z.string() }).nullable(),
  /** Trace ids of events that show the dominant failure, most recent first (at most 5). */
  trace_ids: z.array(z.string()),
  /** Services with the dominant failure first, then other services with significant errors. */
  services: z.array(z.string()),
  timeline: z.array(TimelineEntry),
  known_pattern: KnownPattern.nullable(),
  /** The similar analyses given, re-ordered: same pattern first, confirmed resolutions first. */
  similar: z.array(SimilarAnalysis),
  resolution: z.string().nullable(),
  resolution_source: ResolutionSource,
  confidence_score: z.number().min(0).max(1),
  confidence_factors: ConfidenceFactors.nullable(),
  summary: z.string(),
  hypothesis: z.string().nullable(),
  evidence: Evidence,
});
export type AnalysisOutcome = z.infer<typeof AnalysisOutcome>;

export const CHECK_KINDS = ['trace_id', 'template', 'count', 'time', 'service', 'pattern', 'request_id'] as const;
export const CheckKind = z.enum(CHECK_KINDS);
export type CheckKind = z.infer<typeof CheckKind>;

/** One cited value and whether the evidence supports it. */
export const VerificationCheck = z.object({
  kind: CheckKind,
  /** The cited value, as text. */
  ref: z.string(),
  /** Where it was cited (`findings[2].count`, `trace_ids`, `summary`...). */
  where: z.string(),
  ok: z.boolean(),
  reason: z.string().optional(),
});
export type VerificationCheck = z.infer<typeof VerificationCheck>;

/** What the verifier checked and what it removed (the `verification` step's payload). */
export const Verification = z.object({
  checked: z.array(VerificationCheck),
  /** The failed checks; what they cite was dropped from the verified outcome. */
  unsupported: z.array(VerificationCheck),
  dropped: z.object({
    findings: z.number().int(),
    trace_ids: z.array(z.string()),
    services: z.array(z.string()),
    timeline: z.number().int(),
    /** The dominant template itself was unsupported: no error pattern remains. */
    error_pattern: z.boolean(),
  }),
  /** The summary and hypothesis were rewritten from what remained. */
  summary_rebuilt: z.boolean(),
});
export type Verification = z.infer<typeof Verification>;

/** Reads a pattern's facts and statistics; read-only (reading is not a use). */
export type KnownPatternLookup = (patternKey: string) => KnownPattern | undefined;

/** What {@link analyze} needs: the request and the events, already selected by the caller. */
export interface AnalysisInput {
  question: string;
  parameters: Parameters;
  /** The selected window (filtered by project, env, domain and time); may be empty. */
  events: readonly LogEvent[];
  /** The equally long window before it, same filters, for "new or spiking". May be empty. */
  baseline: readonly LogEvent[];
  /** Catalog/DB look-up; when it returns nothing for a catalogued key, the catalog answers. */
  knownPatterns: KnownPatternLookup;
  /** Similar past analyses, best first. */
  similar: readonly SimilarAnalysis[];
  /**
   * How many events the windows hold in all, when the caller passed only the error-like ones
   * (warn and above, or a message with {@link ERROR_WORDS_LIST} words): only those are evidence,
   * the rest is counted.
   */
  totals?: { events: number; baseline: number };
}

