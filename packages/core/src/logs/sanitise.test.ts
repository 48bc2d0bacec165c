import { describe, expect, it } from 'vitest';
import { TRUNCATION_MARK } from './limits.ts';
import { boundAttrs, cleanText, truncate } from './sanitise.ts';

describe('cleanText', () => {
  it('removes colour codes, OSC hyperlinks and control characters but keeps tabs and newlines', () => {
    expect(cleanText('\u001b[1;31mred\u001b[0m \u001b]8;;http://x\u0007link\u001b]8;;\u0007 a\tb\r\nc\u0000d\u0007')).toBe('red link a\tb\ncd');
  });

  it('repairs lone surrogates and leaves pairs alone', () => {
    expect(cleanText('a\ud800b\udc00c 😀')).toBe('a\ufffdb\ufffdc 😀');
  });

  it('returns clean text unchanged', () => {
    const s = 'plain text';
    expect(cleanText(s)).toBe(s);
  });
});

describe('truncate', () => {
  it('cuts to the limit including the marker and never splits a surrogate pair', () => {
    const s = `${'a'.repeat(10)}😀${'b'.repeat(30)}`;
    const t = truncate(s, 11 + TRUNCATION_MARK.length);
    expect(t).toBe(`${'a'.repeat(10)}${TRUNCATION_MARK}`);
    expect(truncate('short', 100)).toBe('short');
  });
});

describe('boundAttrs', () => {
  it('keeps JSON values, drops functions and undefined, turns Dates, bigints and NaN into JSON', () => {
    const out = boundAttrs({ a: 1, b: 'x', c: null, d: [1, undefined], e: () => 1, f: undefined, g: new Date(0), h: 10n, i: Number.NaN });
    expect(out).toEqual({ a: 1, b: 'x', c: null, d: [1, null], g: '1970-01-01T00:00:00.000Z', h: '10', i: 'NaN' });
  });

  it('counts dropped array items', () => {
    const out = boundAttrs({ list: Array.from({ length: 150 }, (_, i) => i) });
    expect((out.list as number[]).length).toBe(100);
    expect(out._truncated).toBe(50);
  });

  it('terminates on cyclic objects', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    const out = boundAttrs({ a });
    expect(JSON.stringify(out)).toContain('[truncated: nested too deep]');
  });
});
