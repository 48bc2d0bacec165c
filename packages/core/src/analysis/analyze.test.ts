import { describe, expect, it } from 'vitest';
import { referencePattern, referenceToKnownPattern } from '../patterns/index.ts';
import type { KnownPattern, SimilarAnalysis } from '../schemas.ts';
import { analyze, prepareAnalysis } from './analyze.ts';
import { CAUSES, renderIncident, type Cause, type RenderOptions } from './incidents.fixture.ts';
import { AnalysisOutcome } from './types.ts';
import { verify } from './verify.ts';

const noKnown = () => undefined;

function run(cause: Cause | null, seed: number, options: RenderOptions = {}, extra: { similar?: SimilarAnalysis[]; known?: (k: string) => KnownPattern | undefined } = {}) {
  const incident = renderIncident(cause, seed, options);
  const outcome = analyze({
    question: 'transfers failing in prod',
    parameters: incident.parameters,
    events: incident.events,
    baseline: incident.baseline,
    knownPatterns: extra.known ?? noKnown,
    similar: extra.similar ?? [],
  });
  return { incident, outcome };
}

const EXPECTED: Partial<Record<Cause, string>> = {
  db_pool: 'DB_POOL_EXHAUSTED',
  npsb_switch: 'PAYMENT_SWITCH_UNAVAILABLE',
  tls_expired: 'TLS_CERT_EXPIRED',
  insufficient_funds: 'INSUFFICIENT_FUNDS',
};
const SEEDS = [1, 2, 3, 4, 5, 6];

describe('incidents rendered many times', () => {
  const results = CAUSES.flatMap((cause) => SEEDS.map((seed) => ({ cause, seed, ...run(cause, seed) })));

  it.each(CAUSES)("each %s incident's analysis names its cause's pattern", (cause) => {
    for (const r of results.filter((r) => r.cause === cause)) {
      const expected = EXPECTED[cause];
      if (expected) expect(r.outcome.error_pattern, `seed ${r.seed}`).toBe(expected);
      else expect(r.outcome.pattern_key, `seed ${r.seed}`).toMatch(/^derived\.[0-9a-f]{8}$/);
      expect(r.outcome.confidence_score).toBeGreaterThan(0.5);
      expect(r.outcome.summary).toContain(r.outcome.error_pattern as string);
    }
  });

  it('the same cause always maps to one pattern, and different causes never share one', () => {
    const byCause = new Map<Cause, Set<string>>();
    for (const r of results) {
      const set = byCause.get(r.cause) ?? new Set<string>();
      set.add(`${r.outcome.error_pattern}|${r.outcome.pattern_key}`);
      byCause.set(r.cause, set);
    }
    for (const [cause, set] of byCause) expect([...set], cause).toHaveLength(1);
    const all = [...byCause.values()].map((s) => [...s][0]);
    expect(new Set(all).size).toBe(CAUSES.length);
  });

  it('the cited trace ids belong to failing events of the cause, most recent first', () => {
    for (const r of results) {
      expect(r.outcome.trace_ids.length).toBeGreaterThan(0);
      expect(r.outcome.trace_ids.length).toBeLessThanOrEqual(5);
      for (const id of r.outcome.trace_ids) expect(r.incident.failingTraceIds.has(id), `${r.cause}/${r.seed} ${id}`).toBe(true);
      const times = r.outcome.trace_ids.map((id) => Date.parse(r.incident.events.find((e) => e.trace_id === id)?.ts ?? ''));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    }
  });

  it('affected services are those of the failing events, dominant ones first', () => {
    for (const r of results) {
      expect(r.incident.services).toContain(r.outcome.services[0]);
      const failing = new Set(r.incident.services);
      const lead = r.outcome.services.slice(0, failing.size);
      expect(lead.every((s) => failing.has(s))).toBe(true);
    }
  });

  it('the timeline runs from the first to the last occurrence inside the window', () => {
    for (const r of results) {
      const { from, to } = r.incident.parameters.time_range;
      const times = r.outcome.timeline.map((t) => Date.parse(t.at));
      expect(times.length).toBeGreaterThanOrEqual(2);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      for (const t of times) expect(t >= Date.parse(from) && t <= Date.parse(to)).toBe(true);
      expect(r.outcome.timeline[0]?.what).toMatch(/^first /);
    }
  });

  it('the outcome fits its schema and verifies without dropping anything', () => {
    for (const r of results) {
      expect(() => AnalysisOutcome.parse(r.outcome)).not.toThrow();
      const { verification, verified } = verify(r.outcome);
      expect(verification.unsupported).toEqual([]);
      expect(verification.checked.length).toBeGreaterThan(5);
      expect(verified.summary).toBe(r.outcome.summary);
    }
  });

  it('the same input always reads the same, whatever the order of the events', () => {
    const r = results[0];
    if (!r) throw new Error('no results');
    const again = analyze({ question: 'q', parameters: r.incident.parameters, events: [...r.incident.events].reverse(), baseline: [...r.incident.baseline].reverse(), knownPatterns: noKnown, similar: [] });
    expect(again.error_pattern).toBe(r.outcome.error_pattern);
    expect(again.trace_ids).toEqual(r.outcome.trace_ids);
    expect(again.timeline).toEqual(r.outcome.timeline);
    expect(again.confidence_score).toBe(r.outcome.confidence_score);
    expect(run(r.cause, r.seed).outcome).toEqual(r.outcome);
  });

  it('a spike of a steady business warning is told apart from its usual rate', () => {
    const r = results.find((r) => r.cause === 'insufficient_funds');
    const dominant = r?.outcome.evidence.templates[0];
    expect(dominant?.baseline_count).toBeGreaterThan(0);
    expect(dominant?.spiking).toBe(true);
    expect(r?.outcome.findings[0]?.kind).toBe('spike');
    expect(r?.outcome.summary).toMatch(/spiked from \d+ in the previous window/);
  });

  it('a new error is reported as new', () => {
    const r = results.find((r) => r.cause === 'npsb_switch');
    expect(r?.outcome.findings[0]?.kind).toBe('new_error');
    expect(r?.outcome.summary).toContain('It is new');
  });
});

