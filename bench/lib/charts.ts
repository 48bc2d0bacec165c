// Grouped horizontal bars as a standalone SVG string (no dependency, nothing loaded when the
// page is shown), for BENCHMARKS.md: one group per measured size or percentile, one bar per
// series (loglore and its baselines), each labelled with its value.

export interface ChartSeries {
  name: string;
  color: string;
}

export interface ChartGroup {
  label: string;
  /** One value per series, in the order of `series`; null where a series was not measured. */
  values: (number | null)[];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const SERIES_COLORS = { loglore: '#2563eb', loglore2: '#60a5fa', baseline: '#9ca3af', baseline2: '#d1d5db' } as const;

export function groupedBarChartSvg(title: string, subtitle: string, series: readonly ChartSeries[], groups: readonly ChartGroup[], unit: string): string {
  const left = 120;
  const plotW = 420;
  const barH = 14;
  const groupH = series.length * (barH + 3) + 14;
  const width = left + plotW + 150;
  // The legend wraps onto more rows rather than run past the right edge.
  const legend: { x: number; row: number }[] = [];
  let legendX = left;
  let row = 0;
  for (const s of series) {
    const w = 24 + s.name.length * 6.5;
    if (legendX > left && legendX + w > width - 10) {
      legendX = left;
      row++;
    }
    legend.push({ x: legendX, row });
    legendX += w;
  }
  const top = 66 + row * 16;
  const height = top + groups.length * groupH + 10;
  const max = Math.max(1e-9, ...groups.flatMap((g) => g.values.filter((v): v is number => v !== null)));
  const fmt = (v: number) => `${v.toLocaleString('en-US', { maximumFractionDigits: v >= 100 ? 0 : v >= 10 ? 1 : 2 })} ${unit}`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="600">${esc(title)}</text>`,
    `<text x="10" y="38" fill="#4b5563">${esc(subtitle)}</text>`,
  ];
  series.forEach((s, k) => {
    const { x, row: r } = legend[k]!;
    parts.push(`<rect x="${x}" y="${46 + r * 16}" width="10" height="10" fill="${s.color}"/><text x="${x + 14}" y="${55 + r * 16}">${esc(s.name)}</text>`);
  });
  groups.forEach((g, i) => {
    const y0 = top + i * groupH;
    parts.push(`<text x="${left - 8}" y="${y0 + (series.length * (barH + 3)) / 2 + 4}" text-anchor="end" font-weight="600">${esc(g.label)}</text>`);
    series.forEach((s, k) => {
      const v = g.values[k] ?? null;
      const y = y0 + k * (barH + 3);
      if (v === null) {
        parts.push(`<text x="${left + 4}" y="${y + 11}" fill="#6b7280">not measured</text>`);
        return;
      }
      const w = Math.max(1, (v / max) * plotW);
      parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${s.color}"><title>${esc(`${s.name}: ${fmt(v)}`)}</title></rect>`, `<text x="${(left + w + 5).toFixed(1)}" y="${y + 11}">${esc(fmt(v))}</text>`);
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
