/**
 * BENCHMARKS.md from `bench/results/*.json`: a summary table of every figure (claim, figure,
 * same-run baseline, ratio, aim, met) and one section per benchmark with its command, when
 * and where it was measured, its chart and its notes, between the hand-written
 * `bench/report/header.md` and `bench/report/footer.md` (the history and caveats no script
 * measures any more).
 *
 * Nothing here measures anything: the generator only lays out what the scripts wrote, so a
 * figure in BENCHMARKS.md is always one a script measured.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { discoverBenches } from './benches.ts';
import { REPO_ROOT } from './results.ts';

const Figure = z.object({
  claim: z.string(),
  value: z.number(),
  unit: z.string(),
  baseline: z.number().nullable(),
  baseline_label: z.string().nullable(),
  ratio: z.number().nullable(),
  aim: z.string().nullable(),
  met: z.boolean().nullable(),
});

/** A result as `writeResult` stores it (the BenchResult plus when and where it was measured). */
export const StoredResult = z.object({
  name: z.string(),
  title: z.string(),
  command: z.string(),
  mode: z.enum(['quick', 'full']),
  figures: z.array(Figure),
  chart: z.string().nullable(),
  notes: z.string(),
  data: z.unknown().optional(),
  measured_at: z.string(),
  machine: z.object({ cpus: z.number(), memory_gib: z.number(), node: z.string() }),
});
export type StoredResult = z.infer<typeof StoredResult>;

export const RESULTS_DIR = path.join(REPO_ROOT, 'bench/results');
export const REPORT_PATH = path.join(REPO_ROOT, 'BENCHMARKS.md');
const HEADER_PATH = path.join(REPO_ROOT, 'bench/report/header.md');
const FOOTER_PATH = path.join(REPO_ROOT, 'bench/report/footer.md');

/** Reads every result file, by name; a file that is not a result is an error naming it. */
export function loadResults(dir = RESULTS_DIR): StoredResult[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  return files.map((file) => {
    const parsed = StoredResult.safeParse(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    if (!parsed.success) throw new Error(`bench/results/${file} is not a benchmark result: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  });
}

/** A number as people read it: thousands separated, at most three significant decimals. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

const withUnit = (value: number, unit: string) => (unit === '' ? formatNumber(value) : unit === '%' ? `${formatNumber(value)} %` : `${formatNumber(value)} ${unit}`);
/** Table cells hold no pipes or line breaks. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const anchor = (name: string) => `bench-${name}`;

function metCell(met: boolean | null): string {
  if (met === null) return '—';
  return met ? 'yes' : '**no**';
}

/** One row of the summary table per figure, in the order the benchmarks and their figures come. */
export function summaryRows(results: readonly StoredResult[]): string[] {
  return results.flatMap((r) =>
    r.figures.map((f) => {
      const baseline = f.baseline === null ? '—' : `${withUnit(f.baseline, f.unit)}${f.baseline_label ? ` (${f.baseline_label})` : ''}`;
      const ratio = f.ratio === null ? '—' : formatNumber(f.ratio);
      return `| [${cell(r.name)}](#${anchor(r.name)}) | ${cell(f.claim)} | **${cell(withUnit(f.value, f.unit))}** | ${cell(baseline)} | ${ratio} | ${cell(f.aim ?? '—')} | ${metCell(f.met)} |`;
    }),
  );
}

/** The section of one benchmark: heading, command, when and where, chart, notes. */
export function section(r: StoredResult): string {
  const date = r.measured_at.slice(0, 10);
  const missed = r.figures.filter((f) => f.met === false).length;
  const aims = r.figures.filter((f) => f.met !== null).length;
  const lines = [
    `<a id="${anchor(r.name)}"></a>`,
    `## ${r.title}`,
    '',
    `\`${r.command}\` — ${r.mode} run, measured ${date} on ${r.machine.cpus} cores, ${r.machine.memory_gib} GiB, Node ${r.machine.node}` +
      (aims > 0 ? `; ${aims - missed} of ${aims} aims met.` : '.'),
    '',
  ];
  if (r.chart !== null) lines.push(`![${r.title}](${r.chart})`, '');
  if (r.notes.trim() !== '') lines.push(r.notes.trim(), '');
  return lines.join('\n');
}

export interface ReportParts {
  header: string;
  footer: string;
  /** Benches that have a run.ts but no result file yet. */
  missing?: readonly string[];
}

/** The whole of BENCHMARKS.md. */
export function renderReport(results: readonly StoredResult[], parts: ReportParts): string {
  const quick = results.filter((r) => r.mode === 'quick').map((r) => r.name);
  const out = [parts.header.trim(), ''];
  out.push('| bench | claim | figure | baseline in the same run | ratio | aim | met? |', '| --- | --- | ---: | --- | ---: | --- | --- |', ...summaryRows(results), '');
  if (parts.missing?.length) out.push(`No result yet (\`npm run bench -- --only ${parts.missing.join(',')}\`): ${parts.missing.map((n) => `\`${n}\``).join(', ')}.`, '');
  if (quick.length > 0) out.push(`Quick runs (smaller sizes, fewer rounds; \`npm run bench -- --full\` for the real figures): ${quick.map((n) => `\`${n}\``).join(', ')}.`, '');
  for (const r of results) out.push(section(r));
  if (parts.footer.trim() !== '') out.push(parts.footer.trim(), '');
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/** The report of what `bench/results/` holds now, with the repository's header and footer. */
export function renderRepositoryReport(): string {
  const results = loadResults();
  const missing = discoverBenches().map((b) => b.name).filter((name) => !results.some((r) => r.name === name));
  return renderReport(results, { header: readFileSync(HEADER_PATH, 'utf8'), footer: readFileSync(FOOTER_PATH, 'utf8'), missing });
}
