import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { analyze, analyzeTemplates, hintsOf, type LogEvent, type Parameters } from '@loglore/core';
import { CAUSE_SPECS, CAUSES, renderIncident, type Cause, type RenderOptions } from '../../../core/src/analysis/incidents.fixture.ts';
import { queryRows } from '../client.ts';
import { TEST_BACKENDS, type BackendTestDatabase } from '../testing.ts';
import { readTemplateEvidence } from './evidence.ts';
import { insertLogEvents, readWindowEvidence } from './logs.ts';

interface Case {
  name: string;
  cause: Cause | null;
  seed: number;
  options?: RenderOptions;
  /** Hints the request adds to the rendered parameters. */
  hints?: (incident: ReturnType<typeof renderIncident>) => Partial<Parameters>;
}

/** Incidents and questions of every kind the analysis treats differently: plain, focused by service or trace, asked with words and codes, without a baseline, two causes at once. */
function cases(): Case[] {
  const out: Case[] = [];
  for (const cause of [...CAUSES, null]) {
    for (let seed = 1; seed <= 3; seed++) {
      out.push({ name: `${cause} #${seed}`, cause, seed });
      if (!cause) continue;
      const spec = CAUSE_SPECS[cause];
      out.push({ name: `${cause} #${seed}, its service named`, cause, seed, hints: () => ({ services: [spec.services[0]!] }) });
      out.push({ name: `${cause} #${seed}, another service named`, cause, seed, hints: () => ({ services: ['payments-api'] }) });
      out.push({ name: `${cause} #${seed}, a failing trace named`, cause, seed, hints: (i) => ({ trace_ids: [[...i.failingTraceIds][seed]!] }) });
      out.push({ name: `${cause} #${seed}, words and a code`, cause, seed, hints: () => ({ keywords: ['transfer', 'timeout', 'pool'], error_codes: ['504'] }) });
      out.push({ name: `${cause} #${seed}, no baseline`, cause, seed, options: { noBaseline: true } });
      const other = CAUSES[(CAUSES.indexOf(cause) + 1) % CAUSES.length]!;
      out.push({ name: `${cause} #${seed} with ${other}`, cause, seed, options: { also: [{ cause: other, volume: 15 }] }, hints: () => ({ domain: 'transactions' }) });
    }
  }
  return out;
}

