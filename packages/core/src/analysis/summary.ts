/**
 * What an analysis knows of its window before it concludes: per template, the counts, where
 * they come from and a bounded sample of events. There are two ways to it, which agree exactly
 * on the same evidence (tested): {@link summarizeEvents} mines the window's rows, as the tests
 * and a store without template ids at ingest give them; {@link summarizeRead} builds it from
 * per-template aggregates and samples the log store read in one statement, so the analyze step
 * never touches more than a bounded number of rows. Pure.
 */
import { TemplateMiner } from '../mining/index.ts';
import { LEVEL_SEVERITY, type LogEvent } from '../schemas.ts';
import { hasFocus, inHintedDomain, isHinted, type Hints } from './focus.ts';
import { templatesOfForms } from './forms.ts';
import { ANALYSIS_LIMITS, errorLikeWeight, errorWeight } from './limits.ts';

/** One event of a template's sample: when, in which order among events of the same instant, where. */
export interface SummaryEvent {
  ts: string;
  ms: number;
  /** Ties of `ms` go by this (severity first, then storage order, as the log store returns rows). */
  order: number;
  service: string | null;
  trace_id: string | null;
}

/** A bucket of whole minutes of the window, for when a burst began. */
export interface SpikeBucket {
  count: number;
  /** Its earliest event. */
  first: string | null;
}

/** One template's error-like events in the window. */
export interface TemplateSummary {
  /** The template's id within this analysis (the fingerprint that created it). */
  id: string;
  template: string;
  count: number;
  weight: number;
  /** The highest severity among its events. */
  severity: number;
  /** Its error-like events in the baseline. */
  baseline: number;
  services: Map<string, number>;
  domains: Map<string, number>;
  /** Events of the hinted domain, or of none (0 without a domain hint). */
  domainCount: number;
  /** Events in the hinted scope (a named trace or service). */
  hintedCount: number;
  /** Traces it shares with the hinted scope's errors (its events outside that scope). */
  linkedTraces: number;
  /** Of those, the traces where it was logged at or before the hinted error. */
  precedingTraces: number;
  first: SummaryEvent;
  last: SummaryEvent;
  /** Its latest message (at most {@link ANALYSIS_LIMITS.message} characters). */
  lastMessage: string;
  /** Its first messages, for matching the question's words and codes. */
  examples: string[];
  /** Its newest events with a trace id, newest first (at most {@link ANALYSIS_LIMITS.recentTraced}). */
  recent: SummaryEvent[];
  /** The trace ids the request named that its events carry. */
  askedTraces: Set<string>;
  /** Its events per bucket of {@link spikeLayout}. */
  buckets: SpikeBucket[];
}

/** The window as the conclusion sees it. */
export interface WindowSummary {
  /** Templates with error-like events in the window. */
  templates: TemplateSummary[];
  /** Events given for the window (the rows path may include events that are not error-like). */
  events: number;
  errorEvents: number;
  totalWeight: number;
  baselineEvents: number;
  baselineErrors: number;
  serviceErrors: Map<string, number>;
  hintedErrors: number;
  linkedErrors: number;
  /** Traces of the hinted scope's errors. */
  hintedTraces: number;
  firstEvent: string | null;
  lastEvent: string | null;
}

const MINUTE = 60_000;

/** The buckets of whole minutes of a window: at most {@link ANALYSIS_LIMITS.spikeBuckets} of `width` ms from `origin`. */
export interface SpikeLayout {
  origin: number;
  width: number;
  n: number;
}

/**
 * How a window is cut into buckets to find when a burst began: its minutes (from the minute of
 * `from` to the minute that holds `to`) in at most 12 buckets of equally many whole minutes, so
 * the per-minute rollup of the log store counts them exactly.
 */
export function spikeLayout(fromMs: number, toMs: number): SpikeLayout {
  const origin = Math.floor(fromMs / MINUTE) * MINUTE;
  const end = Math.max(origin + MINUTE, Math.ceil(toMs / MINUTE) * MINUTE);
  const minutes = Math.round((end - origin) / MINUTE);
  const per = Math.ceil(minutes / ANALYSIS_LIMITS.spikeBuckets);
  return { origin, width: per * MINUTE, n: Math.ceil(minutes / per) };
}

