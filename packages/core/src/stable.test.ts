import { describe, expect, it } from 'vitest';
import { stableStringify } from './stable.ts';

describe('stable JSON', () => {
  it('is the same whatever the key order, at every depth', () => {
    expect(stableStringify({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(stableStringify({ a: { c: null, d: [2, { e: 0, f: 1 }] }, b: 1 }));
  });

  it('drops undefined members and keeps array order', () => {
    expect(stableStringify({ a: undefined, b: [3, 1] })).toBe('{"b":[3,1]}');
    expect(stableStringify([1, 2])).not.toBe(stableStringify([2, 1]));
  });
});

describe('stable JSON of hostile values', () => {
  it('stringifies a value nested 100,000 levels deep without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { a: deep };
    const text = stableStringify(deep);
    expect(text.length).toBeGreaterThan(200_000);
    expect(text.startsWith('[{"a":[{"a":')).toBe(true);
    expect(text.endsWith('}]}]')).toBe(true);
  });

  it('keeps the exact text of earlier versions (backfill idempotency keys hash it)', () => {
    expect(stableStringify({ z: [1, 'two', null, true, { y: undefined, x: 1.5 }], a: {}, m: [] })).toBe(
      '{"a":{},"m":[],"z":[1,"two",null,true,{"x":1.5}]}',
    );
    expect(stableStringify([undefined, 'a\u0000\ud800'])).toBe('[null,"a\\u0000\\ud800"]');
  });
});
