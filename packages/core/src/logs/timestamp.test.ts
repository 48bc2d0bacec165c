import { describe, expect, it } from 'vitest';
import { matchLeadingTimestamp, parseTimestampValue } from './timestamp.ts';

const NOW = new Date('2026-03-01T12:00:00.000Z');

function ts(v: unknown, now = NOW): string {
  const r = parseTimestampValue(v, now);
  if (!r.ok) throw new Error(r.error);
  return r.ts;
}

describe('timestamp values', () => {
  it.each([
    ['2026-11-25T10:01:02Z', '2026-11-25T10:01:02.000Z'],
    ['2026-11-25T10:01:02.123Z', '2026-11-25T10:01:02.123Z'],
    ['2026-11-25T10:01:02.123456Z', '2026-11-25T10:01:02.123456Z'],
    ['2026-11-25T10:01:02.123456789Z', '2026-11-25T10:01:02.123456Z'],
    ['2026-11-25 10:01:02', '2026-11-25T10:01:02.000Z'],
    ['2026-11-25 10:01:02,5', '2026-11-25T10:01:02.500Z'],
    ['2026-11-25T10:01:02+02:00', '2026-11-25T08:01:02.000Z'],
    ['2026-11-25T10:01:02-0530', '2026-11-25T15:31:02.000Z'],
    ['2026-11-25T10:01:02+01', '2026-11-25T09:01:02.000Z'],
    ['2026-11-25T10:01:02 UTC', '2026-11-25T10:01:02.000Z'],
    ['2026-11-25T10:01', '2026-11-25T10:01:00.000Z'],
    ['2026-11-25', '2026-11-25T00:00:00.000Z'],
    ['Sat, 25 Nov 2023 10:01:02 GMT', '2023-11-25T10:01:02.000Z'],
    ['25/Nov/2026:10:01:02 +0100', '2026-11-25T09:01:02.000Z'],
    ['Wed Nov 25 10:01:02 2026', '2026-11-25T10:01:02.000Z'],
  ])('the string %s is %s', (input, expected) => {
    expect(ts(input)).toBe(expected);
  });

  it.each([
    [1764064862, '2025-11-25T10:01:02.000Z'],
    [1764064862.5, '2025-11-25T10:01:02.500Z'],
    [1764064862123, '2025-11-25T10:01:02.123Z'],
    [1764064862123456, '2025-11-25T10:01:02.123456Z'],
    ['1764064862', '2025-11-25T10:01:02.000Z'],
    ['1764064862.123456', '2025-11-25T10:01:02.123456Z'],
    ['1764064862123', '2025-11-25T10:01:02.123Z'],
    ['1764064862123456789', '2025-11-25T10:01:02.123456Z'],
  ])('the epoch %s is %s (seconds, milliseconds, microseconds or nanoseconds by magnitude)', (input, expected) => {
    expect(ts(input)).toBe(expected);
  });

  it('a syslog date takes the year of now, or the year before when it would be in the future', () => {
    expect(ts('Feb 28 23:00:00')).toBe('2026-02-28T23:00:00.000Z');
    expect(ts('Nov 25 10:01:02')).toBe('2025-11-25T10:01:02.000Z');
    expect(ts('Mar  2 08:00:00')).toBe('2026-03-02T08:00:00.000Z');
    expect(ts('Dec 31 23:59:59', new Date('2026-01-01T00:00:10Z'))).toBe('2025-12-31T23:59:59.000Z');
  });

  it('a syslog Feb 29 goes back to the last leap year', () => {
    expect(ts('Feb 29 10:00:00')).toBe('2024-02-29T10:00:00.000Z');
  });

  it.each([
    ['xyz', "timestamp 'xyz' is not a date"],
    ['2026-02-30T10:00:00Z', "timestamp '2026-02-30T10:00:00Z' is not a date"],
    ['2026-11-25T25:00:00Z', "timestamp '2026-11-25T25:00:00Z' is not a date"],
    ['', 'timestamp is empty'],
  ])('the string %j is rejected: %s', (input, error) => {
    expect(parseTimestampValue(input, NOW)).toEqual({ ok: false, error });
  });

  it('non-string, non-number timestamps are rejected with their type', () => {
    expect(parseTimestampValue({ $date: 1 }, NOW)).toEqual({ ok: false, error: 'timestamp must be a string or a number, got object' });
    expect(parseTimestampValue(true, NOW)).toEqual({ ok: false, error: 'timestamp must be a string or a number, got boolean' });
  });

  it('instants outside the years 1000-9999 are rejected', () => {
    const r = parseTimestampValue('0999-01-01T00:00:00Z', NOW);
    expect(r.ok).toBe(false);
    expect(parseTimestampValue(1e20, NOW).ok).toBe(false);
  });
});

describe('leading timestamps of plain-text lines', () => {
  it('reads ISO with T or space, brackets, Go slashes, and reports where it ends', () => {
    expect(matchLeadingTimestamp('2026-11-25T10:01:02.5+01:00 boom', NOW)).toEqual({
      result: { ok: true, ts: '2026-11-25T09:01:02.500Z' },
      end: 27,
      kind: 'iso',
    });
    expect(matchLeadingTimestamp('[2026-11-25 10:01:02] boom', NOW)?.end).toBe(21);
    expect(matchLeadingTimestamp('2026/11/25 10:01:02 [error] boom', NOW)?.result).toEqual({ ok: true, ts: '2026-11-25T10:01:02.000Z' });
    expect(matchLeadingTimestamp('2026-11-25 10:01:02 +0100 boom', NOW)?.result).toEqual({ ok: true, ts: '2026-11-25T09:01:02.000Z' });
  });

  it('a dash after the time is a separator, not an offset', () => {
    const m = matchLeadingTimestamp('2026-11-25 10:01:02 - app - boom', NOW);
    expect(m?.result).toEqual({ ok: true, ts: '2026-11-25T10:01:02.000Z' });
    expect(m?.end).toBe(19);
  });

  it('finds a Common Log Format timestamp near the start of access-log lines', () => {
    const m = matchLeadingTimestamp('10.1.2.3 - - [25/Nov/2026:10:01:02 +0000] "GET / HTTP/1.1" 502 0', NOW);
    expect(m).toEqual({ result: { ok: true, ts: '2026-11-25T10:01:02.000Z' }, end: 0, kind: 'clf' });
  });

  it('a word that is not a month is not a syslog timestamp', () => {
    expect(matchLeadingTimestamp('Foo 25 10:01:02 x', NOW)).toBeNull();
    expect(matchLeadingTimestamp('payment failed', NOW)).toBeNull();
  });

  it('a timestamp-shaped prefix that names no date is an error', () => {
    expect(matchLeadingTimestamp('2026-13-45 10:00:00 x', NOW)?.result).toEqual({ ok: false, error: "timestamp '2026-13-45 10:00:00' is not a date" });
  });
});
