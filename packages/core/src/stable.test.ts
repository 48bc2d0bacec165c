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
