/**
 * General variable masking for log messages: one rule set for every kind of log.
 *
 * The rules look at the *shape* of a token, never at a particular system, so they carry
 * over to logs never seen before. A token is cut into its core and the wrapping around it
 * (`(`, `[`, quotes before; `)`, `]`, quotes, `,;.:!` after), and then:
 *
 * 1. A core that is, as a whole, a number (signed, decimal, with a short unit such as
 *    `12ms`, `3.5s`, `10KB`), a hex value (`0x1f`, `a489c868f0`), a UUID, an IPv4 or IPv6
 *    address with or without port, a MAC address, a clock time or date, a URL, an e-mail
 *    address or an absolute path is a variable. Values like these are what programs print
 *    into a message; the words around them are the message.
 * 2. The value of `key=value` is a variable (the `=` says that a value follows), unless it
 *    is empty or an enumeration word (see {@link isEnumerationWord}): a flag or a state
 *    from a small closed set names *which* event happened, as in `force=true`.
 * 3. Otherwise the core is cut into segments at separators (`= : , ; / ( ) [ ] { } < > @ # | & "`)
 *    and at dotted leaders (`instruction......0`). A segment containing a digit is a
 *    variable: constant identifiers rarely carry digits, while counters, ids, times,
 *    addresses and sizes always do. A segment that is a name followed by a number
 *    (`eth0`, `node-12`, `blk_-42`, `job_1445_0020`) keeps its name, which says what is
 *    counted; an opaque mix (`R02-M1`, `a1b2c3`) is masked whole.
 * 4. Two rules read a token in context: English month and weekday names are parts of an
 *    embedded timestamp, and a unit right after a masked number (`384 B`, `12.5 KB`,
 *    `900 ms`) belongs to the number, since the unit is chosen by the magnitude.
 * 5. A token longer than {@link MAX_TOKEN_CHARS} is a payload (an encoded blob, a
 *    serialised object), not a word.
 *
 * Everything runs with `charCodeAt` scans and a few anchored regular expressions whose
 * quantified parts cannot overlap, so the cost is linear in the length of the line.
 */

/** The placeholder that stands for a variable, in masked text and in templates. */
export const WILDCARD = '<*>';

/** Default cap on tokens per message; the tail beyond it collapses into one wildcard. */
export const DEFAULT_MAX_TOKENS = 128;

/** Tokens longer than this are payloads and are masked whole. */
export const MAX_TOKEN_CHARS = 256;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

