/**
 * The metric functions of the quality suite, pure. Definitions follow Rosenberg & Hirschberg
 * (2007), "V-Measure: A conditional entropy-based external cluster evaluation measure", as
 * scikit-learn implements them (natural logarithms; a labelling with a single class is
 * perfectly homogeneous, one with a single cluster perfectly complete).
 */

export interface VMeasure {
  homogeneity: number;
  completeness: number;
  v: number;
  n: number;
}

function entropy(counts: Iterable<number>, n: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

/**
 * Homogeneity (each cluster holds one class), completeness (each class sits in one cluster)
 * and their harmonic mean V, between true `classes` and predicted `clusters` of the same items.
 *
 * @example
 * vMeasure(['a', 'a', 'b', 'b'], [0, 0, 1, 2]); // { homogeneity: 1, completeness: 0.667, v: 0.8, n: 4 }
 */
export function vMeasure(classes: readonly unknown[], clusters: readonly unknown[]): VMeasure {
  if (classes.length !== clusters.length) throw new Error(`vMeasure: ${classes.length} classes for ${clusters.length} clusters`);
  const n = classes.length;
  if (n === 0) return { homogeneity: 1, completeness: 1, v: 1, n: 0 };
  const key = (v: unknown) => JSON.stringify(v ?? null);
  const classCounts = new Map<string, number>();
  const clusterCounts = new Map<string, number>();
  const joint = new Map<string, Map<string, number>>();
  for (let i = 0; i < n; i++) {
    const c = key(classes[i]);
    const k = key(clusters[i]);
    classCounts.set(c, (classCounts.get(c) ?? 0) + 1);
    clusterCounts.set(k, (clusterCounts.get(k) ?? 0) + 1);
    let row = joint.get(c);
    if (!row) joint.set(c, (row = new Map()));
    row.set(k, (row.get(k) ?? 0) + 1);
  }
  const hC = entropy(classCounts.values(), n);
  const hK = entropy(clusterCounts.values(), n);
  // H(C|K) = -Σ n_ck/n log(n_ck/n_k); H(K|C) = -Σ n_ck/n log(n_ck/n_c).
  let hCgivenK = 0;
  let hKgivenC = 0;
  for (const [c, row] of joint) {
    for (const [k, nck] of row) {
      hCgivenK -= (nck / n) * Math.log(nck / clusterCounts.get(k)!);
      hKgivenC -= (nck / n) * Math.log(nck / classCounts.get(c)!);
    }
  }
  const homogeneity = hC === 0 ? 1 : 1 - hCgivenK / hC;
  const completeness = hK === 0 ? 1 : 1 - hKgivenC / hK;
  const v = homogeneity + completeness === 0 ? 0 : (2 * homogeneity * completeness) / (homogeneity + completeness);
  return { homogeneity: clamp(homogeneity), completeness: clamp(completeness), v: clamp(v), n };
}

function clamp(x: number): number {
  // Floating error can leave 1 - h/h at -1e-16.
  return Math.min(1, Math.max(0, x));
}

/** Fraction of `cited` that is in `truth`; null when nothing was cited (no claim to judge). */
export function tracePrecision(cited: readonly string[], truth: ReadonlySet<string>): number | null {
  if (cited.length === 0) return null;
  return cited.filter((t) => truth.has(t)).length / cited.length;
}

export interface Ratio {
  /** hits / n, or null when there was nothing to count. */
  value: number | null;
  hits: number;
  n: number;
}

export function ratio(hits: number, n: number): Ratio {
  return { value: n === 0 ? null : hits / n, hits, n };
}

/** Pooled precision over many answers: cited traces that are true over all cited traces. */
export function pooledPrecision(answers: readonly { cited: readonly string[]; truth: ReadonlySet<string> }[]): Ratio {
  let hits = 0;
  let n = 0;
  for (const a of answers) {
    n += a.cited.length;
    hits += a.cited.filter((t) => a.truth.has(t)).length;
  }
  return ratio(hits, n);
}

/**
 * Recall@1 of a ranking of past analyses: over the queries that had a same-cause analysis to
 * find (`eligible`), how often the first ranked one is of the same cause. An empty ranking
 * of an eligible query is a miss; ineligible queries do not count.
 */
export function recallAt1(queries: readonly { eligible: boolean; cause: string; ranked: readonly (string | null)[] }[]): Ratio {
  const eligible = queries.filter((q) => q.eligible);
  return ratio(eligible.filter((q) => q.ranked.length > 0 && q.ranked[0] === q.cause).length, eligible.length);
}

/**
 * The most frequent value (ties: the one that reached that count first), ignoring nulls; null when there is none.
 * The suite calls a cause's most frequent pattern its pattern.
 */
export function modal<T>(values: readonly (T | null)[]): T | null {
  const counts = new Map<T, number>();
  let best: T | null = null;
  let bestCount = 0;
  for (const v of values) {
    if (v === null) continue;
    const c = (counts.get(v) ?? 0) + 1;
    counts.set(v, c);
    if (c > bestCount) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}
