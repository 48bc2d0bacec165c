/**
 * The bounds of an analysis and the weight of an event as error evidence, shared by the two
 * ways an analysis summarises its window (from rows, from aggregates) and the conclusion.
 */
import { LEVEL_SEVERITY, type LogEvent } from '../schemas.ts';

/** Caps that keep the outcome readable and its size bounded whatever the window holds. */
export const ANALYSIS_LIMITS = {
  /** Characters of a message given to the miner and the error-word test. */
  message: 4_000,
  template: 1_000,
  example: 500,
  evidenceTemplates: 20,
  templateTraceIds: 10,
  citedTraceIds: 5,
  templateFindings: 8,
  findingTraceIds: 3,
  serviceFindings: 8,
  services: 10,
  similarFindings: 3,
  timelineOthers: 3,
  classified: 50,
  /** At most this many buckets of whole minutes to find when a burst began. */
  spikeBuckets: 12,
  /** A template's trace ids come from its newest events that carry one, this many. */
  recentTraced: 20,
  /** A template's first messages kept for matching the question's words and codes. */
  subjectExamples: 4,
  /**
   * The hinted scope's traces followed for downstream causes are those of its newest this many
   * error-like events with a trace id, so focusing costs the same however busy the service.
   */
  hintedTraces: 1_000,
} as const;

/**
 * Words that make a message at info level or below look like a failure. The log store marks
 * events with {@link errorWeight} at ingest, so analyses read only the error-like ones.
 */
export const ERROR_WORDS_LIST = [
  'error', 'errors', 'exception', 'fail', 'failed', 'failure', 'failing', 'fatal', 'panic', 'refused',
  'timed out', 'timeout', 'denied', 'unavailable', 'declined', 'insufficient', 'unreachable', 'traceback',
  'forbidden', 'unauthorised', 'unauthorized', 'aborted', 'crashed', 'rejected',
] as const;

// Anchored on word boundaries, one alternation, no nested quantifiers.
const ERROR_WORDS = new RegExp(`\\b(?:${ERROR_WORDS_LIST.join('|')})\\b`, 'i');

/**
 * How much an event counts as error evidence: error and fatal 1, warn 0.5, a lower level
 * whose message reads like a failure 0.25, anything else 0 (not error-like).
 */
export function errorWeight(event: Pick<LogEvent, 'level' | 'message'>): number {
  const s = LEVEL_SEVERITY[event.level];
  if (s >= LEVEL_SEVERITY.error) return 1;
  if (s >= LEVEL_SEVERITY.warn) return 0.5;
  return ERROR_WORDS.test(event.message.slice(0, ANALYSIS_LIMITS.message)) ? 0.25 : 0;
}

/** {@link errorWeight} of an event known to be error-like, from its severity alone. */
export function errorLikeWeight(severity: number): number {
  return severity >= LEVEL_SEVERITY.error ? 1 : severity >= LEVEL_SEVERITY.warn ? 0.5 : 0.25;
}
