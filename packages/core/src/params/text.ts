/**
 * Tokenisation for the extractor. One left-to-right regex scan with bounded alternatives, so
 * the cost is linear in the input; everything after works on the token array with a bounded
 * look-ahead.
 */

export type TokenKind = 'word' | 'num' | 'clock' | 'isodate' | 'iso' | 'punct';

export interface Token {
  kind: TokenKind;
  raw: string;
  lower: string;
  /** `lower`, or the vocabulary word it is a one-edit typo of ("stagging" → "staging"). */
  norm: string;
  start: number;
  end: number;
  /** Whitespace (or the start of the text) comes before this token. */
  space: boolean;
  /** 0: free; 1: the label of an id or code ("trace", "status"); 2: an id or code value. */
  mask: 0 | 1 | 2;
  /** Consumed by a time expression, an env, a project or a service: not a keyword. */
  used: boolean;
  /** Part of an address, version, path or file name (see `markLiterals`): never a time. */
  literal: boolean;
}

/*
 * Alternatives, in order: ISO date with optional time; clock (10:00, 10:00:00); a number glued
 * to letters (10am, 2h, 5xx, 2fa); a number; a word (letters first, then letters, marks,
 * digits); any other non-space character. Each alternative is a single run of disjoint
 * classes, so the scan is linear.
 */
const TOKEN_RE =
  /(\d{4}-\d{2}-\d{2}(?:[Tt ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?)|(\d{1,2}:\d{2}(?::\d{2})?)(?![\d:])|(\d+(?:\.\d+)?[\p{L}\p{M}][\p{L}\p{M}\p{N}]*)|(\d+(?:\.\d+)?)|([\p{L}\p{M}][\p{L}\p{M}\p{N}]*)|(\S)/gu;

const CAMEL = /[a-z][A-Z]|[A-Z][A-Z][a-z]/;
const LETTER_FIRST = /^\p{L}/u;
const LOWER = /^[a-z]$/;
const UPPER = /^[A-Z]$/;

/** Splits `text` into tokens. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let prevEnd = 0;
  TOKEN_RE.lastIndex = 0;
  for (let m = TOKEN_RE.exec(text); m !== null; m = TOKEN_RE.exec(text)) {
    const raw = m[0];
    let kind: TokenKind;
    if (m[1] !== undefined) kind = raw.length > 10 ? 'iso' : 'isodate';
    else if (m[2] !== undefined) kind = 'clock';
    else if (m[3] !== undefined || m[5] !== undefined) kind = 'word';
    else if (m[4] !== undefined) kind = 'num';
    else kind = 'punct';
    const lower = raw.toLowerCase();
    tokens.push({ kind, raw, lower, norm: lower, start: m.index, end: m.index + raw.length, space: m.index === 0 || m.index > prevEnd, mask: 0, used: false, literal: false });
    prevEnd = m.index + raw.length;
  }
  return tokens;
}

/**
 * Splits camelCase words into their parts ("PaymentGatewayDown" → Payment, Gateway, Down;
 * "OTPDeliveryFailures" → OTP, Delivery, Failures), as alert names are written. Words in
 * `keep` (lowercase) stay whole ("PostgreSQL", "OAuth"). Parts are glued (no space before).
 */
export function splitCamelCase(tokens: Token[], keep: ReadonlySet<string>): Token[] {
  const splits = (t: Token) => t.kind === 'word' && t.raw.length <= 64 && CAMEL.test(t.raw) && LETTER_FIRST.test(t.raw) && !keep.has(t.lower);
  if (!tokens.some(splits)) return tokens;
  const out: Token[] = [];
  for (const t of tokens) {
    if (!splits(t)) {
      out.push(t);
      continue;
    }
    let from = 0;
    const raw = t.raw;
    for (let i = 1; i <= raw.length; i++) {
      const prev = raw[i - 1] ?? '';
      const cur = raw[i] ?? '';
      const next = raw[i + 1] ?? '';
      const boundary = i === raw.length || (LOWER.test(prev) && UPPER.test(cur)) || (UPPER.test(prev) && UPPER.test(cur) && LOWER.test(next));
      if (!boundary) continue;
      const part = raw.slice(from, i);
      const lower = part.toLowerCase();
      out.push({ ...t, raw: part, lower, norm: lower, start: t.start + from, end: t.start + i, space: from === 0 ? t.space : false });
      from = i;
    }
  }
  return out;
}

/** True when `a` and `b` differ by at most one insertion, deletion, substitution or adjacent transposition. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

const TYPO_MIN_LENGTH = 7;

/**
 * Corrects one-edit typos of vocabulary words of seven letters or more ("stagging",
 * "prodution", "yesterdy"), writing the correction into `norm`. Conservative by design: the
 * first letter must match, and a token that merely extends a vocabulary word ("balanced",
 * "sessions") is left alone. Cost: a constant number of comparisons per token.
 */
export function correctTypos(tokens: Token[], vocabulary: Iterable<string>): void {
  const byFirst = new Map<string, string[]>();
  const exact = new Set<string>();
  for (const word of vocabulary) {
    exact.add(word);
    if (word.length < TYPO_MIN_LENGTH || !/^\p{L}+$/u.test(word)) continue;
    const list = byFirst.get(word[0] ?? '') ?? [];
    if (list.length < 64) list.push(word);
    byFirst.set(word[0] ?? '', list);
  }
  for (const t of tokens) {
    if (t.kind !== 'word' || t.mask === 2 || t.lower.length < TYPO_MIN_LENGTH - 1 || t.lower.length > 20) continue;
    if (exact.has(t.lower)) continue;
    const candidates = byFirst.get(t.lower[0] ?? '');
    if (!candidates) continue;
    for (const word of candidates) {
      if (t.lower.startsWith(word) || word.startsWith(t.lower + 's')) continue;
      if (withinOneEdit(t.lower, word)) {
        t.norm = word;
        break;
      }
    }
  }
}

/** Marks tokens overlapping the given spans (sorted or not) with `mask`, keeping the stronger mask. */
export function maskSpans(tokens: Token[], spans: Array<[number, number]>, mask: 1 | 2): void {
  if (spans.length === 0) return;
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let s = 0;
  for (const t of tokens) {
    while (s < sorted.length && (sorted[s]?.[1] ?? 0) <= t.start) s++;
    const span = sorted[s];
    if (span === undefined) break;
    // Spans may nest or overlap; checking the current and the next span is enough because
    // spans are pieces of non-overlapping regex matches.
    for (let k = s; k < sorted.length && (sorted[k]?.[0] ?? Infinity) < t.end; k++) {
      const sp = sorted[k];
      if (sp && sp[1] > t.start && t.mask < mask) t.mask = mask;
    }
  }
}
