// Hand-drawn SVG: the errors-per-bucket timeline and the patterns' sparklines.
import { h, s, fmtTime } from './dom.js';

/**
 * Bars of errors per bucket, the baseline window's errors as a faint series behind them. Drawn at
 * `width` CSS pixels (the slot's width), so its labels keep their size on a phone.
 */
export function timelineChart({ buckets = [], baseline = [], bucket_seconds: bucketSeconds }, width = 720) {
  const height = width < 480 ? 150 : 180;
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
  const svg = s(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, class: 'timeline', role: 'img', 'aria-labelledby': 'timeline-title' },
    s('title', { id: 'timeline-title' }, `Errors per ${bucketSeconds ?? '?'} s bucket; peak ${peak?.errors ?? 0} at ${fmtTime(peak?.at)}; baseline as faint bars`),
    s('line', { class: 'axis', x1: pad.left, y1: height - pad.bottom, x2: width - pad.right, y2: height - pad.bottom }),
    s('text', { class: 'tick', x: pad.left - 4, y: y(max) + 4, 'text-anchor': 'end' }, String(max)),
    s('text', { class: 'tick', x: pad.left - 4, y: height - pad.bottom, 'text-anchor': 'end' }, '0'),
    baseBars,
    bars,
    timeTicks(buckets, width < 480 ? 3 : 5).map(({ i, label, anchor }) =>
      s('text', { class: 'tick', x: pad.left + (i + 0.5) * bw, y: height - 6, 'text-anchor': anchor }, label),
    ),
  );
  return h('figure', { class: 'chart' }, svg, h('figcaption', {}, h('span', { class: 'key bar' }), ' errors  ', h('span', { class: 'key baseline' }), ' baseline (the window before)'));
}

/** `count` evenly spread bucket positions with their HH:MM labels (the ends anchored inside the chart). */
function timeTicks(buckets, count) {
  if (!buckets.length) return [];
  const last = buckets.length - 1;
  const positions = [...new Set(Array.from({ length: Math.min(count, buckets.length) }, (_, k) => Math.round((k * last) / Math.max(1, count - 1))))];
  return positions.map((i) => ({ i, label: fmtTime(buckets[i].at).slice(11, 16), anchor: i === 0 && last > 0 ? 'start' : i === last && last > 0 ? 'end' : 'middle' }));
}

/** Counts per day as small columns (a day without any shows nothing), oldest first. */
export function sparkline(daily = [], label = 'occurrences per day', size = 'small') {
  if (!daily.length) return h('span', { class: 'muted' }, '—');
  const width = 100;
  const height = 24;
  const max = Math.max(1, ...daily.map((d) => d.count));
  const bw = width / daily.length;
  const total = daily.reduce((sum, d) => sum + d.count, 0);
  const columns = daily.map((d, i) => {
    const barHeight = d.count > 0 ? Math.max(2, (height - 2) * (d.count / max)) : 0;
    return s('rect', { x: (i * bw + bw * 0.15).toFixed(2), y: (height - barHeight).toFixed(2), width: (bw * 0.7).toFixed(2), height: barHeight.toFixed(2) }, s('title', {}, `${d.day}: ${d.count}`));
  });
  const svg = s(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, class: `spark ${size}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': `${label}: ${total} over ${daily.length} days` },
    s('line', { class: 'axis', x1: 0, y1: height - 0.25, x2: width, y2: height - 0.25, 'vector-effect': 'non-scaling-stroke' }),
    columns,
  );
  if (size !== 'large') return svg;
  return h('figure', { class: 'chart' }, svg, h('figcaption', {}, `${daily[0].day} → ${daily[daily.length - 1].day}: ${total} in all, at most ${max} a day`));
}
