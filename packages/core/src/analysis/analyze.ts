/**
 * The deterministic analyser: from a window's evidence to a conclusion that cites only what
 * the evidence shows. Pure. The window comes as rows ({@link analyze}: linear in the events,
 * plus sorting) or as per-template aggregates ({@link analyzeTemplates}); both summarise it
 * (./summary.ts), and one conclusion follows from the summary.
 */
export { ANALYSIS_LIMITS, ERROR_WORDS_LIST, errorWeight } from './limits.ts';
import { classifyTemplate, referencePattern, referenceToKnownPattern, templateSignature, type Classification } from '../patterns/index.ts';
import { LEVEL_SEVERITY, type KnownPattern, type LogLevel, type SimilarAnalysis } from '../schemas.ts';
import { hasFocus, hintsOf, mentionsCode, wordsOf, type Hints, type SubjectTerm } from './focus.ts';
import { ANALYSIS_LIMITS } from './limits.ts';
import { narrate } from './narrate.ts';
import { byTime, cap, summarizeEvents, summarizeRead, type SummaryEvent, type TemplateEvidenceRead, type TemplateSummary, type WindowSummary } from './summary.ts';
import type { AnalysisInput, AnalysisOutcome, AnalysisScope, ConfidenceFactors, Evidence, EvidenceTemplate, Finding, ResolutionSource, TimelineEntry } from './types.ts';

/** A template is spiking with at least this many events in the window, */
export const SPIKE_MIN_COUNT = 5;
/** at least this many times (its count in the window before + 1), */
export const SPIKE_RATIO = 2;
/**
 * and an increase beyond Poisson noise: the Anscombe-transformed counts
 * (2·√(x + 3/8), variance ≈ 1) differ by at least this many standard deviations.
 */
export const SPIKE_Z = 3;
/** A new template below error level needs this many events to count as evidence. */
export const NEW_MIN_COUNT = 3;
/** Cap of the growth factor in the ranking score. */
const MAX_GROWTH_BOOST = 4;
/** Weight of a template that matches what the request asked about. */
const RELEVANCE_BOOST = 2;
/** Weight of a template of the hinted domain: a domain ranks, it does not hide. */
const DOMAIN_BOOST = 1.5;
/** The hinted scope needs this many error-like events to be concluded from alone (a named trace: one). */
export const FOCUS_MIN_EVENTS = 3;
/**
 * A template of another service is a lead to a downstream cause when its events share trace
 * ids with the hinted service's errors: in at least this share of those traces,
 */
export const CAUSE_LEAD_MIN_SHARE = 0.2;
/** and it was logged first (at or before the hinted service's error) in at least this share of them. */
export const CAUSE_LEAD_MIN_PRECEDING = 0.5;
/** A template of the window with what the conclusion derives from it. */
interface Stat extends TemplateSummary {
  level: LogLevel;
  isNew: boolean;
  spiking: boolean;
  relevant: boolean;
  significant: boolean;
  score: number;
  /** A downstream cause of the hinted scope's errors (see {@link CAUSE_LEAD_MIN_SHARE}). */
  causeLead: boolean;
  /** Discriminating subject terms of the question it matches. */
  subject: number;
  /** New, spiking, or in a window without a baseline to tell: what an incident looks like. */
  anomalous: boolean;
  classification?: Classification;
}

interface Group {
  key: string;
  stats: Stat[];
  score: number;
  weight: number;
  count: number;
  subject: number;
  causeLead: boolean;
}

function topKeys(map: Map<string, number>): string[] {
  return [...map.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k]) => k);
}

function levelOf(severity: number): LogLevel {
  const levels = Object.entries(LEVEL_SEVERITY) as [LogLevel, number][];
  return levels.find(([, s]) => s === severity)?.[0] ?? 'info';
}

/**
 * Trace ids of the newest events (newest first, unique), the requested ones the events carry
 * (`asked`, in the order requested) leading.
 */
function recentTraceIds(newest: readonly SummaryEvent[], limit: number, requested: ReadonlySet<string>, asked: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const t of requested) if (asked.has(t) && out.length < limit) out.push(t);
  for (const e of newest) {
    if (out.length >= limit) break;
    if (e.trace_id && !out.includes(e.trace_id)) out.push(e.trace_id);
  }
  return out;
}

