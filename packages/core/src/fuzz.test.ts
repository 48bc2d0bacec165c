/**
 * Property-based fuzzing of every parser that reads client input: log bodies (NDJSON, JSON
 * array, plain text, logfmt), backfill NDJSON, Alertmanager and Grafana webhooks, parameter
 * extraction. None may throw, and what they hand on must be storable by Postgres (no NUL, no
 * lone surrogate, instants inside 1000-9999, bounded depth) whatever they were given.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { alertsToRequests, DEFAULT_LABEL_MAPPING, parseAlertNotification, type AlertSource } from './alerts/index.ts';
import { parseIncidentBody } from './backfill/index.ts';
import { iterateLogBody } from './logs/index.ts';
import { extractParameters } from './params/index.ts';
import { redactLogEvent } from './redact/index.ts';
import { LogEvent, Parameters } from './schemas.ts';
import { findUnstorable, instantInRange, storableText, textProblem } from './storable.ts';
import { fuzz, fuzzCounter, goodInstant, hostileString, incidentLine, logBody, webhook } from './testing/fuzz.ts';

const AT = new Date('2026-11-25T10:30:00Z');
const FUZZ_TIMEOUT = 60_000;

function expectStorable(value: unknown, what: string): void {
  const issues = findUnstorable(value);
  if (issues.length > 0) throw new Error(`${what} is not storable: ${JSON.stringify(issues)} in ${JSON.stringify(value).slice(0, 300)}`);
}

const question = fc
  .array(
    fc.oneof(
      hostileString(30),
      fc.constantFrom(
        'NPSB transfers failing in prod',
        'since 10:00',
        'in the last 10000 years',
        'last 99999999 days',
        'from 0000-01-01 to 9999-12-31',
        'between 00:00 and 99:99',
        'yesterday at 25:61',
        'trace 4bf92f3577b34da6a3ce929d0e0e4736',
        'HTTP 503 and 5xx',
        'on 31 February',
        'in staging?',
        'since 1 Jan 0001',
        'next 5000 weeks',
      ),
    ),
    { maxLength: 5 },
  )
  .map((parts) => parts.join(' '));

describe('fuzzed parsers never throw and hand on only storable values', () => {
  afterAll(() => {
    console.log(`fuzz: ${fuzzCounter.cases} parser cases in this file`);
  });

  it(
    'log bodies of any shape: every event fits the schema and is storable, every rejection names a line',
    async () => {
      let events = 0;
      let rejections = 0;
      const cases = await fuzz(
        'log bodies',
        fc.property(logBody, (body) => {
          for (const r of iterateLogBody(body, { now: AT, project: 'p' })) {
            expect(r.line).toBeGreaterThanOrEqual(1);
            if (!r.ok) {
              expect(typeof r.error).toBe('string');
              rejections++;
              continue;
            }
            events++;
            const parsed = LogEvent.safeParse(r.event);
            if (!parsed.success) throw new Error(`not a LogEvent: ${JSON.stringify(parsed.error.issues)} ${JSON.stringify(r.event).slice(0, 300)}`);
            expectStorable(r.event, 'a log event');
            expectStorable(redactLogEvent(r.event), 'a redacted log event');
          }
        }),
        500,
      );
      // The fuzzer reaches both outcomes, often.
      expect(events).toBeGreaterThan(cases);
      expect(rejections).toBeGreaterThan(cases / 4);
    },
    FUZZ_TIMEOUT,
  );

  it(
    'backfill bodies: every line is an incident or a rejection by number, and both are storable',
    async () => {
      let accepted = 0;
      const cases = await fuzz(
        'backfill bodies',
        fc.property(fc.array(fc.oneof({ weight: 5, arbitrary: incidentLine }, { weight: 1, arbitrary: fc.constant('') }), { maxLength: 6 }), fc.integer({ min: 1, max: 1000 }), (lines, first) => {
          const body = lines.join('\n');
          const { incidents, rejected } = parseIncidentBody(body, first);
          const numbered = body.split('\n').map((line, i) => ({ line: first + i, blank: line.replace(/\r$/, '').trim() === '' }));
          const expected = numbered.filter((l) => !l.blank).map((l) => l.line);
          expect([...incidents.map((i) => i.line), ...rejected.map((r) => r.line)].sort((a, b) => a - b)).toEqual(expected);
          for (const r of rejected) expect(textProblem(r.error)).toBeNull();
          accepted += incidents.length;
          for (const incident of incidents) {
            expect(instantInRange(incident.occurredAt.toISOString())).toBe(true);
            expectStorable({ ...incident, occurredAt: incident.occurredAt.toISOString() }, 'an incident');
          }
        }),
        250,
      );
      expect(accepted).toBeGreaterThan(cases / 2);
    },
    FUZZ_TIMEOUT,
  );

  it.each<AlertSource>(['alertmanager', 'grafana'])(
    '%s webhooks: parsing never throws, and storable payloads give storable requests',
    async (source) => {
      let requests = 0;
      const cases = await fuzz(
        `${source} webhooks`,
        fc.property(webhook, (text) => {
          let body: unknown;
          try {
            // Strings as the ingress lets them through (jsonBodyGuard refuses NUL and lone surrogates).
            body = JSON.parse(text, (_key, value: unknown) => (typeof value === 'string' ? storableText(value) : value));
          } catch {
            return;
          }
          const parsed = parseAlertNotification(source, body);
          if (!parsed.ok) {
            expect(parsed.issues.length).toBeGreaterThan(0);
            return;
          }
          const { firing, resolved } = alertsToRequests(parsed.notification, DEFAULT_LABEL_MAPPING, AT);
          requests += firing.length;
          // The ingress refuses unstorable bodies before this point (jsonBodyGuard).
          if (findUnstorable(body).length > 0) return;
          for (const request of firing) {
            expect(instantInRange(request.startsAt)).toBe(true);
            expect(instantInRange(request.occurredAt.toISOString())).toBe(true);
            expectStorable({ ...request, occurredAt: request.occurredAt.toISOString() }, 'an alert request');
          }
          for (const r of resolved) if (r.endsAt !== null) expect(Number.isFinite(Date.parse(r.endsAt))).toBe(true);
        }),
        250,
      );
      expect(requests).toBeGreaterThan(cases / 8);
    },
    FUZZ_TIMEOUT,
  );

  it(
    'parameter extraction: any question gives valid parameters with a window inside the storable years',
    async () => {
      await fuzz(
        'extract parameters',
        fc.property(question, goodInstant, (text, at) => {
          const parameters = extractParameters({ text, at: new Date(at) });
          const parsed = Parameters.safeParse(parameters);
          if (!parsed.success) throw new Error(`not Parameters: ${JSON.stringify(parsed.error.issues)}`);
          expect(Date.parse(parameters.time_range.from)).toBeLessThanOrEqual(Date.parse(parameters.time_range.to));
        }),
        500,
      );
    },
    FUZZ_TIMEOUT,
  );
});
