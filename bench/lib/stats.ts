/** Small helpers shared by the benchmarks. */

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function summarize(latenciesMs: readonly number[]) {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { n: sorted.length, p50: round(percentile(sorted, 50)), p90: round(percentile(sorted, 90)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? Number.NaN) };
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function table(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return '';
  const keys = Object.keys(rows[0]!);
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(keys), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(keys.map((k) => String(r[k]))))].join('\n');
}

/** A horizontal bar chart as a standalone SVG (no dependency), for BENCHMARKS.md. */
export function barChartSvg(title: string, bars: { label: string; value: number; note?: string }[], unit: string): string {
  const width = 640;
  const rowH = 28;
  const left = 200;
  const max = Math.max(...bars.map((b) => b.value), 1e-9);
  const height = 50 + bars.length * rowH;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const rows = bars
    .map((b, i) => {
      const y = 40 + i * rowH;
      const w = Math.max(1, ((width - left - 120) * b.value) / max);
      return `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text><rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="20" fill="${i % 2 ? '#7aa6d8' : '#2f6db3'}"/><text x="${left + w + 6}" y="${y + 15}">${esc(`${b.value.toLocaleString('en-US')} ${unit}${b.note ? ` ${b.note}` : ''}`)}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13"><rect width="100%" height="100%" fill="white"/><text x="10" y="22" font-size="15" font-weight="bold">${esc(title)}</text>\n${rows}\n</svg>\n`;
}
