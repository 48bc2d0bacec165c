/**
 * Literals: the addresses, ports, versions, build numbers, paths and file names written in
 * questions and alert text. They are made of digits, dots and colons like times are
 * ("10.0.4.17", "db-1:5432", "v2.10.1", "payments-2026-11-20.log"), but they are never times:
 * this pass marks their tokens `literal`, which the time parser skips.
 *
 * The rules look at the shape of a whitespace-delimited chunk, not at a list of values:
 * - three or more dot-separated numbers (IPv4, semantic versions, CalVer builds), and any
 *   number list after `v` ("v2.10"), with whatever follows (":7001", "/24", "-rc.1"); a
 *   day.month.year date ("20.11.2026") is a date, not a literal;
 * - a host and port ("db-1:5432", "switch.internal:7001", "localhost:8080") and IPv6 ("::1");
 * - a number, clock time or date glued by `-` `_` `/` `\` `.` to a word that is not a time
 *   word ("payments-2026-11-20.log", "/var/log/2026/11/20/app.log", "HTTP/1.1", "build-10.30"),
 *   together with the numbers glued to it;
 * - a number right after a word that names a version or a place in a program ("release 10.30",
 *   "build 12.04", "port 22").
 * Linear: one pass over the tokens, each chunk looked at a bounded number of times.
 */
import { MONTHS, UNITS, WEEKDAYS, WEEKDAY_ABBREVIATIONS } from './lexicon.ts';
import type { Token } from './text.ts';

/** Words after which a number is a version or a location in a program, not a time. */
const VERSION_CUES: ReadonlySet<string> = new Set(['version', 'ver', 'release', 'build', 'rev', 'revision', 'patch', 'tag', 'image', 'commit', 'port', 'pid', 'line']);
/** Verbs of a version change, before "to"/"from" ("upgraded to 2.10", "rollback from 3.14"). */
const VERSION_CHANGE = /^(?:up|down)grad|^updat|^bump|^roll|^migrat|^revert|^pin/;
/** Glue between the parts of a name, path or file name. */
const CONNECTORS: ReadonlySet<string> = new Set(['-', '_', '/', '\\', '.']);
/** Punctuation that wraps a chunk without being part of it. */
const OPENERS: ReadonlySet<string> = new Set(['(', '[', '{', '"', "'", '`', '<', '~', '@']);
const CLOSERS: ReadonlySet<string> = new Set([')', ']', '}', '"', "'", '`', '>', ',', '.', ';', ':', '!', '?']);
/** Words that may be glued to a time without making it a name ("10-11am", "10:00Z", "20-Nov-2026", "10:00-ish"). */
const TIME_GLUE_WORDS: ReadonlySet<string> = new Set([
  'am', 'pm', 'a', 'p', 'm', 'o', 'clock', 'z', 't', 'utc', 'gmt', 'ish', 'today', 'yesterday', 'tonight',
  'morning', 'afternoon', 'evening', 'night', 'onwards', 'onward', 'since', 'from', 'until', 'till', 'to', 'at',
]);

const DOTTED_NUMBERS = /^[vV]?\d+(?:\.\d+){2,}/;
const V_NUMBERS = /^[vV]\d+(?:\.\d+)+/;
const DAY_MONTH_YEAR = /^\d{1,2}\.\d{1,2}\.\d{4}$/;
const HOST_PORT = /^([A-Za-z0-9][A-Za-z0-9._-]{0,252}):(\d{2,5})(?:\/\S*)?$/;
const GLUED_MERIDIEM = /^\d{1,2}(?:am|pm|a|p)$/;
const ORDINAL = /^\d{1,2}(?:st|nd|rd|th)$/;
const DURATION = /^(?:\d+(?:\.\d+)?[a-z]+){1,4}$/;

const isTimeToken = (t: Token) => t.kind === 'num' || t.kind === 'clock' || t.kind === 'isodate' || t.kind === 'iso';

function isDuration(lower: string): boolean {
  if (!DURATION.test(lower)) return false;
  for (const m of lower.matchAll(/\d+(?:\.\d+)?([a-z]+)/g)) if (!UNITS.has(m[1] ?? '')) return false;
  return true;
}

