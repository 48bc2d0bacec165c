/**
 * The log lines of the incident the end-to-end tests ask about ("NPSB switch unavailable in
 * prod since 10:00"), at fixed instants so the tests own their clock (STYLE.md §11).
 */
import { randomBytes } from 'node:crypto';
import type { LogEvent } from '../schemas.ts';

export interface SwitchOutageOptions {
  /** The first error's instant (default 2026-11-25T10:02:00Z). */
  from?: string;
  /** How long after `from` the i-th error is (default every 30 s). */
  offsetMs?: (i: number) => number;
}

/**
 * Thirty `npsb-gateway` errors in prod transactions, the switch refusing connections on one of
 * four addresses, each with a trace id of its own.
 *
 * @example
 * await insertLogEvents(db, switchOutage(project));
 * switchOutage(project, { from: '2026-11-25T10:12:00Z', offsetMs: (i) => i * i * 1_500 }); // dense, then thinning
 */
export function switchOutage(project: string, options: SwitchOutageOptions = {}): LogEvent[] {
  const from = Date.parse(options.from ?? '2026-11-25T10:02:00Z');
  const offsetMs = options.offsetMs ?? ((i: number) => i * 30_000);
  return Array.from({ length: 30 }, (_, i) => ({
    ts: new Date(from + offsetMs(i)).toISOString(),
    project,
    env: 'prod',
    domain: 'transactions',
    service: 'npsb-gateway',
    level: 'error' as const,
    trace_id: randomBytes(8).toString('hex'),
    message: `NPSB switch unavailable: connect ECONNREFUSED 10.20.0.${i % 4}:7001 after 3 retries`,
    attrs: {},
  }));
}
