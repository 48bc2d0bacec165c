/**
 * Realistic NDJSON log lines for the ingest benchmark: several services of a payments
 * platform, mixed levels (mostly info), W3C trace ids on most lines, request attributes,
 * and a share of lines carrying e-mails, bearer tokens, passwords or card numbers so that
 * redaction has real work to do. Deterministic for a given seed (a seeded PRNG).
 */
import { prng } from '../../packages/core/src/analysis/incidents.fixture.ts';

const SERVICES = ['transfer-api', 'npsb-gateway', 'ledger', 'fraud-scoring', 'auth', 'notifications', 'card-issuing'];
const ROUTES = ['/api/v1/transfers', '/api/v1/accounts/{id}/balance', '/api/v1/cards/{id}', '/oauth/token', '/api/v1/payments/{id}/capture'];
const FIRST = ['ann', 'bob', 'chidi', 'dana', 'eitan', 'fatima', 'goran', 'hana'];
const HEX = '0123456789abcdef';

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX[Math.floor(r() * 16)];
  return s;
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

export interface GeneratedLogs {
  /** One JSON object per line, no trailing newline. */
  lines: string[];
  bytes: number;
}

/** `n` NDJSON lines starting at `startMs`, about 4 ms apart. */
export function generateLogLines(n: number, seed = 42, startMs = Date.UTC(2026, 10, 25, 8)): GeneratedLogs {
  const r = prng(seed);
  const lines: string[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const service = pick(r, SERVICES);
    const ts = new Date(startMs + i * 4 + Math.floor(r() * 4)).toISOString();
    const traceId = r() < 0.8 ? hex(r, 32) : undefined;
    const user = `${pick(r, FIRST)}.${Math.floor(r() * 1000)}@example.com`;
    const amount = (r() * 5000).toFixed(2);
    const account = 1_000_000 + Math.floor(r() * 8_999_999);
    const route = pick(r, ROUTES).replace('{id}', String(account));
    const ms = Math.floor(r() * 900) + 1;
    const roll = r();
    let rec: Record<string, unknown>;
    if (roll < 0.55) {
      const status = r() < 0.97 ? 200 : 201;
      rec = { ts, level: 'info', service, msg: `${pick(r, ['GET', 'POST', 'PUT'])} ${route} ${status} ${ms}ms`, trace_id: traceId, http: { method: 'GET', route, status, duration_ms: ms }, pod: `${service}-7d9f${hex(r, 5)}` };
    } else if (roll < 0.7) {
      rec = { timestamp: ts, level: 'INFO', app: service, message: `transfer ${account}-${i} accepted amount=${amount} currency=BDT`, traceId, attrs_version: 3, tenant: 'bd-retail' };
    } else if (roll < 0.78) {
      rec = { ts, level: 'debug', service, msg: `cache miss for key account:${account}:limits, loading from ledger`, trace_id: traceId, cache: { hit: false, ttl_s: 300 } };
    } else if (roll < 0.84) {
      // Personal data and secrets that must not be stored as they are.
      const kind = Math.floor(r() * 4);
      const msg =
        kind === 0
          ? `login failed for ${user} from 203.0.113.${Math.floor(r() * 250)}`
          : kind === 1
            ? `calling upstream with Authorization: Bearer ${hex(r, 40)}`
            : kind === 2
              ? `retrying with password=${hex(r, 12)} for user ${user}`
              : `card 4111 1111 1111 1111 declined for ${user}`;
      rec = { ts, level: 'warn', service, msg, trace_id: traceId, user_email: user, client: { ip: `198.51.100.${Math.floor(r() * 250)}`, ua: 'okhttp/4.12.0' } };
    } else if (roll < 0.9) {
      rec = { '@timestamp': ts, 'log.level': 'warn', 'service.name': service, message: `slow query on ledger_entries took ${ms * 10}ms (threshold 500ms)`, 'trace.id': traceId, db: { statement: 'SELECT * FROM ledger_entries WHERE account_id = $1 ORDER BY posted_at DESC LIMIT 50', rows: Math.floor(r() * 50) } };
    } else if (roll < 0.97) {
      const failure = pick(r, [
        `NPSB switch unavailable: connect ECONNREFUSED 10.0.4.${Math.floor(r() * 250)}:7001`,
        `HikariPool-1 - Connection is not available, request timed out after 30000ms`,
        `upstream returned 503 Service Unavailable from fraud-scoring after ${ms}ms`,
        `Deadlock detected while updating ledger entry ${account}`,
        `payment ${hex(r, 12)} declined: insufficient funds on account ${account}`,
      ]);
      rec = { ts, level: 'error', service, msg: failure, trace_id: traceId, error: { type: 'UpstreamError', retryable: r() < 0.5 }, attempt: Math.floor(r() * 3) + 1, token: r() < 0.3 ? hex(r, 24) : undefined };
    } else {
      rec = { ts, level: 'error', service, msg: `unhandled exception in handler ${route}`, trace_id: traceId, stack: `java.lang.NullPointerException: account is null\n\tat com.pay.Transfer.run(Transfer.java:${ms})\n\tat com.pay.Worker.loop(Worker.java:88)` };
    }
    const line = JSON.stringify(rec);
    bytes += line.length + 1;
    lines.push(line);
  }
  return { lines, bytes };
}
