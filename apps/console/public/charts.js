// Hand-drawn SVG: the errors-per-bucket timeline and the patterns' sparklines.
import { h, s, fmtTime } from './dom.js';

/** Bars of errors per bucket, the baseline window's errors as a faint series behind them. */
export function timelineChart({ buckets = [], baseline = [], bucket_seconds: bucketSeconds }) {
  const width = 720;
  const height = 180;
  const pad = { left: 36, right: 8, top: 10, bottom: 24 };
  const n = Math.max(buckets.length, 1);
  const max = Math.max(1, ...buckets.map((b) => b.errors), ...baseline.map((b) => b.errors));
  const bw = (width - pad.left - pad.right) / n;
  const y = (v) => pad.top + (height - pad.top - pad.bottom) * (1 - v / max);
  const peak = buckets.reduce((best, b) => (b.errors > (best?.errors ?? -1) ? b : best), null);
  const baseBars = baseline.slice(0, n).map((b, i) =>
    s('rect', { class: 'baseline', x: pad.left + i * bw + bw * 0.1, y: y(b.errors), width: bw * 0.8, height: height - pad.bottom - y(b.errors) }),
  );
  const bars = buckets.map((b, i) =>
    s(
      'rect',
      { class: b === peak && b.errors > 0 ? 'bar peak' : 'bar', x: pad.left + i * bw + bw * 0.2, y: y(b.errors), width: bw * 0.6, height: height - pad.bottom - y(b.errors) },
      s('title', {}, `${fmtTime(b.at)}: ${b.errors} errors of ${b.events} events${baseline[i] ? `; baseline ${baseline[i].errors}` : ''}`),
    ),
  );
  const first = buckets[0];
  const lastBucket = buckets[buckets.length - 1];
  const svg = s(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, class: 'timeline', role: 'img', 'aria-labelledby': 'timeline-title' },
    s('title', { id: 'timeline-title' }, `Errors per ${bucketSeconds ?? '?'} s bucket; peak ${peak?.errors ?? 0} at ${fmtTime(peak?.at)}; baseline as faint bars`),
    s('line', { class: 'axis', x1: pad.left, y1: height - pad.bottom, x2: width - pad.right, y2: height - pad.bottom }),
    s('text', { class: 'tick', x: pad.left - 4, y: y(max) + 4, 'text-anchor': 'end' }, String(max)),
    s('text', { class: 'tick', x: pad.left - 4, y: height - pad.bottom, 'text-anchor': 'end' }, '0'),
    baseBars,
    bars,
    first ? s('text', { class: 'tick', x: pad.left, y: height - 6 }, fmtTime(first.at).slice(11, 16)) : null,
    lastBucket ? s('text', { class: 'tick', x: width - pad.right, y: height - 6, 'text-anchor': 'end' }, fmtTime(lastBucket.at).slice(11, 16)) : null,
  );
  return h('figure', { class: 'chart' }, svg, h('figcaption', {}, h('span', { class: 'key bar' }), ' errors  ', h('span', { class: 'key baseline' }), ' baseline (the window before)'));
}

/** A small line of counts per day. */
export function sparkline(daily = [], label = 'occurrences per day', size = 'small') {
  const width = 100;
  const height = 24;
  if (!daily.length) return h('span', { class: 'muted' }, '—');
  const max = Math.max(1, ...daily.map((d) => d.count));
  const step = daily.length > 1 ? width / (daily.length - 1) : 0;
  const points = daily.map((d, i) => `${(i * step).toFixed(1)},${(height - 2 - (height - 4) * (d.count / max)).toFixed(1)}`).join(' ');
  const total = daily.reduce((sum, d) => sum + d.count, 0);
  return s(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, class: `spark ${size}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': `${label}: ${total} over ${daily.length} days` },
    s('polyline', { points, fill: 'none', 'vector-effect': 'non-scaling-stroke' }),
  );
}
