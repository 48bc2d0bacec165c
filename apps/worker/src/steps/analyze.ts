import {
  AnalysisOutcome,
  checkClaims,
  evidenceSignature,
  hintsOf,
  KnownPattern,
  prepareAnalysis,
  redactText,
  verify,
  type Parameters,
  type SimilarAnalysis,
  type VerificationCheck,
} from '@loglore/core';
import {
  evidenceWatermark,
  findSimilarByEvidence,
  getPatternInfo,
  readTemplateEvidence,
  readWindowEvidence,
  toKnownPattern,
  appendStepEvents,
  type EvidenceWatermark,
  type HardScope,
} from '@loglore/db';
import { fromRequestCarry, hashParameters, toRequestCarry, type CacheLookup, type RequestFacts, type StepJobData } from '@loglore/queue';
import { AnalyzeCarry, readCarry } from '../carry.ts';
import type { WorkerDeps } from '../deps.ts';
import { emitStepEvent, publishHeld } from '../emit.ts';
import { isFinished, loadRequest, requestParameters, storedPayloads } from '../load.ts';

/** Past analyses recalled by evidence for the result's `similar`. */
const SIMILAR_LIMIT = 5;

const MINUTE = 60_000;
const floorMinute = (ms: number) => Math.floor(ms / MINUTE) * MINUTE;

/**
 * The cache key of "the same question": the parameters with the window rounded to the
 * minute, so two askings of "since 10:00" a few seconds apart share one analysis, and the
 * request's project (its memory scope): a cached analysis carries that scope's similar
 * analyses and statistics, so a request without a project whose text named one must not
 * share it with that project's requests.
 */
export function cacheHash(parameters: Parameters, project: string | null): string {
  const minute = (iso: string) => new Date(floorMinute(Date.parse(iso))).toISOString();
  return hashParameters({
    ...parameters,
    time_range: { from: minute(parameters.time_range.from), to: minute(parameters.time_range.to) },
    memory_scope: project,
  });
}

/** The windows an analysis reads: the question's window and a baseline of the same length before it. */
export function evidenceWindows(from: Date, to: Date): { from: Date; to: Date; baselineFrom: Date } {
  const length = Math.max(MINUTE, to.getTime() - from.getTime());
  return { from, to, baselineFrom: new Date(from.getTime() - length) };
}

/**
 * The hard scope whose evidence watermark guards a cache entry: project and env, the scope the
 * analysis reads (hints only rank and focus inside it), over every window and baseline an
 * analysis sharing this cache key can read. The key rounds `from` and `to` down to the minute,
 * so each lies within a minute after its rounded value; the windows of [from, to + 1 min)
 * contain them all (a baseline is at most as long as that span).
 */
export function cacheScope(parameters: Parameters): HardScope {
  const from = floorMinute(Date.parse(parameters.time_range.from));
  const to = floorMinute(Date.parse(parameters.time_range.to)) + MINUTE;
  const windows = evidenceWindows(new Date(from), new Date(to));
  return { project: parameters.project, env: parameters.env, from: windows.baselineFrom, to: windows.to };
}

/** Why the analysis event's `cache` says what it says (see {@link CacheLookup}). */
type CacheState = CacheLookup['state'];

/**
 * Step 3: analyse the logs of the window and verify the findings against the evidence.
 * Publishes `known_pattern` (when the pattern this analysis found has a record), `analysis`
 * (what the analyser concluded) and `verification` (what was checked, what was dropped). Past
 * analyses are recalled by the evidence found (same pattern, templates, services), so the
 * result's `similar` is of the same cause. A cached analysis of identical parameters is
 * reused and says so. Given the request, parameters and early similar list in the carry, it
 * reads only evidence and memory, and stores its events in one statement. Idempotent: a replay
 * republishes the stored events instead of analysing again.
 */
export async function handle(data: StepJobData, deps: WorkerDeps): Promise<{ next: boolean; carry?: Record<string, unknown> }> {
  const carried = readCarry(AnalyzeCarry, data);
  if (carried) {
    const request = fromRequestCarry(carried.request);
    const concluded = await conclude(deps, request, carried.parameters, carried.similar);
    // The events in one statement; all of them stored now, or the stored state decides.
    const heads = await appendStepEvents(deps.db, { requestId: request.id, conversationId: request.conversationId, events: concluded.events });
    if (heads.length === concluded.events.length) {
      await publishHeld(deps, request, heads.map((head) => ({ head, payload: concluded.events.find((e) => e.step === head.step)!.payload })));
      await concluded.remember();
      return { next: true, carry: persistCarry(carried, concluded.events.at(-1)!.payload) };
    }
  }

  const request = await loadRequest(deps, data.request_id);
  if (isFinished(request)) return { next: false };
  const stored = await storedPayloads(deps, request.id);
  const parameters = requestParameters(request);
  const carry = { request: toRequestCarry(request), parameters };
  if (stored.has('analysis') && stored.has('verification')) {
    if (stored.has('known_pattern')) await emitStepEvent(deps, request, 'known_pattern', stored.get('known_pattern')!);
    await emitStepEvent(deps, request, 'analysis', stored.get('analysis')!);
    const verification = await emitStepEvent(deps, request, 'verification', stored.get('verification')!);
    return { next: true, carry: persistCarry(carry, verification.payload) };
  }
  const similar = (stored.get('similar')?.similar as SimilarAnalysis[] | undefined) ?? [];
  const concluded = await conclude(deps, request, parameters, similar);
  let verification: Record<string, unknown> = {};
  for (const event of concluded.events) verification = (await emitStepEvent(deps, request, event.step, event.payload)).payload;
  await concluded.remember();
  return { next: true, carry: persistCarry(carry, verification) };
}

