/**
 * Readable text for the CLI's output: step events of an analysis and the patterns table.
 * Pure functions of the API's JSON, tolerant of fields a newer server adds or an older one
 * lacks.
 */

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const percent = (v: number) => `${Math.round(v * 100)}%`;

function time(iso: unknown): string | undefined {
  const s = str(iso);
  if (!s) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toISOString().replace('T', ' ').replace(/:\d\d\.\d{3}Z$/, 'Z');
}

function list(values: unknown[], max = 5): string {
  const items = values.map(String);
  return items.length > max ? `${items.slice(0, max).join(', ')} (+${items.length - max})` : items.join(', ');
}

const LABELS: Record<string, string> = {
  params: 'parameters',
  similar: 'similar',
  known_pattern: 'known pattern',
  analysis: 'analysis',
  verification: 'verification',
  completed: 'completed',
  failed: 'failed',
};

/** One step event as a few readable lines: a headline, then indented details. */
export function renderStep(step: string, payload: Json): string[] {
  const head = (text: string) => `${step === 'failed' ? '✖' : '✔'} ${(LABELS[step] ?? step).padEnd(13)} ${text}`.trimEnd();
  const detail = (text: string) => `    ${text}`;
  switch (step) {
    case 'params': {
      const p = obj(payload.parameters);
      const scope = ['project', 'env', 'domain'].map((k) => `${k}=${str(p[k]) ?? '-'}`).join(' ');
      const range = obj(p.time_range);
      const lines = [head(`${scope}  ${time(range.from) ?? '?'} → ${time(range.to) ?? '?'}`)];
      for (const key of ['trace_ids', 'services', 'error_codes', 'http_status', 'keywords']) {
        const values = arr(p[key]);
        if (values.length) lines.push(detail(`${key.replace('_', ' ')}: ${list(values)}`));
      }
      return lines;
    }
    case 'similar': {
      const count = num(payload.count) ?? arr(payload.similar).length;
      if (count === 0) return [head('no similar past analyses')];
      const recent = obj(payload.most_recent);
      const lines = [head(`${count} similar past ${count === 1 ? 'analysis' : 'analyses'}`)];
      for (const s of arr(payload.similar).slice(0, 3).map(obj)) {
        const bits = [time(s.created_at), str(s.error_pattern), str(s.outcome)].filter(Boolean).join(', ');
        lines.push(detail(`${str(s.query_text) ?? '(no text)'}${bits ? `  [${bits}]` : ''}${str(s.resolution) ? ` → ${s.resolution}` : ''}`));
      }
      if (!arr(payload.similar).length && str(recent.query_text)) lines.push(detail(`most recent: ${recent.query_text}`));
      const traces = arr(payload.common_trace_ids);
      if (traces.length) lines.push(detail(`common trace ids: ${list(traces)}`));
      return lines;
    }
    case 'known_pattern': {
      const name = str(payload.pattern) ?? str(payload.error_type) ?? str(payload.pattern_key) ?? 'a known pattern';
      const rate = num(payload.success_rate);
      const votes = (num(payload.success_count) ?? 0) + (num(payload.failure_count) ?? 0);
      const lines = [head(`${name}${rate !== undefined && votes > 0 ? ` — resolutions worked ${percent(rate)} of ${votes}` : ''}`)];
      const causes = arr(payload.typical_causes);
      if (causes.length) lines.push(detail(`typical causes: ${list(causes, 3)}`));
      arr(payload.resolution_steps)
        .slice(0, 5)
        .forEach((s, i) => lines.push(detail(`${i + 1}. ${String(s)}`)));
      return lines;
    }
    case 'analysis': {
      const lines = [head(`${str(payload.summary) ?? 'analysed'}${payload.cached ? ' (cached)' : ''}`)];
      for (const f of arr(payload.findings).slice(0, 8).map(obj)) lines.push(detail(`• ${str(f.title) ?? str(f.kind) ?? JSON.stringify(f)}`));
      if (str(payload.hypothesis)) lines.push(detail(`hypothesis: ${payload.hypothesis}`));
      return lines;
    }
    case 'verification': {
      const confidence = num(payload.confidence) ?? num(payload.confidence_score);
      const bits = [
        confidence !== undefined ? `confidence ${percent(confidence)}` : undefined,
        str(payload.error_pattern) ? `error pattern ${payload.error_pattern}` : undefined,
        arr(payload.dropped).length ? `${arr(payload.dropped).length} unsupported finding(s) dropped` : undefined,
      ].filter(Boolean);
      const lines = [head(bits.join('; ') || 'checked against the evidence')];
      const traces = arr(payload.trace_ids);
      if (traces.length) lines.push(detail(`trace ids: ${list(traces)}`));
      return lines;
    }
    case 'completed': {
      const r = obj(payload.result);
      const lines = [head(str(r.summary) ?? 'done')];
      if (str(r.resolution)) lines.push(detail(`resolution: ${r.resolution}`));
      const confidence = num(r.confidence_score);
      if (confidence !== undefined) lines.push(detail(`confidence: ${percent(confidence)}`));
      if (str(r.request_id)) lines.push(detail(`request: ${r.request_id}`));
      return lines;
    }
    case 'failed':
      return [head(`${str(payload.reason) ?? 'the analysis failed'}${str(payload.step) ? ` (in ${payload.step})` : ''}`)];
    default:
      return [head(JSON.stringify(payload).slice(0, 200))];
  }
}

/** Rows as an aligned text table with a header line. */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The patterns of GET /api/patterns as a table. */
export function renderPatterns(patterns: Json[]): string {
  if (patterns.length === 0) return 'no error patterns yet';
  const rows = patterns.map((p) => {
    const votes = (num(p.success_count) ?? 0) + (num(p.failure_count) ?? 0);
    return [
      str(p.pattern_key) ?? '',
      str(p.error_type) ?? '',
      str(p.domain) ?? '-',
      String(num(p.usage_count) ?? 0),
      votes > 0 ? `${percent(num(p.success_rate) ?? 0)} of ${votes}` : '-',
      time(p.first_seen) ?? '-',
      time(p.last_seen) ?? '-',
      (str(p.template) ?? str(p.title) ?? '').slice(0, 60),
    ];
  });
  return renderTable(['PATTERN', 'TYPE', 'DOMAIN', 'USES', 'SUCCESS', 'FIRST SEEN', 'LAST SEEN', 'TEMPLATE'], rows);
}
