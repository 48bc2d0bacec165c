import { describe, expect, it } from 'vitest';
import { findUnstorable, instantInRange, storableText, textProblem } from './storable.ts';

describe('what Postgres can store', () => {
  it('names NUL characters and unpaired surrogates, and accepts paired ones', () => {
    expect(textProblem('a\u0000b')).toMatch(/NUL/);
    expect(textProblem('a\ud800b')).toMatch(/surrogate/);
    expect(textProblem('a\udc00')).toMatch(/surrogate/);
    expect(textProblem('emoji 😀 ok')).toBeNull();
    expect(textProblem('tab\tand\nnewline')).toBeNull();
  });

  it('cleans text loglore writes itself: NUL removed, lone surrogates replaced', () => {
    expect(storableText('a\u0000b\ud800c😀')).toBe('ab\uFFFDc😀');
    expect(storableText('plain')).toBe('plain');
  });

  it('finds every unstorable string and key with its path', () => {
    const issues = findUnstorable({ text: 'x\u0000', metadata: { ok: 'y', list: ['a', '\udfff'] }, ['k\u0000']: 1 });
    expect(issues).toHaveLength(3);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: '', message: 'keys must not contain a NUL character (U+0000)' },
        { path: 'text', message: 'must not contain a NUL character (U+0000)' },
        { path: 'metadata.list.1', message: 'must not contain an unpaired UTF-16 surrogate' },
      ]),
    );
  });

  it('refuses nesting deeper than the limit, however deep, without recursion', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnstorable({ a: deep })).toEqual([{ path: expect.stringMatching(/^a\.0\.0/) as string, message: 'nests deeper than 64 levels' }]);
    let ok: unknown = 'x';
    for (let i = 0; i < 63; i++) ok = [ok];
    expect(findUnstorable(ok)).toEqual([]);
  });

  it('leaves the text of cleaned top-level keys unchecked but still bounds their depth', () => {
    expect(findUnstorable({ logs: ['a\u0000'], text: 'ok' }, { checkText: (key) => key !== 'logs' })).toEqual([]);
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(findUnstorable({ logs: deep }, { checkText: (key) => key !== 'logs' })).toHaveLength(1);
  });

  it('accepts instants between the years 1000 and 9999 only', () => {
    expect(instantInRange('2026-11-25T10:00:00Z')).toBe(true);
    expect(instantInRange('0000-01-01T00:00:00Z')).toBe(false);
    expect(instantInRange('0999-12-31T23:59:59Z')).toBe(false);
    expect(instantInRange('9999-12-31T23:59:59-05:00')).toBe(false);
  });
});
