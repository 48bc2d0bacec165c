import { describe, expect, it } from 'vitest';
import { jsonErrorOffset } from './json-error.ts';

describe('jsonErrorOffset', () => {
  it.each(['[]', '{}', ' [1, -2.5e3, "a\\"b\\u00e9", true, false, null, {"k": [{}]}] ', '"s"', '0'])('%s is valid', (text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(jsonErrorOffset(text)).toBe(-1);
  });

  it.each([
    ['[1,]', 3],
    ['{"a": }', 6],
    ['{"a" 1}', 5],
    ['[1 2]', 3],
    ['["a\\x"]', 3],
    ['["abc', 5],
    ['[01]', 2],
    ['{a:1}', 1],
    ['[1] x', 4],
    ['[tru]', 1],
  ])('%s breaks at offset %i', (text, at) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonErrorOffset(text)).toBe(at);
  });

  it('deep nesting does not overflow the stack', () => {
    expect(jsonErrorOffset('['.repeat(100_000))).toBe(100_000);
  });
});
