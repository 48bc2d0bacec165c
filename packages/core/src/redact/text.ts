/**
 * Redaction of secrets and personal data in free text, before logs are stored, queued or
 * shown to a model (OWASP LLM02). Matches become `[REDACTED:<kind>]`.
 *
 * Linear time on hostile input: every pattern either starts with a lookbehind that admits
 * only the first character of a run of its own class (so a run is scanned by one start, not
 * by each of its positions) or has bounded repeats; repeated parts are separated by
 * characters outside the repeated class. Private keys are found with indexOf, not a regex.
 */
import { ibanValid, ipv4Valid, ipv6Valid, isBasicCredentials, looksLikeToken, luhnValid } from './checks.ts';
import { isIdKey, isSensitiveKey } from './keys.ts';

export const REDACTION_KINDS = [
  'private_key',
  'url_credentials',
  'jwt',
  'bearer_token',
  'basic_auth',
  'aws_access_key',
  'api_key',
  'secret',
  'email',
  'iban',
  'card',
  'phone',
  'ip',
  'custom',
] as const;
export type RedactionKind = (typeof REDACTION_KINDS)[number];

export interface RedactOptions {
  /**
   * Redact IPv4 and IPv6 addresses. Default false: in incident analysis addresses mostly
   * name the hosts, pods and upstreams that failed, which is evidence. Set true for logs
   * that carry client addresses (access logs, auth logs), where they are personal data.
   */
  ip?: boolean;
  /** More patterns to redact as `[REDACTED:custom]`; the caller vouches for their running time. */
  extraPatterns?: RegExp[];
}

/** The marker that replaces a redacted value. */
export function redactionMarker(kind: RedactionKind): string {
  return `[REDACTED:${kind}]`;
}

const MARKER_PREFIX = '[REDACTED:';

// PEM private keys: `-----BEGIN [RSA |EC |OPENSSH |ENCRYPTED |PGP ]PRIVATE KEY[ BLOCK]-----` … END.
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/y;
const PEM_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/y;

/** A key whose END is missing (a cut line) is redacted to the end of the text. */
function redactPrivateKeys(text: string): string {
  let i = text.indexOf('-----BEGIN ');
  if (i < 0) return text;
  let out = '';
  let last = 0;
  while (i >= 0) {
    PEM_BEGIN.lastIndex = i;
    if (!PEM_BEGIN.test(text)) {
      i = text.indexOf('-----BEGIN ', i + 1);
      continue;
    }
    let end = -1;
    for (let j = text.indexOf('-----END ', PEM_BEGIN.lastIndex); j >= 0; j = text.indexOf('-----END ', j + 1)) {
      PEM_END.lastIndex = j;
      if (PEM_END.test(text)) {
        end = PEM_END.lastIndex;
        break;
      }
    }
    out += text.slice(last, i) + redactionMarker('private_key');
    if (end < 0) return out;
    last = end;
    i = text.indexOf('-----BEGIN ', end);
  }
  return out + text.slice(last);
}

/**
 * Whether `text` opens a private key it does not close: the key goes on in the lines or log
 * events that follow (a plain-text body split into lines, one NDJSON event per line).
 */
export function opensPrivateKey(text: string): boolean {
  for (let i = text.indexOf('-----BEGIN '); i >= 0; ) {
    PEM_BEGIN.lastIndex = i;
    if (!PEM_BEGIN.test(text)) {
      i = text.indexOf('-----BEGIN ', i + 1);
      continue;
    }
    let end = -1;
    for (let j = text.indexOf('-----END ', PEM_BEGIN.lastIndex); j >= 0 && end < 0; j = text.indexOf('-----END ', j + 1)) {
      PEM_END.lastIndex = j;
      if (PEM_END.test(text)) end = PEM_END.lastIndex;
    }
    if (end < 0) return true;
    i = text.indexOf('-----BEGIN ', end);
  }
  return false;
}

/** A line of a PEM body: base64, an RFC 1421 header (encrypted keys), or blank. */
const PEM_BODY_LINE = /^[ \t]*(?:[A-Za-z0-9+/=]{1,256}|(?:Proc-Type|DEK-Info|Comment|Version|Hash):[^\n]{0,256})?[ \t\r]*$/;
const PEM_END_ANYWHERE = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/;

/**
 * How much of `text`, which follows a key left open (see {@link opensPrivateKey}), still
 * belongs to that key: its leading PEM body lines and the END line. `end` is where the key
 * ends in `text`; `closed` whether its END line was found. Null when `text` does not continue
 * a key (the key was cut, and this is the next record).
 */
