import { describe, expect, it } from 'vitest';
import { civilDay, fromWall, offsetAt, parseOffset, toWall, zoneFromName } from './zone.ts';

const london = { kind: 'iana', name: 'Europe/London' } as const;
const day = (y: number, m: number, d: number) => civilDay(y, m, d) ?? NaN;

describe('zones', () => {
  it.each([
    ['Z', 0],
    ['+06:00', 360],
    ['+0600', 360],
    ['+6', 360],
    ['-05:30', -330],
    ['+14:00', 840],
  ])('reads the offset %s as %i minutes', (text, minutes) => {
    expect(parseOffset(text)).toBe(minutes);
  });

  it.each(['+15:00', '06:00', '+6:75', 'UTC', ''])('rejects %j as an offset', (text) => {
    expect(parseOffset(text)).toBeNull();
  });

  it('knows IANA names and UTC, and nothing else', () => {
    expect(zoneFromName('Asia/Dhaka')).toEqual({ kind: 'iana', name: 'Asia/Dhaka' });
    expect(zoneFromName('UTC')).toEqual({ kind: 'fixed', minutes: 0 });
    expect(zoneFromName('Mars/Olympus')).toBeNull();
  });

  it('reads a wall time in a zone without daylight saving', () => {
    const t = fromWall({ kind: 'iana', name: 'Asia/Dhaka' }, day(2026, 11, 25), 10, 0);
    expect(new Date(t).toISOString()).toBe('2026-11-25T04:00:00.000Z');
  });

  it('uses summer time in summer and winter time in winter', () => {
    expect(offsetAt(london, Date.parse('2026-07-01T12:00:00Z'))).toBe(60);
    expect(offsetAt(london, Date.parse('2026-12-01T12:00:00Z'))).toBe(0);
  });

  it('reads a time skipped by the spring change as the instant just after the gap', () => {
    // 2026-03-29 01:00 GMT → 02:00 BST; 01:30 does not exist.
    expect(new Date(fromWall(london, day(2026, 3, 29), 1, 30)).toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  it('reads a time repeated by the autumn change as its first occurrence', () => {
    // 2026-10-25 02:00 BST → 01:00 GMT; 01:30 happens twice.
    expect(new Date(fromWall(london, day(2026, 10, 25), 1, 30)).toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('round-trips wall readings through instants', () => {
    const t = Date.parse('2026-11-25T05:30:00Z');
    const w = toWall({ kind: 'iana', name: 'Asia/Dhaka' }, t);
    expect([w.day, w.h, w.m, w.dow]).toEqual([day(2026, 11, 25), 11, 30, 3]);
    expect(fromWall({ kind: 'iana', name: 'Asia/Dhaka' }, w.day, w.h, w.m)).toBe(t);
  });

  it('refuses calendar dates that do not exist', () => {
    expect(civilDay(2026, 2, 30)).toBeNull();
    expect(civilDay(2028, 2, 29)).not.toBeNull();
  });
});
