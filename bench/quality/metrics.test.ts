import { describe, expect, it } from 'vitest';
import { modal, pooledPrecision, ratio, recallAt1, tracePrecision, vMeasure } from './metrics.ts';

describe('vMeasure', () => {
  // Known values: scikit-learn's documented examples of homogeneity_score,
  // completeness_score and v_measure_score.
  it('is 1 for a perfect labelling, whatever the cluster names', () => {
    expect(vMeasure(['a', 'a', 'b', 'b'], ['x', 'x', 'y', 'y'])).toEqual({ homogeneity: 1, completeness: 1, v: 1, n: 4 });
  });

  it('scores a split class as homogeneous but incomplete: [0,0,1,1] vs [0,0,1,2] gives V 0.8', () => {
    const m = vMeasure([0, 0, 1, 1], [0, 0, 1, 2]);
    expect(m.homogeneity).toBeCloseTo(1, 10);
    expect(m.completeness).toBeCloseTo(2 / 3, 10);
    expect(m.v).toBeCloseTo(0.8, 10);
  });

  it('scores one cluster per item as V 2/3 for two classes of two', () => {
    const m = vMeasure([0, 0, 1, 1], [0, 1, 2, 3]);
    expect(m.homogeneity).toBeCloseTo(1, 10);
    expect(m.completeness).toBeCloseTo(0.5, 10);
    expect(m.v).toBeCloseTo(2 / 3, 10);
  });

  it('scores everything in one cluster as complete but not homogeneous (V 0)', () => {
    const m = vMeasure(['a', 'a', 'b', 'b'], ['k', 'k', 'k', 'k']);
    expect(m).toMatchObject({ homogeneity: 0, completeness: 1, v: 0 });
  });

  it('scores a single class split into singletons as V 0', () => {
    expect(vMeasure([0, 0, 0, 0], [0, 1, 2, 3]).v).toBe(0);
  });

  it('is symmetric in its arguments except for swapping homogeneity and completeness', () => {
    const a = vMeasure(['a', 'a', 'b', 'c', 'c'], [1, 1, 1, 2, 3]);
    const b = vMeasure([1, 1, 1, 2, 3], ['a', 'a', 'b', 'c', 'c']);
    expect(a.homogeneity).toBeCloseTo(b.completeness, 10);
    expect(a.v).toBeCloseTo(b.v, 10);
  });

  it('treats null as a label of its own and rejects lists of different lengths', () => {
    expect(vMeasure(['a', 'b'], [null, 'k']).v).toBe(1);
    expect(() => vMeasure(['a'], [])).toThrow(/1 classes for 0 clusters/);
  });
});

describe('trace precision', () => {
  it('is the fraction of cited traces that are true, and null when nothing is cited', () => {
    expect(tracePrecision(['t1', 't2', 'x'], new Set(['t1', 't2', 't3']))).toBeCloseTo(2 / 3, 10);
    expect(tracePrecision(['t1'], new Set(['t1']))).toBe(1);
    expect(tracePrecision([], new Set(['t1']))).toBeNull();
  });

  it('pools cited traces over answers, so an answer citing more counts more', () => {
    const pooled = pooledPrecision([
      { cited: ['a', 'b', 'c', 'd'], truth: new Set(['a', 'b', 'c', 'd']) },
      { cited: ['x'], truth: new Set(['y']) },
      { cited: [], truth: new Set(['z']) },
    ]);
    expect(pooled).toEqual({ value: 0.8, hits: 4, n: 5 });
  });
});

describe('recall@1', () => {
  it('counts only eligible queries, and an empty ranking of an eligible one as a miss', () => {
    const r = recallAt1([
      { eligible: true, cause: 'db_pool', ranked: ['db_pool', 'dns_failure'] },
      { eligible: true, cause: 'db_pool', ranked: ['dns_failure', 'db_pool'] },
      { eligible: true, cause: 'deadlock', ranked: [] },
      { eligible: false, cause: 'tls_expiry', ranked: ['db_pool'] },
      { eligible: true, cause: 'tls_expiry', ranked: [null, 'tls_expiry'] },
    ]);
    expect(r).toEqual({ value: 0.25, hits: 1, n: 4 });
  });

  it('has no value when no query was eligible', () => {
    expect(recallAt1([{ eligible: false, cause: 'a', ranked: ['a'] }])).toEqual({ value: null, hits: 0, n: 0 });
    expect(ratio(0, 0).value).toBeNull();
  });
});

describe('modal', () => {
  it('answers the most frequent value, ignoring nulls, ties to the one that got there first', () => {
    expect(modal(['a', null, 'b', 'b', null, null])).toBe('b');
    expect(modal(['a', 'b', 'b', 'a'])).toBe('b');
    expect(modal([null, null])).toBeNull();
  });
});
