// A grouped bar chart of grouping accuracy per system, as a hand-written SVG string.

export interface GaBar {
  system: string;
  miner: number;
  baseline: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Renders per-system GA of the miner against the baseline, with both means as the last group. */
export function renderGaChart(rows: readonly GaBar[], title: string): string {
  const mean = (f: (r: GaBar) => number) => rows.reduce((s, r) => s + f(r), 0) / Math.max(rows.length, 1);
  const all = [...rows, { system: 'mean', miner: mean((r) => r.miner), baseline: mean((r) => r.baseline) }];
  const left = 48;
  const top = 44;
  const plotH = 240;
  const group = 46;
  const bar = 17;
  const width = left + all.length * group + 16;
  const height = top + plotH + 70;
  const y = (v: number) => top + plotH - v * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="18" font-size="14" font-weight="600">${esc(title)}</text>`,
    `<rect x="${left}" y="26" width="10" height="10" fill="#2563eb"/><text x="${left + 14}" y="35">loglore miner</text>`,
    `<rect x="${left + 110}" y="26" width="10" height="10" fill="#9ca3af"/><text x="${left + 124}" y="35">digit-mask baseline</text>`,
  );
  for (let i = 0; i <= 5; i++) {
    const v = i / 5;
    parts.push(
      `<line x1="${left}" x2="${width - 8}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#374151">${v.toFixed(1)}</text>`,
    );
  }
  all.forEach((r, i) => {
    const x = left + i * group + 5;
    const bold = r.system === 'mean' ? ' font-weight="600"' : '';
    parts.push(
      `<rect x="${x}" y="${y(r.miner)}" width="${bar}" height="${(r.miner * plotH).toFixed(1)}" fill="#2563eb"><title>${esc(r.system)} miner ${r.miner.toFixed(3)}</title></rect>`,
      `<rect x="${x + bar}" y="${y(r.baseline)}" width="${bar}" height="${(r.baseline * plotH).toFixed(1)}" fill="#9ca3af"><title>${esc(r.system)} baseline ${r.baseline.toFixed(3)}</title></rect>`,
      `<text transform="translate(${x + bar} ${top + plotH + 10}) rotate(45)" fill="#111827"${bold}>${esc(r.system)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
