/**
 * Time expressions → a window. A left-to-right pass over the tokens collects expressions
 * (ranges, "since T", "until T", "around T", "last N units", whole days and parts of days,
 * shifts such as "an hour before"); one is chosen and resolved against the anchor instant.
 * Every matcher looks at a bounded number of tokens, so the pass is linear in the input.
 *
 * Resolution rules (all in the zone stated next to the time, else one stated on its own
 * anywhere in the text, else the configured zone):
 * - a clock time without a date is the most recent such time not after the anchor; a bare
 *   hour 1–12 without am/pm takes whichever of its am/pm readings is more recent; HH:MM
 *   without am/pm is 24-hour;
 * - on a stated day a bare hour reads as business hours (1–6 → pm, 7–12 → am/noon), or as
 *   the stated part of the day ("yesterday evening around 7" → 19:00); hours after midnight
 *   of a night fall on the next day ("01:00 last night");
 * - "between A and B" / "from A to B" / "A–B" / "10-11am": A as above (or on its day), B the
 *   first such time at or after A (so "22:00 to 02:00" crosses midnight); am/pm and a zone
 *   said on one end apply to the other;
 * - "since T", "from T", "T onwards", "started at T" → [T, anchor]; "until/before T" →
 *   [T − window, T]; "at/around T" or a lone clock time or timestamp → [T − window/2,
 *   T + window/2]; "N units ago" → [anchor − N, anchor]; "N units before T" → [T − N, T];
 * - a day ("today", "yesterday", "Monday", "last Friday", "Nov 20", "20/11/2026", "the 20th",
 *   an ISO date) → [00:00, 24:00); a part of a day → its configured hours ("this morning"
 *   said before 06:00 means yesterday's); "this week" / "this month" / "the weekend";
 *   a month-day without a year is the most recent one;
 * - ends that were not stated (end of day, end of a part of the day, end of "around") are
 *   clipped at the anchor; a stated end ("until 11:45") is kept even if later;
 * - when several expressions appear, the first one with a clock time, instant or duration wins
 *   over bare days; a correction ("sorry", "I meant", "no wait") lets a later one win.
 *
 * Zones: Z, ±HH:MM, ±HHMM, UTC/GMT with or without an offset (GMT+6), IANA names
 * (Asia/Dhaka), and the abbreviations of `ExtractorConfig.timeZoneAbbreviations` (upper case).
 */
import {
  AMBIGUOUS_MONTHS,
  AROUND_WORDS,
  DAY_MS,
  LAST_WORDS,
  MONTHS,
  NUMBER_WORDS,
  RANGE_JOINERS,
  SINCE_WORDS,
  STOP_WORDS,
  UNITS,
  UNTIL_WORDS,
  WEEKDAYS,
  WEEKDAY_ABBREVIATIONS,
} from './lexicon.ts';
import type { Token } from './text.ts';
import { civilDay, civilDate, fromWall, parseOffset, toWall, zoneFromName, type Zone } from './zone.ts';

export type DayPartName = 'morning' | 'afternoon' | 'evening' | 'night';

export interface TimeContext {
  /** The anchor instant (ms): the request's or alert's time. */
  at: number;
  /** The configured zone. */
  zone: Zone;
  windowMs: number;
  dayParts: Record<DayPartName, [number, number]>;
  dateOrder: 'dmy' | 'mdy';
  /** Abbreviation (upper case) → IANA name or offset. */
  abbreviations: Record<string, string>;
}

export type TimeResult =
  /** The text states no time. */
  | { kind: 'none' }
  /** "now", "right now": the default window ending at the anchor. */
  | { kind: 'now' }
  /**
   * A stated window. `day` is set when the expression is one whole day and nothing else
   * ("and yesterday?"), so that a follow-up can move the previous window to that day.
   */
  | { kind: 'window'; from: number; to: number; day: { day: number; zone: Zone } | null }
  /**
   * A window relative to the previous one: moved by `ms` (null: by its own length) in
   * direction `dir`, or ("the hour before") the `unitMs`-long window just before it.
   */
  | { kind: 'shift'; ms: number | null; dir: -1 | 1 }
  | { kind: 'unitBefore'; unitMs: number; lastIfNoPrevious: boolean };

interface ClockPoint {
  kind: 'clock';
  h: number;
  m: number;
  s: number;
  mer: 'am' | 'pm' | null;
  /** An hour alone ("since 10", "between 9 and 11"), read as am or pm by the rules above. */
  bare: boolean;
  zone: Zone | null;
  /** Civil day stated with this time ("yesterday 22:00", "10am on Nov 20"). */
  day: number | null;
  hint: DayPartName | null;
  start: number;
}

interface InstantPoint {
  kind: 'instant';
  ms: number;
  start: number;
}

interface PeriodPoint {
  kind: 'period';
  from: number;
  to: number;
  /** The civil day when the period is exactly one day (for follow-ups and for context). */
  day: number | null;
  zone: Zone;
  start: number;
}

type Point = ClockPoint | InstantPoint | PeriodPoint;

type Expr =
  | { kind: 'range'; a: Point; b: Point; start: number }
  /** "an hour before 10:00" → [P − ms, P]; "an hour after 10:00" → [P, P + ms]. */
  | { kind: 'span'; p: Point; ms: number; dir: -1 | 1; start: number }
  | { kind: 'since' | 'until' | 'around'; p: Point; start: number }
  | { kind: 'period'; p: PeriodPoint; start: number }
  | { kind: 'last'; ms: number; start: number }
  | { kind: 'now'; start: number }
  | { kind: 'shift'; ms: number | null; dir: -1 | 1; start: number }
  | { kind: 'unitBefore'; unitMs: number; lastIfNoPrevious: boolean; start: number };

/** A civil day named in the text, used as the date of clock times that state none. */
interface DayMention {
  index: number;
  day: number;
  part: DayPartName | null;
}

type Op = 'since' | 'until' | 'around' | 'between';

