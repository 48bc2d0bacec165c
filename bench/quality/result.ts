// A quality report as the one result shape of bench/lib/results.ts: the headline figures
// against their same-run baselines and aims, the families and failing cases as notes, the
// whole report (every case) kept as `data`.
import { higherIsBetter, type BenchResult } from '../lib/results.ts';
import { AIMS, type QualityReport } from './score.ts';
import type { Ratio } from './metrics.ts';

const value = (r: Ratio) => r.value ?? 0;
const count = (r: Ratio) => `${r.hits}/${r.n}`;
const f3 = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));

export function qualityResult(report: QualityReport, options: { mode: 'quick' | 'full'; command: string }): BenchResult {
  const s = report.similar_recall_at_1;
  const pc = report.pattern_consistency;
  const tp = report.trace_precision;
  const atLeast = (min: number) => ({ text: `≥ ${min}`, min });
  const figures = [
    higherIsBetter(`same-cause recall@1 of \`result.similar\` (${count(s.result)})`, value(s.result), '', value(s.baseline), 'text-only pg_trgm ranking', atLeast(AIMS.recall_at_1)),
    higherIsBetter(`same-cause recall@1 of \`GET /api/conversations/{id}/similar\` (${count(s.conversation)})`, value(s.conversation), '', value(s.baseline_chat), 'text-only', atLeast(AIMS.recall_at_1)),
    higherIsBetter(`same-cause recall@1 of the \`similar\` step event (the early text look-up, by design; ${count(s.event)})`, value(s.event), '', value(s.baseline), 'text-only', null),
    higherIsBetter('pattern consistency, V-measure of true cause vs `pattern_key`', pc.v, '', pc.baseline.v, 'digit-mask loudest line', atLeast(AIMS.v_measure)),
    higherIsBetter(`cited-trace precision, pooled (${count(tp.pooled)})`, value(tp.pooled), '', value(tp.baseline), 'digit-mask loudest line', { text: `= ${AIMS.trace_precision.toFixed(1)}`, min: AIMS.trace_precision }),
    higherIsBetter(`answer recall: named the cause's pattern and cited its traces (${count(report.answer_recall)})`, value(report.answer_recall), '', null, null, null),
  ];
  const families = report.families.map(
    (f) => `| \`${f.family}\` (${f.point}) | ${f.passed}/${f.n} | ${Object.entries(f.failed_checks).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ×${n}`).join(', ') || '—'} |`,
  );
  const failing = report.failing.slice(0, 20).map((f) => `- \`${f.id}\` (${f.cause}): ${f.problems.join('; ') || 'a check failed'} — replay: \`${f.replay}\``);
  const notes = [
    `Generated incidents with **known** root causes (12 causes × 4 templates each, rendered with random services, partners, hosts, versions, times, wordings and sources, over background noise), run through the real pipeline (Postgres, Redis, workers in-process, requests through the ingress app), one after the other so memory accumulates, with feedback on most recurring ones. Seven scenario families, one per point of issue 9; how they are built and scored is in \`bench/quality/README.md\`. This run: seed ${report.seed}, ${report.mode}, ${report.incidents} incidents, ${report.analyses} analyses, ${report.seconds} s.`,
    '',
    `Pattern consistency: homogeneity ${f3(pc.homogeneity)}, completeness ${f3(pc.completeness)} (digit-mask baseline ${f3(pc.baseline.homogeneity)} / ${f3(pc.baseline.completeness)}); render consistency (incidents given their cause's pattern) ${f3(report.render_consistency.value)} (${count(report.render_consistency)}).`,
    '',
    '| family (issue 9 point) | passed | checks that failed |',
    '| --- | ---: | --- |',
    ...families,
    '',
    report.failing.length === 0 ? 'No failing case.' : `Failing cases (${report.failing.length}${report.failing.length > 20 ? ', the first 20' : ''}; every case with its checks is in \`bench/results/quality.json\`):`,
    ...failing,
  ].join('\n');
  return {
    name: 'quality',
    title: 'Answer quality',
    command: options.command,
    mode: options.mode,
    figures,
    chart: 'docs/charts/quality.svg',
    notes,
    data: report,
  };
}
