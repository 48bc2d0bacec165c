/**
 * From observations to the quality report: pattern consistency (V-measure of true cause
 * against `pattern_key`), cited-trace precision, answer recall, same-cause recall@1 of
 * `similar` (result, step event, conversation endpoint) against a text-only baseline, and a
 * pass rate per scenario family with the failing cases and what went wrong in each.
 *
 * A cause's pattern is the `pattern_key` the system gives it most often in this run (its
 * modal key, over the answers most of whose cited traces are the cause's, symptom alerts
 * left out); an answer "found the cause" when it names that pattern and cites at least one
 * trace of the cause's events. The baseline ranks the same candidates the harness knew of
 * (earlier analyses of other incidents in the same project and env) by query text alone.
 */
import { CAUSE_SPECS, type CauseId } from './causes.ts';
import { FAMILIES, FAMILY_POINTS, type Family, type Incident } from './generate.ts';
import type { Answer, MemoryEntry, Observation, SimilarEntry } from './harness.ts';
import { modal, pooledPrecision, ratio, recallAt1, tracePrecision, vMeasure, type Ratio } from './metrics.ts';

export const AIMS = { recall_at_1: 0.9, v_measure: 0.98, trace_precision: 1 } as const;

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface CaseReport {
  id: string;
  seed: number;
  family: Family;
  cause: CauseId;
  other: CauseId | null;
  source: string;
  project: string;
  env: string;
  request_ids: string[];
  question: string | null;
  pattern_key: string | null;
  cause_pattern: string | null;
  found: boolean;
  trace_precision: number | null;
  cited: number;
  similar: { eligible: boolean; result: boolean | null; event: boolean | null; conversation: boolean | null; baseline: boolean | null };
  checks: Check[];
  passed: boolean;
  problems: string[];
}

export interface QualityReport {
  seed: number;
  mode: string;
  incidents: number;
  analyses: number;
  seconds: number;
  aims: typeof AIMS;
  pattern_consistency: {
    v: number;
    homogeneity: number;
    completeness: number;
    n: number;
    per_cause: { cause: CauseId; n: number; pattern: string | null; share: number; patterns: Record<string, number> }[];
    /** The digit-mask baseline (loudest warn-or-worse line of the searched window, digits masked). */
    baseline: { v: number; homogeneity: number; completeness: number; n: number };
  };
  trace_precision: { pooled: Ratio; mean_per_answer: number | null; answers_citing: number; answers_citing_nothing: number; baseline: Ratio };
  answer_recall: Ratio;
  /** Incidents whose pattern_key is their cause's pattern: one cause, rendered differently, one key. */
  render_consistency: Ratio;
  similar_recall_at_1: { result: Ratio; event: Ratio; conversation: Ratio; baseline: Ratio; baseline_chat: Ratio };
  families: { family: Family; point: string; n: number; passed: number; pass_rate: number | null; failed_checks: Record<string, number>; failing: string[] }[];
  failing: { id: string; seed: number; family: Family; cause: CauseId; problems: string[]; replay: string }[];
  cases: CaseReport[];
}

const NONE = '(none)';

/** Every log event the incident put into loglore (a backfill carries its own). */
function incidentLogs(incident: Incident): { ts: string; level: string; message: string; trace_id: string | null }[] {
  if (incident.ask.kind === 'backfill') return (incident.ask.line.logs as { ts: string; level: string; message: string; trace_id?: string }[]).map((e) => ({ ...e, trace_id: e.trace_id ?? null }));
  return [...incident.logs, ...incident.lateLogs].map((e) => ({ ts: e.ts, level: e.level, message: e.message, trace_id: e.trace_id ?? null }));
}

const WARN_OR_WORSE = new Set(['warn', 'error', 'fatal']);

/**
 * The naive baseline of pattern and traces: in the window the system searched, the loudest
 * warn-or-worse line with every token holding a digit masked (as bench/mining's baseline
 * masks), and the five most recent trace ids of its lines.
 */
export function digitMaskAnswer(logs: readonly { ts: string; level: string; message: string; trace_id: string | null }[], range: { from: string; to: string } | undefined): { pattern: string | null; traces: string[] } {
  if (!range) return { pattern: null, traces: [] };
  const from = Date.parse(range.from);
  const to = Date.parse(range.to);
  const groups = new Map<string, { ts: string; trace_id: string | null }[]>();
  for (const e of logs) {
    const t = Date.parse(e.ts);
    if (t < from || t > to || !WARN_OR_WORSE.has(e.level)) continue;
    const key = e.message
      .split(/\s+/)
      .map((tok) => (/\d/.test(tok) ? '<*>' : tok))
      .join(' ');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(e);
  }
  let best: string | null = null;
  for (const [key, g] of groups) if (best === null || g.length > groups.get(best)!.length) best = key;
  if (best === null) return { pattern: null, traces: [] };
  const traces = [...new Set(groups.get(best)!.sort((a, b) => (a.ts < b.ts ? 1 : -1)).map((e) => e.trace_id).filter((t): t is string => t !== null))].slice(0, 5);
  return { pattern: best, traces };
}