const MAX_DURATION_MS = 3660 * DAY_MS;
/** Durations shorter than this are timeouts and delays ("within 30s", "5 seconds later"), never windows unless said "last/past N seconds". */
const MIN_WINDOW_MS = 60_000;
const DAY_PART_WORDS: ReadonlySet<string> = new Set(['morning', 'afternoon', 'evening', 'night']);
const BARE_UNIT_WORDS: ReadonlySet<string> = new Set(['second', 'minute', 'hour', 'day', 'week', 'month']);
const DATE_CONTEXT = new Set(['on', 'since', 'from', 'until', 'till', 'by', 'before', 'after', 'of', 'between', 'and', 'to', 'last', 'this']);
/** Punctuation that may follow an hour said alone ("between 9 and 11.", "since 10, …", "9-11am"). */
const BARE_HOUR_FOLLOWERS: ReadonlySet<string> = new Set(['-', '–', '—', ',', '.', '!', '?', ';', ')']);
const bounded = (ms: number): number | null => (ms > 0 && ms <= MAX_DURATION_MS ? ms : null);
const GLUED_MERIDIEM = /^(\d{1,2})(am|pm|a|p)$/;
const GLUED_NUMBER = /^\d+(?:\.\d+)?[a-z]+(?:\d+(?:\.\d+)?[a-z]+){0,3}$/;

class TimeParser {
  private readonly exprs: Expr[] = [];
  private readonly days: DayMention[] = [];
  private globalZone: Zone | null = null;
  private readonly atDay: number;

  constructor(
    private readonly t: Token[],
    private readonly ctx: TimeContext,
  ) {
    this.globalZone = this.findGlobalZone();
    this.atDay = toWall(this.zone(), ctx.at).day;
  }

  /** The zone of days and zone-less times. */
  private zone(): Zone {
    return this.globalZone ?? this.ctx.zone;
  }

  private tok(i: number): Token | undefined {
    const t = this.t[i];
    return t === undefined || t.mask > 0 || t.literal ? undefined : t;
  }

  private word(i: number): string | undefined {
    const t = this.tok(i);
    return t?.kind === 'word' ? t.norm : undefined;
  }

  private punct(i: number): string | undefined {
    const t = this.tok(i);
    return t?.kind === 'punct' ? t.raw : undefined;
  }

