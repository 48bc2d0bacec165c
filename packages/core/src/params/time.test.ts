import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { extractParameters, extractParametersDetailed } from './extract.ts';

/** Wednesday 2026-11-25 11:30 UTC; the configured zone is UTC and the window 60 minutes. */
const AT = new Date('2026-11-25T11:30:00Z');
const config = parseConfig({ timeZoneAbbreviations: { BST: '+06:00' } });

function windowOf(text: string, at = AT, cfg = config): [string, string] {
  const { time_range } = extractParameters({ text, at }, cfg);
  return [time_range.from, time_range.to];
}
const z = (s: string) => new Date(s).toISOString();

describe('time windows', () => {
  it.each([
    // [behaviour, text, from, to]
    ['no time stated gives the default window ending at the anchor', 'payments failing', '2026-11-25T10:30', '2026-11-25T11:30'],
    ['"since 10:00" runs from 10:00 to the anchor', 'errors since 10:00', '2026-11-25T10:00', '2026-11-25T11:30'],
    ['"since 10am" reads am', 'since 10am', '2026-11-25T10:00', '2026-11-25T11:30'],
    ['"since 10 a.m." reads a.m.', 'since 10 a.m.', '2026-11-25T10:00', '2026-11-25T11:30'],
    ['"since 3 pm" said in the morning means yesterday afternoon', 'since 3 pm', '2026-11-24T15:00', '2026-11-25T11:30'],
    ['a bare hour takes its most recent am/pm reading', 'since 9', '2026-11-25T09:00', '2026-11-25T11:30'],
    ['a clock time later than the anchor means yesterday', 'since 12:15', '2026-11-24T12:15', '2026-11-25T11:30'],
    ['"since 10.30" reads a dotted clock time', 'since 10.30', '2026-11-25T10:30', '2026-11-25T11:30'],
    ['"since midnight" starts the day', 'since midnight', '2026-11-25T00:00', '2026-11-25T11:30'],
    ['"in the last 2 hours"', 'in the last 2 hours', '2026-11-25T09:30', '2026-11-25T11:30'],
    ['"past 30m"', 'past 30m', '2026-11-25T11:00', '2026-11-25T11:30'],
    ['"last 15 minutes"', 'last 15 minutes', '2026-11-25T11:15', '2026-11-25T11:30'],
    ['"last hour" without a number', 'last hour', '2026-11-25T10:30', '2026-11-25T11:30'],
    ['"last 24h"', 'last 24h', '2026-11-24T11:30', '2026-11-25T11:30'],
    ['"last 1h30m" adds glued units', 'last 1h30m', '2026-11-25T10:00', '2026-11-25T11:30'],
    ['"past 1.5 hours" takes decimals', 'past 1.5 hours', '2026-11-25T10:00', '2026-11-25T11:30'],
    ['"last couple of hours" counts two', 'in the last couple of hours', '2026-11-25T09:30', '2026-11-25T11:30'],
    ['"last half hour"', 'last half hour', '2026-11-25T11:00', '2026-11-25T11:30'],
    ['"past week" is seven days', 'past week', '2026-11-18T11:30', '2026-11-25T11:30'],
    ['"since 2 hours" (South Asian English) means the last two hours', 'since 2 hours', '2026-11-25T09:30', '2026-11-25T11:30'],
    ['"an hour ago" runs from then to the anchor', 'an hour ago', '2026-11-25T10:30', '2026-11-25T11:30'],
    ['"2h ago"', 'spike 2h ago', '2026-11-25T09:30', '2026-11-25T11:30'],
    ['"from 3 hours ago to 1 hour ago" is a range of points', 'from 3 hours ago to 1 hour ago', '2026-11-25T08:30', '2026-11-25T10:30'],
    ['"around 2 hours ago" centres the window', 'around 2 hours ago', '2026-11-25T09:00', '2026-11-25T10:00'],
    ['"yesterday between 14:00 and 15:00"', 'yesterday between 14:00 and 15:00', '2026-11-24T14:00', '2026-11-24T15:00'],
    ['"between 9 and 11" today', 'between 9 and 11', '2026-11-25T09:00', '2026-11-25T11:00'],
    ['"between 2 and 4pm" lends pm to both ends', 'between 2 and 4pm yesterday', '2026-11-24T14:00', '2026-11-24T16:00'],
    ['a bare hour on a stated day reads as business hours', 'yesterday between 2 and 4', '2026-11-24T14:00', '2026-11-24T16:00'],
    ['"from 10:00 to 11:30"', 'from 10:00 to 11:30', '2026-11-25T10:00', '2026-11-25T11:30'],
    ['"10:00-10:45" is a range, not an offset', '10:00-10:45', '2026-11-25T10:00', '2026-11-25T10:45'],
    ['"10-11am"', '10-11am', '2026-11-25T10:00', '2026-11-25T11:00'],
    ['a range crossing midnight ends the next day', 'from 22:00 to 02:00', '2026-11-24T22:00', '2026-11-25T02:00'],
    ['an explicit end after the anchor is kept', 'between 10:30 and 11:45', '2026-11-25T10:30', '2026-11-25T11:45'],
    ['"from yesterday 22:00 to today 02:00" gives each end its day', 'from yesterday 22:00 to today 02:00', '2026-11-24T22:00', '2026-11-25T02:00'],
    ['"until 11:00" ends there', 'until 11:00', '2026-11-25T10:00', '2026-11-25T11:00'],
    ['"an hour before 10:00" ends at 10:00', 'an hour before 10:00', '2026-11-25T09:00', '2026-11-25T10:00'],
    ['"at 10:00" centres the window', 'at 10:00', '2026-11-25T09:30', '2026-11-25T10:30'],
    ['a lone clock time centres the window', 'errors 10:15', '2026-11-25T09:45', '2026-11-25T10:45'],
    ['"at 3pm yesterday"', 'at 3pm yesterday', '2026-11-24T14:30', '2026-11-24T15:30'],
    ['"started at T" means since T', 'started at 10:05', '2026-11-25T10:05', '2026-11-25T11:30'],
    ['"10:00 onwards" means since', '10:00 onwards', '2026-11-25T10:00', '2026-11-25T11:30'],
    ['"this morning" ends at the anchor', 'this morning', '2026-11-25T06:00', '2026-11-25T11:30'],
    ['"yesterday afternoon"', 'yesterday afternoon', '2026-11-24T12:00', '2026-11-24T18:00'],
    ['"last night" runs to the next morning', 'last night', '2026-11-24T18:00', '2026-11-25T06:00'],
    ['hours after midnight of a night belong to the next day', 'between 01:00 and 03:00 last night', '2026-11-25T01:00', '2026-11-25T03:00'],
    ['"yesterday evening around 7" reads 7 as pm', 'yesterday evening around 7', '2026-11-24T18:30', '2026-11-24T19:30'],
    ['"in the morning" needs its qualifier', 'in the morning', '2026-11-25T06:00', '2026-11-25T11:30'],
    ['"good morning" is a greeting, not a time', 'good morning, payments failing', '2026-11-25T10:30', '2026-11-25T11:30'],
    ['"today" runs from midnight', 'today', '2026-11-25T00:00', '2026-11-25T11:30'],
    ['"yesterday" is the whole day', 'yesterday', '2026-11-24T00:00', '2026-11-25T00:00'],
    ['"the day before yesterday"', 'the day before yesterday', '2026-11-23T00:00', '2026-11-24T00:00'],
    ['"since yesterday" runs to the anchor', 'since yesterday', '2026-11-24T00:00', '2026-11-25T11:30'],
    ['"on 2026-11-20"', 'on 2026-11-20', '2026-11-20T00:00', '2026-11-21T00:00'],
    ['"on Nov 20"', 'on Nov 20', '2026-11-20T00:00', '2026-11-21T00:00'],
    ['"20th November 2026"', '20th November 2026', '2026-11-20T00:00', '2026-11-21T00:00'],
    ['"on the 20th" is the most recent 20th', 'on the 20th', '2026-11-20T00:00', '2026-11-21T00:00'],
    ['a month-day later this year means last year', 'Nov 30', '2025-11-30T00:00', '2025-12-01T00:00'],
    ['"20/11/2026" reads day first by default', 'on 20/11/2026', '2026-11-20T00:00', '2026-11-21T00:00'],
    ['"Monday" is the most recent Monday', 'on Monday', '2026-11-23T00:00', '2026-11-24T00:00'],
    ['"last Friday"', 'last Friday', '2026-11-20T00:00', '2026-11-21T00:00'],
    ['"this week" starts on Monday', 'this week', '2026-11-23T00:00', '2026-11-25T11:30'],
    ['"over the weekend"', 'over the weekend', '2026-11-21T00:00', '2026-11-23T00:00'],
    ['an ISO timestamp with Z', 'since 2026-11-25T09:00:00Z', '2026-11-25T09:00', '2026-11-25T11:30'],
    ['an ISO timestamp with an offset', 'since 2026-11-25T15:00:00+06:00', '2026-11-25T09:00', '2026-11-25T11:30'],
    ['an ISO timestamp without zone is read in the configured zone', 'at 2026-11-25T10:00:00', '2026-11-25T09:30', '2026-11-25T10:30'],
    ['two ISO timestamps form a range', '2026-11-25T04:00:00.000Z - 2026-11-25T05:00:00.000Z', '2026-11-25T04:00', '2026-11-25T05:00'],
    ['"10:00 UTC"', 'since 10:00 UTC', '2026-11-25T10:00', '2026-11-25T11:30'],
    ['"10:00 +06:00"', 'since 10:00 +06:00', '2026-11-25T04:00', '2026-11-25T11:30'],
    ['"GMT+6"', 'since 11:00 GMT+6', '2026-11-25T05:00', '2026-11-25T11:30'],
    ['an IANA zone after the time', 'since 9:00 Asia/Dhaka', '2026-11-25T03:00', '2026-11-25T11:30'],
    ['a configured abbreviation', 'since 10:00 BST', '2026-11-25T04:00', '2026-11-25T11:30'],
    ['a fixed abbreviation from the defaults', 'since 05:00 CET', '2026-11-25T04:00', '2026-11-25T11:30'],
    ['a zone after a range applies to both ends', 'between 03:00 and 04:00 EST', '2026-11-25T08:00', '2026-11-25T09:00'],
    ['a zone said on its own applies to every time', 'all times Asia/Dhaka: errors since 9:00', '2026-11-25T03:00', '2026-11-25T11:30'],
    ['"now" is the default window', 'right now', '2026-11-25T10:30', '2026-11-25T11:30'],
    ['a correction makes the later expression win', 'at 10:00, no wait, 10:30', '2026-11-25T10:00', '2026-11-25T11:00'],
    ['the first of two expressions wins', 'since 10:00 and in the last hour', '2026-11-25T10:00', '2026-11-25T11:30'],
    ['a clock time beats a bare day', 'yesterday, since 22:00', '2026-11-24T22:00', '2026-11-25T11:30'],
    ['an invalid clock time is ignored', 'errors since 25:00', '2026-11-25T10:30', '2026-11-25T11:30'],
    ['"for 10 minutes" in an alert is a duration, not a window', '5xx above 5% for 10 minutes', '2026-11-25T10:30', '2026-11-25T11:30'],
    ['a typo in "yesterday" is forgiven', 'yesterdy between 10 and 11', '2026-11-24T10:00', '2026-11-24T11:00'],
  ])('%s', (_behaviour, text, from, to) => {
    expect(windowOf(text)).toEqual([z(`${from}Z`), z(`${to}Z`)]);
  });

  it('anchors every relative time at `at`, so a backfill gives the same answer years later', () => {
    const at = new Date('2019-03-04T08:00:00Z');
    expect(windowOf('last 2 hours', at)).toEqual([z('2019-03-04T06:00Z'), z('2019-03-04T08:00Z')]);
    expect(windowOf('yesterday', at)).toEqual([z('2019-03-03T00:00Z'), z('2019-03-04T00:00Z')]);
  });

  it('reads days and clock times in the configured zone', () => {
    const dhaka = parseConfig({ defaults: { timeZone: 'Asia/Dhaka' } });
    // 11:30 UTC is 17:30 in Dhaka.
    expect(windowOf('since 10:00', AT, dhaka)).toEqual([z('2026-11-25T04:00Z'), z('2026-11-25T11:30Z')]);
    expect(windowOf('today', AT, dhaka)).toEqual([z('2026-11-24T18:00Z'), z('2026-11-25T11:30Z')]);
  });

  it('keeps wall-clock hours across a daylight-saving change', () => {
    const london = parseConfig({ defaults: { timeZone: 'Europe/London' } });
    const at = new Date('2026-03-30T11:00:00Z');
    expect(windowOf('yesterday between 00:30 and 03:00', at, london)).toEqual([z('2026-03-29T00:30Z'), z('2026-03-29T02:00Z')]);
  });

  it('uses the configured window length', () => {
    const wide = parseConfig({ defaults: { windowMinutes: 240 } });
    expect(windowOf('payments failing', AT, wide)).toEqual([z('2026-11-25T07:30Z'), z('2026-11-25T11:30Z')]);
    expect(windowOf('at 10:00', AT, wide)).toEqual([z('2026-11-25T08:00Z'), z('2026-11-25T11:30Z')]);
  });

  it('uses the configured hours of the day parts', () => {
    const early = parseConfig({ dayParts: { morning: [5, 11] } });
    expect(windowOf('yesterday morning', AT, early)).toEqual([z('2026-11-24T05:00Z'), z('2026-11-24T11:00Z')]);
  });

  it('says whether the window was stated or defaulted', () => {
    expect(extractParametersDetailed({ text: 'since 10:00', at: AT }).sources.time_range).toBe('text');
    expect(extractParametersDetailed({ text: 'payments failing', at: AT }).sources.time_range).toBe('default');
  });
});
