import { describe, expect, it } from 'vitest';
import { groupingAccuracy, parseCsv } from './dataset.ts';

describe('parseCsv', () => {
  it('reads quoted fields holding commas, doubled quotes and line breaks', () => {
    const text = 'LineId,Content,EventId\r\n1,"a, b",E1\n2,"say ""hi""\nthere",E2\n3,plain,E3';
    expect(parseCsv(text)).toEqual([
      ['LineId', 'Content', 'EventId'],
      ['1', 'a, b', 'E1'],
      ['2', 'say "hi"\nthere', 'E2'],
      ['3', 'plain', 'E3'],
    ]);
  });
});

describe('groupingAccuracy', () => {
  it('counts a line only when its predicted group is exactly its true group', () => {
    // True groups {0,1} {2} {3,4}; predicted {0,1} {2,3} {4}: only lines 0 and 1 are right.
    expect(groupingAccuracy(['a', 'a', 'b', 'b', 'c'], ['x', 'x', 'y', 'z', 'z'])).toBeCloseTo(2 / 5);
    expect(groupingAccuracy(['p', 'p', 'q'], ['x', 'x', 'y'])).toBe(1);
  });
});
