import { describe, expect, it } from 'vitest';
import { extractParameters } from './extract.ts';

/**
 * Addresses, ports, versions, build numbers, file names and the like are never read as
 * times. The literals are generated (seeded, so reproducible), not taken from a list: each
 * property says that a sentence with a literal in it has the same window as the same
 * sentence with the literal replaced by a plain word.
 */

/** Wednesday 2026-12-02 03:22:54 UTC: early in the day, so that a misread clock time lands on the day before. */
const AT = new Date('2026-12-02T03:22:54Z');
const DEFAULT = { from: '2026-12-02T02:22:54.000Z', to: '2026-12-02T03:22:54.000Z' };

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
type Rand = () => number;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const pad2 = (n: number) => String(n).padStart(2, '0');

/** Generators of things that look like numbers, clock times or dates but are not times. */
const LITERALS: Record<string, (r: Rand) => string> = {
  ipv4: (r) => `${int(r, 1, 254)}.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}`,
  'ipv4:port': (r) => `${int(r, 1, 254)}.${int(r, 0, 255)}.${int(r, 0, 23)}.${int(r, 0, 59)}:${int(r, 1, 65535)}`,
  'ipv4/cidr': (r) => `${int(r, 1, 254)}.${int(r, 0, 255)}.${int(r, 0, 23)}.0/${int(r, 8, 32)}`,
  'host:port': (r) => `${pick(r, ['db', 'redis', 'pg', 'switch', 'npsb', 'api'])}${pick(r, ['-', '.', '-0'])}${int(r, 1, 9)}${pick(r, ['', '.internal', '.svc.cluster.local'])}:${int(r, 10, 65535)}`,
  'name:port': (r) => `${pick(r, ['localhost', 'postgres', 'kafka', 'ledger'])}:${int(r, 100, 65535)}`,
  semver: (r) => `${int(r, 0, 23)}.${int(r, 0, 59)}.${int(r, 0, 40)}`,
  'v-semver': (r) => `${pick(r, ['v', 'V'])}${int(r, 0, 23)}.${int(r, 0, 59)}${pick(r, ['', `.${int(r, 0, 30)}`])}`,
  'semver-pre': (r) => `${int(r, 0, 12)}.${int(r, 0, 30)}.${int(r, 0, 9)}-${pick(r, ['rc', 'beta', 'alpha'])}.${int(r, 1, 5)}`,
  calver: (r) => `${int(r, 2019, 2027)}.${int(r, 1, 12)}.${int(r, 1, 31)}`,
  'dated file': (r) =>
    `${pick(r, ['payments', 'app', 'gateway', 'audit'])}${pick(r, ['-', '_', '.'])}${int(r, 2020, 2027)}-${pad2(int(r, 1, 12))}-${pad2(int(r, 1, 28))}${pick(r, ['.log', '.log.gz', '.json', '_01.log'])}`,
  'dated path': (r) => `/var/log/${pick(r, ['npsb', 'app'])}/${int(r, 2020, 2027)}/${pad2(int(r, 1, 12))}/${pad2(int(r, 1, 28))}/${pick(r, ['app.log', 'err.log'])}`,
  'timestamped dump': (r) => `heap-${int(r, 2020, 2027)}-${pad2(int(r, 1, 12))}-${pad2(int(r, 1, 28))}T${pad2(int(r, 0, 23))}:${pad2(int(r, 0, 59))}:00.hprof`,
  'glued build': (r) => `${pick(r, ['build', 'release', 'payments-svc', 'img'])}-${int(r, 1, 23)}.${pad2(int(r, 0, 59))}`,
  'protocol version': (r) => pick(r, ['HTTP/1.1', 'HTTP/2.0', 'TLSv1.2', 'TLSv1.3', `SSLv${int(r, 2, 3)}.0`]),
  'version after a cue': (r) => `${pick(r, ['version', 'release', 'build', 'ver', 'rev'])} ${int(r, 1, 23)}.${pad2(int(r, 0, 59))}`,
  'version change': (r) =>
    `${pick(r, ['upgraded to', 'rolled back to', 'downgraded from', 'bumped to', 'migrated to', 'upgrade from'])} ${int(r, 1, 23)}.${pad2(int(r, 0, 59))}${pick(r, ['', ` to ${int(r, 1, 23)}.${pad2(int(r, 0, 59))}`])}`,
};