/** The bucket an instant falls in (instants outside the window go to the nearest end). */
export function bucketOf(layout: SpikeLayout, ms: number): number {
  return Math.min(layout.n - 1, Math.max(0, Math.floor((ms - layout.origin) / layout.width)));
}

/** Time order of sampled events: by instant, then by the order the log store returns them in. */
export function byTime(a: SummaryEvent, b: SummaryEvent): number {
  return a.ms - b.ms || a.order - b.order;
}

function inc(map: Map<string, number>, key: string | null, by = 1): void {
  if (key) map.set(key, (map.get(key) ?? 0) + by);
}

/** `text`, cut to `n` characters with an ellipsis. */
export function cap(text: string, n: number): string {
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}

function emptyTemplate(id: string, template: string, baseline: number, first: SummaryEvent, n: number): TemplateSummary {
  return {
    id,
    template,
    count: 0,
    weight: 0,
    severity: 0,
    baseline,
    services: new Map(),
    domains: new Map(),
    domainCount: 0,
    hintedCount: 0,
    linkedTraces: 0,
    precedingTraces: 0,
    first,
    last: first,
    lastMessage: '',
    examples: [],
    recent: [],
    askedTraces: new Set(),
    buckets: Array.from({ length: n }, () => ({ count: 0, first: null })),
  };
}

interface Row {
  event: LogEvent;
  at: SummaryEvent;
  weight: number;
  templateId: string;
  hinted: boolean;
}

function rowsOf(events: readonly LogEvent[], miner: TemplateMiner): Row[] {
  const rows: Row[] = events.map((event, order) => ({
    event,
    at: { ts: event.ts, ms: Date.parse(event.ts), order, service: event.service, trace_id: event.trace_id },
    weight: errorWeight(event),
    templateId: '',
    hinted: false,
  }));
  rows.sort((a, b) => byTime(a.at, b.at));
  for (const r of rows) r.templateId = miner.add(r.event.message.slice(0, ANALYSIS_LIMITS.message)).id;
  // A variant merged into another template later on keeps its old id: follow it, so every
  // event counts towards the template that holds it now.
  for (const r of rows) r.templateId = miner.resolve(r.templateId)?.id ?? r.templateId;
  return rows;
}

/**
 * The summary of a window from its rows: mines templates over the baseline, then the window
 * (one miner, so ids match), each in time order; ties of an instant keep the order given (the
 * log store's: most severe first). Only error-like events ({@link errorWeight}) are counted.
 */