/** A word that names something (a service, a directory, a file type), as opposed to a time word. */
function isNameWord(t: Token, abbreviations: ReadonlySet<string>): boolean {
  if (t.kind !== 'word') return false;
  const w = t.lower;
  if (TIME_GLUE_WORDS.has(w) || MONTHS.has(w) || WEEKDAYS.has(w) || WEEKDAY_ABBREVIATIONS.has(w) || UNITS.has(w)) return false;
  if (GLUED_MERIDIEM.test(w) || ORDINAL.test(w) || isDuration(w)) return false;
  return !abbreviations.has(t.raw);
}

/**
 * Marks the tokens of literals (see the module comment) `literal`. `text` is the text the
 * tokens came from; `abbreviations` are the time-zone abbreviations in use (upper case).
 */
export function markLiterals(tokens: Token[], text: string, abbreviations: ReadonlySet<string>): void {
  for (let start = 0; start < tokens.length; ) {
    let end = start + 1;
    while (end < tokens.length && tokens[end]?.space === false) end++;
    markChunk(tokens, start, end, text, abbreviations);
    start = end;
  }
}

function markChunk(tokens: Token[], start: number, end: number, text: string, abbreviations: ReadonlySet<string>): void {
  let a = start;
  let b = end;
  while (a < b && tokens[a]?.kind === 'punct' && OPENERS.has(tokens[a]?.raw ?? '')) a++;
  while (b > a && tokens[b - 1]?.kind === 'punct' && CLOSERS.has(tokens[b - 1]?.raw ?? '')) b--;
  if (a >= b) return;
  let hasTime = false;
  for (let i = a; i < b; i++) if (isTimeToken(tokens[i] as Token)) hasTime = true;
  if (!hasTime) return;
  const first = tokens[a] as Token;
  const core = text.slice(first.start, (tokens[b - 1] as Token).end);
  const all = () => {
    for (let i = a; i < b; i++) (tokens[i] as Token).literal = true;
  };

  if ((DOTTED_NUMBERS.test(core) && !DAY_MONTH_YEAR.test(core)) || V_NUMBERS.test(core) || core.includes('::')) return all();
  const hostPort = HOST_PORT.exec(core);
  if (hostPort && (/[A-Za-z.]/.test(hostPort[1] ?? '') && (/[._\-\d]/.test(hostPort[1] ?? '') || (hostPort[2]?.length ?? 0) >= 3))) return all();

  // A number after a version cue ("release 10.30", "version: 2.10"), or after "to"/"from"
  // of a version change ("upgraded to 2.10", "rolled back from 3.14 to 3.12").
  if (isTimeToken(first)) {
    let p = start - 1;
    while (p >= 0 && tokens[p]?.kind === 'punct' && (tokens[p]?.raw === ':' || tokens[p]?.raw === '=' || tokens[p]?.raw === '#')) p--;
    const cue = tokens[p];
    const before = tokens[p - 1]?.lower === 'back' ? tokens[p - 2] : tokens[p - 1];
    const versionChange =
      cue?.kind === 'word' && (cue.lower === 'to' || cue.lower === 'from') && before !== undefined &&
      ((before.kind === 'word' && (VERSION_CHANGE.test(before.lower) || VERSION_CUES.has(before.lower))) || before.literal);
    if ((cue?.kind === 'word' && VERSION_CUES.has(cue.lower)) || versionChange) {
      for (let i = a; i < b && (isTimeToken(tokens[i] as Token) || tokens[i]?.kind === 'punct'); i++) (tokens[i] as Token).literal = true;
    }
  }

  // Numeric islands (numbers, clocks and dates joined by connectors) glued to a name word.
  for (let i = a; i < b; ) {
    if (!isTimeToken(tokens[i] as Token)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j + 1 < b && tokens[j]?.kind === 'punct' && CONNECTORS.has(tokens[j]?.raw ?? '') && isTimeToken(tokens[j + 1] as Token)) j += 2;
    // Island [i, j). A name word glued right before or after it, directly or by a connector.
    const touches = (k: number, step: -1 | 1): boolean => {
      const next = tokens[k];
      if (k < a || k >= b || next === undefined) return false;
      if (next.kind === 'word') return isNameWord(next, abbreviations);
      if (next.kind !== 'punct' || !CONNECTORS.has(next.raw)) return false;
      const beyond = tokens[k + step];
      return k + step >= a && k + step < b && beyond !== undefined && isNameWord(beyond, abbreviations);
    };
    if (touches(i - 1, -1) || touches(j, 1)) for (let k = i; k < j; k++) (tokens[k] as Token).literal = true;
    i = j;
  }
}