/** Sentence frames; many put an operator ("to", "from", "at", "since") right before the literal. */
const FRAMES = [
  'ECONNREFUSED to {}',
  'connect to {} failed',
  'timeouts from {} in prod',
  'errors at {}',
  'payments failing since {} went out',
  'upgrade to {} broke transfers',
  'around {} we see resets',
  '{} unreachable',
  'rollback from {} to the previous image',
  'checked {} until it filled up',
];

/** Frames that also state a real time: the literal must not change it. */
const TIMED_FRAMES = ['since 10:00 ECONNREFUSED to {}', 'errors at {} between 14:00 and 15:00 yesterday', 'in the last 2 hours {} refused connections'];

const windowOf = (text: string) => extractParameters({ text, at: AT }).time_range;

describe('literals are never read as times', () => {
  it('ECONNREFUSED to 10.0.4.17 keeps the default window (the reported case)', () => {
    expect(windowOf('ECONNREFUSED to 10.0.4.17')).toEqual(DEFAULT);
  });

  for (const [kind, generate] of Object.entries(LITERALS)) {
    it(`a generated ${kind} changes no window, alone or next to a real time`, () => {
      const r = rng(kind.length * 7919 + kind.charCodeAt(0));
      for (let n = 0; n < 60; n++) {
        const literal = generate(r);
        for (const frame of [pick(r, FRAMES), pick(r, TIMED_FRAMES)]) {
          const text = frame.replace('{}', literal);
          const plain = frame.replace('{}', 'the host');
          expect(windowOf(text), text).toEqual(windowOf(plain));
        }
      }
    });
  }

  it('HTTP statuses and sub-minute durations are not windows', () => {
    const r = rng(504);
    for (let n = 0; n < 60; n++) {
      const status = pick(r, [400, 401, 403, 404, 408, 409, 429, 500, 502, 503, 504]);
      const seconds = int(r, 1, 59);
      for (const text of [
        `${status} from the switch`,
        `got ${status} at checkout`,
        `no response from switch within ${seconds}s`,
        `timed out within ${seconds} seconds`,
        `retried ${seconds}s later`,
        `upstream timeout after ${seconds}s`,
      ]) {
        expect(windowOf(text), text).toEqual(DEFAULT);
      }
    }
  });

  it('real times written next to literals still count', () => {
    expect(windowOf('ECONNREFUSED to 10.0.4.17 since 02:00')).toEqual({ from: '2026-12-02T02:00:00.000Z', to: DEFAULT.to });
    expect(windowOf('payments-2026-11-20.log shows errors on 2026-11-21')).toEqual({ from: '2026-11-21T00:00:00.000Z', to: '2026-11-22T00:00:00.000Z' });
    expect(windowOf('upgraded to 2.10 at 01:00')).toEqual({ from: '2026-12-02T00:30:00.000Z', to: '2026-12-02T01:30:00.000Z' });
    expect(windowOf('v2.10.1 deployed at 10.30 yesterday')).toEqual({ from: '2026-12-01T10:00:00.000Z', to: '2026-12-01T11:00:00.000Z' });
    expect(windowOf('since 20.11.2026')).toEqual({ from: '2026-11-20T00:00:00.000Z', to: DEFAULT.to });
    expect(windowOf('in the last 30 seconds')).toEqual({ from: '2026-12-02T03:22:24.000Z', to: DEFAULT.to });
    expect(windowOf('errors within the last 15 minutes')).toEqual({ from: '2026-12-02T03:07:54.000Z', to: DEFAULT.to });
  });
});
