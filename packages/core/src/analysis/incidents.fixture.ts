/**
 * Test helper: renders synthetic incidents. Each root cause can be rendered many times with
 * other ids, times, hosts, volumes and background noise (info traffic, unrelated steady
 * warnings, a few unrelated errors), so tests can check that the analysis names the cause
 * and not the rendering. Deterministic for a given seed.
 */
import type { LogEvent, LogLevel, Parameters } from '../schemas.ts';

export const CAUSES = ['db_pool', 'npsb_switch', 'tls_expired', 'insufficient_funds', 'custom_reconciler', 'custom_indexer'] as const;
export type Cause = (typeof CAUSES)[number];

/** mulberry32: a small seeded PRNG (the ingest benchmark uses it too). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Dice {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  float(): number {
    return this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(this.next() * 16)];
    return s;
  }
  ip(): string {
    return `10.${this.int(0, 255)}.${this.int(0, 255)}.${this.int(1, 254)}`;
  }
}

interface CauseSpec {
  services: string[];
  level: LogLevel;
  /** Events in the window, and in the baseline (a steady business rate for some causes). */
  volume: [number, number];
  baseline: [number, number];
  render: (d: Dice, at: Date) => string;
}

const txn = (d: Dice) => `TXN${d.int(10_000_000, 99_999_999)}`;

export const CAUSE_SPECS: Record<Cause, CauseSpec> = {
  db_pool: {
    services: ['payments-api', 'ledger-service'],
    level: 'error',
    volume: [40, 160],
    baseline: [0, 0],
    render: (d) =>
      d.float() < 0.5
        ? `HikariPool-${d.int(1, 4)} - Connection is not available, request timed out after ${d.int(30_000, 30_050)}ms.`
        : `Failed to process transfer ${txn(d)}: connection pool exhausted (active=${d.int(20, 50)}, idle=0, waiting=${d.int(1, 300)})`,
  },
  npsb_switch: {
    services: ['transfer-service', 'npsb-connector'],
    level: 'error',
    volume: [40, 160],
    baseline: [0, 0],
    render: (d) =>
      d.float() < 0.5
        ? `NPSB switch unavailable: no response from npsb-gw-${d.int(1, 9)}.bank.local:${d.int(7000, 7010)} within ${d.int(25, 35)}000ms (stan=${d.int(100000, 999999)})`
        : `Fund transfer ${txn(d)} failed: NPSB switch is down, response code ${d.pick(['91', '96'])}`,
  },
  tls_expired: {
    services: ['gateway', 'notification-service'],
    level: 'error',
    volume: [40, 160],
    baseline: [0, 0],
    render: (d, at) =>
      d.float() < 0.5
        ? `x509: certificate has expired or is not yet valid: current time ${at.toISOString()} is after ${new Date(at.getTime() - d.int(1, 48) * 3_600_000).toISOString()}`
        : `TLS handshake with partner-${d.int(1, 20)}.example.net:443 failed: certificate expired (notAfter=${new Date(at.getTime() - 86_400_000).toISOString().slice(0, 10)})`,
  },
  insufficient_funds: {
    services: ['transfer-service'],
    level: 'warn',
    volume: [70, 180],
    baseline: [3, 8],
    render: (d) =>
      `Transfer ${txn(d)} declined: insufficient funds (account=ACC${d.int(100000, 999999)}, requested=${d.int(100, 90000)}.00 BDT, available=${d.int(0, 99)}.00 BDT)`,
  },
  custom_reconciler: {
    services: ['reconciler'],
    level: 'error',
    volume: [30, 120],
    baseline: [0, 0],
    render: (d) => `Reconciler worker ${d.int(1, 64)} lost lease on partition ${d.int(0, 255)}; rebalancing ${d.int(2, 40)} partitions`,
  },
  custom_indexer: {
    services: ['search-indexer'],
    level: 'error',
    volume: [30, 120],
    baseline: [0, 0],
    render: (d) => `Search indexer shard ${d.int(0, 31)} stalled: segment merge backlog ${d.int(100, 5000)} segments`,
  },
};

const NOISE_SERVICES = ['payments-api', 'ledger-service', 'transfer-service', 'gateway', 'accounts-service', 'notification-service'];

const INFO_LINES: ((d: Dice) => string)[] = [
  (d) => `GET /api/v1/accounts/${d.int(1000, 99999)}/balance 200 ${d.int(2, 90)}ms`,
  (d) => `Processed batch ${d.int(1, 99999)} with ${d.int(1, 500)} items in ${d.int(5, 900)}ms`,
  (d) => `Health check passed for node-${d.int(1, 40)}`,
  (d) => `User ${d.int(1, 500000)} signed in from ${d.ip()}`,
  (d) => `Cache refreshed: ${d.int(100, 20000)} entries loaded`,
  (d) => `Transfer ${txn(d)} completed in ${d.int(40, 800)}ms`,
];

const STEADY_WARNINGS: ((d: Dice) => string)[] = [
  (d) => `Slow query on table accounts took ${d.int(1000, 5000)}ms`,
  (d) => `Retrying request to node-${d.int(1, 40)} (attempt ${d.int(2, 3)} of 3)`,
  () => 'Deprecated configuration key payments.legacyMode is set',
];

const SPORADIC_ERROR = (d: Dice) => `Validation failed for transfer request ${txn(d)}: amount must be positive`;