function isHexLetter(c: number): boolean {
  return (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/**
 * Splits a message into whitespace-separated tokens.
 *
 * At most `maxTokens` tokens are returned: when the message has more, the last one is a
 * single {@link WILDCARD} standing for the whole tail, so a 100 KB line costs one linear
 * scan and yields a bounded token list.
 */
export function tokenize(message: string, maxTokens: number = DEFAULT_MAX_TOKENS): string[] {
  const tokens: string[] = [];
  const n = message.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(message.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(message.charCodeAt(i))) i++;
    if (tokens.length === maxTokens - 1) {
      let rest = i;
      while (rest < n && isSpace(message.charCodeAt(rest))) rest++;
      tokens.push(rest < n ? WILDCARD : message.slice(start, i));
      break;
    }
    tokens.push(message.slice(start, i));
  }
  return tokens;
}

// Anchored; each quantified part stops at a character the next part needs, so matching
// is linear on any input.
const URL_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S*$/;
const EMAIL_RE = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
const WINDOWS_PATH_RE = /^[A-Za-z]:\\/;
/** `[2001:db8::7]:443`: a bracketed IPv6 address with a port. */
const BRACKETED_IPV6_RE = /^\[[0-9A-Fa-f:.%]+\]:[0-9]+$/;
/** A name followed by a number: `eth0`, `node-12`, `blk_-42`, `job_1445_0020`, `v1.2`. */
const INDEXED_NAME_RE = /^([A-Za-z][A-Za-z_-]*)[0-9][0-9._-]*$/;

const LITERALS = new Set(['true', 'false', 'null', 'nil', 'none', 'undefined', 'yes', 'no', 'on', 'off', 'nan']);

/** `( [ { < " '` */
function isLeadingWrap(c: number): boolean {
  return c === 40 || c === 91 || c === 123 || c === 60 || c === 34 || c === 39;
}

/** `) ] } > " ' , ; . : !` */
function isTrailingWrap(c: number): boolean {
  return c === 41 || c === 93 || c === 125 || c === 62 || c === 34 || c === 39 || c === 44 || c === 59 || c === 46 || c === 58 || c === 33;
}

/** The token without its wrapping: leading brackets and quotes, trailing brackets, quotes and punctuation. */
export function tokenCore(token: string): string {
  const [s, e] = coreBounds(token);
  return s === 0 && e === token.length ? token : token.slice(s, e);
}

/** Start and end of a token's core; a wildcard at either edge stays whole. */
function coreBounds(token: string): [number, number] {
  const n = token.length;
  let s = 0;
  while (s < n && isLeadingWrap(token.charCodeAt(s))) s++;
  let e = n;
  while (e > s && isTrailingWrap(token.charCodeAt(e - 1))) e--;
  if (s > 0 && token.startsWith(WILDCARD, s - 1)) s--;
  if (e < n && e >= 2 && token.startsWith(WILDCARD, e - 2)) e++;
  return [s, e];
}

/**
 * True for a word from a small closed set: a boolean or null literal (`true`, `none`) or an
 * ALL-CAPS word (`GET`, `FAILED`, `CONTAINER_REMOTE_LAUNCH`). Programs print states,
 * methods, levels and flags this way; their value tells events apart, whereas open-ended
 * values (names, ids) are rarely spelled in capitals.
 */
export function isEnumerationWord(token: string): boolean {
  const core = tokenCore(token);
  if (core.length === 0) return false;
  if (core.length <= 9 && LITERALS.has(core.toLowerCase())) return true;
  let upper = 0;
  for (let i = 0; i < core.length; i++) {
    const c = core.charCodeAt(i);
    if (isUpper(c)) upper++;
    else if (c !== 95 && c !== 45) return false;
  }
  return upper >= 2;
}

/** Rule 1: the whole core is a value of a recognised kind. */
function isWholeVariable(core: string): boolean {
  const n = core.length;
  if (n === 0) return false;
  const c0 = core.charCodeAt(0);
  // Absolute or home-relative path (`/var/log/x`, `/10.0.0.1:50010`, `~/x`), Windows path.
  if (c0 === 47 && n > 1) return true;
  if (c0 === 126 && n > 1 && core.charCodeAt(1) === 47) return true;
  if (core.charCodeAt(1) === 58 && WINDOWS_PATH_RE.test(core)) return true;
  if (core.includes('://')) return URL_RE.test(core);
  if (core.includes('@') && EMAIL_RE.test(core)) return true;

  let digits = 0;
  let hexLetters = 0;
  let otherLetters = 0;
  let other = 0;
  for (let i = 0; i < n; i++) {
    const c = core.charCodeAt(i);
    if (isDigit(c)) digits++;
    else if (isHexLetter(c)) hexLetters++;
    else if (isUpper(c) || isLower(c)) otherLetters++;
    else if (c !== 46 && c !== 58 && c !== 45) other++;
  }
  // A dotted leader (`instruction......0`) joins a label and a value: see maskSegments.
  if (digits === 0 || core.includes('..')) return false;
  // Digits and hex letters with `.`, `:`, `-`: numbers, versions, IPv4, IPv6, MAC, times,
  // dates, UUIDs, hex ids; except letters-then-digits (`ee0`), a name with an index.
  if (otherLetters === 0 && other === 0) return hexLetters === 0 || !INDEXED_NAME_RE.test(core);
  // 0x-prefixed hex.
  if (n > 2 && c0 === 48 && (core.charCodeAt(1) === 120 || core.charCodeAt(1) === 88)) {
    for (let i = 2; i < n; i++) {
      const c = core.charCodeAt(i);
      if (!isDigit(c) && !isHexLetter(c)) return false;
    }
    return true;
  }
  // A number with a short unit: 12ms, 3.5s, 10KB, 2GiB, -4dB.
  let i = c0 === 45 || c0 === 43 ? 1 : 0;
  const first = i;
  while (i < n && (isDigit(core.charCodeAt(i)) || core.charCodeAt(i) === 46 || core.charCodeAt(i) === 44)) i++;
  if (i === first || !isDigit(core.charCodeAt(first)) || n - i < 1 || n - i > 4) return false;
  for (let j = i; j < n; j++) {
    const c = core.charCodeAt(j);
    if (!isUpper(c) && !isLower(c)) return false;
  }
  return true;
}

/** `= : , ; / ( ) [ ] { } < > @ # | & " '` */
function isSeparator(c: number): boolean {
  switch (c) {
    case 61: case 58: case 44: case 59: case 47: case 40: case 41: case 91: case 93:
    case 123: case 125: case 60: case 62: case 64: case 35: case 124: case 38: case 34: case 39:
      return true;
    default:
      return false;
  }
}

/** The end of an assignment's value: `,`, `;`, `&` or a closing bracket. */
function endsValue(c: number): boolean {
  return c === 44 || c === 59 || c === 38 || c === 41 || c === 93 || c === 125 || c === 62;
}

/** A segment with a digit: a name followed by a number keeps its name (rule 3). */
function maskSegment(segment: string): string {
  if (isWholeVariable(segment)) return WILDCARD;
  const m = INDEXED_NAME_RE.exec(segment);
  return m ? `${m[1]}${WILDCARD}` : WILDCARD;
}

/** Rules 2 and 3 on a compound core. */
function maskSegments(core: string): string {
  const n = core.length;
  let out = '';
  let i = 0;
  while (i < n) {
    const c = core.charCodeAt(i);
    if (c === 61) {
      let j = i + 1;
      while (j < n) {
        // An already masked value (`<*>`) is one unit: masking masked text changes nothing.
        if (core.startsWith(WILDCARD, j)) j += WILDCARD.length;
        else if (endsValue(core.charCodeAt(j))) break;
        else j++;
      }
      const value = core.slice(i + 1, j);
      out += value.length === 0 || isEnumerationWord(value) ? `=${value}` : `=${WILDCARD}`;
      i = j;
      continue;
    }
    if (isSeparator(c)) {
      out += core[i];
      i++;
      continue;
    }
    if (c === 46 && core.charCodeAt(i + 1) === 46) {
      let j = i;
      while (j < n && core.charCodeAt(j) === 46) j++;
      out += core.slice(i, j);
      i = j;
      continue;
    }
    let j = i;
    let digit = false;
    while (j < n) {
      const d = core.charCodeAt(j);
      if (isSeparator(d) || (d === 46 && core.charCodeAt(j + 1) === 46)) break;
      if (isDigit(d)) digit = true;
      j++;
    }
    out += digit ? maskSegment(core.slice(i, j)) : core.slice(i, j);
    i = j;
  }
  return out;
}

/** Masks one token by rules 1–3 and 5; returns the token itself when nothing in it is a variable. */
export function maskToken(token: string): string {
  const n = token.length;
  if (n > MAX_TOKEN_CHARS) return WILDCARD;
  // Fast path: without a digit, `=`, `@`, `/` or `\` no rule applies.
  let candidate = false;
  for (let i = 0; i < n; i++) {
    const c = token.charCodeAt(i);
    if (isDigit(c) || c === 61 || c === 64 || c === 47 || c === 92) {
      candidate = true;
      break;
    }
  }
  if (!candidate) return token;
  const [s, e] = coreBounds(token);
  if (s >= e) return token;
  if (s === 1 && token.charCodeAt(0) === 91 && BRACKETED_IPV6_RE.test(token.slice(0, e))) return WILDCARD + token.slice(e);
  const core = token.slice(s, e);
  let masked: string;
  if (isWholeVariable(core)) masked = WILDCARD;
  else {
    masked = maskSegments(core);
    if (masked === core) return token;
  }
  return token.slice(0, s) + masked + token.slice(e);
}

const CALENDAR = new Set([
  'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Sept', 'Oct', 'Nov', 'Dec',
  'January', 'February', 'March', 'April', 'June', 'July', 'August', 'September', 'October', 'November', 'December',
  'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun',
  'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday',
]);

const UNITS = new Set([
  'B', 'KB', 'MB', 'GB', 'TB', 'PB', 'kB', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB',
  'ns', 'us', 'µs', 'ms', 's', 'sec', 'secs', 'min', 'mins', 'h', 'hr', 'hrs',
]);

/**
 * Tokenizes a message and masks every token (rules 1–5 of this module). The result has at
 * most `maxTokens` tokens; a token containing {@link WILDCARD} holds a variable.
 */
export function maskTokens(message: string, maxTokens: number = DEFAULT_MAX_TOKENS): string[] {
  const tokens = tokenize(message, maxTokens);
  let afterNumber = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    const masked = maskToken(token);
    if (masked !== token) {
      tokens[i] = masked;
      afterNumber = masked === WILDCARD;
      continue;
    }
    // Calendar words are capitalised, 3 to 9 letters; only look closer at such tokens.
    const c0 = token.charCodeAt(0);
    if (afterNumber || (token.length >= 3 && (isUpper(c0) || isLeadingWrap(c0)))) {
      const core = tokenCore(token);
      if ((afterNumber && UNITS.has(core)) || CALENDAR.has(core)) tokens[i] = token.replace(core, WILDCARD);
    }
    afterNumber = false;
  }
  return tokens;
}

/**
 * Replaces every variable in a message by {@link WILDCARD} with the general rules of this
 * module, and normalises whitespace to single spaces. No cap on the number of tokens;
 * the cost is linear in the length of the message.
 *
 * @example
 * maskVariables('took 12ms to reach 10.0.0.1:8080 as user=alice');
 * // => 'took <*> to reach <*> as user=<*>'
 */
export function maskVariables(message: string): string {
  return maskTokens(message, Number.MAX_SAFE_INTEGER).join(' ');
}
