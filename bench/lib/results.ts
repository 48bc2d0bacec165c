/**
 * The one shape every benchmark writes to `bench/results/<name>.json`; `BENCHMARKS.md` is
 * generated from these files (`npm run bench -- --report`), so a figure in it is always one a
 * script measured, next to the baseline it ran against in the same run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** One measured claim: loglore's figure, the same-run baseline and their ratio. */
export interface BenchFigure {
  claim: string;
  value: number;
  unit: string;
  /** What loglore is compared with, measured in the same run; null when there is none. */
  baseline: number | null;
  baseline_label: string | null;
  /** value / baseline, or baseline / value where smaller is better (say so in `claim`). */
  ratio: number | null;
  /** The aim, as text ("≥ 0.3", "≤ 5 ms"); null when there is none. */
  aim: string | null;
  met: boolean | null;
}

export interface BenchResult {
  name: string;
  title: string;
  /** The command that reproduces it. */
  command: string;
  mode: 'quick' | 'full';
  figures: BenchFigure[];
  /** Repository-relative path of the SVG chart the script wrote. */
  chart: string | null;
  /** Markdown: how it was measured, what limits it. */
  notes: string;
  /** Anything else worth keeping (series behind the chart, raw timings). */
  data?: unknown;
}

/** Writes `bench/results/<name>.json` (with when and where it was measured) and, given one, the chart. */
export function writeResult(result: BenchResult, chartSvg?: string): string {
  const dir = path.join(REPO_ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  if (chartSvg !== undefined && result.chart !== null) {
    const chartPath = path.join(REPO_ROOT, result.chart);
    mkdirSync(path.dirname(chartPath), { recursive: true });
    writeFileSync(chartPath, chartSvg);
  }
  const file = path.join(dir, `${result.name}.json`);
  const stamped = {
    ...result,
    measured_at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, memory_gib: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  };
  writeFileSync(file, `${JSON.stringify(stamped, null, 2)}\n`);
  return file;
}

/** The mode `npm run bench` asked for: `--full` on the command line, quick otherwise. */
export function benchMode(argv: readonly string[] = process.argv.slice(2)): 'quick' | 'full' {
  return argv.includes('--full') ? 'full' : 'quick';
}

/** A figure whose aim is on its ratio to the baseline ("ratio ≥ 0.85"), not on its value. */
export function ratioAtLeast(figure: BenchFigure, min: number): BenchFigure {
  return { ...figure, aim: `ratio ≥ ${min}`, met: figure.ratio === null ? null : figure.ratio >= min };
}

/** A figure where bigger is better: ratio = value / baseline. */
export function higherIsBetter(claim: string, value: number, unit: string, baseline: number | null, baselineLabel: string | null, aim: { text: string; min: number } | null): BenchFigure {
  const ratio = baseline ? value / baseline : null;
  return { claim, value, unit, baseline, baseline_label: baselineLabel, ratio, aim: aim?.text ?? null, met: aim ? value >= aim.min : null };
}

/** A figure where smaller is better (latency, memory): ratio = value / baseline (how many times the baseline it costs). */
export function lowerIsBetter(claim: string, value: number, unit: string, baseline: number | null, baselineLabel: string | null, aim: { text: string; max: number } | null): BenchFigure {
  const ratio = baseline ? value / baseline : null;
  return { claim, value, unit, baseline, baseline_label: baselineLabel, ratio, aim: aim?.text ?? null, met: aim ? value <= aim.max : null };
}
