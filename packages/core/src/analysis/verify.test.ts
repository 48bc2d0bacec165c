import { describe, expect, it } from 'vitest';
import { analyze } from './analyze.ts';
import { renderIncident } from './incidents.fixture.ts';
import { AnalysisOutcome, Verification } from './types.ts';
import { checkClaims, verify } from './verify.ts';

const FAKE_TRACE = '0123456789abcdef0123456789abcdef';

function outcomeOf(seed: number) {
  const incident = renderIncident('npsb_switch', seed);
  const outcome = analyze({
    question: 'NPSB transfers failing',
    parameters: incident.parameters,
    events: incident.events,
    baseline: incident.baseline,
    knownPatterns: () => undefined,
    similar: [
      { request_id: 'req-1', query_text: 'npsb down', error_pattern: 'PAYMENT_SWITCH_UNAVAILABLE', trace_ids: [], resolution: 'failed over to the backup switch', outcome: 'resolved', created_at: '2026-01-01T00:00:00Z', score: 0.8 },
    ],
  });
  return { incident, outcome };
}

describe('verify', () => {
  it('a fabricated trace id is dropped from the outcome and its findings, and listed as unsupported', () => {
    const { outcome } = outcomeOf(41);
    const tampered: AnalysisOutcome = {
      ...outcome,
      trace_ids: [FAKE_TRACE, ...outcome.trace_ids],
      findings: outcome.findings.map((f) => (f.kind === 'trace' ? { ...f, trace_ids: [...(f.trace_ids ?? []), FAKE_TRACE] } : f)),
    };
    const { verified, verification } = verify(tampered);
    expect(verified.trace_ids).toEqual(outcome.trace_ids);
    expect(verified.findings.find((f) => f.kind === 'trace')?.trace_ids).toEqual(outcome.trace_ids);
    expect(verification.unsupported.map((c) => [c.kind, c.ref, c.where])).toEqual([
      ['trace_id', FAKE_TRACE, `findings[${outcome.findings.findIndex((f) => f.kind === 'trace')}].trace_ids`],
      ['trace_id', FAKE_TRACE, 'trace_ids'],
    ]);
    expect(verification.dropped.trace_ids).toEqual([FAKE_TRACE, FAKE_TRACE]);
    expect(verification.summary_rebuilt).toBe(true);
    expect(verified.summary).not.toContain(FAKE_TRACE);
    expect(verified.error_pattern).toBe(outcome.error_pattern);
    expect(() => Verification.parse(verification)).not.toThrow();
  });

  it('a real trace id of another failure does not count as evidence of this one', () => {
    const { outcome } = outcomeOf(42);
    const other = outcome.evidence.templates.find((t) => t.pattern_key !== outcome.pattern_key && t.trace_ids.length > 0);
    expect(other).toBeDefined();
    const foreign = other?.trace_ids[0] as string;
    const { verified, verification } = verify({ ...outcome, trace_ids: [...outcome.trace_ids, foreign] });
    expect(verified.trace_ids).not.toContain(foreign);
    expect(verification.unsupported[0]).toMatchObject({ kind: 'trace_id', ref: foreign, ok: false });
  });

  it('a finding with a fabricated template or an inflated count is dropped', () => {
    const { outcome } = outcomeOf(43);
    const real = outcome.findings[0];
    if (!real?.template_id || real.count === undefined) throw new Error('expected a template finding');
    const tampered: AnalysisOutcome = {
      ...outcome,
      findings: [
        ...outcome.findings,
        { kind: 'new_error', title: 'made up', template_id: 'tdeadbeef', template: 'Ledger exploded in <*>', count: 12 },
        { ...real, count: real.count + 100 },
        { ...real, template: 'Something else entirely <*>' },
      ],
    };
    const { verified, verification } = verify(tampered);
    expect(verified.findings).toEqual(outcome.findings);
    expect(verification.dropped.findings).toBe(3);
    const refs = verification.unsupported.map((c) => `${c.kind}:${c.ref}`);
    expect(refs).toContain('template:tdeadbeef');
    expect(refs).toContain(`count:${real.count + 100}`);
    expect(refs).toContain(`template:${real.template_id}`);
    const inflated = String(real.count + 100);
    expect(verification.unsupported.find((c) => c.ref === inflated)?.reason).toBe(`the evidence says ${real.count}`);
  });

  it('a relabelled pattern, an unknown service, a fabricated time and an unknown past analysis are dropped', () => {
    const { outcome } = outcomeOf(44);
    const real = outcome.findings[0];
    if (!real) throw new Error('expected findings');
    const tampered: AnalysisOutcome = {
      ...outcome,
      findings: [
        ...outcome.findings,
        { ...real, pattern_key: 'db.pool_exhausted', error_pattern: 'DB_POOL_EXHAUSTED' },
        { kind: 'affected_service', title: 'ghost: 3 errors', service: 'ghost-service', count: 3 },
        { kind: 'similar_resolution', title: 'did it before', request_id: 'req-404', resolution: 'magic' },
        { ...real, first_seen: '2026-12-31T00:00:00.000Z' },
      ],
      services: [...outcome.services, 'ghost-service'],
      timeline: [...outcome.timeline, { at: '2020-01-01T00:00:00.000Z', what: 'the beginning of time' }],
    };
    const { verified, verification } = verify(tampered);
    expect(verified.findings).toEqual(outcome.findings);
    expect(verified.services).toEqual(outcome.services);
    expect(verified.timeline).toEqual(outcome.timeline);
    expect(verification.dropped).toMatchObject({ findings: 4, services: ['ghost-service'], timeline: 1, error_pattern: false });
    const kinds = new Set(verification.unsupported.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(['count', 'pattern', 'request_id', 'service', 'time']);
  });

  it('a conclusion resting on a template absent from the evidence loses its error pattern', () => {
    const { outcome } = outcomeOf(45);
    const tampered: AnalysisOutcome = { ...outcome, dominant: { template_id: 'tnope', template: 'Ledger exploded' } };
    const { verified, verification } = verify(tampered);
    expect(verification.dropped.error_pattern).toBe(true);
    expect(verified.error_pattern).toBeNull();
    expect(verified.pattern_key).toBeNull();
    expect(verified.trace_ids).toEqual([]);
    expect(verified.resolution).toBeNull();
    expect(verified.confidence_score).toBe(0);
    expect(verified.findings.some((f) => f.kind === 'trace' || f.kind === 'known_pattern' || f.kind === 'similar_resolution')).toBe(false);
    expect(verified.summary).toMatch(/^No error pattern is named: the conclusion was not supported/);
    expect(() => AnalysisOutcome.parse(verified)).not.toThrow();
  });

  it('a conclusion claiming another pattern for the real dominant template is dropped too', () => {
    const { outcome } = outcomeOf(46);
    const { verified } = verify({ ...outcome, error_pattern: 'DB_POOL_EXHAUSTED', pattern_key: 'db.pool_exhausted' });
    expect(verified.error_pattern).toBeNull();
  });
});

describe('checkClaims', () => {
  it('accepts values copied from the evidence and rejects invented ones', () => {
    const { outcome } = outcomeOf(47);
    const ev = outcome.evidence;
    const t = ev.templates[0];
    if (!t) throw new Error('expected evidence');
    const { checked, unsupported } = checkClaims(
      {
        trace_ids: [t.trace_ids[0] as string, FAKE_TRACE],
        templates: [t.template, `  ${t.template.replace(/ /g, '  ')} `, t.template_id, 'NPSB exploded'],
        counts: [t.count, ev.error_event_count, 987654],
        times: [t.first_seen, '2026-12-31T00:00:00Z'],
        services: [t.services[0] as string, 'nowhere'],
        patterns: [t.error_pattern, t.pattern_key, 'MADE_UP'],
        request_ids: ['req-1', 'req-2'],
      },
      ev,
      { where: 'llm' },
    );
    expect(checked).toHaveLength(18);
    expect(unsupported.map((c) => c.ref)).toEqual([FAKE_TRACE, 'NPSB exploded', '987654', '2026-12-31T00:00:00Z', 'nowhere', 'MADE_UP', 'req-2']);
    expect(unsupported.every((c) => c.where === 'llm' && c.reason)).toBe(true);
  });

  it('times in prose may be checked against the window instead of exact instants', () => {
    const { outcome } = outcomeOf(48);
    const { from, to } = outcome.evidence.time_range;
    const mid = new Date((Date.parse(from) + Date.parse(to)) / 2).toISOString();
    expect(checkClaims({ times: [mid] }, outcome.evidence).unsupported).toHaveLength(1);
    expect(checkClaims({ times: [mid] }, outcome.evidence, { times: 'window' }).unsupported).toHaveLength(0);
    expect(checkClaims({ times: ['2001-01-01T00:00:00Z', 'not a time'] }, outcome.evidence, { times: 'window' }).unsupported).toHaveLength(2);
  });
});