/**
 * When the burst of a template began: the first event of the first bucket of whole minutes
 * ({@link spikeLayout}) holding at least half the peak bucket (and at least 2 events, and 3×
 * the baseline's per-bucket rate).
 */
function spikeStart(s: Stat): string | null {
  if (s.count < 3) return null;
  const peak = Math.max(...s.buckets.map((b) => b.count));
  const threshold = Math.max(2, Math.ceil(peak / 2), Math.ceil((3 * s.baseline) / s.buckets.length));
  return s.buckets.find((b) => b.count >= threshold)?.first ?? null;
}

/** The question's terms a template matches: its services, trace ids, template text and its first messages. */
function matchTerms(s: Stat, terms: readonly SubjectTerm[]): Set<SubjectTerm> {
  const hits = new Set<SubjectTerm>();
  if (terms.length === 0) return hits;
  let words: Set<string> | null = null;
  const texts = [s.template, ...s.examples];
  for (const term of terms) {
    let hit = false;
    if (term.kind === 'service') hit = s.hintedCount > 0 || s.causeLead;
    else if (term.kind === 'trace_id') hit = s.askedTraces.has(term.norm);
    else if (term.kind === 'code') hit = texts.some((t) => mentionsCode(t, term.norm));
    else {
      words ??= new Set([...texts, ...s.services.keys()].flatMap((t) => [...wordsOf(t)]));
      hit = words.has(term.norm);
    }
    if (hit) hits.add(term);
  }
  return hits;
}

function hintText(asked: AnalysisScope['asked']): string {
  const parts: string[] = [];
  if (asked.services.length > 0) parts.push(`service ${asked.services.join(', ')}`);
  if (asked.trace_ids.length > 0) parts.push(`trace ${asked.trace_ids.join(', ')}`);
  if (asked.services.length === 0 && asked.domain) parts.push(`domain ${asked.domain}`);
  return parts.join('; ');
}

function widenReason(asked: AnalysisScope['asked'], hinted: number, all: number): string {
  const held = hinted === 0 ? 'no error-like events' : `only ${hinted} error-like event${hinted === 1 ? '' : 's'}`;
  return `The hinted scope (${hintText(asked)}) held ${held}, so the whole project, env and window were searched (${all} error-like events).`;
}

function describeHints(hints: Hints): AnalysisScope['asked'] {
  return {
    domain: hints.domain,
    services: [...hints.services],
    trace_ids: [...hints.traceIds],
    terms: hints.terms.filter((t) => t.kind === 'word' || t.kind === 'code').map((t) => t.text),
  };
}

