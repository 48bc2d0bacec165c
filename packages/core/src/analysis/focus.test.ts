import { describe, expect, it } from 'vitest';
import { extractParameters } from '../params/index.ts';
import type { LogEvent, Parameters } from '../schemas.ts';
import { analyze } from './analyze.ts';
import { hintsOf, stem } from './focus.ts';

const AT = new Date('2031-03-04T10:30:00Z');
const FROM = Date.parse('2031-03-04T10:00:00Z');

/** A seeded generator, so every render is reproducible and each differs. */
function prng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

interface Spec {
  service: string;
  domain: string | null;
  message: (r: () => number) => string;
  count: number;
  level?: LogEvent['level'];
  /** Trace ids to reuse (shared with another spec), else fresh ones. */
  traces?: string[];
  /** Milliseconds after the trace's other event (negative: before). */
  offsetMs?: number;
}

function render(specs: Spec[], seed: number): { events: LogEvent[]; traces: Map<Spec, string[]> } {
  const r = prng(seed);
  const events: LogEvent[] = [];
  const traces = new Map<Spec, string[]>();
  for (const spec of specs) {
    const used: string[] = [];
    for (let i = 0; i < spec.count; i++) {
      const trace = spec.traces?.[i % spec.traces.length] ?? Math.floor(r() * 2 ** 48).toString(16).padStart(12, '0');
      used.push(trace);
      const base = FROM + 60_000 + Math.floor((i / spec.count) * 25 * 60_000);
      events.push({
        ts: new Date(base + (spec.offsetMs ?? 0) + 1_000).toISOString(),
        project: 'bank',
        env: 'prod',
        domain: spec.domain,
        service: spec.service,
        level: spec.level ?? 'error',
        trace_id: trace,
        message: spec.message(r),
        attrs: {},
      });
    }
    traces.set(spec, used);
  }
  return { events, traces };
}

function params(text: string, extra: Partial<Parameters> = {}): Parameters {
  return { ...extractParameters({ text, at: AT }), project: 'bank', ...extra };
}

const ip = (r: () => number) => `10.${Math.floor(r() * 250)}.${Math.floor(r() * 250)}.${Math.floor(r() * 250)}`;

function run(parameters: Parameters, events: LogEvent[]) {
  return analyze({ question: '', parameters, events, baseline: [], knownPatterns: () => undefined, similar: [] });
}

