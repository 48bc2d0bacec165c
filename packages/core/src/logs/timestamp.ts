/**
 * Timestamps as logs write them → ISO-8601 instants in UTC (`2026-11-25T10:01:02.123Z`,
 * with microseconds when the source had them; finer digits are dropped, as Postgres keeps
 * microseconds). A time without a zone is taken as UTC.
 */

export type TimestampResult = { ok: true; ts: string } | { ok: false; error: string };

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};
const WEEKDAYS = new Set(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

const MIN_MS = Date.UTC(1000, 0, 1);
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const DAY_MS = 86_400_000;

/** An instant before formatting: milliseconds since the epoch plus the 3 sub-millisecond digits ('' when none). */
interface Instant {
  ms: number;
  micros: string;
}

/** Why a timestamp-shaped string was refused, or the instant it denotes. */
type Parsed = Instant | 'invalid';

function daysInMonth(y: number, mo: number): number {
  if (mo === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
}

/** `frac` is the digits after the decimal point of the seconds. */
function fromParts(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string, offsetMin: number): Parsed {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 60) return 'invalid';
  // Date.UTC maps years 0..99 to 1900..1999; such years are outside the accepted range anyway.
  if (y < 1000) return { ms: Number.NaN, micros: '' };
  const digits = frac.length === 3 ? frac : frac.padEnd(6, '0');
  const ms = Date.UTC(y, mo - 1, d, h, mi, s, Number(digits.slice(0, 3))) - offsetMin * 60_000;
  return { ms, micros: digits.length > 3 ? digits.slice(3, 6) : '' };
}

function format(p: Instant): string | null {
  if (!Number.isFinite(p.ms) || p.ms < MIN_MS || p.ms > MAX_MS) return null;
  const iso = new Date(p.ms).toISOString();
  return p.micros && p.micros !== '000' ? `${iso.slice(0, -1)}${p.micros}Z` : iso;
}

/** Offset in minutes east of UTC; null when malformed. No zone means UTC. */
function parseOffset(zone: string | undefined): number | null {
  if (!zone) return 0;
  const z = zone.toUpperCase();
  if (z === 'Z' || z === 'UTC' || z === 'GMT') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!m) return null;
  const h = Number(m[2]);
  const mi = Number(m[3] ?? '0');
  if (h > 23 || mi > 59) return null;
  return (m[1] === '-' ? -1 : 1) * (h * 60 + mi);
}

function month(name: string | undefined): number | undefined {
  return name === undefined ? undefined : MONTHS[name.toLowerCase()];
}

/**
 * The most recent year, not ahead of `now` by more than a day, in which a syslog date
 * (which has no year) exists: "Dec 31" read on Jan 1 is last year's; "Feb 29" goes back
 * to a leap year.
 */
function inferYear(mo: number, d: number, h: number, mi: number, s: number, frac: string, now: Date): Parsed {
  const limit = now.getTime() + DAY_MS;
  let y = now.getUTCFullYear();
  for (let k = 0; k < 8; k++, y--) {
    if (d > daysInMonth(y, mo)) continue;
    const p = fromParts(y, mo, d, h, mi, s, frac, 0);
    if (p === 'invalid') return p;
    if (p.ms <= limit) return p;
  }
  return 'invalid';
}

// ---------------------------------------------------------------------------------------
// Leading timestamps of plain-text lines. Every pattern is anchored with bounded repeats.

/** `2026-11-25T10:01:02.123Z`, `2026-11-25 10:01:02,123 +0100`, `2026/11/25 10:01:02` (Go), optionally in brackets. */
const LEAD_ISO =
  /^\[?(\d{4})([-/])(\d{2})\2(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz]|[+-]\d{2}(?::?\d{2})?)| (UTC|GMT|[+-]\d{2}:?\d{2}))?\]?(?![\w])/;
