/**
 * Verification of a conclusion against its evidence: every cited trace id, template, count,
 * time, service, pattern and past analysis must be in the evidence; what is not is dropped.
 */
import { narrate } from './narrate.ts';
import type { AnalysisOutcome, CheckKind, Evidence, EvidenceTemplate, Finding, TimelineEntry, Verification, VerificationCheck } from './types.ts';

/** Values cited by a text (an LLM's summary, a user-facing message) to check against evidence. */
export interface Claims {
  trace_ids?: readonly string[];
  /** Template texts (whitespace-insensitive) or template ids. */
  templates?: readonly string[];
  counts?: readonly number[];
  /** ISO-8601 instants. */
  times?: readonly string[];
  services?: readonly string[];
  /** Error pattern names or pattern keys. */
  patterns?: readonly string[];
  /** Request ids of past analyses. */
  request_ids?: readonly string[];
}

export interface ClaimCheckOptions {
  /** Label of where the claims were made, copied into each check (`summary`, `hypothesis`). */
  where?: string;
  /**
   * `exact` (default): a time must be an instant of the evidence (first/last seen, burst
   * start, first/last event). `window`: any instant inside the analysed time range, for
   * prose that rounds times.
   */
  times?: 'exact' | 'window';
}

function norm(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function sameInstant(a: string, b: string): boolean {
  const x = Date.parse(a);
  return Number.isFinite(x) && x === Date.parse(b);
}

interface Index {
  byId: Map<string, EvidenceTemplate>;
  byText: Map<string, EvidenceTemplate>;
  traces: Set<string>;
  tracesByPattern: Map<string, Set<string>>;
  instants: Set<number>;
  counts: Set<number>;
  services: Map<string, number>;
  patterns: Set<string>;
  requests: Set<string>;
  fromMs: number;
  toMs: number;
}

function index(evidence: Evidence): Index {
  const idx: Index = {
    byId: new Map(),
    byText: new Map(),
    traces: new Set(evidence.trace_ids),
    tracesByPattern: new Map(),
    instants: new Set(),
    counts: new Set([evidence.event_count, evidence.error_event_count, evidence.baseline_event_count, evidence.baseline_error_event_count]),
    services: new Map(evidence.services.map((s) => [s.service, s.error_count])),
    patterns: new Set(evidence.known_pattern_key ? [evidence.known_pattern_key] : []),
    requests: new Set(evidence.similar.map((s) => s.request_id)),
    fromMs: Date.parse(evidence.time_range.from),
    toMs: Date.parse(evidence.time_range.to),
  };
  for (const at of [evidence.first_event, evidence.last_event]) if (at) idx.instants.add(Date.parse(at));
  for (const t of evidence.templates) {
    idx.byId.set(t.template_id, t);
    if (!idx.byText.has(norm(t.template))) idx.byText.set(norm(t.template), t);
    let set = idx.tracesByPattern.get(t.pattern_key);
    if (!set) idx.tracesByPattern.set(t.pattern_key, (set = new Set()));
    for (const id of t.trace_ids) {
      set.add(id);
      idx.traces.add(id);
    }
    for (const at of [t.first_seen, t.last_seen, t.spike_start]) if (at) idx.instants.add(Date.parse(at));
    idx.counts.add(t.count);
    idx.counts.add(t.baseline_count);
    idx.patterns.add(t.pattern_key);
    idx.patterns.add(t.error_pattern);
  }
  for (const s of evidence.services) idx.counts.add(s.error_count);
  return idx;
}

class Checker {
  readonly checked: VerificationCheck[] = [];

  check(kind: CheckKind, ref: string | number, where: string, ok: boolean, reason: string): boolean {
    this.checked.push(ok ? { kind, ref: String(ref), where, ok } : { kind, ref: String(ref), where, ok, reason });
    return ok;
  }

  get unsupported(): VerificationCheck[] {
    return this.checked.filter((c) => !c.ok);
  }
}

function templateOf(idx: Index, ref: string): EvidenceTemplate | undefined {
  return idx.byId.get(ref) ?? idx.byText.get(norm(ref));
}

function timeOk(idx: Index, at: string, mode: 'exact' | 'window'): boolean {
  const ms = Date.parse(at);
  if (!Number.isFinite(ms)) return false;
  return mode === 'exact' ? idx.instants.has(ms) : ms >= idx.fromMs && ms <= idx.toMs;
}

function runClaims(c: Checker, idx: Index, claims: Claims, options: ClaimCheckOptions): void {
  const where = options.where ?? 'claims';
  const mode = options.times ?? 'exact';
  for (const id of claims.trace_ids ?? []) c.check('trace_id', id, where, idx.traces.has(id), 'not a trace id of an error event in the evidence');
  for (const t of claims.templates ?? []) c.check('template', t, where, templateOf(idx, t) !== undefined, 'no such template in the evidence');
  for (const n of claims.counts ?? []) c.check('count', n, where, idx.counts.has(n), 'no count in the evidence has this value');
  for (const at of claims.times ?? []) c.check('time', at, where, timeOk(idx, at, mode), mode === 'exact' ? 'not an instant of the evidence' : 'outside the analysed window');
  for (const s of claims.services ?? []) c.check('service', s, where, idx.services.has(s), 'no error event of this service in the evidence');
  for (const p of claims.patterns ?? []) c.check('pattern', p, where, idx.patterns.has(p), 'no template of the evidence has this pattern');
  for (const r of claims.request_ids ?? []) c.check('request_id', r, where, idx.requests.has(r), 'not one of the similar analyses given');
}

/**
 * Checks values cited by free text (a model's summary or hypothesis) against the evidence.
 * Returns every check and the failed ones; the caller decides what to drop (for a model's
 * text: fall back to the deterministic summary when anything is unsupported).
 *
 * @example
 * const { unsupported } = checkClaims({ trace_ids: llm.cited_trace_ids, templates: llm.cited_templates }, outcome.evidence, { where: 'llm' });
 * if (unsupported.length > 0) useDeterministicSummary();
 */
export function checkClaims(
  claims: Claims,
  evidence: Evidence,
  options: ClaimCheckOptions = {},
): { checked: VerificationCheck[]; unsupported: VerificationCheck[] } {
  const c = new Checker();
  runClaims(c, index(evidence), claims, options);
  return { checked: c.checked, unsupported: c.unsupported };
}

/** Verifies one finding; returns it (possibly with trace ids or services removed) or undefined to drop it. */
function verifyFinding(c: Checker, idx: Index, f: Finding, where: string, droppedTraces: string[], droppedServices: string[]): Finding | undefined {
  let keep = true;
  let tpl: EvidenceTemplate | undefined;
  if (f.template_id !== undefined || f.template !== undefined) {
    tpl = templateOf(idx, f.template_id ?? (f.template as string));
    const textOk = tpl !== undefined && (f.template === undefined || norm(f.template) === norm(tpl.template));
    keep = c.check('template', f.template_id ?? (f.template as string), `${where}.template`, textOk, tpl ? 'template text differs from the evidence' : 'no such template in the evidence') && keep;
    if (!textOk) tpl = undefined;
  }
  if (f.pattern_key !== undefined) {
    const ok = tpl ? tpl.pattern_key === f.pattern_key : idx.patterns.has(f.pattern_key);
    keep = c.check('pattern', f.pattern_key, `${where}.pattern_key`, ok, tpl ? 'the template has another pattern' : 'no such pattern in the evidence') && keep;
  }
  if (f.error_pattern !== undefined) {
    const ok = tpl ? tpl.error_pattern === f.error_pattern : idx.patterns.has(f.error_pattern);
    keep = c.check('pattern', f.error_pattern, `${where}.error_pattern`, ok, tpl ? 'the template has another pattern' : 'no such pattern in the evidence') && keep;
  }
  if (f.count !== undefined) {
    // A template's or a service's count must be that one; a count citing neither, any count of the evidence.
    const expected = tpl ? tpl.count : f.service !== undefined ? (idx.services.get(f.service) ?? null) : undefined;
    const ok = expected === undefined ? idx.counts.has(f.count) : f.count === expected;
    const reason = expected === undefined ? 'no count in the evidence has this value' : expected === null ? 'no such service in the evidence' : `the evidence says ${expected}`;
    keep = c.check('count', f.count, `${where}.count`, ok, reason) && keep;
  }
  if (f.baseline_count !== undefined) {
    const ok = tpl ? f.baseline_count === tpl.baseline_count : idx.counts.has(f.baseline_count);
    keep = c.check('count', f.baseline_count, `${where}.baseline_count`, ok, tpl ? `the evidence says ${tpl.baseline_count}` : 'no count in the evidence has this value') && keep;
  }
  for (const field of ['first_seen', 'last_seen', 'spike_start'] as const) {
    const at = f[field];
    if (at === undefined) continue;
    const expected = tpl ? tpl[field] : undefined;
    const ok = tpl ? expected !== null && expected !== undefined && sameInstant(at, expected) : timeOk(idx, at, 'exact');
    keep = c.check('time', at, `${where}.${field}`, ok, tpl ? `the evidence says ${expected ?? 'nothing'}` : 'not an instant of the evidence') && keep;
  }
  if (f.service !== undefined) keep = c.check('service', f.service, `${where}.service`, idx.services.has(f.service), 'no error event of this service in the evidence') && keep;
  if (f.request_id !== undefined) keep = c.check('request_id', f.request_id, `${where}.request_id`, idx.requests.has(f.request_id), 'not one of the similar analyses given') && keep;
  if (!keep) return undefined;

  const out: Finding = { ...f };
  if (f.trace_ids !== undefined) {
    const allowed = tpl ? new Set(tpl.trace_ids) : f.pattern_key !== undefined ? (idx.tracesByPattern.get(f.pattern_key) ?? new Set<string>()) : idx.traces;
    out.trace_ids = f.trace_ids.filter((id) => {
      const ok = c.check('trace_id', id, `${where}.trace_ids`, allowed.has(id), 'not a trace id of the cited failure in the evidence');
      if (!ok) droppedTraces.push(id);
      return ok;
    });
    if (f.kind === 'trace' && out.trace_ids.length === 0) return undefined;
  }
  if (f.services !== undefined) {
    const allowed = tpl ? new Set(tpl.services) : new Set(idx.services.keys());
    out.services = f.services.filter((s) => {
      const ok = c.check('service', s, `${where}.services`, allowed.has(s), 'no error event of this service in the evidence');
      if (!ok) droppedServices.push(s);
      return ok;
    });
  }
  return out;
}

/**
 * Verifies an outcome against the evidence (by default the one it carries).
 *
 * - Findings: the cited template (id and text), its pattern, counts and times must equal
 *   the evidence, services and past analyses must be in it; otherwise the finding is
 *   dropped. Cited trace ids must belong to that template's (or pattern's) error events;
 *   the others are removed from the finding.
 * - The conclusion: the dominant template must be in the evidence with the concluded
 *   pattern, or the error pattern and everything resting on it is dropped (confidence 0).
 * - `trace_ids` must show the concluded pattern; `services` and `timeline` times must be
 *   in the evidence.
 * When anything is dropped, the summary and hypothesis are rewritten from what remains.
 */
export function verify(outcome: AnalysisOutcome, evidence: Evidence = outcome.evidence): { verified: AnalysisOutcome; verification: Verification } {
  const idx = index(evidence);
  const c = new Checker();
  const droppedTraces: string[] = [];
  const droppedServices: string[] = [];

  let patternOk = true;
  if (outcome.error_pattern !== null || outcome.dominant !== null) {
    const tpl = outcome.dominant ? idx.byId.get(outcome.dominant.template_id) : undefined;
    const ok =
      tpl !== undefined &&
      outcome.dominant !== null &&
      norm(outcome.dominant.template) === norm(tpl.template) &&
      tpl.pattern_key === outcome.pattern_key &&
      tpl.error_pattern === outcome.error_pattern;
    patternOk = c.check(
      'template',
      outcome.dominant?.template_id ?? String(outcome.error_pattern),
      'dominant',
      ok,
      tpl ? 'the dominant template or its pattern differs from the evidence' : 'the conclusion cites no template of the evidence',
    );
  }

  let droppedFindings = 0;
  const findings: Finding[] = [];
  outcome.findings.forEach((f, i) => {
    const where = `findings[${i}]`;
    if (!patternOk && (f.kind === 'known_pattern' || f.kind === 'similar_resolution' || f.kind === 'trace')) {
      c.check('pattern', f.pattern_key ?? f.error_pattern ?? f.kind, where, false, 'rests on an unsupported error pattern');
      droppedFindings++;
      return;
    }
    const v = verifyFinding(c, idx, f, where, droppedTraces, droppedServices);
    if (v) findings.push(v);
    else droppedFindings++;
  });

  const patternTraces = patternOk && outcome.pattern_key !== null ? (idx.tracesByPattern.get(outcome.pattern_key) ?? new Set<string>()) : new Set<string>();
  const traceIds = outcome.trace_ids.filter((id) => {
    const ok = c.check('trace_id', id, 'trace_ids', patternTraces.has(id), patternOk ? 'not a trace id of the concluded failure in the evidence' : 'rests on an unsupported error pattern');
    if (!ok) droppedTraces.push(id);
    return ok;
  });
  const services = outcome.services.filter((s) => {
    const ok = c.check('service', s, 'services', idx.services.has(s), 'no error event of this service in the evidence');
    if (!ok) droppedServices.push(s);
    return ok;
  });
  let droppedTimeline = 0;
  const timeline: TimelineEntry[] = outcome.timeline.filter((t, i) => {
    const tpl = t.template_id !== undefined ? idx.byId.get(t.template_id) : undefined;
    const ok =
      t.template_id !== undefined
        ? tpl !== undefined && [tpl.first_seen, tpl.last_seen, tpl.spike_start].some((at) => at !== null && sameInstant(t.at, at))
        : timeOk(idx, t.at, 'exact');
    if (!c.check('time', t.at, `timeline[${i}]`, ok, 'not an instant of the evidence')) droppedTimeline++;
    return ok;
  });

  let verified: AnalysisOutcome = { ...outcome, evidence, findings, trace_ids: traceIds, services, timeline };
  if (!patternOk) {
    verified = {
      ...verified,
      error_pattern: null,
      pattern_key: null,
      classification: null,
      dominant: null,
      known_pattern: null,
      resolution: null,
      resolution_source: null,
      confidence_score: 0,
      confidence_factors: null,
    };
  }
  const unsupported = c.unsupported;
  const rebuilt = unsupported.length > 0;
  if (rebuilt) verified = { ...verified, ...narrate(verified, evidence) };
  return {
    verified,
    verification: {
      checked: c.checked,
      unsupported,
      dropped: { findings: droppedFindings, trace_ids: droppedTraces, services: droppedServices, timeline: droppedTimeline, error_pattern: !patternOk },
      summary_rebuilt: rebuilt,
    },
  };
}
