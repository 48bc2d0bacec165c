/**
 * Text hygiene for log data: terminal escapes and control characters are removed, lone
 * UTF-16 surrogates become U+FFFD (Postgres rejects NUL and unpaired surrogates in text
 * and jsonb), and oversize strings and `attrs` are cut to the bounds in limits.ts.
 */
import {
  ATTRS_MAX_DEPTH,
  ATTRS_MAX_ITEMS,
  ATTRS_MAX_KEY_CHARS,
  ATTRS_MAX_KEYS,
  ATTRS_MAX_STRING_CHARS,
  ATTRS_MAX_TOTAL_CHARS,
  TRUNCATION_MARK,
} from './limits.ts';

// Terminal escapes: CSI (colours, cursor), OSC (titles, hyperlinks) and two-byte escapes.
// Each part's character classes are disjoint from the next, so matching is linear.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]?/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_CLEANING = /[\x00-\x08\x0b-\x1f\x7f\uD800-\uDFFF]/;
// Tab and newline stay (stack traces, aligned output); \r\n and lone \r become \n.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Removes terminal escapes and control characters (keeping tab and newline) and repairs lone surrogates. */
export function cleanText(s: string): string {
  if (!NEEDS_CLEANING.test(s)) return s;
  return s
    .replace(ANSI, '')
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL, '')
    .replace(LONE_SURROGATE, '\uFFFD');
}

/** Cuts `s` to at most `max` characters (marker included), never splitting a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = Math.max(0, max - TRUNCATION_MARK.length);
  const code = s.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return s.slice(0, cut) + TRUNCATION_MARK;
}

/** Assigns even a key named `__proto__` as an own property instead of changing the prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

interface Budget {
  chars: number;
  /** How many values were dropped or shortened. */
  cut: number;
}

const DROP = Symbol('drop');

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bound(value: unknown, depth: number, budget: Budget): unknown {
  switch (typeof value) {
    case 'string': {
      const s = cleanText(value);
      budget.chars -= s.length + 2;
      if (s.length > ATTRS_MAX_STRING_CHARS) {
        budget.cut += 1;
        return truncate(s, ATTRS_MAX_STRING_CHARS);
      }
      return s;
    }
    case 'number':
      budget.chars -= 8;
      // NaN and Infinity have no JSON form.
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      budget.chars -= 5;
      return value;
    case 'bigint':
      budget.chars -= 20;
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return DROP;
  }
  if (value === null) {
    budget.chars -= 4;
    return null;
  }
  if (value instanceof Date) {
    budget.chars -= 26;
    return Number.isNaN(value.getTime()) ? null : value.toISOString();
  }
  if (depth >= ATTRS_MAX_DEPTH) {
    budget.cut += 1;
    return '[truncated: nested too deep]';
  }
  budget.chars -= 2;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    const n = Math.min(value.length, ATTRS_MAX_ITEMS);
    for (let i = 0; i < n; i++) {
      if (budget.chars <= 0) {
        budget.cut += n - i;
        break;
      }
      const v = bound(value[i], depth + 1, budget);
      out.push(v === DROP ? null : v);
    }
    budget.cut += value.length - n;
    return out;
  }
  if (isPlainRecord(value)) return boundRecord(value, depth, budget);
  return DROP;
}

function boundRecord(value: Record<string, unknown>, depth: number, budget: Budget): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  let taken = 0;
  for (const rawKey of keys) {
    if (taken >= ATTRS_MAX_KEYS || budget.chars <= 0) {
      budget.cut += keys.length - taken;
      break;
    }
    taken += 1;
    const key = truncate(cleanText(rawKey), ATTRS_MAX_KEY_CHARS);
    budget.chars -= key.length + 4;
    const v = bound(value[rawKey], depth + 1, budget);
    if (v !== DROP) setOwn(out, key, v);
  }
  return out;
}

/**
 * A JSON-safe, bounded copy of `attrs` (see limits.ts). When anything was dropped or cut,
 * `_truncated` holds how many values were affected. Non-JSON values (functions, symbols,
 * undefined) are dropped, Dates become ISO strings, bigints become strings.
 */
export function boundAttrs(attrs: Record<string, unknown>): Record<string, unknown> {
  const budget: Budget = { chars: ATTRS_MAX_TOTAL_CHARS, cut: 0 };
  const out = boundRecord(attrs, 0, budget);
  if (budget.cut > 0) out._truncated = budget.cut;
  return out;
}