  private use(from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const t = this.t[i];
      if (t) t.used = true;
    }
  }

  run(corrections: number[]): { expr: Expr | null; days: DayMention[] } {
    let pending: { op: Op; index: number } | null = null;
    for (let i = 0; i < this.t.length; ) {
      const tok = this.tok(i);
      if (tok === undefined) {
        // An operator whose operand is a literal ("to 10.0.4.17") is spent.
        if (this.t[i]?.literal) pending = null;
        i++;
        continue;
      }
      const matched = this.matchAt(i, pending);
      if (matched !== null) {
        if (matched.expr) {
          this.exprs.push(matched.expr);
          this.use(Math.min(matched.expr.start, i), matched.next);
          pending = null;
        }
        if (matched.op) pending = matched.op;
        i = matched.next;
        continue;
      }
      i++;
    }
    return { expr: this.choose(corrections), days: this.days };
  }

  private choose(corrections: number[]): Expr | null {
    const last = corrections.length > 0 ? (corrections[corrections.length - 1] ?? -1) : -1;
    let pool = this.exprs;
    const after = pool.filter((e) => e.start > last);
    if (last >= 0 && after.length > 0) pool = after;
    return pool.find((e) => e.kind !== 'period' && e.kind !== 'now') ?? pool.find((e) => e.kind === 'period') ?? pool[0] ?? null;
  }

  /** One step of the scan at token `i`. */
  private matchAt(
    i: number,
    pending: { op: Op; index: number } | null,
  ): { expr?: Expr; op?: { op: Op; index: number }; next: number } | null {
    const w = this.word(i);

    // "last 2 hours", "past 30m", "within the last hour", "since 2 hours", "previous hour".
    const last = this.matchLast(i);
    if (last) return last;

    // "an hour before", "30 minutes earlier", "the hour before", "before that".
    const shift = this.matchShift(i);
    if (shift) return shift;

    if (w === 'now' || (w === 'right' && this.word(i + 1) === 'now') || w === 'currently') {
      const next = w === 'right' ? i + 2 : i + 1;
      return { expr: { kind: 'now', start: i }, next };
    }

    // A point, possibly the first end of a range.
    const opActive = pending !== null && i - pending.index <= 3 ? pending.op : null;
    const p = this.parsePoint(i, opActive !== null);
    if (p) {
      let next = p.next;
      const joined = this.matchRangeEnd(next, p.point, opActive);
      if (joined) {
        return { expr: { kind: 'range', a: p.point, b: joined.point, start: opActive ? (pending?.index ?? i) : i }, next: joined.next };
      }
      const start = opActive ? (pending?.index ?? i) : i;
      // "10:00 onwards"
      const onwards = this.word(next) === 'onwards' || this.word(next) === 'onward';
      if (onwards) next++;
      let expr: Expr;
      if (opActive === 'since' || opActive === 'between' || onwards) expr = { kind: 'since', p: p.point, start };
      else if (opActive === 'until') expr = { kind: 'until', p: p.point, start };
      else if (opActive === 'around') expr = { kind: 'around', p: p.point, start };
      else if (p.point.kind === 'period') expr = { kind: 'period', p: p.point, start };
      else if (p.point.kind === 'instant' && p.ago) expr = { kind: 'since', p: p.point, start };
      else expr = { kind: 'around', p: p.point, start };
      return { expr, next };
    }

    // Operators wait for the point that follows them.
    if (w !== undefined) {
      let op: Op | null = null;
      if (w === 'between') op = 'between';
      else if (SINCE_WORDS.has(w)) op = 'since';
      else if (UNTIL_WORDS.has(w)) op = 'until';
      else if (AROUND_WORDS.has(w)) op = 'around';
      if (op !== null) {
        // "started at 10:00", "from around 9": the first operator decides.
        if (op === 'around' && pending !== null && i - pending.index <= 2 && pending.op !== 'around') return { op: pending, next: i + 1 };
        return { op: { op, index: i }, next: i + 1 };
      }
    }
    const pu = this.punct(i);
    if (pu === '@' || pu === '~') return { op: { op: 'around', index: i }, next: i + 1 };
    return null;
  }

  // ---- durations ---------------------------------------------------------------------

  /** "2 hours", "30m", "an hour", "a couple of hours", "half an hour", "1.5h"; `bareUnit` also accepts "hour". */
  private parseDuration(i: number, bareUnit: boolean): { ms: number; next: number } | null {
    const t = this.tok(i);
    if (t === undefined || (t.kind !== 'word' && t.kind !== 'num')) return null;
    if (t.kind === 'word') {
      if (GLUED_NUMBER.test(t.norm) && t.norm.length <= 24) {
        // "30m", "2h", "1.5h", "1h30m"
        let total = 0;
        let covered = 0;
        for (const part of t.norm.matchAll(/(\d+(?:\.\d+)?)([a-z]+)/g)) {
          const ms = UNITS.get(part[2] ?? '');
          if (ms === undefined || part.index !== covered) return null;
          total += Number(part[1]) * ms;
          covered += part[0].length;
        }
        const v = covered === t.norm.length ? bounded(total) : null;
        return v === null ? null : { ms: v, next: i + 1 };
      }
      if (t.norm === 'half') {
        let j = i + 1;
        if (this.word(j) === 'an' || this.word(j) === 'a') j++;
        const u = this.unitAt(j, false);
        return u === null ? null : { ms: u / 2, next: j + 1 };
      }
      const n = NUMBER_WORDS.get(t.norm);
      if (n !== undefined) {
        let j = i + 1;
        if (this.word(j) === 'of') j++;
        const u = this.unitAt(j, false);
        if (u === null) return null;
        // "an hour and a half"
        if (this.word(j + 1) === 'and' && this.word(j + 2) === 'a' && this.word(j + 3) === 'half') return { ms: n * u + u / 2, next: j + 4 };
        return { ms: n * u, next: j + 1 };
      }
      if (bareUnit && BARE_UNIT_WORDS.has(t.norm)) {
        const u = UNITS.get(t.norm);
        return u === undefined ? null : { ms: u, next: i + 1 };
      }
      return null;
    }
    if (t.kind === 'num') {
      const u = this.unitAt(i + 1, true);
      if (u === null) return null;
      const v = bounded(Number(t.raw) * u);
      return v === null ? null : { ms: v, next: i + 2 };
    }
    return null;
  }

  /** Milliseconds of the unit word at `j` ("hours", "min"; single letters only when `allowLetter`). */
  private unitAt(j: number, allowLetter: boolean): number | null {
    const u = this.word(j);
    if (u === undefined || (!allowLetter && u.length === 1)) return null;
    return UNITS.get(u) ?? null;
  }

  private matchLast(i: number): { expr: Expr; next: number } | null {
    const w = this.word(i);
    if (w === undefined) return null;
    let j = i + 1;
    let requireNumber = false;
    if (w === 'since' || w === 'from') {
      // "since 2 hours", "since last 30 mins" (common in South Asian English).
      const w2 = this.word(j);
      if (w2 === 'last' || w2 === 'past') j++;
      else requireNumber = true;
    } else if (!LAST_WORDS.has(w)) return null;
    if (this.word(j) === 'the') j++;
    if (w === 'within' && (this.word(j) === 'last' || this.word(j) === 'past')) j++;
    const d = this.parseDuration(j, !requireNumber);
    if (d === null) return null;
    // "no response within 30s" is a timeout, not a window; "in the last 30 seconds" is one.
    if (d.ms < MIN_WINDOW_MS && (w === 'within' ? this.word(j - 1) !== 'last' && this.word(j - 1) !== 'past' : w === 'since' || w === 'from')) return null;
    const bare = BARE_UNIT_WORDS.has(this.word(j) ?? '');
    if (requireNumber && bare) return null;
    // "the previous hour": the hour before the previous window in a follow-up.
    if (w === 'previous' && bare) {
      return { expr: { kind: 'unitBefore', unitMs: d.ms, lastIfNoPrevious: true, start: i }, next: d.next };
    }
    let next = d.next;
    const ago = this.word(next) === 'ago' || this.word(next) === 'back';
    // "from 3 hours ago to 1 hour ago" is a range of points, read by the operator path.
    if (ago && (w === 'since' || w === 'from')) return null;
    if (ago) next++;
    return { expr: { kind: 'last', ms: d.ms, start: i }, next };
  }

  private matchShift(i: number): { expr: Expr; next: number } | null {
    const w = this.word(i);
    if (w === undefined && this.tok(i)?.kind !== 'num') return null;
    // "before that", "the period before", "the previous window".
    if (w === 'before' && (this.word(i + 1) === 'that' || this.word(i + 1) === 'this')) {
      return { expr: { kind: 'shift', ms: null, dir: -1, start: i }, next: i + 2 };
    }
    if (w === 'the') {
      const w1 = this.word(i + 1);
      const w2 = this.word(i + 2);
      const period = (x: string | undefined) => x === 'period' || x === 'window' || x === 'interval' || x === 'range' || x === 'timeframe';
      if (period(w1) && (w2 === 'before' || w2 === 'prior')) return { expr: { kind: 'shift', ms: null, dir: -1, start: i }, next: i + 3 };
      if ((w1 === 'previous' || w1 === 'prior') && period(w2)) return { expr: { kind: 'shift', ms: null, dir: -1, start: i }, next: i + 3 };
      if (w1 !== undefined && BARE_UNIT_WORDS.has(w1) && (w2 === 'before' || w2 === 'prior' || w2 === 'earlier')) {
        if (w1 === 'day' && this.word(i + 3) === 'yesterday') return null;
        const unit = UNITS.get(w1) ?? 0;
        return { expr: { kind: 'unitBefore', unitMs: unit, lastIfNoPrevious: false, start: i }, next: i + 3 };
      }
      if (w1 !== undefined && BARE_UNIT_WORDS.has(w1) && (w2 === 'after' || w2 === 'later')) {
        return { expr: { kind: 'shift', ms: UNITS.get(w1) ?? 0, dir: 1, start: i }, next: i + 3 };
      }
      return null;
    }
    const d = this.parseDuration(i, false);
    // "retried 30s later", "5 seconds after login": how long something took, not a window.
    if (d === null || d.ms < MIN_WINDOW_MS) return null;
    const rel = this.word(d.next);
    if (rel === 'before' || rel === 'earlier' || rel === 'prior') {
      // "an hour before 10:00" → the hour that ends at 10:00.
      const p = this.parsePoint(d.next + 1, true);
      if (p && rel === 'before' && p.point.kind !== 'period') {
        return { expr: { kind: 'span', p: p.point, ms: d.ms, dir: -1, start: i }, next: p.next };
      }
      return { expr: { kind: 'shift', ms: d.ms, dir: -1, start: i }, next: d.next + 1 };
    }
    if (rel === 'after' || rel === 'later') {
      const p = this.parsePoint(d.next + 1, true);
      if (p && rel === 'after' && p.point.kind !== 'period') {
        return { expr: { kind: 'span', p: p.point, ms: d.ms, dir: 1, start: i }, next: p.next };
      }
      return { expr: { kind: 'shift', ms: d.ms, dir: 1, start: i }, next: d.next + 1 };
    }
    return null;
  }

  // ---- points ------------------------------------------------------------------------

  /**
   * A point in time at token `i`: a clock time (with its zone and an adjacent day), an ISO
   * timestamp, "N units ago", or a day / part of a day. `bareOk`: an operator precedes, so
   * "10" alone may be an hour.
   */
  private parsePoint(i: number, bareOk: boolean): { point: Point; next: number; ago?: boolean } | null {
    // Skip a ":" or "=" right after an operator ("since: 10:00").
    let j = i;
    while (bareOk && j < i + 2 && (this.punct(j) === ':' || this.punct(j) === '=')) j++;
    if (bareOk && this.word(j) === 'the' && this.word(j + 1) !== 'day') j++;
    if (bareOk && (this.word(j) === 'around' || this.word(j) === 'about')) j++;
    const t = this.tok(j);
    if (t === undefined) return null;

    // "3 hours ago", "2h ago"
    const d = this.parseDuration(j, false);
    if (d !== null && (this.word(d.next) === 'ago' || this.word(d.next) === 'back')) {
      return { point: { kind: 'instant', ms: this.ctx.at - d.ms, start: j }, next: d.next + 1, ago: true };
    }

    if (t.kind === 'iso') return this.parseIso(j);

    const clock = this.parseClock(j, bareOk);
    if (clock) {
      // "10am yesterday", "14:00 on Nov 20", "10:00 today"
      let next = clock.next;
      let k = next;
      if (this.word(k) === 'on' || this.punct(k) === ',' || this.word(k) === 'of') k++;
      const day = this.parseDay(k);
      if (day && day.civil !== null) {
        clock.point.day = day.civil;
        clock.point.hint = day.part;
        this.days.push({ index: k, day: day.civil, part: day.part });
        next = day.next;
      }
      return { point: clock.point, next };
    }

    const day = this.parseDay(j);
    if (day) {
      if (day.civil !== null) this.days.push({ index: j, day: day.civil, part: day.part });
      // "yesterday 22:00", "today 02:00", "2026-11-24 22:00"
      let k = day.next;
      if (this.punct(k) === ',') k++;
      if (day.point.day !== null && day.part === null) {
        const c = this.parseClock(k, false);
        if (c) {
          c.point.day = day.point.day;
          return { point: c.point, next: c.next };
        }
      }
      return { point: day.point, next: day.next };
    }
    return null;
  }

  /** An ISO timestamp token with an optional zone after it. */
  private parseIso(i: number): { point: Point; next: number } | null {
    const t = this.tok(i);
    if (t === undefined) return null;
    const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/.exec(t.raw);
    if (!m) return null;
    const day = civilDay(Number(m[1]), Number(m[2]), Number(m[3]));
    const h = Number(m[4]);
    const min = Number(m[5]);
    const s = m[6] === undefined ? 0 : Number(m[6]);
    if (day === null || h > 23 || min > 59 || s > 59) return null;
    const frac = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000);
    const z = this.parseZone(i + 1, true);
    const zone = z?.zone ?? this.zone();
    return { point: { kind: 'instant', ms: fromWall(zone, day, h, min, s) + frac, start: i }, next: z?.next ?? i + 1 };
  }

  /** Hours 0–23 with optional minutes and seconds, am/pm, "noon", "midnight", and a zone after. */
  private parseClock(i: number, bareOk: boolean): { point: ClockPoint; next: number } | null {
    const t = this.tok(i);
    if (t === undefined) return null;
    let h: number;
    let m = 0;
    let s = 0;
    let mer: 'am' | 'pm' | null = null;
    let bare = false;
    let next = i + 1;

    if (t.kind === 'clock') {
      const parts = t.raw.split(':').map(Number);
      h = parts[0] ?? NaN;
      m = parts[1] ?? 0;
      s = parts[2] ?? 0;
    } else if (t.kind === 'word' && (t.norm === 'noon' || t.norm === 'midday' || t.norm === 'midnight')) {
      h = t.norm === 'midnight' ? 0 : 12;
    } else if (t.kind === 'word') {
      const g = GLUED_MERIDIEM.exec(t.norm);
      if (!g) return null;
      h = Number(g[1]);
      mer = g[2]?.startsWith('a') ? 'am' : 'pm';
    } else if (t.kind === 'num' && bareOk) {
      const dotted = /^(\d{1,2})\.(\d{2})$/.exec(t.raw);
      if (dotted && this.dottedDate(i) !== null) return null;
      if (dotted) {
        h = Number(dotted[1]);
        m = Number(dotted[2]);
      } else if (/^\d{1,2}$/.test(t.raw)) {
        h = Number(t.raw);
        bare = true;
      } else return null;
    } else if (t.kind === 'num' && /^\d{1,2}$/.test(t.raw)) {
      // Without an operator an hour alone needs am/pm or o'clock ("10 am", "3 o'clock"), or
      // to open a range whose other end has am/pm ("10-11am").
      h = Number(t.raw);
      bare = true;
      const after = this.word(i + 1);
      if (!(after === 'am' || after === 'pm' || after === 'a' || after === 'p' || after === 'o') && !this.opensMeridiemRange(i + 1)) return null;
    } else return null;

    if (mer === null) {
      const a = this.word(next);
      if (a === 'am' || a === 'pm') {
        mer = a;
        next++;
      } else if ((a === 'a' || a === 'p') && this.punct(next + 1) === '.' && this.word(next + 2) === 'm') {
        mer = a === 'a' ? 'am' : 'pm';
        next += 3;
        if (this.punct(next) === '.') next++;
      } else if (a === 'o' && this.word(next + 2) === 'clock') {
        next += 3;
      }
    }
    if (mer !== null) {
      if (h < 1 || h > 12) return null;
      bare = false;
    } else if (h > 23) return null;
    if (m > 59 || s > 59 || !Number.isInteger(h)) return null;

    if (bare) {
      // "since 10 errors"? No: an hour alone must be followed by little more than a joiner.
      const after = this.tok(next);
      if (after !== undefined) {
        if (after.kind === 'num' || after.kind === 'clock') return null;
        if (after.kind === 'punct' && !BARE_HOUR_FOLLOWERS.has(after.raw)) return null;
        if (after.kind === 'word' && UNITS.has(after.norm)) return null;
        if (after.kind === 'word' && MONTHS.has(after.norm)) return null;
        if (after.kind === 'word' && !STOP_WORDS.has(after.norm) && !this.isTimeWord(after.norm) && this.zoneWord(next) === null) return null;
      }
    }
    const z = this.parseZone(next, false);
    return {
      point: { kind: 'clock', h, m, s, mer, bare, zone: z?.zone ?? null, day: null, hint: null, start: i },
      next: z?.next ?? next,
    };
  }

  /** A joiner at `j` followed by an hour with am/pm: "-11am", "to 11 pm". */
  private opensMeridiemRange(j: number): boolean {
    const joiner = this.punct(j) ?? this.word(j);
    if (joiner === undefined || !(joiner === '-' || joiner === '–' || joiner === 'to' || joiner === 'till' || joiner === 'until')) return false;
    const t = this.tok(j + 1);
    if (t?.kind === 'word') return /^\d{1,2}(am|pm)$/.test(t.norm);
    const after = this.word(j + 2);
    return (t?.kind === 'num' || t?.kind === 'clock') && (after === 'am' || after === 'pm');
  }

  private isTimeWord(w: string): boolean {
    return w === 'today' || w === 'yesterday' || w === 'tonight' || w === 'local' || DAY_PART_WORDS.has(w) || RANGE_JOINERS.has(w) || WEEKDAYS.has(w);
  }

  /** A zone word at `i` that needs no clock before it (UTC, GMT, an abbreviation, an IANA name). */
  private zoneWord(i: number): { zone: Zone; next: number } | null {
    const t = this.tok(i);
    if (t === undefined || t.kind !== 'word') return null;
    if (t.lower === 'utc' || t.lower === 'gmt') {
      const sign = this.punct(i + 1);
      const n = this.tok(i + 2);
      if ((sign === '+' || sign === '-') && n && !n.space && (n.kind === 'num' || n.kind === 'clock')) {
        const off = parseOffset(`${sign}${n.raw}`);
        if (off !== null) return { zone: { kind: 'fixed', minutes: off }, next: i + 3 };
      }
      return { zone: { kind: 'fixed', minutes: 0 }, next: i + 1 };
    }
    const abbr = this.ctx.abbreviations[t.raw];
    if (abbr !== undefined && t.raw === t.raw.toUpperCase() && t.raw.length >= 2) {
      const zone = zoneFromName(abbr);
      if (zone) return { zone, next: i + 1 };
    }
    // Area/Location[/Location], glued with "/".
    if (/^[A-Z][A-Za-z]+$/.test(t.raw) && this.punct(i + 1) === '/' && !this.tok(i + 1)?.space) {
      let name = t.raw;
      let k = i + 1;
      for (let n = 0; n < 2 && this.punct(k) === '/' && !this.tok(k)?.space; n++) {
        const part = this.tok(k + 1);
        if (part === undefined || part.kind !== 'word' || part.space) break;
        name += `/${part.raw}`;
        k += 2;
        // Zone names carry underscores ("Buenos_Aires"), which the tokenizer splits off.
        while (this.punct(k) === '_' && this.tok(k + 1)?.kind === 'word' && !this.tok(k)?.space) {
          name += `_${this.tok(k + 1)?.raw ?? ''}`;
          k += 2;
        }
      }
      const zone = name.includes('/') ? zoneFromName(name) : null;
      if (zone) return { zone, next: k };
    }
    return null;
  }

  /** A zone right after a time: Z, +06:00, -0500, UTC, UTC+6, an abbreviation, an IANA name, "(UTC)". */
  private parseZone(i: number, afterIso: boolean): { zone: Zone; next: number } | null {
    const t = this.tok(i);
    if (t === undefined) return null;
    if (t.kind === 'punct' && t.raw === '(') {
      const inner = this.parseZone(i + 1, false);
      if (inner && this.punct(inner.next) === ')') return { zone: inner.zone, next: inner.next + 1 };
      return null;
    }
    if (t.kind === 'word' && (t.raw === 'Z' || t.raw === 'z') && !t.space) return { zone: { kind: 'fixed', minutes: 0 }, next: i + 1 };
    if (t.kind === 'punct' && (t.raw === '+' || t.raw === '-')) {
      const n = this.tok(i + 1);
      if (n === undefined || n.space || (n.kind !== 'clock' && n.kind !== 'num')) return null;
      // "10:00-10:45" is a range; "…T10:00:00-05:00" and "10:00 -05:00" are offsets.
      if (t.raw === '-' && !afterIso && !t.space) return null;
      if (n.kind === 'num' && !/^\d{4}$/.test(n.raw) && !/^\d{1,2}$/.test(n.raw)) return null;
      const off = parseOffset(`${t.raw}${n.raw}`);
      return off === null ? null : { zone: { kind: 'fixed', minutes: off }, next: i + 2 };
    }
    return this.zoneWord(i);
  }

  /**
   * A zone said on its own ("all times UTC", "(Asia/Dhaka)") applies to every time and day
   * that states none. A zone right after a time belongs to that time only.
   */
  private findGlobalZone(): Zone | null {
    for (let i = 0; i < this.t.length; i++) {
      const t = this.tok(i);
      if (t === undefined || t.kind !== 'word') continue;
      const z = this.zoneWord(i);
      if (z === null) continue;
      let k = i - 1;
      if (this.punct(k) === '(') k--;
      const before = this.tok(k);
      const attached =
        before !== undefined &&
        (before.kind === 'clock' || before.kind === 'iso' || before.kind === 'num' || /^(am|pm|\d{1,2}(am|pm)|noon|midnight|midday|clock)$/.test(before.norm));
      if (!attached) return z.zone;
      i = z.next - 1;
    }
    return null;
  }

  // ---- days --------------------------------------------------------------------------

  private period(day: number, fromH: number, toH: number, start: number, whole: boolean): PeriodPoint {
    const zone = this.zone();
    return { kind: 'period', from: fromWall(zone, day, fromH), to: fromWall(zone, day, toH), day: whole ? day : null, zone, start };
  }

  private partPeriod(day: number, part: DayPartName, start: number, mostRecent: boolean): PeriodPoint {
    const [a, b] = this.ctx.dayParts[part];
    let p = this.period(day, a, b, start, false);
    if (mostRecent && p.from > this.ctx.at) p = this.period(day - 1, a, b, start, false);
    return p;
  }

  /** Most recent civil day ≤ today (or < today when `strict`) falling on weekday `dow`. */
  private weekdayDay(dow: number, strict: boolean): number {
    const todayDow = (((this.atDay + 4) % 7) + 7) % 7;
    let back = (todayDow - dow + 7) % 7;
    if (strict && back === 0) back = 7;
    return this.atDay - back;
  }

  /** A month and day with an optional year; without a year, the most recent one not after today. */
  private monthDay(month: number, d: number, year: number | null): number | null {
    if (year !== null) return civilDay(year, month, d);
    const [y] = civilDate(this.atDay);
    const thisYear = civilDay(y, month, d);
    if (thisYear !== null && thisYear <= this.atDay) return thisYear;
    return civilDay(y - 1, month, d);
  }

  private yearAt(i: number): number | null {
    const t = this.tok(i);
    if (t?.kind !== 'num' || !/^\d{4}$/.test(t.raw)) return null;
    const y = Number(t.raw);
    return y >= 1970 && y <= 2100 ? y : null;
  }

  private dayOfMonthAt(i: number): number | null {
    const t = this.tok(i);
    if (t === undefined) return null;
    const raw = t.kind === 'num' ? t.raw : t.kind === 'word' ? (/^(\d{1,2})(st|nd|rd|th)$/.exec(t.norm)?.[1] ?? '') : '';
    if (!/^\d{1,2}$/.test(raw)) return null;
    const d = Number(raw);
    return d >= 1 && d <= 31 ? d : null;
  }

  /** "20.11.2026" (day first, as dotted dates are written): its civil day, else null. */
  private dottedDate(i: number): number | null {
    const t = this.tok(i);
    const dot = this.tok(i + 1);
    const year = this.tok(i + 2);
    if (t?.kind !== 'num' || dot?.raw !== '.' || dot.space || year?.kind !== 'num' || year.space || !/^\d{4}$/.test(year.raw)) return null;
    const m = /^(\d{1,2})\.(\d{1,2})$/.exec(t.raw);
    return m ? civilDay(Number(year.raw), Number(m[2]), Number(m[1])) : null;
  }

  private monthAt(i: number): number | null {
    const t = this.tok(i);
    if (t?.kind !== 'word') return null;
    const month = MONTHS.get(t.norm);
    if (month === undefined) return null;
    if (AMBIGUOUS_MONTHS.has(t.norm) && !/^[A-Z]/.test(t.raw) && !DATE_CONTEXT.has(this.word(i - 1) ?? '')) return null;
    return month;
  }

  /**
   * A day, a part of a day, this week or this month at token `i`: "today", "yesterday",
   * "the day before yesterday", "tonight", "last night", "this morning", "in the afternoon",
   * "Monday", "last Friday", "Nov 20", "20th November 2026", "2026-11-20", "20/11/2026".
   */
  private parseDay(i: number): { point: PeriodPoint; next: number; part: DayPartName | null; civil: number | null } | null {
    const w = this.word(i);
    const t = this.tok(i);
    if (t === undefined) return null;
    let day: number | null = null;
    let next = i + 1;

    const dotted = this.dottedDate(i);
    if (t.kind === 'isodate') {
      const [y, mo, d] = t.raw.split('-').map(Number);
      day = civilDay(y ?? 0, mo ?? 0, d ?? 0);
    } else if (dotted !== null) {
      day = dotted;
      next = i + 3;
    } else if (t.kind === 'num' && this.punct(i + 1) === '/' && this.tok(i + 2)?.kind === 'num' && this.punct(i + 3) === '/' && this.tok(i + 4)?.kind === 'num') {
      const a = Number(t.raw);
      const b = Number(this.tok(i + 2)?.raw);
      const c = Number(this.tok(i + 4)?.raw);
      if (t.raw.length === 4) day = civilDay(a, b, c);
      else if (/^\d{4}$/.test(this.tok(i + 4)?.raw ?? '')) {
        const dmy = civilDay(c, b, a);
        const mdy = civilDay(c, a, b);
        day = dmy !== null && mdy !== null ? (this.ctx.dateOrder === 'dmy' ? dmy : mdy) : (dmy ?? mdy);
      }
      if (day !== null) next = i + 5;
    } else if (w === 'today') {
      day = this.atDay;
    } else if (w === 'yesterday') {
      day = this.atDay - 1;
    } else if ((w === 'the' && this.word(i + 1) === 'day' && this.word(i + 2) === 'before' && this.word(i + 3) === 'yesterday') || (w === 'day' && this.word(i + 1) === 'before' && this.word(i + 2) === 'yesterday')) {
      day = this.atDay - 2;
      next = w === 'the' ? i + 4 : i + 3;
    } else if (w === 'weekend' && (this.word(i - 1) === 'the' || this.word(i - 1) === 'this' || this.word(i - 1) === 'last')) {
      // The most recent Saturday 00:00 – Monday 00:00 that has begun.
      const sat = this.weekdayDay(6, false);
      const zone = this.zone();
      return { point: { kind: 'period', from: fromWall(zone, sat, 0), to: fromWall(zone, sat + 2, 0), day: null, zone, start: i }, next, part: null, civil: null };
    } else if (w !== undefined && this.word(i - 1) === 'the' && /^\d{1,2}(st|nd|rd|th)$/.test(w) && !MONTHS.has(this.word(i + 1) ?? '') && this.word(i + 1) !== 'of') {
      // "on the 20th": the most recent 20th not after today.
      const d = this.dayOfMonthAt(i);
      const [y, mo] = civilDate(this.atDay);
      if (d !== null) {
        const thisMonth = civilDay(y, mo, d);
        day = thisMonth !== null && thisMonth <= this.atDay ? thisMonth : civilDay(mo === 1 ? y - 1 : y, mo === 1 ? 12 : mo - 1, d);
      }
    } else if (w === 'tonight') {
      const point = this.partPeriod(this.atDay, 'night', i, true);
      return { point, next, part: 'night', civil: toWall(this.zone(), point.from).day };
    } else if (w === 'overnight') {
      return { point: this.partPeriod(this.atDay - 1, 'night', i, false), next, part: 'night', civil: this.atDay - 1 };
    } else if (w === 'last' && this.word(i + 1) === 'night') {
      return { point: this.partPeriod(this.atDay - 1, 'night', i, false), next: i + 2, part: 'night', civil: this.atDay - 1 };
    } else if ((w === 'this' || w === 'last') && DAY_PART_WORDS.has(this.word(i + 1) ?? '')) {
      const part = this.word(i + 1) as DayPartName;
      const d = w === 'last' ? this.atDay - 1 : this.atDay;
      const point = this.partPeriod(d, part, i, w === 'this');
      return { point, next: i + 2, part, civil: toWall(this.zone(), point.from).day };
    } else if (w === 'this' && (this.word(i + 1) === 'week' || this.word(i + 1) === 'month')) {
      const todayDow = (((this.atDay + 4) % 7) + 7) % 7;
      const [y, mo] = civilDate(this.atDay);
      const first = this.word(i + 1) === 'week' ? this.atDay - ((todayDow + 6) % 7) : (civilDay(y, mo, 1) ?? this.atDay);
      const zone = this.zone();
      return { point: { kind: 'period', from: fromWall(zone, first, 0), to: this.ctx.at, day: null, zone, start: i }, next: i + 2, part: null, civil: null };
    } else if (w !== undefined && DAY_PART_WORDS.has(w) && w !== 'night') {
      // "in the morning", "during the afternoon", "since morning"; never "good morning".
      const prev = this.word(i - 1);
      const prev2 = this.word(i - 2);
      const qualified = (prev === 'the' && (prev2 === 'in' || prev2 === 'during' || prev2 === 'since')) || prev === 'since' || prev === 'from';
      if (!qualified) return null;
      const point = this.partPeriod(this.atDay, w as DayPartName, i, true);
      return { point, next, part: w as DayPartName, civil: toWall(this.zone(), point.from).day };
    } else {
      // Weekdays: "Monday", "last Friday", "on Tue".
      let k = i;
      let strict = false;
      if (w === 'last' || w === 'this') {
        strict = w === 'last';
        k = i + 1;
      }
      const wk = this.word(k);
      const prev = this.word(k - 1);
      const dow = wk === undefined ? undefined : (WEEKDAYS.get(wk) ?? (DATE_CONTEXT.has(prev ?? '') ? WEEKDAY_ABBREVIATIONS.get(wk) : undefined));
      if (dow !== undefined) {
        day = this.weekdayDay(dow, strict);
        next = k + 1;
      } else if (w === 'last' || w === 'this') {
        return null;
      } else {
        // "Nov 20", "November 20th, 2026" | "20 Nov", "20th of November 2026"
        const month = this.monthAt(i);
        if (month !== null) {
          const d = this.dayOfMonthAt(i + 1);
          if (d === null) return null;
          let k2 = i + 2;
          if (this.punct(k2) === ',') k2++;
          const y = this.yearAt(k2);
          day = this.monthDay(month, d, y);
          next = y === null ? i + 2 : k2 + 1;
        } else {
          const d = this.dayOfMonthAt(i);
          if (d === null) return null;
          let k2 = i + 1;
          if (this.word(k2) === 'of') k2++;
          const mo = this.monthAt(k2);
          if (mo === null) return null;
          const y = this.yearAt(k2 + 1);
          day = this.monthDay(mo, d, y);
          next = y === null ? k2 + 1 : k2 + 2;
        }
      }
    }
    if (day === null) return null;
    // "yesterday afternoon", "Monday morning"
    const after = this.word(next);
    if (after !== undefined && DAY_PART_WORDS.has(after)) {
      return { point: this.partPeriod(day, after as DayPartName, i, false), next: next + 1, part: after as DayPartName, civil: day };
    }
    return { point: this.period(day, 0, 24, i, true), next, part: null, civil: day };
  }

  // ---- ranges ------------------------------------------------------------------------

  /** The second end of a range after a joiner at `i` ("and 11", "to 11:30", "– 15:00"). */
  private matchRangeEnd(i: number, first: Point, op: Op | null): { point: Point; next: number } | null {
    const w = this.word(i);
    const p = this.punct(i);
    let joined = false;
    if (w !== undefined && RANGE_JOINERS.has(w)) joined = w !== 'and' || op === 'between';
    else if (p === '-' || p === '–' || p === '—') joined = first.kind !== 'period' || op === 'between' || op === 'since';
    if (!joined) return null;
    let j = i + 1;
    if (w === 'up' && this.word(j) === 'to') j++;
    const second = this.parsePoint(j, true);
    if (second === null) return null;
    // "between 2 and 4" needs both ends to be times of the same kind of thing.
    if (first.kind === 'period' && second.point.kind !== 'period' && op !== 'between' && op !== 'since') return null;
    return { point: second.point, next: second.next };
  }

  // ---- resolution --------------------------------------------------------------------

  private contextFor(index: number): DayMention | null {
    let before: DayMention | null = null;
    let after: DayMention | null = null;
    for (const d of this.days) {
      if (d.index <= index) before = d;
      else if (after === null) after = d;
    }
    return before ?? after;
  }

  /** Hour readings of a clock point (24-hour values; more than one when am/pm is open). */
  private readings(p: ClockPoint, onStatedDay: boolean): number[] {
    const to24 = (h: number, mer: 'am' | 'pm') => (mer === 'am' ? h % 12 : (h % 12) + 12);
    // Hours of a night that fall after midnight belong to the next civil day: "01:00 last night".
    const nightEnd = this.ctx.dayParts.night[1] - 24;
    const night = (h: number) => (p.hint === 'night' && h < nightEnd ? h + 24 : h);
    if (p.mer !== null) return [night(to24(p.h, p.mer))];
    if (!p.bare || p.h === 0 || p.h > 12) return [night(p.h)];
    if (p.hint === 'morning') return [to24(p.h, 'am')];
    if (p.hint === 'afternoon' || p.hint === 'evening') return [to24(p.h, 'pm')];
    if (p.hint === 'night') return [night(p.h >= nightEnd ? to24(p.h, 'pm') : to24(p.h, 'am'))];
    if (onStatedDay) return [p.h <= 6 ? p.h + 12 : p.h];
    return p.h === 12 ? [12, 0] : [p.h, p.h + 12];
  }

  private clockZone(p: ClockPoint): Zone {
    return p.zone ?? this.zone();
  }

  /** A clock point on a known civil day. */
  private onDay(p: ClockPoint, day: number): number {
    const hours = this.readings(p, true);
    return fromWall(this.clockZone(p), day, hours[0] ?? p.h, p.m, p.s);
  }

  /** The latest reading of `p` not after `bound` (or the earliest at or after it). */
  private nearest(p: ClockPoint, bound: number, dir: 'latest' | 'earliest'): number {
    const zone = this.clockZone(p);
    const boundDay = toWall(zone, bound).day;
    let best = NaN;
    for (const h of this.readings(p, false)) {
      for (let d = -2; d <= 2; d++) {
        const t = fromWall(zone, boundDay + d, h, p.m, p.s);
        if (dir === 'latest' ? t <= bound && !(t <= best) : t >= bound && !(t >= best)) best = t;
      }
    }
    return best;
  }

  private dayOf(p: ClockPoint): { day: number; hint: DayPartName | null } | null {
    if (p.day !== null) return { day: p.day, hint: p.hint };
    const c = this.contextFor(p.start);
    return c ? { day: c.day, hint: c.part } : null;
  }

  /** A single point as an instant: clocks on their day, else the most recent reading. */
  private instantOf(p: Point, which: 'start' | 'end'): number {
    if (p.kind === 'instant') return p.ms;
    if (p.kind === 'period') return which === 'start' ? p.from : p.to;
    const d = this.dayOf(p);
    if (d) {
      if (p.hint === null) p.hint = d.hint;
      return this.onDay(p, d.day);
    }
    return this.nearest(p, this.ctx.at, 'latest');
  }

  resolve(expr: Expr): TimeResult {
    const at = this.ctx.at;
    const W = this.ctx.windowMs;
    const clip = (to: number, from: number) => (from < at && to > at ? at : to);
    switch (expr.kind) {
      case 'now':
        return { kind: 'now' };
      case 'last':
        return { kind: 'window', from: at - expr.ms, to: at, day: null };
      case 'shift':
        return { kind: 'shift', ms: expr.ms, dir: expr.dir };
      case 'unitBefore':
        return { kind: 'unitBefore', unitMs: expr.unitMs, lastIfNoPrevious: expr.lastIfNoPrevious };
      case 'period':
        return this.periodWindow(expr.p);
      case 'since': {
        const from = this.instantOf(expr.p, 'start');
        return { kind: 'window', from, to: from < at ? at : from + W, day: null };
      }
      case 'until': {
        const to = this.instantOf(expr.p, 'start');
        return { kind: 'window', from: to - W, to, day: null };
      }
      case 'around': {
        // "what about Monday?": "about" a day is that day.
        if (expr.p.kind === 'period') return this.periodWindow(expr.p);
        const t = this.instantOf(expr.p, 'start');
        return { kind: 'window', from: t - W / 2, to: clip(t + W / 2, t - W / 2), day: null };
      }
      case 'range':
        return this.resolveRange(expr);
      case 'span': {
        const t = this.instantOf(expr.p, 'start');
        return expr.dir < 0 ? { kind: 'window', from: t - expr.ms, to: t, day: null } : { kind: 'window', from: t, to: t + expr.ms, day: null };
      }
    }
  }

  /** A day or part of a day; an end that was not stated is clipped at the anchor. */
  private periodWindow(p: PeriodPoint): TimeResult {
    const at = this.ctx.at;
    const to = p.from < at && p.to > at ? at : p.to;
    return { kind: 'window', from: p.from, to, day: p.day === null ? null : { day: p.day, zone: p.zone } };
  }

  private resolveRange(expr: Extract<Expr, { kind: 'range' }>): TimeResult {
    const { a, b } = expr;
    // A zone stated on one end applies to both; so does am/pm when it keeps the range ordered.
    if (a.kind === 'clock' && b.kind === 'clock') {
      if (a.zone === null) a.zone = b.zone;
      if (b.zone === null) b.zone = a.zone;
      const h24 = (h: number, mer: 'am' | 'pm') => (mer === 'am' ? h % 12 : (h % 12) + 12);
      if (a.mer === null && a.bare && b.mer !== null && a.h >= 1 && a.h <= 12) {
        a.mer = h24(a.h, b.mer) * 60 + a.m <= h24(b.h, b.mer) * 60 + b.m ? b.mer : b.mer === 'am' ? 'pm' : 'am';
      }
      if (b.mer === null && b.bare && a.mer !== null && b.h >= 1 && b.h <= 12) {
        b.mer = h24(b.h, a.mer) * 60 + b.m >= h24(a.h, a.mer) * 60 + a.m ? a.mer : a.mer === 'am' ? 'pm' : 'am';
      }
    }
    let from: number;
    let to: number;
    if (a.kind === 'clock' && a.day === null && b.kind === 'clock' && b.day !== null) {
      to = this.onDay(b, b.day);
      from = this.nearest(a, to, 'latest');
    } else {
      from = this.instantOf(a, 'start');
      if (b.kind === 'clock' && b.day === null) {
        to = this.nearest(b, from, 'earliest');
      } else if (b.kind === 'period') {
        to = b.to > this.ctx.at && b.from < this.ctx.at ? this.ctx.at : b.to;
      } else {
        to = this.instantOf(b, 'start');
      }
    }
    if (!Number.isFinite(from) || !Number.isFinite(to)) return { kind: 'none' };
    if (to < from) [from, to] = [to, from];
    return { kind: 'window', from, to, day: null };
  }
}

/**
 * Finds and resolves the time expression of a text. Tokens consumed by time expressions are
 * marked `used`. `corrections` are token indices of correction words (see `correctionPoints`).
 */
export function parseTime(tokens: Token[], ctx: TimeContext, corrections: number[]): TimeResult {
  const parser = new TimeParser(tokens, ctx);
  const { expr } = parser.run(corrections);
  if (expr === null) return { kind: 'none' };
  const r = parser.resolve(expr);
  if (r.kind === 'window' && (!Number.isFinite(r.from) || !Number.isFinite(r.to))) return { kind: 'none' };
  return r;
}