/** RFC 3164 syslog: `Nov 25 10:01:02`, `Nov  5 10:01:02.123`, also with a year: `Nov 25 2026 10:01:02`. */
const LEAD_SYSLOG = /^([A-Za-z]{3}) {1,2}(\d{1,2})(?: (\d{4}))? (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?![\w:.])/;
/** ctime / Apache error log: `[Sat Nov 25 10:01:02.123456 2026]`. */
const LEAD_CTIME = /^\[?([A-Za-z]{3}) ([A-Za-z]{3}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? (\d{4})\]?(?![\w])/;
/** Common Log Format (nginx/Apache access logs): `[25/Nov/2026:10:01:02 +0000]`, found anywhere in a line's head. */
const CLF = /\[(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? ([+-]\d{4})\]/;
/** How far into a line a Common Log Format timestamp is looked for. */
const CLF_SEARCH_CHARS = 160;

export interface LeadingTimestamp {
  /** The instant, or an error when the text has a timestamp's shape but no such date exists. */
  result: TimestampResult;
  /** Where the timestamp ends in the line; for `clf` the timestamp stays in the message and this is 0. */
  end: number;
  kind: 'iso' | 'syslog' | 'ctime' | 'clf';
}

function show(raw: string): string {
  return raw.length > 64 ? `${raw.slice(0, 64)}…` : raw;
}

function result(p: Parsed, raw: string): TimestampResult {
  if (p === 'invalid') return { ok: false, error: `timestamp '${show(raw)}' is not a date` };
  const ts = format(p);
  if (ts === null) return { ok: false, error: `timestamp '${show(raw)}' is outside the years 1000-9999` };
  return { ok: true, ts };
}

function isoMatch(m: RegExpExecArray): Parsed {
  const offset = parseOffset(m[9] ?? m[10]);
  if (offset === null) return 'invalid';
  return fromParts(Number(m[1]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7] ?? '0'), m[8] ?? '', offset);
}

function syslogMatch(m: RegExpExecArray, now: Date): Parsed | null {
  const mo = month(m[1]);
  if (mo === undefined) return null;
  const [d, h, mi, s] = [Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6])];
  if (m[3] !== undefined) return fromParts(Number(m[3]), mo, d, h, mi, s, m[7] ?? '', 0);
  return inferYear(mo, d, h, mi, s, m[7] ?? '', now);
}

function ctimeMatch(m: RegExpExecArray): Parsed | null {
  const mo = month(m[2]);
  if (mo === undefined || !WEEKDAYS.has((m[1] ?? '').toLowerCase())) return null;
  return fromParts(Number(m[8]), mo, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), m[7] ?? '', 0);
}

function clfMatch(m: RegExpExecArray): Parsed | null {
  const mo = month(m[2]);
  if (mo === undefined) return null;
  const offset = parseOffset(m[8]);
  if (offset === null) return 'invalid';
  return fromParts(Number(m[3]), mo, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), m[7] ?? '', offset);
}

/**
 * The timestamp a plain-text line starts with (ISO-8601 with `T` or a space, syslog, ctime),
 * or a Common Log Format timestamp near its start; null when there is none. `now` anchors the
 * year of syslog timestamps, which have none.
 */