describe('windows without error evidence', () => {
  it('a window of info lines names no pattern and says so', () => {
    const { outcome } = run(null, 11, { steadyWarnings: false, sporadicErrors: false });
    expect(outcome.error_pattern).toBeNull();
    expect(outcome.pattern_key).toBeNull();
    expect(outcome.trace_ids).toEqual([]);
    expect(outcome.findings).toEqual([]);
    expect(outcome.confidence_score).toBe(0);
    expect(outcome.resolution).toBeNull();
    expect(outcome.hypothesis).toBeNull();
    expect(outcome.summary).toMatch(/^No error evidence found/);
  });

  it('warnings at their usual rate are not turned into a failure', () => {
    for (let seed = 100; seed < 130; seed++) {
      const { outcome } = run(null, seed, { steadyWarnings: true, sporadicErrors: false });
      expect(outcome.evidence.error_event_count).toBeGreaterThan(0);
      expect(outcome.error_pattern, `seed ${seed}`).toBeNull();
      expect(outcome.summary).toMatch(/No error evidence found.*usual rate/);
    }
  });

  it('a few unrelated errors at their usual rate are named with low confidence, as steady', () => {
    let named = 0;
    for (let seed = 100; seed < 110; seed++) {
      const { outcome } = run(null, seed, { steadyWarnings: true, sporadicErrors: true });
      if (outcome.error_pattern === null) continue;
      named++;
      expect(outcome.error_pattern).toBe('VALIDATION_ERROR');
      expect(outcome.confidence_score).toBeLessThan(0.4);
    }
    expect(named).toBeGreaterThan(0);
  });

  it('an empty window says that no events were found', () => {
    const incident = renderIncident(null, 13);
    const outcome = analyze({ question: 'anything wrong?', parameters: incident.parameters, events: [], baseline: [], knownPatterns: noKnown, similar: [] });
    expect(outcome.error_pattern).toBeNull();
    expect(outcome.confidence_score).toBe(0);
    expect(outcome.summary).toMatch(/^No error evidence found: no log events were found/);
    expect(verify(outcome).verification.unsupported).toEqual([]);
  });
});

describe('ranking', () => {
  it('the larger of two new failures dominates and the other stays a finding', () => {
    const { outcome } = run('db_pool', 21, { volume: 120, also: [{ cause: 'custom_indexer', volume: 40 }] });
    expect(outcome.error_pattern).toBe('DB_POOL_EXHAUSTED');
    expect(outcome.findings.some((f) => f.kind === 'new_error' && f.pattern_key?.startsWith('derived.'))).toBe(true);
    expect(outcome.confidence_factors?.share).toBeLessThan(0.85);
  });

  it('what the request asks about outranks a somewhat larger unrelated failure', () => {
    const base = run('db_pool', 22, { volume: 60, also: [{ cause: 'npsb_switch', volume: 45 }] });
    expect(base.outcome.error_pattern).toBe('DB_POOL_EXHAUSTED');
    const asked = run('db_pool', 22, { volume: 60, also: [{ cause: 'npsb_switch', volume: 45 }], keywords: ['npsb'] });
    expect(asked.outcome.error_pattern).toBe('PAYMENT_SWITCH_UNAVAILABLE');
  });

  it('a requested trace id that shows the failure is cited first', () => {
    const first = run('tls_expired', 23);
    const failing = [...first.incident.failingTraceIds];
    const oldest = first.incident.events
      .filter((e) => e.trace_id && failing.includes(e.trace_id))
      .sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts))[0]?.trace_id as string;
    const asked = run('tls_expired', 23, { traceIds: [oldest, 'ffffffffffffffffffffffffffffffff'] });
    expect(asked.outcome.trace_ids[0]).toBe(oldest);
    expect(asked.outcome.trace_ids).not.toContain('ffffffffffffffffffffffffffffffff');
  });

  it('without a baseline the failure is still named, with less certainty about growth', () => {
    const { outcome } = run('npsb_switch', 24, { noBaseline: true });
    expect(outcome.error_pattern).toBe('PAYMENT_SWITCH_UNAVAILABLE');
    expect(outcome.confidence_factors?.growth).toBe(0.5);
    expect(outcome.summary).toContain('no earlier window');
  });

  it('a lone error is named with low confidence', () => {
    const { outcome } = run('custom_reconciler', 25, { volume: 1, sporadicErrors: false });
    expect(outcome.pattern_key).toMatch(/^derived\./);
    expect(outcome.confidence_score).toBeLessThan(0.45);
  });
});