/** What persist concludes from: the request, its parameters and the stored verification's outcome. */
function persistCarry(carry: { request: unknown; parameters: unknown }, verification: Record<string, unknown>): Record<string, unknown> {
  return { request: carry.request, parameters: carry.parameters, verification: { cached: verification.cached, outcome: verification.outcome } };
}

/**
 * The analysis of a request: its step events (`known_pattern` when the pattern has a record,
 * `analysis`, `verification`, in order) and, to run once they are stored, the cache write.
 */
async function conclude(
  deps: WorkerDeps,
  request: RequestFacts,
  parameters: Parameters,
  similar: SimilarAnalysis[],
): Promise<{ events: { step: 'known_pattern' | 'analysis' | 'verification'; payload: Record<string, unknown> }[]; remember(): Promise<void> }> {
  const hash = cacheHash(parameters, request.project);

  let outcome: AnalysisOutcome;
  let model: ModelUse | null = null;
  // The watermark is read before the evidence: logs landing while the analysis runs make the
  // stored entry stale (an extra analysis later), never an entry whose mark covers logs it did not read.
  const watermark = deps.cache.enabled ? watermarkToken(await evidenceWatermark(deps.db, cacheScope(parameters))) : null;
  const { cache, reused } = reusable(watermark ? await deps.cache.lookup(hash, watermark) : { state: 'disabled' }, request.id);
  const cachedFrom = reused?.from ?? null;
  if (reused) {
    // The cached conclusion, with memory as it is now (the cached analysis itself is in it).
    const recalled = await recall(deps, request, parameters, reused.outcome);
    outcome = recalled.length > 0 ? { ...reused.outcome, similar: recalled } : reused.outcome;
  } else {
    ({ outcome, model } = await analyseWindow(deps, request, parameters, similar));
  }

  const events: { step: 'known_pattern' | 'analysis' | 'verification'; payload: Record<string, unknown> }[] = [];
  if (outcome.known_pattern && outcome.error_pattern) {
    events.push({ step: 'known_pattern', payload: { pattern: outcome.error_pattern, ...outcome.known_pattern } });
  }

  const { verified, verification } = verify(outcome);
  events.push({
    step: 'analysis',
    payload: {
      cached: cachedFrom !== null,
      ...(cachedFrom ? { cached_from: cachedFrom } : {}),
      cache,
      scope: outcome.scope,
      error_pattern: outcome.error_pattern,
      pattern_key: outcome.pattern_key,
      findings: outcome.findings,
      trace_ids: outcome.trace_ids,
      services: outcome.services,
      timeline: outcome.timeline,
      summary: outcome.summary,
      hypothesis: outcome.hypothesis,
      confidence_score: outcome.confidence_score,
      ...(model ? { model } : {}),
      evidence: {
        event_count: outcome.evidence.event_count,
        error_event_count: outcome.evidence.error_event_count,
        baseline_event_count: outcome.evidence.baseline_event_count,
        templates: outcome.evidence.templates.length,
      },
    },
  });
  events.push({
    step: 'verification',
    payload: {
      cached: cachedFrom !== null,
      trace_ids: verified.trace_ids,
      findings: verified.findings,
      error_pattern: verified.error_pattern,
      pattern_key: verified.pattern_key,
      confidence: verified.confidence_score,
      checked: verification.checked.length,
      unsupported: verification.unsupported,
      dropped: verification.dropped,
      outcome: verified,
    },
  });
  return {
    events,
    async remember() {
      if (cachedFrom || !watermark) return;
      await deps.cache.set(
        hash,
        { request_id: request.id, cached_at: new Date().toISOString(), watermark, analysis: verified as unknown as Record<string, unknown> },
        // "No error evidence found" (no pattern named) is kept for a minute at most.
        { evidence: verified.error_pattern !== null, replace: cache === 'invalid' },
      );
    },
  };
}

/**
 * The outcome a cache look-up offers, if it may answer. A cache entry is data from Redis like
 * any other: used only if it is a whole outcome (else `invalid`); this request's own entry
 * (a replay after its events were lost) is analysed again like a miss.
 */