export function matchLeadingTimestamp(line: string, now: Date): LeadingTimestamp | null {
  const c = line.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39) {
    const m = LEAD_ISO.exec(line);
    if (m) return { result: result(isoMatch(m), m[0]), end: m[0].length, kind: 'iso' };
  } else if (c === 0x5b /* [ */) {
    const m = LEAD_ISO.exec(line);
    if (m) return { result: result(isoMatch(m), m[0]), end: m[0].length, kind: 'iso' };
    const ct = LEAD_CTIME.exec(line);
    if (ct) {
      const p = ctimeMatch(ct);
      if (p !== null) return { result: result(p, ct[0]), end: ct[0].length, kind: 'ctime' };
    }
  } else {
    const sy = LEAD_SYSLOG.exec(line);
    if (sy) {
      const p = syslogMatch(sy, now);
      if (p !== null) return { result: result(p, sy[0]), end: sy[0].length, kind: 'syslog' };
    }
    const ct = LEAD_CTIME.exec(line);
    if (ct) {
      const p = ctimeMatch(ct);
      if (p !== null) return { result: result(p, ct[0]), end: ct[0].length, kind: 'ctime' };
    }
  }
  const clf = CLF.exec(line.slice(0, CLF_SEARCH_CHARS));
  if (clf) {
    const p = clfMatch(clf);
    if (p !== null) return { result: result(p, clf[0]), end: 0, kind: 'clf' };
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// Timestamp field values (JSON, logfmt).

const ISO_VALUE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)? ?([Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/;
const EPOCH_VALUE = /^(-?)(\d{1,20})(?:\.(\d{1,9}))?$/;
const RFC2822_VALUE = /^(?:([A-Za-z]{3}), ?)?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2})(?::(\d{2}))?(?: ?(GMT|UTC|Z|[+-]\d{4}))?$/;
const CLF_VALUE = /^(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? ([+-]\d{4})$/;

/**
 * Epoch numbers by magnitude: below 1e11 seconds (fractions allowed), below 1e14
 * milliseconds, below 1e17 microseconds, otherwise nanoseconds. Digit strings keep every
 * digit exact (a nanosecond string exceeds a double's precision).
 */
function fromEpoch(sign: string, int: string, frac: string): Parsed {
  const digits = int.replace(/^0+(?=\d)/, '');
  const s = sign === '-' ? -1 : 1;
  if (digits.length <= 11) {
    const f = frac.padEnd(6, '0');
    const ms = s * (Number(digits) * 1000 + Number(f.slice(0, 3)));
    return { ms, micros: s > 0 ? f.slice(3, 6) : '' };
  }
  if (digits.length <= 14) return { ms: s * Number(digits), micros: s > 0 ? frac.slice(0, 3).padEnd(frac ? 3 : 0, '0') : '' };
  if (digits.length <= 17) return { ms: s * Number(digits.slice(0, -3)), micros: s > 0 ? digits.slice(-3) : '' };
  return { ms: s * Number(digits.slice(0, -6)), micros: s > 0 ? digits.slice(-6, -3) : '' };
}

/** Already what loglore stores: returned as is once the calendar date is checked. */
const CANONICAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{3}Z$/;

function parseStringValue(s: string, now: Date): Parsed | string | null {
  const c = CANONICAL.exec(s);
  if (c) {
    const [y, mo, d, h, mi, sec] = [Number(c[1]), Number(c[2]), Number(c[3]), Number(c[4]), Number(c[5]), Number(c[6])];
    if (y >= 1000 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h <= 23 && mi <= 59 && sec <= 59) return s;
    return 'invalid';
  }
  let m = ISO_VALUE.exec(s);
  if (m) {
    const offset = parseOffset(m[8]);
    if (offset === null) return 'invalid';
    return fromParts(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? '0'), Number(m[5] ?? '0'), Number(m[6] ?? '0'), m[7] ?? '', offset);
  }
  m = EPOCH_VALUE.exec(s);
  if (m) return fromEpoch(m[1] ?? '', m[2] ?? '', m[3] ?? '');
  m = LEAD_SYSLOG.exec(s);
  if (m && m[0].length === s.length) return syslogMatch(m, now);
  m = LEAD_CTIME.exec(s);
  if (m && m[0].length === s.length) return ctimeMatch(m);
  m = CLF_VALUE.exec(s);
  if (m) return clfMatch(m);
  m = RFC2822_VALUE.exec(s);
  if (m) {
    const mo = month(m[3]);
    const offset = parseOffset(m[8]);
    if (mo === undefined || offset === null) return null;
    return fromParts(Number(m[4]), mo, Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7] ?? '0'), '', offset);
  }
  return null;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * A timestamp field's value → ISO instant. Accepts ISO-8601 (with `T` or a space, fractions,
 * `Z`, offsets or none, or a date alone), epoch seconds/milliseconds/microseconds/nanoseconds
 * as numbers or digit strings, syslog (`Nov 25 10:01:02`, year inferred from `now`), ctime,
 * Common Log Format and RFC 2822 dates.
 */
export function parseTimestampValue(value: unknown, now: Date): TimestampResult {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, error: `timestamp ${value} is not a date` };
    const m = EPOCH_VALUE.exec(String(value));
    if (!m) return { ok: false, error: `timestamp ${value} is not a date` };
    return result(fromEpoch(m[1] ?? '', m[2] ?? '', m[3] ?? ''), String(value));
  }
  if (typeof value !== 'string') return { ok: false, error: `timestamp must be a string or a number, got ${typeName(value)}` };
  const s = value.trim();
  if (s === '') return { ok: false, error: 'timestamp is empty' };
  const p = s.length > 64 ? null : parseStringValue(s, now);
  if (typeof p === 'string' && p !== 'invalid') return { ok: true, ts: p };
  return result(p ?? 'invalid', s);
}