export interface RenderedIncident {
  cause: Cause | null;
  seed: number;
  parameters: Parameters;
  events: LogEvent[];
  baseline: LogEvent[];
  /** Trace ids of the events that show the cause (ground truth). */
  failingTraceIds: Set<string>;
  services: string[];
}

export interface RenderOptions {
  /** Causes to inject in the window (default: the one named). Extra ones are rendered smaller. */
  also?: { cause: Cause; volume: number }[];
  /** Override the main cause's volume. */
  volume?: number;
  /** Leave the baseline window empty (no earlier data). */
  noBaseline?: boolean;
  /** Steady warnings in both windows (default true). */
  steadyWarnings?: boolean;
  /** Sporadic unrelated errors (default true). */
  sporadicErrors?: boolean;
  keywords?: string[];
  traceIds?: string[];
}

const WINDOW_MS = 30 * 60_000;

/**
 * Renders one incident of `cause` (or a quiet window with `cause` null): a 30-minute
 * window and the 30 minutes before it, both with background noise.
 */
export function renderIncident(cause: Cause | null, seed: number, options: RenderOptions = {}): RenderedIncident {
  const d = new Dice(seed * 7919 + (cause ? CAUSES.indexOf(cause) + 1 : 0));
  const day = Date.UTC(2026, 0, 1) + d.int(0, 300) * 86_400_000;
  const from = day + d.int(0, 23 * 60) * 60_000;
  const to = from + WINDOW_MS;
  const project = d.pick(['core-banking', 'wallet', 'remit']);
  const env = d.pick(['prod', 'staging']);
  const domain = 'transactions';
  const failing = new Set<string>();

  const make = (at: number, level: LogLevel, message: string, service: string | null, trace: boolean): LogEvent => {
    const trace_id = trace ? d.hex(32) : null;
    return { ts: new Date(at).toISOString(), project, env, domain, service, level, trace_id, message, attrs: { host: `ip-${d.ip()}` } };
  };

  // Steady warnings have a rate of their own (per incident), drawn binomially per window:
  // they fluctuate like real background warnings, but do not trend.
  const warningRates = STEADY_WARNINGS.map(() => d.int(4, 10));
  const around = (mean: number) => {
    let n = 0;
    for (let i = 0; i < 2 * mean; i++) if (d.float() < 0.5) n++;
    return n;
  };
  const noise = (start: number, out: LogEvent[]) => {
    const n = d.int(300, 600);
    for (let i = 0; i < n; i++) out.push(make(start + d.int(0, WINDOW_MS - 1), 'info', d.pick(INFO_LINES)(d), d.pick(NOISE_SERVICES), d.float() < 0.5));
    if (options.steadyWarnings ?? true) {
      STEADY_WARNINGS.forEach((render, k) => {
        const w = around(warningRates[k] as number);
        for (let i = 0; i < w; i++) out.push(make(start + d.int(0, WINDOW_MS - 1), 'warn', render(d), d.pick(NOISE_SERVICES), d.float() < 0.3));
      });
    }
    if (options.sporadicErrors ?? true) {
      const e = d.int(0, 2);
      for (let i = 0; i < e; i++) out.push(make(start + d.int(0, WINDOW_MS - 1), 'error', SPORADIC_ERROR(d), 'payments-api', true));
    }
  };

  const inject = (c: Cause, volume: number, out: LogEvent[], start: number, main: boolean) => {
    const spec = CAUSE_SPECS[c];
    const onset = start + d.int(0, WINDOW_MS / 2);
    for (let i = 0; i < volume; i++) {
      const at = onset + d.int(0, start + WINDOW_MS - 1 - onset);
      const e = make(at, spec.level, spec.render(d, new Date(at)), d.pick(spec.services), d.float() < 0.9);
      if (main && e.trace_id) failing.add(e.trace_id);
      out.push(e);
    }
  };

  const baseline: LogEvent[] = [];
  const events: LogEvent[] = [];
  if (!options.noBaseline) {
    noise(from - WINDOW_MS, baseline);
    if (cause) {
      const spec = CAUSE_SPECS[cause];
      const n = d.int(spec.baseline[0], spec.baseline[1]);
      for (let i = 0; i < n; i++) {
        const at = from - WINDOW_MS + d.int(0, WINDOW_MS - 1);
        baseline.push(make(at, spec.level, spec.render(d, new Date(at)), d.pick(spec.services), true));
      }
    }
  }
  noise(from, events);
  if (cause) inject(cause, options.volume ?? d.int(CAUSE_SPECS[cause].volume[0], CAUSE_SPECS[cause].volume[1]), events, from, true);
  for (const extra of options.also ?? []) inject(extra.cause, extra.volume, events, from, false);

  // Shuffle so callers cannot rely on order.
  for (const list of [events, baseline]) {
    for (let i = list.length - 1; i > 0; i--) {
      const j = d.int(0, i);
      [list[i], list[j]] = [list[j] as LogEvent, list[i] as LogEvent];
    }
  }

  return {
    cause,
    seed,
    parameters: {
      project,
      env,
      domain,
      time_range: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
      trace_ids: options.traceIds ?? [],
      request_ids: [],
      transaction_ids: [],
      services: [],
      http_status: [],
      error_codes: [],
      keywords: options.keywords ?? [],
    },
    events,
    baseline,
    failingTraceIds: failing,
    services: cause ? CAUSE_SPECS[cause].services : [],
  };
}