function reusable(found: CacheLookup, requestId: string): { cache: CacheState; reused: { outcome: AnalysisOutcome; from: string } | null } {
  if (found.state !== 'hit') return { cache: found.state, reused: null };
  if (found.entry.request_id === requestId) return { cache: 'miss', reused: null };
  const parsed = AnalysisOutcome.safeParse(found.entry.analysis);
  return parsed.success ? { cache: 'hit', reused: { outcome: parsed.data, from: found.entry.request_id } } : { cache: 'invalid', reused: null };
}

function watermarkToken(mark: EvidenceWatermark): string {
  // `m`: a mark of log_event_minutes, never equal to a token of the max-id watermarks before it.
  return `${mark.events}:m${mark.mark ?? '-'}`;
}

/** Whether a configured model wrote the summary, and what it cited that the evidence lacks. */
interface ModelUse {
  used: boolean;
  unsupported: VerificationCheck[];
}

/** Past analyses of this project that found the same failure, best first; empty when it found none. */
async function recall(deps: WorkerDeps, request: RequestFacts, parameters: Parameters, outcome: AnalysisOutcome): Promise<SimilarAnalysis[]> {
  if (!outcome.pattern_key) return [];
  const signature = evidenceSignature(outcome);
  return findSimilarByEvidence(deps.db, {
    project: request.project,
    env: parameters.env,
    patternKey: signature.pattern_key,
    templateKeys: signature.template_keys,
    services: signature.services,
    text: request.text,
    anchor: request.occurredAt,
    excludeRequestId: request.id,
    limit: SIMILAR_LIMIT,
  });
}

async function analyseWindow(
  deps: WorkerDeps,
  request: RequestFacts,
  parameters: Parameters,
  earlySimilar: SimilarAnalysis[],
): Promise<{ outcome: AnalysisOutcome; model: ModelUse | null }> {
  const question = request.text;
  const { from, to, baselineFrom } = evidenceWindows(new Date(parameters.time_range.from), new Date(parameters.time_range.to));
  // The hard scope only: project (the access boundary), a stated env and the window. Domain,
  // services, ids and words are hints the analyser ranks and focuses with; they hide nothing.
  // Only error-like events are evidence; the rest of each window is only counted. The evidence
  // is read from what ingest aggregated (per template and minute, with bounded samples); a
  // window holding rows stored before fingerprints at ingest is read and mined row by row.
  const windows = { project: parameters.project, env: parameters.env, baselineFrom, from, to };
  const hints = hintsOf(parameters);
  const aggregated = await readTemplateEvidence(deps.db, windows, { services: [...hints.services], traceIds: [...hints.traceIds] });
  const conclude = prepareAnalysis(aggregated.untemplated ? { parameters, ...(await readWindowEvidence(deps.db, windows)) } : { parameters, read: aggregated.read });
  const known = new Map<string, KnownPattern>();
  let similar = earlySimilar;
  const run = () => conclude({ similar, knownPatterns: (key) => known.get(key) });
  let outcome = run();
  // The pattern's track record and the past analyses of the same failure in this project live
  // in Postgres: once the evidence names a pattern, recall both and analyse again with them
  // folded in (analysis is cheap, I/O is not).
  if (outcome.pattern_key) {
    const [row, recalled] = await Promise.all([getPatternInfo(deps.db, outcome.pattern_key, request.project), recall(deps, request, parameters, outcome)]);
    if (row && (row.usageCount > 0 || row.successCount + row.failureCount > 0)) known.set(row.patternKey, toKnownPattern(row));
    if (recalled.length > 0) similar = recalled;
    if (known.size > 0 || recalled.length > 0) outcome = run();
  }
  if (deps.llm && outcome.evidence.templates.length > 0) {
    const written = await deps.llm.summarize({
      question: redactText(question),
      parameters,
      evidence: {
        templates: outcome.evidence.templates.map((t) => ({
          template: t.template,
          count: t.count,
          baseline_count: t.baseline_count,
          example: t.example,
          services: t.services,
          trace_ids: t.trace_ids,
        })),
        trace_ids: outcome.evidence.trace_ids,
        time_range: parameters.time_range,
      },
      known_pattern: outcome.known_pattern,
      similar: outcome.similar,
    });
    if (written) {
      // The model's text stands only if everything it cites is in the evidence; otherwise the
      // deterministic summary does, and the analysis event says why.
      const claims = checkClaims({ trace_ids: written.cited_trace_ids, templates: written.cited_templates }, outcome.evidence, { where: 'model' });
      if (claims.unsupported.length === 0) {
        return { outcome: { ...outcome, summary: written.summary, hypothesis: written.root_cause_hypothesis }, model: { used: true, unsupported: [] } };
      }
      return { outcome, model: { used: false, unsupported: claims.unsupported } };
    }
    return { outcome, model: { used: false, unsupported: [] } };
  }
  return { outcome, model: null };
}