export function summarizeEvents(input: { events: readonly LogEvent[]; baseline: readonly LogEvent[]; fromMs: number; toMs: number; hints: Hints }): WindowSummary {
  const { hints } = input;
  const layout = spikeLayout(input.fromMs, input.toMs);
  const miner = new TemplateMiner();
  const baseline = rowsOf(input.baseline, miner);
  const window = rowsOf(input.events, miner);
  const texts = new Map(miner.templates().map((t) => [t.id, cap(t.template, ANALYSIS_LIMITS.template)]));

  const baseCounts = new Map<string, number>();
  let baselineErrors = 0;
  for (const r of baseline) {
    if (r.weight === 0) continue;
    baselineErrors++;
    inc(baseCounts, r.templateId);
  }

  // The hinted scope, and the traces its errors run through.
  const focused = hasFocus(hints);
  const starts = new Map<string, number>();
  const traced: string[] = [];
  for (const r of window) {
    if (!focused || isHinted(r.event, hints) === null) continue;
    r.hinted = true;
    const t = r.event.trace_id;
    if (r.weight === 0 || !t) continue;
    // The window is in time order: the first hinted error of a trace is its earliest.
    if (!starts.has(t)) starts.set(t, r.at.ms);
    traced.push(t);
  }
  // The traces of the newest hinted errors (see ANALYSIS_LIMITS.hintedTraces), each from its earliest.
  const hintedTraceStart = new Map([...new Set(traced.slice(-ANALYSIS_LIMITS.hintedTraces))].map((t) => [t, starts.get(t) as number]));

  const templates = new Map<string, TemplateSummary>();
  const linked = new Map<string, Set<string>>();
  const preceding = new Map<string, Set<string>>();
  const serviceErrors = new Map<string, number>();
  let totalWeight = 0;
  let errorEvents = 0;
  let hintedErrors = 0;
  let linkedErrors = 0;
  for (const r of window) {
    if (r.weight === 0) continue;
    errorEvents++;
    totalWeight += r.weight;
    inc(serviceErrors, r.event.service);
    let s = templates.get(r.templateId);
    if (!s) {
      s = emptyTemplate(r.templateId, texts.get(r.templateId) ?? '', baseCounts.get(r.templateId) ?? 0, r.at, layout.n);
      templates.set(r.templateId, s);
      linked.set(r.templateId, new Set());
      preceding.set(r.templateId, new Set());
    }
    s.count++;
    s.weight += r.weight;
    s.severity = Math.max(s.severity, LEVEL_SEVERITY[r.event.level]);
    s.last = r.at;
    s.lastMessage = r.event.message.slice(0, ANALYSIS_LIMITS.message);
    inc(s.services, r.event.service);
    inc(s.domains, r.event.domain);
    if (s.examples.length < ANALYSIS_LIMITS.subjectExamples) s.examples.push(r.event.message.slice(0, ANALYSIS_LIMITS.message));
    if (r.event.trace_id) {
      s.recent.unshift(r.at);
      if (s.recent.length > ANALYSIS_LIMITS.recentTraced) s.recent.pop();
      if (hints.traceIds.has(r.event.trace_id)) s.askedTraces.add(r.event.trace_id);
    }
    const bucket = s.buckets[bucketOf(layout, r.at.ms)] as SpikeBucket;
    bucket.count++;
    bucket.first ??= r.at.ts;
    if (inHintedDomain(r.event, hints)) s.domainCount++;
    if (r.hinted) {
      s.hintedCount++;
      hintedErrors++;
    } else if (r.event.trace_id && hintedTraceStart.has(r.event.trace_id)) {
      linkedErrors++;
      linked.get(s.id)!.add(r.event.trace_id);
      if (r.at.ms <= (hintedTraceStart.get(r.event.trace_id) as number)) preceding.get(s.id)!.add(r.event.trace_id);
    }
  }
  for (const s of templates.values()) {
    s.linkedTraces = linked.get(s.id)!.size;
    s.precedingTraces = preceding.get(s.id)!.size;
  }

  return {
    templates: [...templates.values()],
    events: window.length,
    errorEvents,
    totalWeight,
    baselineEvents: baseline.length,
    baselineErrors,
    serviceErrors,
    hintedErrors,
    linkedErrors,
    hintedTraces: hintedTraceStart.size,
    firstEvent: window[0]?.event.ts ?? null,
    lastEvent: window[window.length - 1]?.event.ts ?? null,
  };
}

/** Error-like events of one fingerprint and one combination of service, domain and level, in the window and in the baseline. */
export interface TemplateWindowCount {
  /** The events' fingerprint (log_events.template_id). */
  templateId: string;
  /** The fingerprint's masked form, which the miner replays (see {@link templatesOfForms}). */
  masked: string;
  service: string | null;
  domain: string | null;
  severity: number;
  count: number;
  baselineCount: number;
  /** Earliest and latest event of the window (epoch ms); null when it has none there. */
  firstMs: number | null;
  lastMs: number | null;
  /** Earliest event of the baseline (epoch ms); null when it has none there. */
  baselineFirstMs: number | null;
}