describe('known patterns and similar analyses', () => {
  const similar = (over: Partial<SimilarAnalysis>): SimilarAnalysis => ({
    request_id: 'r',
    query_text: 'q',
    error_pattern: 'DB_POOL_EXHAUSTED',
    trace_ids: [],
    resolution: null,
    outcome: null,
    created_at: '2026-01-01T00:00:00Z',
    score: 0.5,
    ...over,
  });

  it('a catalogued pattern brings its causes and steps even before the store knows it', () => {
    const { outcome } = run('db_pool', 31);
    expect(outcome.known_pattern?.pattern_key).toBe('db.pool_exhausted');
    expect(outcome.known_pattern?.typical_causes.length).toBeGreaterThan(0);
    expect(outcome.resolution_source).toEqual({ kind: 'known_pattern', ref: 'db.pool_exhausted' });
    expect(outcome.resolution).toMatch(/^1\. /);
    expect(outcome.hypothesis).toMatch(/^DB_POOL_EXHAUSTED, most likely: /);
    expect(outcome.findings.some((f) => f.kind === 'known_pattern')).toBe(true);
  });

  it('a resolution confirmed by feedback comes first; unconfirmed and failed ones do not decide', () => {
    const list = [
      similar({ request_id: 'other', error_pattern: 'TLS_CERT_EXPIRED', resolution: 'renewed cert', outcome: 'resolved', score: 0.99 }),
      similar({ request_id: 'failed', resolution: 'restarted pods', outcome: 'not_resolved', score: 0.95 }),
      similar({ request_id: 'unknown', resolution: 'raised pool size', outcome: null, score: 0.9 }),
      similar({ request_id: 'good', resolution: 'killed the long-running report query', outcome: 'resolved', score: 0.6 }),
    ];
    const { outcome } = run('db_pool', 32, {}, { similar: list });
    expect(outcome.resolution).toBe('killed the long-running report query');
    expect(outcome.resolution_source).toEqual({ kind: 'similar', ref: 'good' });
    expect(outcome.similar.map((s) => s.request_id)).toEqual(['good', 'unknown', 'failed', 'other']);
    const sims = outcome.findings.filter((f) => f.kind === 'similar_resolution');
    expect(sims.map((f) => [f.request_id, f.outcome])).toEqual([
      ['good', 'resolved'],
      ['unknown', null],
      ['failed', 'not_resolved'],
    ]);
    expect(outcome.summary).toContain('Resolution confirmed by feedback on good');
  });

  it('a track record of working resolutions raises confidence', () => {
    const ref = referencePattern('payment.switch_unavailable');
    if (!ref) throw new Error('catalog entry missing');
    const withRecord: KnownPattern = { ...referenceToKnownPattern(ref), usage_count: 12, success_count: 9, failure_count: 1, success_rate: 0.9 };
    const plain = run('npsb_switch', 33);
    const known = run('npsb_switch', 33, {}, { known: (k) => (k === 'payment.switch_unavailable' ? withRecord : undefined) });
    expect(known.outcome.confidence_score).toBeGreaterThan(plain.outcome.confidence_score);
    expect(known.outcome.summary).toContain('resolutions worked in 90% of 10 reports');
  });
});

describe('prepareAnalysis', () => {
  it('concludes again from one summary as a fresh analysis does once memory is recalled', () => {
    for (const cause of CAUSES) {
      const incident = renderIncident(cause, 3);
      const evidence = { parameters: incident.parameters, events: incident.events, baseline: incident.baseline };
      const conclude = prepareAnalysis(evidence);
      const first = conclude({ similar: [], knownPatterns: noKnown });
      expect(first).toEqual(analyze({ question: 'q', ...evidence, similar: [], knownPatterns: noKnown }));
      // What the step recalls for the pattern found: its record and a resolved past analysis.
      const reference = first.pattern_key ? referencePattern(first.pattern_key) : undefined;
      const record: KnownPattern | undefined = reference ? { ...referenceToKnownPattern(reference), usage_count: 4, success_count: 3, failure_count: 1, success_rate: 0.75 } : undefined;
      const similar: SimilarAnalysis[] = [
        { request_id: 'r-past', query_text: 'q', error_pattern: first.error_pattern, trace_ids: [], resolution: 'restarted the pool', outcome: 'resolved', created_at: '2026-01-01T00:00:00.000Z', score: 0.9 },
      ];
      const memory = { similar, knownPatterns: (key: string) => (key === first.pattern_key ? record : undefined) };
      const again = conclude(memory);
      expect(again, cause).toEqual(analyze({ question: 'q', ...evidence, ...memory }));
      expect(again.resolution_source?.ref, cause).toBe('r-past');
    }
  });
});