describe('hints rank and focus, they never hide evidence', () => {
  it('a named service whose logs carry another domain than a word suggests is still found', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const parameters = params('ledger-svc DB connection errors in prod');
      expect(parameters.services).toContain('ledger-svc');
      const { events } = render(
        [
          { service: 'ledger-svc', domain: 'transactions', message: (r) => `could not connect to postgres at ${ip(r)}:5432: connection refused`, count: 12 + seed },
          { service: 'edge-proxy', domain: 'infrastructure', message: (r) => `upstream ${ip(r)} reset by peer`, count: 30 },
        ],
        seed,
      );
      const outcome = run(parameters, events);
      expect(outcome.scope?.focus, `seed ${seed}`).toBe('hinted');
      expect(outcome.dominant?.template, `seed ${seed}`).toContain('connection refused');
      expect(outcome.services[0]).toBe('ledger-svc');
    }
  });

  it('a hinted scope without error evidence widens to the hard scope and says why', () => {
    const parameters = params('payments-api errors in prod', { services: ['payments-api'] });
    const { events } = render([{ service: 'card-switch', domain: 'transactions', message: (r) => `HSM ${ip(r)} not responding, giving up`, count: 15 }], 3);
    const outcome = run(parameters, events);
    expect(outcome.scope).toMatchObject({ focus: 'widened', widened: true, hinted_error_event_count: 0 });
    expect(outcome.scope?.reason).toMatch(/service payments-api.*no error-like events/);
    expect(outcome.dominant?.template).toContain('HSM');
    expect(outcome.summary).toContain(outcome.scope?.reason as string);
  });

  it("an alert on the symptom's service concludes the downstream cause that shares its traces", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const r = prng(seed * 7);
      const shared = Array.from({ length: 20 }, () => Math.floor(r() * 2 ** 48).toString(16));
      const cause: Spec = { service: 'pgbouncer', domain: 'infrastructure', message: () => 'pool exhausted: no more connections allowed (max_client_conn)', count: 20, traces: shared, offsetMs: -200 };
      const symptom: Spec = { service: 'transfer-api', domain: 'transactions', message: (rr) => `POST /v1/transfers failed after ${Math.floor(rr() * 900)}ms: internal error`, count: 20, traces: shared };
      const noise: Spec = { service: 'notifier', domain: 'notifications', message: (rr) => `smtp ${ip(rr)} refused message`, count: 6 + seed * 3 };
      const { events } = render([cause, symptom, noise], seed);
      const outcome = run(params('TransferApiErrorRate firing in prod', { services: ['transfer-api'] }), events);
      expect(outcome.scope?.focus, `seed ${seed}`).toBe('hinted');
      expect(outcome.scope?.linked_error_event_count).toBeGreaterThan(0);
      expect(outcome.dominant?.template, `seed ${seed}`).toContain('pool exhausted');
      expect(outcome.trace_ids.every((t) => shared.includes(t))).toBe(true);
    }
  });

  it('errors of another service that come after the hinted ones are consequences, not the cause', () => {
    const shared = Array.from({ length: 15 }, (_, i) => `feed${i}beef${i}`);
    const own: Spec = { service: 'transfer-api', domain: 'transactions', message: () => 'java.lang.OutOfMemoryError: Java heap space', count: 15, traces: shared };
    const after: Spec = { service: 'mobile-bff', domain: 'transactions', message: () => 'upstream transfer-api closed the connection', count: 15, traces: shared, offsetMs: 500 };
    const { events } = render([own, after], 5);
    const outcome = run(params('transfer-api failing in prod', { services: ['transfer-api'] }), events);
    expect(outcome.dominant?.template).toContain('OutOfMemoryError');
  });
});

describe("the question's subject is the answer", () => {
  it('the failure the question names wins over a louder one, and the louder one is also significant', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const quiet: Spec = { service: 'wallet-gw', domain: 'transactions', message: (r) => `bkash callback rejected: invalid signature for txn ${Math.floor(r() * 1e9)}`, count: 6 };
      const loud: Spec = { service: 'ledger-svc', domain: 'transactions', message: (r) => `deadlock detected while updating balance ${Math.floor(r() * 1e6)}`, count: 60 };
      const { events } = render([loud, quiet], seed);
      const outcome = run(params('bkash payouts failing in prod since 10:00'), events);
      expect(outcome.dominant?.template, `seed ${seed}`).toContain('bkash');
      expect(outcome.summary).toMatch(/Also significant: .*deadlock/);
      // Each failure is credited with its own services.
      expect(outcome.summary).toMatch(/bkash[^.]*in wallet-gw/);
      expect(outcome.summary).not.toMatch(/dominant failure[^.]*ledger-svc/);
    }
  });

  it('a named error code or trace id singles out its failure', () => {
    const quiet: Spec = { service: 'pay-api', domain: 'transactions', message: (r) => `partner returned HTTP 429 Too Many Requests, retry in ${Math.floor(r() * 60)}s`, count: 5 };
    const loud: Spec = { service: 'pay-api', domain: 'transactions', message: (r) => `timeout reading from redis ${ip(r)}:6379`, count: 40 };
    const { events, traces } = render([loud, quiet], 9);
    expect(run(params('payment 429 rate limits in prod', { http_status: [429] }), events).dominant?.template).toContain('Too Many Requests');
    const trace = traces.get(quiet)?.[2] as string;
    expect(run(params(`what happened to trace ${trace}?`, { trace_ids: [trace] }), events).dominant?.template).toContain('Too Many Requests');
  });

  it('words every failure shares, and words of measurement, single out nothing', () => {
    const hints = hintsOf(params('High error rate on transfers in prod'));
    expect(hints.terms.map((t) => t.norm)).not.toContain('rate');
    expect(hints.terms.map((t) => t.norm)).not.toContain('high');
    expect(stem('transfers')).toBe(stem('transfer'));
  });
});