/**
 * What the log store reads for an analysis in one statement (see @loglore/db's
 * readTemplateEvidence): error-like events per fingerprint (`log_events.template_id`) and
 * service, domain and severity in the window and its baseline, per fingerprint and bucket of
 * {@link spikeLayout}, a bounded sample per fingerprint, and, when the request names services
 * or traces, what the hinted scope's traces hold. Instants are epoch ms.
 */
export interface TemplateEvidenceRead {
  aggregates: readonly TemplateWindowCount[];
  buckets: readonly { templateId: string; bucket: number; count: number; firstMs: number }[];
  /**
   * Per fingerprint in the window: its first {@link ANALYSIS_LIMITS.subjectExamples} events
   * (`first`, with messages), its latest (`last`, with its message) and its newest
   * {@link ANALYSIS_LIMITS.recentTraced} events with a trace id (`traced`).
   */
  samples: readonly {
    templateId: string;
    kind: 'first' | 'last' | 'traced';
    ms: number;
    /** Storage order (log_events.id), for ties of an instant. */
    id: number;
    severity: number;
    service: string | null;
    traceId: string | null;
    message: string | null;
  }[];
  /** null without services or trace ids in the hints. */
  focus: {
    /** Traces of the hinted scope's newest {@link ANALYSIS_LIMITS.hintedTraces} error-like events with a trace id. */
    hintedTraces: number;
    /** Error-like events outside the hinted scope on those traces, per fingerprint and trace; `preceding`: one at or before the trace's earliest hinted error. */
    linked: readonly { templateId: string; traceId: string; count: number; preceding: boolean }[];
    /** Error-like events of the named trace ids, per fingerprint, trace and service. */
    asked: readonly { templateId: string; traceId: string; service: string | null; count: number }[];
  } | null;
  totals: { events: number; baseline: number };
}