function final(o: Observation): Answer {
  return o.answers[o.answers.length - 1]!;
}

/** The ranking with analyses of the same incident left out (a re-ask finds its own first ask). */
function rankedCauses(entries: readonly (SimilarEntry | string)[] | null | undefined, incident: Incident, byRequest: ReadonlyMap<string, MemoryEntry>): (string | null)[] | null {
  if (!entries) return null;
  return entries
    .map((e) => byRequest.get(typeof e === 'string' ? e : e.request_id))
    .filter((m) => !m || m.incidentId !== incident.id)
    .map((m) => m?.cause ?? null);
}

function overlaps(range: { from: string; to: string } | undefined, from: string, to: string): boolean {
  if (!range) return false;
  return Date.parse(range.from) <= Date.parse(to) && Date.parse(range.to) >= Date.parse(from);
}

export function score(observations: readonly Observation[], memory: readonly MemoryEntry[], meta: { seed: number; mode: string; seconds: number }): QualityReport {
  const byRequest = new Map(memory.map((m) => [m.requestId, m]));
  const finals = observations.map(final);
  const patternOf = (a: Answer) => (a.status === 'completed' ? (a.result?.pattern_key ?? null) : null);

  // A cause's pattern: the key the system gives it most often.
  const causePattern = new Map<CauseId, string | null>();
  const perCause: QualityReport['pattern_consistency']['per_cause'] = [];
  for (const cause of Object.keys(CAUSE_SPECS) as CauseId[]) {
    const of = observations.filter((o) => o.incident.cause === cause);
    if (of.length === 0) continue;
    const keys = of.map((o) => patternOf(final(o)));
    // Only answers about the cause's own events vote (most of their cited traces are the
    // cause's): an answer that named the louder failure says nothing of this cause's pattern.
    // Symptom alerts vote not at all: their symptom lines share the cause's trace ids.
    const votes = of.map((o) => {
      if (o.incident.family === 'symptom_alert') return null;
      const a = final(o);
      const truth = new Set(o.incident.truth.causeTraces);
      const precision = tracePrecision(a.result?.trace_ids ?? [], truth);
      return truth.size === 0 || (precision !== null && precision >= 0.5) ? patternOf(a) : null;
    });
    const pattern = modal(votes);
    causePattern.set(cause, pattern);
    const patterns: Record<string, number> = {};
    for (const k of keys) patterns[k ?? NONE] = (patterns[k ?? NONE] ?? 0) + 1;
    perCause.push({ cause, n: keys.length, pattern, share: keys.filter((k) => k === pattern && k !== null).length / keys.length, patterns });
  }
  const vm = vMeasure(
    observations.map((o) => o.incident.cause),
    finals.map((a) => patternOf(a) ?? NONE),
  );

  const naive = observations.map((o) => digitMaskAnswer(incidentLogs(o.incident), final(o).result?.parameters.time_range));
  const vmBaseline = vMeasure(
    observations.map((o) => o.incident.cause),
    naive.map((b) => b.pattern ?? NONE),
  );

  const cases: CaseReport[] = [];
  const precisionAnswers: { cited: string[]; truth: Set<string> }[] = [];
  const queries: Record<'result' | 'event' | 'conversation' | 'baseline' | 'baseline_chat', { eligible: boolean; cause: string; ranked: (string | null)[] }[]> = {
    result: [],
    event: [],
    conversation: [],
    baseline: [],
    baseline_chat: [],
  };

  for (const o of observations) {
    const { incident } = o;
    const a = final(o);
    const result = a.status === 'completed' ? a.result : null;
    const truth = new Set(incident.truth.causeTraces);
    const otherTruth = new Set(incident.truth.otherTraces);
    const cited = result?.trace_ids ?? [];
    const pattern = result?.pattern_key ?? null;
    const expected = causePattern.get(incident.cause) ?? null;
    const precision = tracePrecision(cited, truth);
    if (result) precisionAnswers.push({ cited, truth });
    const citesCause = truth.size === 0 || cited.some((t) => truth.has(t));
    const found = pattern !== null && pattern === expected && citesCause;
    const checks: Check[] = [];
    const problems: string[] = [];
    const range = result?.parameters.time_range;
    const missed = result && !overlaps(range, incident.onset, incident.end) ? ` (the window misses the incident ${incident.onset}–${incident.end})` : '';
    const scope = result ? `searched ${range?.from}–${range?.to} domain=${result.parameters.domain ?? '-'} services=[${(result.parameters.services ?? []).join(',')}]${missed}` : '';
    const shown = result?.findings.find((f) => f.pattern_key === pattern && typeof f.template === 'string')?.template;
    const template = typeof shown === 'string' ? ` from "${shown.slice(0, 100)}"` : '';

    checks.push({ name: 'completed', ok: a.status === 'completed', ...(a.error ? { detail: a.error } : {}) });
    if (a.status !== 'completed') problems.push(`analysis ${a.status}: ${a.error ?? 'no error given'}`);
    else if (pattern === null) problems.push(`no error pattern: nothing found; ${scope}`);
    else if (pattern !== expected) {
      const otherPattern = incident.other ? causePattern.get(incident.other) : undefined;
      if (otherPattern && pattern === otherPattern) problems.push(`answered the other failure ${incident.other} (${pattern}${template}) instead of ${incident.cause} (${expected}); ${scope}`);
      else problems.push(`pattern ${pattern}${template}, but ${incident.cause} is ${expected ?? 'never named'} in most incidents; ${scope}`);
    } else if (!citesCause) problems.push(`names ${pattern} but cites none of the cause's traces; ${scope}`);
    checks.push({ name: 'found', ok: found });
    const tracesOk = precision === 1;
    checks.push({ name: 'traces', ok: tracesOk, detail: precision === null ? 'cited no trace ids' : `precision ${precision.toFixed(2)}` });
    if (!tracesOk && found) {
      const wrong = cited.filter((t) => !truth.has(t));
      problems.push(precision === null ? 'cited no trace ids' : `${wrong.length} of ${cited.length} cited traces are not the cause's (${wrong.filter((t) => otherTruth.has(t)).length} of the other failure)`);
    }

    // Same-cause recall@1: eligible when an earlier incident of this cause, in this project and
    // env, had been analysed when the question came.
    const eligible = a.candidates.some((id) => byRequest.get(id)?.cause === incident.cause);
    const event = a.steps.find((s) => s.step === 'similar')?.payload.similar as SimilarEntry[] | undefined;
    const rankings = {
      result: rankedCauses(result?.similar, incident, byRequest),
      event: rankedCauses(event ?? [], incident, byRequest),
      conversation: rankedCauses(a.conversationSimilar, incident, byRequest),
      baseline: rankedCauses(a.baseline, incident, byRequest),
    };
    const top = (r: (string | null)[] | null) => (r === null || !eligible ? null : r[0] === incident.cause);
    queries.result.push({ eligible, cause: incident.cause, ranked: rankings.result ?? [] });
    queries.event.push({ eligible, cause: incident.cause, ranked: rankings.event ?? [] });
    queries.baseline.push({ eligible, cause: incident.cause, ranked: rankings.baseline ?? [] });
    if (rankings.conversation) {
      queries.conversation.push({ eligible, cause: incident.cause, ranked: rankings.conversation });
      queries.baseline_chat.push({ eligible, cause: incident.cause, ranked: rankings.baseline ?? [] });
    }

    // What each family is about.
    if (incident.family === 'templates' && result) {
      const keys = new Set(result.findings.filter((f) => f.pattern_key && f.trace_ids?.some((t) => truth.has(t))).map((f) => f.pattern_key!));
      const ok = keys.size <= 1;
      checks.push({ name: 'one_pattern', ok, detail: [...keys].join(', ') });
      if (!ok) problems.push(`the cause's ${incident.render.templates.length} templates got ${keys.size} patterns: ${[...keys].join(', ')}`);
    }
    if (incident.family === 'late_logs' && o.answers.length === 2) {
      const analysis = a.steps.find((s) => s.step === 'analysis')?.payload;
      if (analysis?.cached === true) problems.push(`the second answer came from the cache of the first (${String(analysis.cached_from)}), computed before the logs landed`);
    }
    if (incident.family === 'recurring' && result) {
      if (eligible) {
        const ok = top(rankings.result) === true;
        checks.push({ name: 'similar', ok });
        if (!ok) {
          const first = result.similar.find((s) => byRequest.get(s.request_id)?.incidentId !== incident.id);
          problems.push(first ? `similar[0] is an analysis of ${byRequest.get(first.request_id)?.cause ?? 'an unknown incident'} (${first.request_id})` : 'similar is empty although the cause was analysed before');
        }
      }
      // A confirmed resolution of this cause in this project should be what is proposed.
      const confirmed = observations
        .slice(0, observations.indexOf(o))
        .filter((p) => p.incident.project === incident.project && p.incident.env === incident.env && p.incident.cause === incident.cause)
        .map((p) => (p.incident.feedback?.outcome === 'resolved' ? p.incident.feedback.resolution : p.incident.ask.kind === 'backfill' && p.incident.ask.line.resolved === true ? String(p.incident.ask.line.resolution) : null))
        .filter((r): r is string => r !== null);
      if (confirmed.length > 0) {
        const ok = result.resolution !== null && confirmed.includes(result.resolution);
        checks.push({ name: 'resolution', ok });
        if (!ok) problems.push(`resolution not recalled: proposed "${(result.resolution ?? 'nothing').slice(0, 80)}", confirmed before: "${confirmed[confirmed.length - 1]!.slice(0, 80)}"`);
      }
      if (result.recurrence) {
        const of = byRequest.get(result.recurrence.of_request_id);
        const ok = of?.cause === incident.cause;
        checks.push({ name: 'recurrence', ok });
        if (!ok) problems.push(`recurrence names ${result.recurrence.of_request_id}, an analysis of ${of?.cause ?? 'an unknown incident'}`);
      }
      const knownEvent = a.steps.find((s) => s.step === 'known_pattern')?.payload;
      if (knownEvent && typeof knownEvent.pattern_key === 'string') {
        const ok = knownEvent.pattern_key === result.pattern_key;
        checks.push({ name: 'known_pattern', ok });
        if (!ok) problems.push(`the known_pattern event names ${knownEvent.pattern_key}, the analysis found ${result.pattern_key ?? 'nothing'}`);
      }
    }

    const passed = checks.every((c) => c.ok);
    cases.push({
      id: incident.id,
      seed: incident.seed,
      family: incident.family,
      cause: incident.cause,
      other: incident.other,
      source: incident.ask.kind,
      project: incident.project,
      env: incident.env,
      request_ids: o.answers.map((x) => x.requestId),
      question: result?.query_text ?? null,
      pattern_key: pattern,
      cause_pattern: expected,
      found,
      trace_precision: precision,
      cited: cited.length,
      similar: { eligible, result: top(rankings.result), event: top(rankings.event), conversation: top(rankings.conversation), baseline: top(rankings.baseline) },
      checks,
      passed,
      problems,
    });
  }

  const precisions = cases.map((c) => c.trace_precision).filter((p): p is number => p !== null);
  const families = FAMILIES.filter((f) => cases.some((c) => c.family === f)).map((family) => {
    const of = cases.filter((c) => c.family === family);
    const passed = of.filter((c) => c.passed).length;
    const failedChecks: Record<string, number> = {};
    for (const c of of) for (const k of c.checks) if (!k.ok) failedChecks[k.name] = (failedChecks[k.name] ?? 0) + 1;
    return { family, point: FAMILY_POINTS[family], n: of.length, passed, pass_rate: of.length ? passed / of.length : null, failed_checks: failedChecks, failing: of.filter((c) => !c.passed).map((c) => c.id) };
  });
  return {
    seed: meta.seed,
    mode: meta.mode,
    incidents: observations.length,
    analyses: observations.reduce((n, o) => n + o.answers.length, 0),
    seconds: meta.seconds,
    aims: AIMS,
    pattern_consistency: { ...vm, per_cause: perCause, baseline: vmBaseline },
    trace_precision: {
      pooled: pooledPrecision(precisionAnswers),
      mean_per_answer: precisions.length ? precisions.reduce((s, p) => s + p, 0) / precisions.length : null,
      answers_citing: precisions.length,
      answers_citing_nothing: cases.length - precisions.length,
      baseline: pooledPrecision(observations.map((o, i) => ({ cited: naive[i]!.traces, truth: new Set(o.incident.truth.causeTraces) }))),
    },
    answer_recall: ratio(cases.filter((c) => c.found).length, cases.length),
    render_consistency: ratio(cases.filter((c) => c.pattern_key !== null && c.pattern_key === c.cause_pattern).length, cases.length),
    similar_recall_at_1: {
      result: recallAt1(queries.result),
      event: recallAt1(queries.event),
      conversation: recallAt1(queries.conversation),
      baseline: recallAt1(queries.baseline),
      baseline_chat: recallAt1(queries.baseline_chat),
    },
    families,
    failing: cases
      .filter((c) => !c.passed)
      .map((c) => ({ id: c.id, seed: c.seed, family: c.family, cause: c.cause, problems: c.problems, replay: `npx tsx bench/quality/run.ts --seed ${c.seed} --family ${c.family}` })),
    cases,
  };
}
