import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprintLine, FINGERPRINT_MESSAGE_CHARS, mergeFingerprints, type FingerprintForm } from './fingerprint.ts';
import { TemplateMiner } from './miner.ts';
import { ANALYSIS_LIMITS } from '../analysis/analyze.ts';

/** Lines of a few events whose variable words take many values (they become `<*>` only after three). */
const SHAPES = [
  (v: string, n: number) => `Invalid user ${v} from 10.0.${n % 256}.${n % 7}`,
  (v: string, n: number) => `session ${v} closed after ${n}ms`,
  (v: string, n: number) => `worker ${n} started processing queue ${v}`,
  (v: string, n: number) => `worker ${n} stopped processing queue ${v}`,
  (_v: string, n: number) => `VM Paused id=${n}`,
  (_v: string, n: number) => `VM Resumed id=${n}`,
  (v: string, n: number) => `HikariPool-1 - Connection is not available, request timed out after ${n}ms (${v})`,
];
const WORDS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'payments', 'ledger'];

/** The distinct fingerprints of lines, in the order they first occur. */
function distinctForms(lines: readonly string[]): FingerprintForm[] {
  const seen = new Map<string, FingerprintForm>();
  for (const line of lines) {
    const f = fingerprintLine(line);
    if (!seen.has(f.id)) seen.set(f.id, { id: f.id, masked: f.masked });
  }
  return [...seen.values()];
}

describe('line fingerprints', () => {
  it('are equal for lines that differ only in what masking hides, and the id a template created from the line gets', () => {
    const a = fingerprintLine('Accepted connection from 10.0.0.1:5432 in 12ms (session=ab12cd)');
    const b = fingerprintLine('Accepted connection from 172.16.4.20:61000 in 3.5s (session=ff09aa)');
    expect(a).toEqual(b);
    expect(a.masked).toBe('Accepted connection from <*> in <*> (session=<*>)');
    expect(a.tokens).toBe(7);
    expect(a.id).toMatch(/^t[0-9a-f]{16}$/);
    expect(new TemplateMiner().add('Accepted connection from 10.0.0.1:5432 in 12ms (session=ab12cd)').id).toBe(a.id);
    expect(fingerprintLine('Invalid user alice').id).not.toBe(fingerprintLine('Invalid user bob').id);
  });

  it('read as much of a message as the analysis gives the miner', () => {
    expect(FINGERPRINT_MESSAGE_CHARS).toBe(ANALYSIS_LIMITS.message);
    const long = `${'word '.repeat(FINGERPRINT_MESSAGE_CHARS / 5)}`;
    expect(fingerprintLine(`${long}tail one`).id).toBe(fingerprintLine(`${long}tail two`).id);
  });
});

describe('merging fingerprints', () => {
  it('gathers the fingerprints of one template under the fingerprint that created it', () => {
    const merged = mergeFingerprints(distinctForms(['Invalid user alice', 'Invalid user bob', 'Invalid user carol', 'VM Paused', 'VM Resumed']));
    const first = fingerprintLine('Invalid user alice').id;
    expect(merged.slice(0, 3).map((m) => [m.canonical, m.template])).toEqual(Array(3).fill([first, 'Invalid user <*>']));
    expect(merged.slice(3).map((m) => m.canonical)).toEqual([fingerprintLine('VM Paused').id, fingerprintLine('VM Resumed').id]);
  });

  it('groups every line as mining all of them in order does, with the same final ids', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: SHAPES.length - 1 }), fc.constantFrom(...WORDS), fc.nat(5000)), { minLength: 1, maxLength: 120 }),
        (draws) => {
          const lines = draws.map(([shape, word, n]) => (SHAPES[shape] as (typeof SHAPES)[number])(word, n));
          const miner = new TemplateMiner();
          const mined = lines.map((l) => miner.add(l).id).map((id) => miner.resolve(id)?.id);
          const canonical = new Map(mergeFingerprints(distinctForms(lines)).map((m) => [m.id, m.canonical]));
          expect(lines.map((l) => canonical.get(fingerprintLine(l).id))).toEqual(mined);
        },
      ),
      { seed: 11, numRuns: 200 },
    );
  });

  it('merges the forms of one token count alone as it merges them among all', () => {
    const lines = WORDS.flatMap((w, i) => SHAPES.map((shape) => shape(w, i * 37)));
    const all = new Map(mergeFingerprints(distinctForms(lines)).map((m) => [m.id, m]));
    const byCount = new Map<number, FingerprintForm[]>();
    for (const form of distinctForms(lines)) {
      const n = form.masked.split(' ').length;
      byCount.set(n, [...(byCount.get(n) ?? []), form]);
    }
    expect(byCount.size).toBeGreaterThan(1);
    for (const forms of byCount.values()) for (const m of mergeFingerprints(forms)) expect(m).toEqual(all.get(m.id));
  });
});
