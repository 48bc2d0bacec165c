/**
 * A small run of the quality suite through the real pipeline (Postgres test database, Redis
 * with a fresh prefix, the workers in-process): it checks that the harness produces
 * well-formed scores, not what the scores are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSuite, type Incident } from './generate.ts';
import { openHarness, type Harness, type Observation } from './harness.ts';
import { StoredResult } from '../lib/report.ts';
import { qualityResult } from './result.ts';
import { formatReport } from './run.ts';
import { score, type QualityReport } from './score.ts';

const inUnit = (v: number | null) => v === null || (v >= 0 && v <= 1);

describe('the quality harness over the real pipeline', () => {
  let harness: Harness;
  let incidents: Incident[];
  const observations: Observation[] = [];
  let report: QualityReport;

  beforeAll(async () => {
    const suite = generateSuite({ seed: 3, perFamily: 3, families: ['recurring', 'late_logs'] });
    // Three recurring incidents (one cause twice, one backfilled) and one asked before its logs landed.
    incidents = [...suite.filter((i) => i.family === 'recurring'), suite.find((i) => i.family === 'late_logs')!];
    harness = await openHarness();
    for (const incident of incidents) observations.push(await harness.run(incident));
    report = score(observations, harness.memory, { seed: 3, mode: 'test', seconds: 0 });
  }, 240_000);
  afterAll(async () => {
    await harness?.close();
  });

  it('answers every incident through the API, twice when its logs came late', () => {
    expect(observations.map((o) => o.answers.length)).toEqual(incidents.map((i) => (i.lateLogs.length > 0 ? 2 : 1)));
    expect(incidents.some((i) => i.ask.kind === 'backfill')).toBe(true);
    for (const o of observations) {
      for (const a of o.answers) {
        expect(a.status).toBe('completed');
        expect(a.result?.request_id).toBe(a.requestId);
        expect(a.steps.map((s) => s.step)).toContain('similar');
      }
    }
    expect(harness.memory.map((m) => m.requestId)).toEqual(observations.flatMap((o) => o.answers.map((a) => a.requestId)));
  });

  it('scores the run with well-formed figures', () => {
    expect(report.incidents).toBe(incidents.length);
    expect(report.analyses).toBe(incidents.length + 1);
    const v = report.pattern_consistency;
    for (const x of [v.v, v.homogeneity, v.completeness, v.baseline.v]) expect(inUnit(x)).toBe(true);
    expect(v.n).toBe(incidents.length);
    expect(v.per_cause.reduce((n, c) => n + c.n, 0)).toBe(incidents.length);
    for (const r of [report.trace_precision.pooled, report.trace_precision.baseline, report.answer_recall, ...Object.values(report.similar_recall_at_1)]) {
      expect(inUnit(r.value)).toBe(true);
      expect(r.hits).toBeLessThanOrEqual(r.n);
    }
    // The recurring cause's second incident had its first one to recall: it is eligible, and
    // the baseline ranked the same candidates.
    const eligible = report.cases.filter((c) => c.similar.eligible);
    expect(eligible.length).toBeGreaterThan(0);
    expect(report.similar_recall_at_1.result.n).toBe(eligible.length);
    for (const c of eligible) expect(typeof c.similar.baseline).toBe('boolean');
  });

  it('lists each case with its checks, and every failing one with what went wrong and how to replay it', () => {
    expect(report.cases.map((c) => c.id)).toEqual(incidents.map((i) => i.id));
    for (const c of report.cases) {
      expect(c.checks.length).toBeGreaterThan(0);
      expect(c.passed).toBe(c.checks.every((k) => k.ok));
      expect(c.request_ids.length).toBeGreaterThan(0);
    }
    expect(report.families.map((f) => f.family)).toEqual(['late_logs', 'recurring']);
    expect(report.families.reduce((n, f) => n + f.n, 0)).toBe(incidents.length);
    for (const f of report.failing) {
      expect(f.problems.length).toBeGreaterThan(0);
      expect(f.replay).toBe(`npx tsx bench/quality/run.ts --seed 3 --family ${f.family}`);
    }
    expect(report.failing.length).toBe(report.cases.filter((c) => !c.passed).length);
    const text = formatReport(report);
    expect(text).toContain('same-cause recall@1, result.similar');
    expect(text).toContain('pattern consistency V');
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('gives BENCHMARKS.md the headline figures against their baselines, and keeps the whole report', () => {
    const result = qualityResult(report, { mode: 'quick', command: 'npx tsx bench/quality/run.ts --seed 3' });
    const stored = StoredResult.parse({ ...result, measured_at: '2031-02-28T23:59:30.000Z', machine: { cpus: 2, memory_gib: 24, node: 'v20' } });
    const recall = stored.figures[0]!;
    expect(recall.value).toBe(report.similar_recall_at_1.result.value ?? 0);
    expect(recall.baseline).toBe(report.similar_recall_at_1.baseline.value ?? 0);
    expect(recall.met).toBe((report.similar_recall_at_1.result.value ?? 0) >= 0.9);
    const v = stored.figures.find((f) => f.claim.startsWith('pattern consistency'))!;
    expect([v.value, v.baseline, v.aim]).toEqual([report.pattern_consistency.v, report.pattern_consistency.baseline.v, '≥ 0.98']);
    expect(stored.notes).toContain('| `recurring` (');
    expect(stored.data).toEqual(report);
  });
});