export function privateKeyContinuation(text: string): { end: number; closed: boolean } | null {
  let start = 0;
  while (start <= text.length) {
    const newline = text.indexOf('\n', start);
    const lineEnd = newline < 0 ? text.length : newline;
    const line = text.slice(start, lineEnd);
    const end = PEM_END_ANYWHERE.exec(line);
    if (end) return { end: start + end.index + end[0].length, closed: true };
    if (!PEM_BODY_LINE.test(line)) return start === 0 ? null : { end: start, closed: false };
    if (newline < 0) break;
    start = newline + 1;
  }
  return { end: text.length, closed: false };
}

/** `scheme://user:password@` (user may be empty, as in `redis://:pw@host`); scheme and host stay. */
const URL_CREDENTIALS = /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,31}):\/\/[^\s:@/?#[\]]{0,256}:[^\s@/?#[\]]{1,256}@/g;
/** JSON Web Tokens: base64url JSON header `eyJ…`, payload, signature (may be empty: alg none). */
const JWT = /(?<![\w-])eyJ[\w-]+\.[\w-]+\.[\w-]*/g;
const BEARER = /(?<![\w-])(bearer)(\s{1,10})([A-Za-z0-9\-._~+/]+=*)/gi;
const BASIC = /(?<![\w-])(basic)(\s{1,10})([A-Za-z0-9+/]{4,}={0,2})(?![\w+/=])/gi;
/** AWS access key ids, secretlint's rule (secretlint-rule-aws). */
const AWS_ACCESS_KEY = /\b(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}\b/g;
/** Well-known vendor token shapes: GitHub, Slack, Stripe, Google API keys, OpenAI. */
const VENDOR_TOKEN =
  /(?<![\w-])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{22,}|xox[abposr]-[A-Za-z0-9-]{10,}|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}|AIza[\w-]{35}|sk-(?:proj-|svcacct-|admin-)?[\w-]{32,})(?![\w-])/g;
const EMAIL = /(?<![\w.%+-])[\w.%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![\w-])/g;
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g;
/** Card numbers: a run of 13..19 digits, or groups joined by one kind of separator; first digit 2..6 (the card networks). */
const CARD_PLAIN = /(?<![\w+.-])[2-6]\d{12,18}(?!\w)/g;
const CARD_GROUPED = /(?<![\w+.-])[2-6]\d{3}([ -])\d{3,6}(?:\1\d{1,6}){1,4}(?!\w)/g;
/** International phone numbers only: `+` and a country code, 8..15 digits in all (E.164). */
const PHONE = /(?<![\w+])\+[1-9][\d \-.()]{6,22}\d(?!\w)/g;
const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;
const IPV6_CANDIDATE = /(?<![\w:.])[0-9A-Fa-f:.]{2,45}(?![\w:.])/g;

// Gates: what any match of the pass they guard must contain (see redactText).
const HAS_BEARER = /bearer/i;
const HAS_BASIC = /basic/i;
const HAS_AWS_PREFIX = /A(?:3T|KIA|GPA|IDA|ROA|IPA|NPA|NVA|SIA)/;
const HAS_VENDOR_PREFIX = /gh[pousr]_|github_pat_|xox[abposr]-|[srp]k_(?:live|test)_|AIza|sk-/;
const HAS_IBAN_HEAD = /[A-Z]{2}\d{2}/;
/** A plain card number has 13 digits in a row; a grouped one starts with 4 digits and a separator. */
const HAS_CARD_DIGITS = /\d{4}(?:[ -]|\d{9})/;

/** Values an assignment may hold that are evidence, not secrets (`token=null`, `password=`). */
const HARMLESS_VALUE = /^(?:|null|nil|none|undefined|true|false|\*+|-)$/i;
/** `key=`, `key: `, `"key": `, `key => `, `\"key\":` (JSON inside a JSON string). */
const ASSIGNMENT_KEY = /(?<![\w.-])([A-Za-z_][\w.-]{0,63})(\\?["']?)([ \t]{0,5})(=>|[:=])([ \t]{0,5})/g;
/** After a colon, one lower-case word is prose (`invalid token: expired`), not a value. */
const PROSE_WORD = /^[a-z]{1,16}$/;
const AUTH_SCHEME = /^(?:bearer|basic|digest|token|negotiate|apikey)$/i;
/** Characters that end a bare (unquoted) value. */
const BARE_END = new Set([' ', '\t', '\n', '\r', ',', ';', '&', '"', "'", '<', '>', '{', '}', '(', ')', '[', ']', '\\']);

function lineEnd(text: string, from: number): number {
  const i = text.indexOf('\n', from);
  return i < 0 ? text.length : i;
}

function bareEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && !BARE_END.has(text[i] ?? ' ')) i++;
  return i;
}