describe.each(TEST_BACKENDS)('the analysis from aggregates on %s', (_name, open) => {
  let database: BackendTestDatabase;
  beforeAll(async () => (database = await open()));
  afterAll(() => database.drop());

  it('concludes exactly what analysing the rows of the same evidence concludes, for every kind of incident and question', async () => {
    const all = cases();
    let focused = 0;
    for (const [i, c] of all.entries()) {
      const project = `evidence-${i}`;
      const incident = renderIncident(c.cause, c.seed, c.options);
      const place = (e: LogEvent) => ({ ...e, project });
      await insertLogEvents(database.db, [...incident.baseline, ...incident.events].map(place));
      const parameters: Parameters = { ...incident.parameters, project, ...c.hints?.(incident) };
      const from = new Date(parameters.time_range.from);
      const to = new Date(parameters.time_range.to);
      const windows = { project, env: parameters.env, baselineFrom: new Date(2 * from.getTime() - to.getTime()), from, to };
      const question = 'what is failing?';

      const rows = await readWindowEvidence(database.db, windows);
      const expected = analyze({ question, parameters, ...rows, similar: [], knownPatterns: () => undefined });
      const hints = hintsOf(parameters);
      if (hints.services.size + hints.traceIds.size > 0) focused++;
      const read = await readTemplateEvidence(database.db, windows, { services: [...hints.services], traceIds: [...hints.traceIds] });
      expect(read.untemplated, c.name).toBe(false);
      if (read.untemplated) continue;
      const actual = analyzeTemplates({ question, parameters, read: read.read, similar: [], knownPatterns: () => undefined });
      expect(actual, c.name).toEqual(expected);
      // Not vacuous: the cause is found, and the read holds no rows beyond its bounds.
      if (c.cause) expect(expected.pattern_key, c.name).not.toBeNull();
      expect(read.read.samples.length, c.name).toBeLessThanOrEqual(25 * new Set(read.read.aggregates.map((a) => a.templateId)).size);
    }
    expect(focused).toBeGreaterThan(20);
  }, 240_000);

  it('follows the newest 1,000 traces of a busy hinted service alike on both paths', async () => {
    const project = 'evidence-busy';
    const from = Date.parse('2026-06-01T10:00:00.000Z');
    const to = from + 30 * 60_000;
    const events: LogEvent[] = [];
    const at = (ms: number, service: string, message: string, trace: string): LogEvent => ({
      ts: new Date(ms).toISOString(), project, env: 'prod', domain: null, service, level: 'error', trace_id: trace, message, attrs: {},
    });
    for (let i = 0; i < 1_500; i++) {
      const ms = from + i * 1_000;
      const trace = `trace${String(i).padStart(5, '0')}`;
      // The oldest 500 traces also show a database error logged first: a downstream cause, but
      // only in traces older than the newest 1,000.
      if (i < 500) events.push(at(ms - 100, 'ledger-db', `deadlock detected on relation ledger_${i % 7}`, trace));
      events.push(at(ms, 'payments-api', `payment ${i} failed: upstream error`, trace));
    }
    await insertLogEvents(database.db, events);
    const parameters: Parameters = {
      project, env: 'prod', domain: null, time_range: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
      trace_ids: [], request_ids: [], transaction_ids: [], services: ['payments-api'], http_status: [], error_codes: [], keywords: [],
    };
    const windows = { project, env: 'prod', baselineFrom: new Date(2 * from - to), from: new Date(from), to: new Date(to) };
    const rows = await readWindowEvidence(database.db, windows);
    const expected = analyze({ question: 'payments failing?', parameters, ...rows, similar: [], knownPatterns: () => undefined });
    const read = await readTemplateEvidence(database.db, windows, { services: ['payments-api'], traceIds: [] });
    if (read.untemplated) throw new Error('expected fingerprints');
    expect(read.read.focus?.hintedTraces).toBe(1_000);
    expect(analyzeTemplates({ question: 'payments failing?', parameters, read: read.read, similar: [], knownPatterns: () => undefined })).toEqual(expected);
    // None of the newest 1,000 traces holds the database error: no downstream lead, the hinted failure stands.
    expect(expected.dominant?.template).toContain('payment');
    expect(expected.scope?.linked_error_event_count).toBe(0);
  });

  it('says when the windows hold error-like rows stored without a fingerprint, which only their rows can analyse', async () => {
    const incident = renderIncident('db_pool', 9);
    const project = 'evidence-untemplated';
    await insertLogEvents(database.db, [...incident.baseline, ...incident.events].map((e) => ({ ...e, project })));
    const from = new Date(incident.parameters.time_range.from);
    const to = new Date(incident.parameters.time_range.to);
    const windows = { project, env: incident.parameters.env, baselineFrom: new Date(2 * from.getTime() - to.getTime()), from, to };
    expect((await readTemplateEvidence(database.db, windows, { services: [], traceIds: [] })).untemplated).toBe(false);
    // A row as migration 0012 left the events stored before it.
    const [row] = await queryRows<{ n: number }>(
      database.db,
      sql`with one as (select ts, id from log_events where project = ${project} and error_like order by ts limit 1)
          update log_events e set template_id = null from one where e.ts = one.ts and e.id = one.id returning 1 as n`,
    );
    expect(row?.n).toBe(1);
    expect((await readTemplateEvidence(database.db, windows, { services: [], traceIds: [] })).untemplated).toBe(true);
  });
});
