/**
 * Wall-clock ↔ instant conversion in IANA zones and fixed offsets, on top of `Intl` (pure: no
 * I/O, no time-zone database of our own). Civil days are counted as days since 1970-01-01.
 */

export type Zone = { kind: 'iana'; name: string } | { kind: 'fixed'; minutes: number };

const DAY_MS = 86_400_000;
const CACHE_LIMIT = 512;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(name: string): Intl.DateTimeFormat | null {
  const cached = formatters.get(name);
  if (cached) return cached;
  let f: Intl.DateTimeFormat;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return null;
  }
  // The cache only ever holds valid zone names, of which there are a few hundred; the cap is a guard.
  if (formatters.size >= CACHE_LIMIT) formatters.clear();
  formatters.set(name, f);
  return f;
}

/** True when `name` is a time zone `Intl` knows (IANA names and "UTC"). */
export function isValidTimeZone(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && name.length <= 64 && formatter(name) !== null;
}

/** `Z`, `+06:00`, `+0600`, `+6`, `-05:30` → minutes east of UTC; null when not an offset or beyond ±14:00. */
export function parseOffset(text: string): number | null {
  if (text === 'Z' || text === 'z') return 0;
  const m = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(text);
  if (!m) return null;
  const hours = Number(m[2]);
  const minutes = m[3] === undefined ? 0 : Number(m[3]);
  if (hours > 14 || minutes > 59) return null;
  const total = hours * 60 + minutes;
  if (total > 14 * 60) return null;
  return m[1] === '-' ? -total : total;
}

/** An IANA name, "UTC" or an offset string → a Zone; null when none of these. */
export function zoneFromName(name: string): Zone | null {
  const offset = parseOffset(name);
  if (offset !== null) return { kind: 'fixed', minutes: offset };
  if (/^(?:UTC|GMT|Etc\/UTC)$/i.test(name)) return { kind: 'fixed', minutes: 0 };
  return isValidTimeZone(name) ? { kind: 'iana', name } : null;
}

/** Minutes east of UTC that `zone` observes at instant `ms`. */
export function offsetAt(zone: Zone, ms: number): number {
  if (zone.kind === 'fixed') return zone.minutes;
  const f = formatter(zone.name);
  if (f === null) return 0;
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  return Math.round((asUtc - (ms - (((ms % 1000) + 1000) % 1000))) / 60_000);
}

export interface Wall {
  /** Civil day number (days since 1970-01-01). */
  day: number;
  h: number;
  m: number;
  s: number;
  /** 0 = Sunday … 6 = Saturday. */
  dow: number;
}

/** The wall-clock reading of instant `ms` in `zone`. */
export function toWall(zone: Zone, ms: number): Wall {
  const local = ms + offsetAt(zone, ms) * 60_000;
  const day = Math.floor(local / DAY_MS);
  const inDay = local - day * DAY_MS;
  return {
    day,
    h: Math.floor(inDay / 3_600_000),
    m: Math.floor((inDay % 3_600_000) / 60_000),
    s: Math.floor((inDay % 60_000) / 1000),
    dow: (((day + 4) % 7) + 7) % 7,
  };
}

/**
 * The instant at which `zone` reads civil day `day` at `h:m:s` (`h` may exceed 23 to mean the
 * following day). A time skipped by a DST change resolves to the instant just after the gap; a
 * repeated one to its first occurrence.
 */
export function fromWall(zone: Zone, day: number, h: number, m = 0, s = 0): number {
  const naive = day * DAY_MS + h * 3_600_000 + m * 60_000 + s * 1000;
  if (zone.kind === 'fixed') return naive - zone.minutes * 60_000;
  // As Luxon does: guess with the offset at the naive instant, correct once, and inside a gap
  // read the time with the offset in force before it (which lands just after the gap).
  const o1 = offsetAt(zone, naive);
  let t = naive - o1 * 60_000;
  const o2 = offsetAt(zone, t);
  if (o2 !== o1) {
    const retry = t - (o2 - o1) * 60_000;
    const o3 = offsetAt(zone, retry);
    t = o3 === o2 ? retry : naive - Math.min(o2, o3) * 60_000;
  }
  // Of two readings of a repeated hour, prefer the earlier one.
  const earlier = t - 3_600_000;
  if (offsetAt(zone, earlier) !== offsetAt(zone, t)) {
    const w = toWall(zone, earlier);
    if (w.day === day && w.h === h && w.m === m) return earlier;
  }
  return t;
}

/** Civil day number of a calendar date, or null when the date does not exist (e.g. Feb 30). */
export function civilDay(y: number, month: number, d: number): number | null {
  if (!Number.isInteger(y) || !Number.isInteger(month) || !Number.isInteger(d)) return null;
  if (month < 1 || month > 12 || d < 1 || d > 31 || y < 1000 || y > 9999) return null;
  const ms = Date.UTC(y, month - 1, d);
  const back = new Date(ms);
  if (back.getUTCMonth() !== month - 1 || back.getUTCDate() !== d) return null;
  return ms / DAY_MS;
}

/** [year, month (1–12), day] of a civil day number. */
export function civilDate(day: number): [number, number, number] {
  const d = new Date(day * DAY_MS);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
}
