/**
 * Hostile inputs for the parser: huge lines, long runs of timestamp, header and token
 * prefixes. Parsing must finish (linear; no timing assertion, a blow-up shows as a timeout)
 * and give an event or an error, never throw.
 */
import { describe, expect, it } from 'vitest';
import { parseLogBody, parseLogLine } from './parse.ts';
import { NOW } from './test-helpers.ts';

const SIZE = 100_000;
const fill = (unit: string): string => unit.repeat(Math.ceil(SIZE / unit.length));

describe('parsing adversarial 100 KB lines', () => {
  it.each(['2026-11-25 ', '<1>', '[', 'Nov 25 ', 'level=', 'trace_id=a', 'a="', 'a=b ', '\u001b[', '\u001b]', '[error', 'sshd[1]: ', '{"a":', '[['])(
    'a line of repeated %j gives an event or an error',
    (unit) => {
      const r = parseLogLine(fill(unit), { now: NOW });
      expect(typeof r.ok).toBe('boolean');
      if (r.ok) expect(r.event.message.length).toBeLessThanOrEqual(16 * 1024);
    },
  );

  it('a body of 100 000 one-character lines gives one event per line', () => {
    const { events, rejected } = parseLogBody('x\n'.repeat(SIZE), { now: NOW });
    expect(events).toHaveLength(SIZE);
    expect(rejected).toEqual([]);
  });

  it('a body of 50 000 continuation lines folds into one bounded event', () => {
    const { events } = parseLogBody(`ERROR head\n${'\tat x\n'.repeat(50_000)}`, { now: NOW });
    expect(events).toHaveLength(1);
    expect(events[0]?.message.length).toBeLessThanOrEqual(16 * 1024);
  });

  it('a deeply nested JSON array body is rejected, not a stack overflow', () => {
    const { rejected } = parseLogBody(`[{"msg":${'['.repeat(SIZE)}`, { now: NOW });
    expect(rejected).toHaveLength(1);
  });
});
