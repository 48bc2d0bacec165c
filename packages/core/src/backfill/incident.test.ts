import { describe, expect, it } from 'vitest';
import { incidentIdempotencyKey, parseIncidentBody, parseIncidentLine } from './incident.ts';

const INCIDENT = {
  occurred_at: '2026-03-02T10:15:00Z',
  text: 'NPSB transfers timing out in prod',
  project: 'payments',
  env: 'prod',
  domain: 'npsb',
  trace_ids: ['4bf92f3577b34da6a3ce929d0e0e4736'],
  error_pattern: 'DB_POOL_EXHAUSTED',
  resolution: 'Raised the pool size to 50 and restarted transfer-api',
  resolved: true,
  logs: [
    { ts: '2026-03-02T10:14:58Z', level: 'error', message: 'HikariPool-1 - Connection is not available, request timed out after 30000ms', service: 'transfer-api' },
    '2026-03-02T10:14:59Z ERROR transfer-api timeout calling npsb gateway',
  ],
};

function parseOne(value: unknown, line = 1) {
  const result = parseIncidentLine(JSON.stringify(value), line);
  if (!result.ok) throw new Error(result.error);
  return result.incident;
}

describe('backfill incident lines', () => {
  it('a complete incident keeps its scope, time, known outcome and normalised logs', () => {
    const incident = parseOne(INCIDENT, 7);
    expect(incident).toMatchObject({
      line: 7,
      text: 'NPSB transfers timing out in prod',
      project: 'payments',
      env: 'prod',
      domain: 'npsb',
      metadata: {
        hints: { trace_ids: ['4bf92f3577b34da6a3ce929d0e0e4736'], services: [] },
        known: { error_pattern: 'DB_POOL_EXHAUSTED', resolution: 'Raised the pool size to 50 and restarted transfer-api', outcome: 'resolved' },
      },
    });
    expect(incident.occurredAt.toISOString()).toBe('2026-03-02T10:15:00.000Z');
    expect(incident.logs).toHaveLength(2);
    // Log events take the incident's scope when they do not say theirs.
    expect(incident.logs[0]).toMatchObject({ level: 'error', service: 'transfer-api', project: 'payments', env: 'prod', domain: 'npsb' });
    expect(incident.logs[1]).toMatchObject({ level: 'error', ts: '2026-03-02T10:14:59.000Z', project: 'payments' });
  });

  it('resolved false means the resolution did not work; no flag means nobody said', () => {
    expect(parseOne({ ...INCIDENT, resolved: false }).metadata.known.outcome).toBe('not_resolved');
    const { resolved: _r, error_pattern: _e, resolution: _s, logs: _l, trace_ids: _t, ...minimal } = INCIDENT;
    const incident = parseOne(minimal);
    expect(incident.metadata.known).toEqual({ error_pattern: null, resolution: null, outcome: null });
    expect(incident.logs).toEqual([]);
  });

  it('secrets in the text, the resolution and the logs are redacted before storage', () => {
    const incident = parseOne({
      ...INCIDENT,
      text: 'login failing for ann@example.com',
      resolution: 'rotated password=hunter2hunter2',
      logs: [{ ts: '2026-03-02T10:14:58Z', level: 'error', message: 'auth failed', password: 'hunter2' }],
    });
    expect(incident.text).not.toContain('ann@example.com');
    expect(incident.metadata.known.resolution).not.toContain('hunter2hunter2');
    expect(JSON.stringify(incident.logs)).not.toContain('hunter2');
  });

  it('the key depends on the content only: key order and whitespace do not change it, a changed field does', () => {
    const reordered = Object.fromEntries(Object.entries(INCIDENT).reverse());
    const a = parseIncidentLine(JSON.stringify(INCIDENT), 1);
    const b = parseIncidentLine(`  ${JSON.stringify(reordered, null, 0)}  `, 99);
    const c = parseIncidentLine(JSON.stringify({ ...INCIDENT, occurred_at: '2026-03-02T10:16:00Z' }), 1);
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (!a.ok || !b.ok || !c.ok) return;
    expect(b.incident.idempotencyKey).toBe(a.incident.idempotencyKey);
    expect(c.incident.idempotencyKey).not.toBe(a.incident.idempotencyKey);
    expect(a.incident.idempotencyKey).toBe(incidentIdempotencyKey(INCIDENT));
  });

  it('extra fields are ignored', () => {
    expect(parseOne({ ...INCIDENT, ticket: 'INC-1234', tags: ['p1'] }).text).toBe(INCIDENT.text);
  });

  it('a bad line says what is wrong with it', () => {
    const error = (line: string) => {
      const result = parseIncidentLine(line, 1);
      return result.ok ? null : result.error;
    };
    expect(error('{"occurred_at": ')).toMatch(/^line is not valid JSON/);
    expect(error('[1,2]')).toBe('line must be a JSON object');
    expect(error(JSON.stringify({ ...INCIDENT, occurred_at: 'last tuesday' }))).toMatch(/^occurred_at: must be an ISO-8601 time/);
    expect(error(JSON.stringify({ ...INCIDENT, text: '  ' }))).toBe('text: must not be empty');
    const { env: _env, ...noEnv } = INCIDENT;
    expect(error(JSON.stringify(noEnv))).toMatch(/^env: /);
    expect(error(JSON.stringify({ ...INCIDENT, resolved: 'yes' }))).toMatch(/^resolved: /);
    expect(error(JSON.stringify({ ...INCIDENT, logs: [{ ts: '2026-03-02T10:14:58Z', level: 'error' }] }))).toMatch(/^logs\.0: /);
    expect(error(JSON.stringify({ ...INCIDENT, logs: [42] }))).toMatch(/^logs\.0: each log event must be an object or a log line/);
  });
});

describe('backfill bodies', () => {
  it('good lines are kept, bad ones reported by number, blank ones skipped', () => {
    const body = [JSON.stringify(INCIDENT), '', 'not json', JSON.stringify({ ...INCIDENT, text: 'second' }), '{"text": "x"}'].join('\r\n');
    const { incidents, rejected } = parseIncidentBody(body);
    expect(incidents.map((i) => [i.line, i.text])).toEqual([
      [1, INCIDENT.text],
      [4, 'second'],
    ]);
    expect(rejected.map((r) => r.line)).toEqual([3, 5]);
  });

  it('line numbers count from the first line the client says the body starts at', () => {
    const body = `${JSON.stringify(INCIDENT)}\nnope\n`;
    const { incidents, rejected } = parseIncidentBody(body, 1001);
    expect(incidents[0]!.line).toBe(1001);
    expect(rejected).toEqual([{ line: 1002, error: expect.stringMatching(/not valid JSON/) }]);
  });
});
