import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatNumber, loadResults, renderReport, section, summaryRows, type StoredResult } from './report.ts';
import { higherIsBetter, lowerIsBetter, ratioAtLeast } from './results.ts';
import { discoverBenches } from './benches.ts';
import { parseRunnerArgs, selectBenches } from './runner.ts';

const machine = { cpus: 2, memory_gib: 24, node: 'v20.20.2' };

const fanout: StoredResult = {
  name: 'fanout',
  title: 'Fan-out to 50 subscribers',
  command: 'npx tsx bench/fanout/run.ts',
  mode: 'quick',
  figures: [
    lowerIsBetter('publish → SSE client p99, 50 clients', 12.5, 'ms', 2.5, 'bare ioredis publish → subscribe', { text: '≤ 10 ms', max: 10 }),
    lowerIsBetter('publish → subscriber p99, 50 pub/sub connections', 3, 'ms', 2.5, 'bare ioredis publish → subscribe', { text: '≤ 10 ms', max: 10 }),
  ],
  chart: 'docs/charts/fanout.svg',
  notes: 'Measured in one process.\n\n| a | b |\n| --- | --- |\n| 1 | 2 |',
  measured_at: '2031-02-28T23:59:30.000Z',
  machine,
};

const ingest: StoredResult = {
  name: 'ingest',
  title: 'Log ingestion',
  command: 'npx tsx bench/ingest/run.ts --full',
  mode: 'full',
  figures: [
    ratioAtLeast(higherIsBetter('streamed ingest', 78_259, 'lines/s', 84_109, 'raw COPY', null), 0.85),
    higherIsBetter('per-body ingest | one COPY', 49_325.4, 'lines/s', null, null, null),
  ],
  chart: null,
  notes: '',
  measured_at: '2026-11-25T10:00:00.000Z',
  machine,
};

describe('the BENCHMARKS.md generator', () => {
  it('gives one summary row per figure, with baseline, ratio, aim and whether it was met', () => {
    expect(summaryRows([fanout, ingest])).toEqual([
      '| [fanout](#bench-fanout) | publish → SSE client p99, 50 clients | **12.5 ms** | 2.5 ms (bare ioredis publish → subscribe) | 5 | ≤ 10 ms | **no** |',
      '| [fanout](#bench-fanout) | publish → subscriber p99, 50 pub/sub connections | **3 ms** | 2.5 ms (bare ioredis publish → subscribe) | 1.2 | ≤ 10 ms | yes |',
      '| [ingest](#bench-ingest) | streamed ingest | **78,259 lines/s** | 84,109 lines/s (raw COPY) | 0.93 | ratio ≥ 0.85 | yes |',
      '| [ingest](#bench-ingest) | per-body ingest \\| one COPY | **49,325 lines/s** | — | — | — | — |',
    ]);
  });

  it('gives each bench a section with its command, mode, date, chart and notes', () => {
    const text = section(fanout);
    expect(text).toContain('<a id="bench-fanout"></a>\n## Fan-out to 50 subscribers');
    expect(text).toContain('`npx tsx bench/fanout/run.ts` — quick run, measured 2031-02-28 on 2 cores, 24 GiB, Node v20.20.2; 1 of 2 aims met.');
    expect(text).toContain('![Fan-out to 50 subscribers](docs/charts/fanout.svg)');
    expect(text).toContain('| a | b |\n| --- | --- |\n| 1 | 2 |');
    const noChart = section(ingest);
    expect(noChart).not.toContain('![');
    expect(noChart).toContain('full run, measured 2026-11-25');
  });

  it('puts the header first and the footer last, and names the quick runs', () => {
    const report = renderReport([fanout, ingest], { header: '# Benchmarks\n\nIntro.\n', footer: '## History\n\nOlder figures.\n', missing: ['pipeline'] });
    expect(report.startsWith('# Benchmarks\n\nIntro.\n\n| bench | claim | figure | baseline in the same run | ratio | aim | met? |\n')).toBe(true);
    expect(report.endsWith('## History\n\nOlder figures.\n')).toBe(true);
    expect(report).toContain('No result yet (`npm run bench -- --only pipeline`): `pipeline`.');
    expect(report).toContain('Quick runs (smaller sizes, fewer rounds; `npm run bench -- --full` for the real figures): `fanout`.');
    expect(report.indexOf('## Fan-out')).toBeLessThan(report.indexOf('## Log ingestion'));
    expect(report).not.toMatch(/\n{3}/);
  });

  it('formats numbers as people read them', () => {
    expect([formatNumber(1234567.8), formatNumber(12.345), formatNumber(1.2345), formatNumber(0.96234), formatNumber(0)]).toEqual(['1,234,568', '12.3', '1.23', '0.962', '0']);
  });

  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-results-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every result file and names one that is not a result', () => {
    writeFileSync(path.join(dir, 'fanout.json'), JSON.stringify(fanout));
    writeFileSync(path.join(dir, 'ingest.json'), JSON.stringify(ingest));
    expect(loadResults(dir).map((r) => r.name)).toEqual(['fanout', 'ingest']);
    writeFileSync(path.join(dir, 'old.json'), JSON.stringify({ benchmark: 'old', mean_ga: 0.9 }));
    expect(() => loadResults(dir)).toThrow(/bench\/results\/old\.json is not a benchmark result/);
  });
});

describe('the bench runner', () => {
  it('parses quick, full, only and report', () => {
    expect(parseRunnerArgs([])).toEqual({ full: false, only: null, reportOnly: false, list: false });
    expect(parseRunnerArgs(['--full', '--only', 'mining,params'])).toMatchObject({ full: true, only: ['mining', 'params'] });
    expect(parseRunnerArgs(['--only=window', '--report'])).toMatchObject({ only: ['window'], reportOnly: true });
    expect(() => parseRunnerArgs(['--fast'])).toThrow(/unknown argument --fast/);
  });

  it('finds every bench directory with a run.ts, with its optional time estimates', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'bench-dirs-'));
    try {
      for (const name of ['zeta', 'alpha', 'lib', 'results']) mkdirSync(path.join(root, name));
      writeFileSync(path.join(root, 'zeta/run.ts'), '');
      writeFileSync(path.join(root, 'alpha/run.ts'), '');
      writeFileSync(path.join(root, 'alpha/bench.json'), JSON.stringify({ quick_seconds: 20, full_seconds: 300 }));
      const benches = discoverBenches(root);
      expect(benches.map((b) => [b.name, b.quickSeconds, b.fullSeconds])).toEqual([
        ['alpha', 20, 300],
        ['zeta', null, null],
      ]);
      expect(selectBenches(benches, ['zeta']).map((b) => b.name)).toEqual(['zeta']);
      expect(() => selectBenches(benches, ['nope'])).toThrow('no bench named nope; benches: alpha, zeta');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