/** The summary of a window from {@link TemplateEvidenceRead}: what {@link summarizeEvents} finds in the same evidence's rows. */
export function summarizeRead(read: TemplateEvidenceRead, input: { fromMs: number; toMs: number; hints: Hints }): WindowSummary {
  const { hints } = input;
  const layout = spikeLayout(input.fromMs, input.toMs);
  // The templates the miner would make of these lines: each fingerprint replayed once, at its first occurrence.
  // A baseline's events all precede the window's, so the earliest of either is the first occurrence.
  const forms = new Map<string, { id: string; masked: string; firstMs: number }>();
  for (const a of read.aggregates) {
    const firstMs = Math.min(a.baselineFirstMs ?? Infinity, a.firstMs ?? Infinity);
    if (firstMs === Infinity) continue;
    const known = forms.get(a.templateId);
    if (!known || firstMs < known.firstMs) forms.set(a.templateId, { id: a.templateId, masked: a.masked, firstMs });
  }
  const templateOf = templatesOfForms([...forms.values()]);
  const canonical = (fingerprint: string) => templateOf.get(fingerprint)?.id ?? fingerprint;

  const baseCounts = new Map<string, number>();
  let baselineErrors = 0;
  for (const a of read.aggregates) {
    baselineErrors += a.baselineCount;
    if (a.baselineCount > 0) inc(baseCounts, canonical(a.templateId), a.baselineCount);
  }

  // Events of one instant in the order the rows path sees them: most severe first, then storage order.
  const samples = [...read.samples].sort((a, b) => a.ms - b.ms || b.severity - a.severity || a.id - b.id);
  const at = new Map<(typeof samples)[number], SummaryEvent>();
  samples.forEach((s, order) => at.set(s, { ts: new Date(s.ms).toISOString(), ms: s.ms, order, service: s.service, trace_id: s.traceId }));

  const templates = new Map<string, TemplateSummary>();
  const serviceErrors = new Map<string, number>();
  let errorEvents = 0;
  let totalWeight = 0;
  let hintedErrors = 0;
  let firstMs = Infinity;
  let lastMs = -Infinity;
  const template = (fingerprint: string): TemplateSummary => {
    const id = canonical(fingerprint);
    let s = templates.get(id);
    if (!s) {
      const text = cap(templateOf.get(fingerprint)?.template ?? '', ANALYSIS_LIMITS.template);
      s = emptyTemplate(id, text, baseCounts.get(id) ?? 0, { ts: '', ms: Infinity, order: 0, service: null, trace_id: null }, layout.n);
      s.last = { ts: '', ms: -Infinity, order: 0, service: null, trace_id: null };
      templates.set(id, s);
    }
    return s;
  };
  for (const a of read.aggregates) {
    if (a.count === 0 || a.firstMs === null || a.lastMs === null) continue;
    const s = template(a.templateId);
    errorEvents += a.count;
    const weight = a.count * errorLikeWeight(a.severity);
    totalWeight += weight;
    inc(serviceErrors, a.service, a.count);
    s.count += a.count;
    s.weight += weight;
    s.severity = Math.max(s.severity, a.severity);
    inc(s.services, a.service, a.count);
    inc(s.domains, a.domain, a.count);
    if (hints.domain !== null && (a.domain === hints.domain || a.domain === null)) s.domainCount += a.count;
    if (a.service !== null && hints.services.has(a.service.toLowerCase())) {
      s.hintedCount += a.count;
      hintedErrors += a.count;
    }
    firstMs = Math.min(firstMs, a.firstMs);
    lastMs = Math.max(lastMs, a.lastMs);
  }
  for (const b of read.buckets) {
    const bucket = template(b.templateId).buckets[Math.min(layout.n - 1, Math.max(0, b.bucket))] as SpikeBucket;
    bucket.count += b.count;
    const first = new Date(b.firstMs).toISOString();
    if (bucket.first === null || first < bucket.first) bucket.first = first;
  }
  for (const sample of samples) {
    const s = template(sample.templateId);
    const e = at.get(sample)!;
    if (sample.kind === 'first') {
      if (byTime(e, s.first) < 0) s.first = e;
      if (s.examples.length < ANALYSIS_LIMITS.subjectExamples) s.examples.push((sample.message ?? '').slice(0, ANALYSIS_LIMITS.message));
    } else if (sample.kind === 'last') {
      if (byTime(e, s.last) > 0) {
        s.last = e;
        s.lastMessage = (sample.message ?? '').slice(0, ANALYSIS_LIMITS.message);
      }
    } else {
      s.recent.push(e);
    }
  }
  for (const s of templates.values()) {
    s.recent.sort((a, b) => byTime(b, a));
    s.recent.splice(ANALYSIS_LIMITS.recentTraced);
  }

  let linkedErrors = 0;
  if (read.focus) {
    const linked = new Map<TemplateSummary, Set<string>>();
    const preceding = new Map<TemplateSummary, Set<string>>();
    for (const l of read.focus.linked) {
      const s = template(l.templateId);
      linkedErrors += l.count;
      if (!linked.has(s)) linked.set(s, new Set());
      linked.get(s)!.add(l.traceId);
      if (l.preceding) {
        if (!preceding.has(s)) preceding.set(s, new Set());
        preceding.get(s)!.add(l.traceId);
      }
    }
    for (const [s, traces] of linked) s.linkedTraces = traces.size;
    for (const [s, traces] of preceding) s.precedingTraces = traces.size;
    for (const a of read.focus.asked) {
      const s = template(a.templateId);
      s.askedTraces.add(a.traceId);
      // Hinted by its trace alone: a hinted service's events are counted above.
      if (a.service === null || !hints.services.has(a.service.toLowerCase())) {
        s.hintedCount += a.count;
        hintedErrors += a.count;
      }
    }
  }

  return {
    templates: [...templates.values()].filter((s) => s.count > 0),
    events: errorEvents,
    errorEvents,
    totalWeight,
    baselineEvents: baselineErrors,
    baselineErrors,
    serviceErrors,
    hintedErrors,
    linkedErrors,
    hintedTraces: read.focus?.hintedTraces ?? 0,
    firstEvent: errorEvents > 0 ? new Date(firstMs).toISOString() : null,
    lastEvent: errorEvents > 0 ? new Date(lastMs).toISOString() : null,
  };
}