function orderStats(a: Stat, b: Stat): number {
  return b.score - a.score || b.count - a.count || a.first.ms - b.first.ms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const OUTCOME_RANK = { resolved: 0, null: 1, not_resolved: 2 } as const;

/**
 * Similar analyses re-ordered for use: those with the same error pattern first, then
 * resolutions confirmed by feedback (`resolved`), then unknown outcome, then `not_resolved`;
 * the caller's score breaks ties.
 */
export function rankSimilar(similar: readonly SimilarAnalysis[], errorPattern: string | null): SimilarAnalysis[] {
  return [...similar].sort((a, b) => {
    const sa = errorPattern !== null && a.error_pattern === errorPattern ? 0 : 1;
    const sb = errorPattern !== null && b.error_pattern === errorPattern ? 0 : 1;
    return sa - sb || OUTCOME_RANK[a.outcome ?? 'null'] - OUTCOME_RANK[b.outcome ?? 'null'] || b.score - a.score;
  });
}

function anscombe(count: number): number {
  return 2 * Math.sqrt(count + 3 / 8);
}

function round2(x: number): number {
  return Math.round(Math.min(1, Math.max(0, x)) * 100) / 100;
}

/**
 * Analyses the selected events.
 *
 * 1. Mines templates over the baseline then the window (one miner, so ids match).
 * 2. Keeps error-like events ({@link errorWeight}) and ranks their templates by
 *    `weight × growth × relevance`: growth is count / (baseline count + 1), capped at 4,
 *    when a baseline exists; relevance doubles templates that mention the request's
 *    keywords or error codes, or carry its trace ids or services.
 * 3. A template is significant when it has error-level events, or is new (with at least
 *    {@link NEW_MIN_COUNT} events), spiking ({@link SPIKE_MIN_COUNT}, {@link SPIKE_RATIO},
 *    {@link SPIKE_Z}) or asked about, or when there is no baseline to tell. Without significant templates the outcome
 *    says there is no error evidence and names no pattern.
 * 4. Significant templates are classified and grouped by pattern key; the group with the
 *    highest total score is the conclusion (several phrasings of one cause add up).
 * 5. Trace ids of that group (most recent first, requested ones first), affected services,
 *    a timeline, the known pattern, similar analyses and a resolution are folded in, and
 *    a confidence in [0, 1] says how strongly all this supports the conclusion.
 *
 * Every cited value comes from {@link Evidence}, which the outcome carries for {@link verify}.
 */
export function analyze(input: AnalysisInput): AnalysisOutcome {
  return prepareAnalysis(input)(input);
}

/** What {@link analyzeTemplates} reads instead of rows. */
export interface TemplateAnalysisInput extends Omit<AnalysisInput, 'events' | 'baseline' | 'totals'> {
  read: TemplateEvidenceRead;
}

/**
 * {@link analyze} from the per-template aggregates and bounded samples the log store reads in
 * one statement: the same outcome as analysing the rows of that evidence, at a cost that follows
 * the templates and minutes of the window, not its events.
 */
export function analyzeTemplates(input: TemplateAnalysisInput): AnalysisOutcome {
  return prepareAnalysis(input)(input);
}

/** A window's evidence: its rows ({@link analyze}) or the log store's read of it ({@link analyzeTemplates}). */
export type WindowEvidenceInput = Pick<AnalysisInput, 'parameters'> & (Pick<AnalysisInput, 'events' | 'baseline' | 'totals'> | { read: TemplateEvidenceRead });

/** What memory adds to an analysis: past analyses and the patterns' records. */
export type MemoryInput = Pick<AnalysisInput, 'similar' | 'knownPatterns'>;

/**
 * Summarises a window's evidence once and returns the conclusion from it for what memory
 * holds, which may be called again once memory has been recalled for the pattern found (the
 * evidence is not read or mined again).
 *
 * @example
 * const conclude = prepareAnalysis({ parameters, read });
 * let outcome = conclude({ similar: [], knownPatterns: () => undefined });
 * outcome = conclude({ similar: recalled, knownPatterns: (key) => known.get(key) });
 */
export function prepareAnalysis(evidence: WindowEvidenceInput): (memory: MemoryInput) => AnalysisOutcome {
  const { parameters } = evidence;
  const window = { fromMs: Date.parse(parameters.time_range.from), toMs: Date.parse(parameters.time_range.to), hints: hintsOf(parameters) };
  const summary = 'read' in evidence ? summarizeRead(evidence.read, window) : summarizeEvents({ events: evidence.events, baseline: evidence.baseline, ...window });
  const totals = 'read' in evidence ? evidence.read.totals : evidence.totals;
  return (memory) => conclude(summary, { parameters, totals, similar: memory.similar, knownPatterns: memory.knownPatterns });
}

/** The conclusion from a window's summary: ranking, focus, grouping, evidence, findings, confidence. */
function conclude(summary: WindowSummary, input: Pick<AnalysisInput, 'parameters' | 'totals' | 'similar' | 'knownPatterns'>): AnalysisOutcome {
  const { parameters } = input;
  const hasBaseline = (input.totals?.baseline ?? summary.baselineEvents) > 0;
  const hints = hintsOf(parameters);
  const requestedTraces = hints.traceIds;
  const focused = hasFocus(hints);
  const { serviceErrors, totalWeight, errorEvents, hintedErrors, linkedErrors } = summary;

  const stats = new Map<string, Stat>();
  for (const t of summary.templates) {
    stats.set(t.id, {
      ...t,
      level: levelOf(t.severity),
      isNew: false,
      spiking: false,
      relevant: t.hintedCount > 0,
      significant: false,
      score: 0,
      causeLead: false,
      subject: 0,
      anomalous: false,
    });
  }

  const subjectTerms = hints.terms;
  const termHits = new Map<Stat, Set<SubjectTerm>>();
  for (const s of stats.values()) {
    const hinted = summary.hintedTraces;
    s.causeLead =
      s.linkedTraces > 0 &&
      s.linkedTraces >= CAUSE_LEAD_MIN_SHARE * hinted &&
      s.precedingTraces >= CAUSE_LEAD_MIN_PRECEDING * s.linkedTraces;
    const hits = matchTerms(s, subjectTerms);
    termHits.set(s, hits);
    // A named trace or code is asked about; a word of the question only ranks (it matches steady
    // background lines as easily as the incident).
    if (s.causeLead || [...hits].some((t) => t.kind === 'trace_id' || t.kind === 'code')) s.relevant = true;
    s.isNew = hasBaseline && s.baseline === 0;
    s.spiking =
      hasBaseline &&
      s.baseline > 0 &&
      s.count >= SPIKE_MIN_COUNT &&
      s.count >= SPIKE_RATIO * (s.baseline + 1) &&
      anscombe(s.count) - anscombe(s.baseline) >= SPIKE_Z;
    const growth = hasBaseline ? Math.min(MAX_GROWTH_BOOST, Math.max(1, s.count / (s.baseline + 1))) : 1;
    const domainBoost = s.domainCount * 2 > s.count ? DOMAIN_BOOST : 1;
    s.score = s.weight * growth * (s.relevant || hits.size > 0 ? RELEVANCE_BOOST : 1) * domainBoost;
    s.anomalous = !hasBaseline || (s.isNew && s.count >= NEW_MIN_COUNT) || s.spiking;
    s.significant = s.severity >= LEVEL_SEVERITY.error || (s.isNew && s.count >= NEW_MIN_COUNT) || s.spiking || s.relevant || !hasBaseline;
  }

  const ranked = [...stats.values()].sort(orderStats);
  const significant = ranked.filter((s) => s.significant);

  // Focus: conclude from the hinted scope (and the downstream causes it leads to) when it holds
  // error evidence; otherwise widen to the whole hard scope and say so.
  const inFocus = (s: Stat) => s.hintedCount > 0 || s.causeLead;
  const focusSignificant = significant.filter(inFocus);
  // One request's trace holds one or two errors: for a named trace, one is evidence enough.
  const minimum = hints.traceIds.size > 0 ? 1 : FOCUS_MIN_EVENTS;
  const widened = focused && (focusSignificant.length === 0 || hintedErrors + linkedErrors < minimum);
  const candidates = focused && !widened ? focusSignificant : significant;

  // The question's subject: a term that singles out some of the failures but not all. A failure
  // is what looks like an incident (new, spiking) or what was asked for by trace id, service or
  // code; steady background lines that happen to share a word are not.
  const eligible = candidates.filter((s) => s.anomalous || s.relevant);
  const subjectCounts = new Map<SubjectTerm, number>();
  for (const s of eligible) for (const t of termHits.get(s) ?? []) subjectCounts.set(t, (subjectCounts.get(t) ?? 0) + 1);
  for (const s of eligible) {
    for (const t of termHits.get(s) ?? []) if ((subjectCounts.get(t) ?? 0) < eligible.length) s.subject++;
  }

  const classify = (s: Stat): Classification => {
    s.classification ??= classifyTemplate(s.template, {
      // The events' own domain first: a domain a word of the question suggested is only a hint.
      domain: topKeys(s.domains)[0] ?? parameters.domain ?? null,
      service: topKeys(s.services)[0] ?? null,
      example: s.lastMessage,
    });
    return s.classification;
  };

  const groups = new Map<string, Group>();
  for (const s of candidates.slice(0, ANALYSIS_LIMITS.classified)) {
    const key = classify(s).pattern_key;
    let g = groups.get(key);
    if (!g) {
      g = { key, stats: [], score: 0, weight: 0, count: 0, subject: 0, causeLead: false };
      groups.set(key, g);
    }
    g.stats.push(s);
    g.score += s.score;
    g.weight += s.weight;
    g.count += s.count;
    g.subject = Math.max(g.subject, s.subject);
    g.causeLead ||= s.causeLead;
  }
  // A downstream cause of the hinted errors is the strongest lead (the symptom's own words in an
  // alert name must not beat it); then the subject the question names, over a louder failure;
  // then the evidence's weight.
  const dominant = [...groups.values()].sort(
    (a, b) => Number(b.causeLead) - Number(a.causeLead) || b.subject - a.subject || b.score - a.score || b.count - a.count || (a.key < b.key ? -1 : 1),
  )[0];

  // Evidence: the dominant group's templates first, then other significant ones, then the rest.
  const inEvidence: Stat[] = [];
  const seen = new Set<string>();
  for (const s of [...(dominant?.stats ?? []), ...significant, ...ranked]) {
    if (inEvidence.length === ANALYSIS_LIMITS.evidenceTemplates) break;
    if (seen.has(s.id)) continue;
    seen.add(s.id);
    inEvidence.push(s);
  }
  const evTemplates: EvidenceTemplate[] = inEvidence.map((s) => {
    const c = classify(s);
    return {
      template_id: s.id,
      template: s.template,
      count: s.count,
      baseline_count: s.baseline,
      level: s.level,
      new: s.isNew,
      spiking: s.spiking,
      significant: s.significant,
      error_pattern: c.error_pattern,
      pattern_key: c.pattern_key,
      services: topKeys(s.services),
      first_seen: s.first.ts,
      last_seen: s.last.ts,
      spike_start: s.significant && (s.isNew || s.spiking || !hasBaseline) ? spikeStart(s) : null,
      trace_ids: recentTraceIds(s.recent, ANALYSIS_LIMITS.templateTraceIds, requestedTraces, s.askedTraces),
      example: cap(s.lastMessage, ANALYSIS_LIMITS.example),
    };
  });
  const evById = new Map(evTemplates.map((t) => [t.template_id, t]));
  const allTraces: string[] = [];
  for (const t of evTemplates) for (const id of t.trace_ids) if (!allTraces.includes(id)) allTraces.push(id);

  const evidence: Evidence = {
    time_range: parameters.time_range,
    scope: { project: parameters.project, env: parameters.env, domain: null },
    event_count: Math.max(input.totals?.events ?? 0, summary.events),
    error_event_count: errorEvents,
    baseline_event_count: Math.max(input.totals?.baseline ?? 0, summary.baselineEvents),
    baseline_error_event_count: summary.baselineErrors,
    first_event: summary.firstEvent,
    last_event: summary.lastEvent,
    templates: evTemplates,
    trace_ids: allTraces,
    services: topKeys(serviceErrors).map((service) => ({ service, error_count: serviceErrors.get(service) ?? 0 })),
    known_pattern_key: null,
    similar: input.similar.map((s) => ({ request_id: s.request_id, error_pattern: s.error_pattern, outcome: s.outcome, resolution: s.resolution })),
  };

  const asked = describeHints(hints);
  const scope: AnalysisScope = {
    asked,
    searched: { project: parameters.project, env: parameters.env, time_range: parameters.time_range },
    focus: !focused ? 'all' : widened ? 'widened' : 'hinted',
    widened,
    hinted_error_event_count: hintedErrors,
    linked_error_event_count: linkedErrors,
    reason: widened ? widenReason(asked, hintedErrors + linkedErrors, errorEvents) : null,
  };

  if (!dominant) {
    const outcome: AnalysisOutcome = {
      scope,
      findings: [],
      error_pattern: null,
      pattern_key: null,
      classification: null,
      dominant: null,
      trace_ids: [],
      services: [],
      timeline: [],
      known_pattern: null,
      similar: rankSimilar(input.similar, null),
      resolution: null,
      resolution_source: null,
      confidence_score: 0,
      confidence_factors: null,
      summary: '',
      hypothesis: null,
      evidence,
    };
    return { ...outcome, ...narrate(outcome, evidence) };
  }

  const top = dominant.stats[0] as Stat;
  const classification = classify(top);
  const errorPattern = classification.error_pattern;
  // The group's newest traced events are among its templates' newest.
  const groupRecent = dominant.stats.flatMap((s) => s.recent).sort((a, b) => byTime(b, a));
  const groupAsked = new Set(dominant.stats.flatMap((s) => [...s.askedTraces]));
  const traceIds = recentTraceIds(groupRecent, ANALYSIS_LIMITS.citedTraceIds, requestedTraces, groupAsked);

  // Services: those with the dominant failure first, then other significant errors.
  const groupServices = new Map<string, number>();
  for (const s of dominant.stats) for (const [name, n] of s.services) groupServices.set(name, (groupServices.get(name) ?? 0) + n);
  const services = topKeys(groupServices);
  for (const s of significant.slice(0, ANALYSIS_LIMITS.classified)) for (const name of topKeys(s.services)) if (!services.includes(name)) services.push(name);
  services.splice(ANALYSIS_LIMITS.services);

  const reference = referencePattern(dominant.key);
  const known: KnownPattern | null = input.knownPatterns(dominant.key) ?? (reference ? referenceToKnownPattern(reference) : null);
  evidence.known_pattern_key = known?.pattern_key ?? null;

  const similar = rankSimilar(input.similar, errorPattern);
  const samePattern = similar.filter((s) => s.error_pattern === errorPattern && s.resolution && s.resolution.trim() !== '');
  const confirmed = samePattern.find((s) => s.outcome === 'resolved');
  let resolution: string | null = null;
  let resolutionSource: ResolutionSource = null;
  if (confirmed) {
    resolution = (confirmed.resolution as string).trim();
    resolutionSource = { kind: 'similar', ref: confirmed.request_id };
  } else if (known && known.resolution_steps.length > 0) {
    resolution = known.resolution_steps.map((step, i) => `${i + 1}. ${step}`).join('; ');
    resolutionSource = { kind: 'known_pattern', ref: known.pattern_key };
  }

  // Findings.
  const findings: Finding[] = [];
  for (const t of evTemplates.filter((t) => t.significant).slice(0, ANALYSIS_LIMITS.templateFindings)) {
    const kind = t.new ? 'new_error' : t.spiking ? 'spike' : 'error_template';
    const quoted = `"${cap(t.template, 120)}"`;
    const title =
      kind === 'new_error'
        ? `New: ${t.error_pattern} ${quoted} ×${t.count} (none in the previous window)`
        : kind === 'spike'
          ? `Spike: ${t.error_pattern} ${quoted} ×${t.count} against ${t.baseline_count} in the previous window`
          : `${t.error_pattern} ${quoted} ×${t.count}`;
    findings.push({
      kind,
      title,
      template_id: t.template_id,
      template: t.template,
      count: t.count,
      baseline_count: t.baseline_count,
      first_seen: t.first_seen,
      last_seen: t.last_seen,
      ...(t.spike_start ? { spike_start: t.spike_start } : {}),
      services: t.services,
      trace_ids: t.trace_ids.slice(0, ANALYSIS_LIMITS.findingTraceIds),
      error_pattern: t.error_pattern,
      pattern_key: t.pattern_key,
    });
  }
  if (traceIds.length > 0) {
    findings.push({ kind: 'trace', title: `Traces that show ${errorPattern}: ${traceIds.join(', ')}`, trace_ids: traceIds, error_pattern: errorPattern, pattern_key: dominant.key });
  }
  for (const name of services.slice(0, ANALYSIS_LIMITS.serviceFindings)) {
    const count = serviceErrors.get(name) ?? 0;
    findings.push({ kind: 'affected_service', title: `${name}: ${count} error-like events`, service: name, count });
  }
  if (known) {
    const votes = known.success_count + known.failure_count;
    const record = votes > 0 ? `resolution success rate ${Math.round(known.success_rate * 100)}% over ${votes} reports` : 'no resolution feedback yet';
    findings.push({
      kind: 'known_pattern',
      title: `Known pattern ${errorPattern} (${known.pattern_key}): seen in ${known.usage_count} analyses, ${record}`,
      pattern_key: known.pattern_key,
      error_pattern: errorPattern,
    });
  }
  for (const s of samePattern.slice(0, ANALYSIS_LIMITS.similarFindings)) {
    const lead = s.outcome === 'resolved' ? 'Resolved before' : s.outcome === 'not_resolved' ? 'Tried before without success' : 'Proposed before, outcome unknown';
    findings.push({
      kind: 'similar_resolution',
      title: `${lead} (${s.request_id}): ${cap((s.resolution as string).trim(), 200)}`,
      request_id: s.request_id,
      resolution: (s.resolution as string).trim(),
      outcome: s.outcome,
      error_pattern: errorPattern,
    });
  }

  // Timeline.
  const timeline: TimelineEntry[] = [];
  const groupEvidence = dominant.stats.map((s) => evById.get(s.id)).filter((t): t is EvidenceTemplate => t !== undefined);
  const firstT = groupEvidence.reduce((a, b) => (Date.parse(b.first_seen) < Date.parse(a.first_seen) ? b : a));
  const lastT = groupEvidence.reduce((a, b) => (Date.parse(b.last_seen) > Date.parse(a.last_seen) ? b : a));
  const firstEvent = dominant.stats.map((s) => s.first).reduce((a, b) => (byTime(b, a) < 0 ? b : a));
  timeline.push({ at: firstT.first_seen, what: `first ${errorPattern} event${firstEvent.service ? ` (${firstEvent.service})` : ''}`, template_id: firstT.template_id });
  const topEvidence = evById.get(top.id);
  if (topEvidence?.spike_start && topEvidence.spike_start !== firstT.first_seen) {
    timeline.push({ at: topEvidence.spike_start, what: `${errorPattern} burst begins`, template_id: top.id });
  }
  if (lastT.last_seen !== firstT.first_seen) timeline.push({ at: lastT.last_seen, what: `last ${errorPattern} event`, template_id: lastT.template_id });
  for (const t of evTemplates.filter((t) => t.significant && t.pattern_key !== dominant.key && (t.new || t.spiking)).slice(0, ANALYSIS_LIMITS.timelineOthers)) {
    timeline.push({ at: t.first_seen, what: `first ${t.error_pattern} event (${t.new ? 'new' : 'spiking'})`, template_id: t.template_id });
  }
  timeline.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));

  // Confidence.
  const votes = known ? known.success_count + known.failure_count : 0;
  const factors: ConfidenceFactors = {
    share: round2(totalWeight > 0 ? dominant.weight / totalWeight : 0),
    volume: round2(1 - Math.exp(-dominant.count / 5)),
    growth: !hasBaseline ? 0.5 : dominant.stats.some((s) => s.isNew || s.spiking) ? 1 : 0.3,
    severity: Math.max(...dominant.stats.map((s) => s.severity)) >= LEVEL_SEVERITY.error ? 1 : Math.max(...dominant.stats.map((s) => s.severity)) >= LEVEL_SEVERITY.warn ? 0.6 : 0.3,
    recognition: round2(
      (classification.known ? 0.6 : 0.2) +
        (known && votes > 0 ? 0.3 * known.success_rate * Math.min(1, votes / 3) : 0) +
        (confirmed ? 0.2 : 0),
    ),
  };
  const confidence = round2(
    (0.4 * factors.share + 0.2 * factors.growth + 0.15 * factors.severity + 0.25 * factors.recognition) * (0.3 + 0.7 * factors.volume),
  );

  const outcome: AnalysisOutcome = {
    scope,
    findings,
    error_pattern: errorPattern,
    pattern_key: dominant.key,
    classification,
    dominant: { template_id: top.id, template: top.template },
    trace_ids: traceIds,
    services,
    timeline,
    known_pattern: known,
    similar,
    resolution,
    resolution_source: resolutionSource,
    confidence_score: confidence,
    confidence_factors: factors,
    summary: '',
    hypothesis: null,
    evidence,
  };
  return { ...outcome, ...narrate(outcome, evidence) };
}

/** What an analysis found, as memory recalls it: its pattern, its templates' signatures, its services. */
export interface EvidenceSignature {
  pattern_key: string | null;
  /** Signatures ({@link templateSignature}) of the significant templates, the concluded failure's first. */
  template_keys: string[];
  /** Services that logged the concluded failure, most errors first. */
  services: string[];
}

/** The signature of an outcome's evidence, for storing and for recalling "the same cause". */
export function evidenceSignature(outcome: Pick<AnalysisOutcome, 'pattern_key' | 'evidence'>): EvidenceSignature {
  const templates = outcome.evidence.templates.filter((t) => t.significant);
  const own = templates.filter((t) => t.pattern_key === outcome.pattern_key);
  const keys: string[] = [];
  for (const t of [...own, ...templates]) {
    const key = templateSignature(t.template);
    if (!keys.includes(key)) keys.push(key);
  }
  const services: string[] = [];
  for (const t of own) for (const name of t.services) if (!services.includes(name)) services.push(name);
  return { pattern_key: outcome.pattern_key, template_keys: keys.slice(0, ANALYSIS_LIMITS.evidenceTemplates), services: services.slice(0, ANALYSIS_LIMITS.services) };
}