/** End of a quoted value starting at `from` (just after the opening quote), or -1 if it does not close on its line. */
function quotedEnd(text: string, from: number, quote: string, escaped: boolean): number {
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') return -1;
    if (escaped) {
      if (ch === '\\' && text[i + 1] === quote) return i;
    } else if (ch === '\\') {
      i++;
    } else if (ch === quote) {
      return i;
    }
  }
  return -1;
}

/**
 * Replaces the values of sensitive assignments (see isSensitiveKey): `password=…`,
 * `"api_key": "…"`, `Authorization: Bearer …` (the scheme word stays), `Cookie: a=1; b=2`
 * (every cookie). Values that are already markers, empty, `null` or `***` stay.
 */
function redactAssignments(text: string): string {
  let out = '';
  let last = 0;
  ASSIGNMENT_KEY.lastIndex = 0;
  for (let m = ASSIGNMENT_KEY.exec(text); m !== null; m = ASSIGNMENT_KEY.exec(text)) {
    const key = m[1] ?? '';
    if (!isSensitiveKey(key)) continue;
    // `password= next=1`: a bare `=` followed by a blank assigns nothing.
    if (m[4] === '=' && m[3] === '' && m[5] !== '') continue;
    let start = ASSIGNMENT_KEY.lastIndex;
    let end: number;
    let open = '';
    let close = '';
    const c = text[start];
    if (c === '\\' && (text[start + 1] === '"' || text[start + 1] === "'")) {
      const q = text[start + 1] ?? '"';
      const e = quotedEnd(text, start + 2, q, true);
      open = `\\${q}`;
      close = open;
      start += 2;
      // An unclosed quote (a cut line) is redacted to the end of the line.
      end = e < 0 ? lineEnd(text, start) : e;
      if (e < 0) close = '';
    } else if (c === '"' || c === "'") {
      const e = quotedEnd(text, start + 1, c, false);
      open = c;
      close = e < 0 ? '' : c;
      start += 1;
      end = e < 0 ? lineEnd(text, start) : e;
    } else {
      end = bareEnd(text, start);
      const word = text.slice(start, end);
      // `Authorization: Bearer xyz`: keep the scheme, redact what follows.
      if (AUTH_SCHEME.test(word)) {
        const ws = /^[ \t]{1,10}/.exec(text.slice(end, end + 11));
        if (ws) {
          open = word + ws[0];
          start = end + ws[0].length;
          end = text.startsWith(MARKER_PREFIX, start) ? text.indexOf(']', start) + 1 : bareEnd(text, start);
        }
      }
      // Cookies run on across `; name=value` pairs.
      if (/cookie$/i.test(key)) {
        for (let more = /^; ?[\w.-]{1,64}=/.exec(text.slice(end, end + 70)); more; more = /^; ?[\w.-]{1,64}=/.exec(text.slice(end, end + 70))) {
          end = bareEnd(text, end + more[0].length);
        }
      }
    }
    const value = text.slice(start, end);
    const prose = m[4] === ':' && open === '' && PROSE_WORD.test(value);
    if (prose || HARMLESS_VALUE.test(value) || value.startsWith(MARKER_PREFIX)) {
      ASSIGNMENT_KEY.lastIndex = Math.max(ASSIGNMENT_KEY.lastIndex, end);
      continue;
    }
    out += text.slice(last, start - open.length) + open + redactionMarker('secret') + close;
    last = end + close.length;
    ASSIGNMENT_KEY.lastIndex = last;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * The value of an id field (`trace_id=`, `dd.trace_id:`, `"spanId": "`, `txn_id=`), read
 * backwards from `offset`. Decimal trace ids (Datadog) and transaction ids are evidence even
 * when they pass Luhn; card fields (`card_number`, `pan`) were redacted as secrets before.
 */
const KEY_BEFORE = /([\w.-]{1,64})["']?[ \t]{0,3}[=:][ \t]{0,3}["']?$/;

function afterIdKey(text: string, offset: number): boolean {
  const m = KEY_BEFORE.exec(text.slice(Math.max(0, offset - 72), offset));
  return m?.[1] !== undefined && isIdKey(m[1]);
}

function redactCards(text: string): string {
  let s = text.replace(CARD_PLAIN, (m, offset: number, whole: string) =>
    luhnValid(m) && !afterIdKey(whole, offset) ? redactionMarker('card') : m,
  );
  // A grouped match may run into a following number ("4111 1111 1111 1111 2 items"): try
  // prefixes that end on a group boundary, longest first.
  s = s.replace(CARD_GROUPED, (m, sep: string, offset: number, whole: string) => {
    if (afterIdKey(whole, offset)) return m;
    const groups = m.split(sep);
    for (let n = groups.length; n >= 2; n--) {
      const digits = groups.slice(0, n).join('');
      if (digits.length < 13) break;
      if (digits.length <= 19 && luhnValid(digits)) {
        return redactionMarker('card') + (n < groups.length ? sep + groups.slice(n).join(sep) : '');
      }
    }
    return m;
  });
  return s;
}

/** `sk-` alone is a common prefix of names (`sk-payments-gateway-…`); OpenAI keys also mix cases and digits. */
function vendorTokenOk(m: string): boolean {
  if (m.startsWith('sk-')) return /\d/.test(m) && /[A-Z]/.test(m) && /[a-z]/.test(m);
  return looksLikeToken(m);
}

function phoneOk(m: string): boolean {
  let digits = 0;
  for (let i = 0; i < m.length; i++) {
    const c = m.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  return digits >= 8 && digits <= 15 && !/[ .-]{2}|[()]{2}/.test(m);
}

function globalise(re: RegExp): RegExp {
  return re.global ? re : new RegExp(re.source, `${re.flags}g`);
}

/**
 * Redacts secrets and personal data in `text`:
 * private keys (PEM), credentials in URLs, JWTs, bearer tokens, HTTP Basic credentials,
 * AWS access key ids, vendor API keys (GitHub, Slack, Stripe, Google, OpenAI), values of
 * sensitive assignments (`password=`, `api_key:`, `token=`, `Authorization:`, `Cookie:` …),
 * e-mail addresses, IBANs (checksum verified), card numbers (13–19 digits, Luhn verified),
 * international phone numbers (`+` and country code), and with `ip: true` IP addresses.
 *
 * Not redacted, being evidence: trace ids, UUIDs, request and transaction ids, digit strings
 * failing Luhn or starting with 0, 1, 7, 8 or 9 (epoch timestamps, most numeric ids).
 *
 * @example
 * redactText('login failed for ann@example.com password=hunter2')
 * // → 'login failed for [REDACTED:email] password=[REDACTED:secret]'
 */
export function redactText(text: string, options: RedactOptions = {}): string {
  if (text.length === 0) return text;
  // Each pass runs only when the text holds what every match of it must contain: most log
  // strings hold no secret, and a gate is far cheaper than a pass. Gates look at the text as
  // the earlier passes left it, so the result is the same as running every pass.
  let s = redactPrivateKeys(text);
  if (s.includes('://')) s = s.replace(URL_CREDENTIALS, (_m, scheme: string) => `${scheme}://${redactionMarker('url_credentials')}@`);
  if (s.includes('eyJ')) s = s.replace(JWT, redactionMarker('jwt'));
  if (HAS_BEARER.test(s)) {
    s = s.replace(BEARER, (m, word: string, ws: string, token: string) => (looksLikeToken(token) ? `${word}${ws}${redactionMarker('bearer_token')}` : m));
  }
  if (HAS_BASIC.test(s)) {
    s = s.replace(BASIC, (m, word: string, ws: string, b64: string) => (isBasicCredentials(b64) ? `${word}${ws}${redactionMarker('basic_auth')}` : m));
  }
  if (HAS_AWS_PREFIX.test(s)) s = s.replace(AWS_ACCESS_KEY, redactionMarker('aws_access_key'));
  if (HAS_VENDOR_PREFIX.test(s)) s = s.replace(VENDOR_TOKEN, (m) => (vendorTokenOk(m) ? redactionMarker('api_key') : m));
  if (s.includes('=') || s.includes(':')) s = redactAssignments(s);
  if (s.includes('@')) s = s.replace(EMAIL, redactionMarker('email'));
  if (HAS_IBAN_HEAD.test(s)) s = s.replace(IBAN, (m) => (ibanValid(m) ? redactionMarker('iban') : m));
  if (HAS_CARD_DIGITS.test(s)) s = redactCards(s);
  if (s.includes('+')) s = s.replace(PHONE, (m) => (phoneOk(m) ? redactionMarker('phone') : m));
  if (options.ip) {
    s = s.replace(IPV6_CANDIDATE, (m) => (m.includes(':') && /\d/.test(m) && ipv6Valid(m) ? redactionMarker('ip') : m));
    s = s.replace(IPV4, (m) => (ipv4Valid(m) ? redactionMarker('ip') : m));
  }
  for (const re of options.extraPatterns ?? []) s = s.replace(globalise(re), redactionMarker('custom'));
  return s;
}
