// The quality chart: each headline figure of loglore next to its baseline and its aim, as a
// hand-written SVG string (no dependency), like bench/mining/chart.ts.

export interface QualityBar {
  label: string;
  loglore: number | null;
  baseline: number | null;
  aim: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderQualityChart(rows: readonly QualityBar[], title: string, subtitle: string): string {
  const left = 250;
  const top = 58;
  const rowH = 46;
  const plotW = 330;
  const width = left + plotW + 90;
  const height = top + rows.length * rowH + 24;
  const x = (v: number) => left + v * plotW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="600">${esc(title)}</text>`,
    `<text x="10" y="38" fill="#4b5563">${esc(subtitle)}</text>`,
    `<rect x="${left}" y="44" width="10" height="10" fill="#2563eb"/><text x="${left + 14}" y="53">loglore</text>`,
    `<rect x="${left + 70}" y="44" width="10" height="10" fill="#9ca3af"/><text x="${left + 84}" y="53">baseline</text>`,
    `<line x1="${left + 160}" x2="${left + 160}" y1="43" y2="55" stroke="#dc2626" stroke-width="2"/><text x="${left + 166}" y="53">aim</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = i / 4;
    parts.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${top}" y2="${top + rows.length * rowH}" stroke="#e5e7eb"/>`, `<text x="${x(v)}" y="${top + rows.length * rowH + 14}" text-anchor="middle" fill="#374151">${v.toFixed(2)}</text>`);
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH + 6;
    parts.push(`<text x="${left - 8}" y="${y + 18}" text-anchor="end">${esc(r.label)}</text>`);
    const bar = (value: number | null, dy: number, fill: string) =>
      value === null
        ? `<text x="${left + 4}" y="${y + dy + 11}" fill="#6b7280">n/a</text>`
        : `<rect x="${left}" y="${y + dy}" width="${Math.max(1, value * plotW).toFixed(1)}" height="14" fill="${fill}"/><text x="${x(value) + 5}" y="${y + dy + 11}">${value.toFixed(3)}</text>`;
    parts.push(bar(r.loglore, 0, '#2563eb'), bar(r.baseline, 16, '#9ca3af'));
    parts.push(`<line x1="${x(r.aim)}" x2="${x(r.aim)}" y1="${y - 3}" y2="${y + 33}" stroke="#dc2626" stroke-width="2"/>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
