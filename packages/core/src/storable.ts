/**
 * What Postgres can store, checked where input enters. Postgres rejects a NUL character in
 * `text` (SQLSTATE 22021) and in `jsonb` (22P05, as the escape `\u0000`), an unpaired UTF-16
 * surrogate in `jsonb` (22P05/22P02), and instants outside its range (22008); a value nested
 * a hundred thousand levels deep overflows the stack of any recursive walk (zod, JSON
 * serialisation, redaction). Each of these would surface as a 500 deep inside a handler, so
 * input is checked once, at the boundary, and refused with the path of what was wrong.
 */

/** Deepest nesting of objects and arrays a JSON body (or one NDJSON line) may have. */
export const MAX_JSON_DEPTH = 64;

/** Instants are accepted between these years (as log timestamps are): Postgres and every client agree on them. */
export const MIN_INSTANT_MS = Date.UTC(1000, 0, 1);
export const MAX_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
export const INSTANT_RANGE_MESSAGE = 'must be between the years 1000 and 9999';

/** Whether an ISO-8601 string names an instant inside the accepted range. */
export function instantInRange(iso: string): boolean {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS;
}

// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why Postgres could not store `s` (a NUL character, an unpaired surrogate), or null when it can. */
export function textProblem(s: string): string | null {
  const m = UNSTORABLE.exec(s);
  if (!m) return null;
  return m[0] === '\u0000' ? 'must not contain a NUL character (U+0000)' : 'must not contain an unpaired UTF-16 surrogate';
}

// eslint-disable-next-line no-control-regex -- removing NUL is the point
const UNSTORABLE_GLOBAL = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `s` made storable: NUL characters removed, unpaired surrogates replaced by U+FFFD. For text
 * loglore writes itself that may quote input (an error message echoing a rejected line).
 */
export function storableText(s: string): string {
  return UNSTORABLE.test(s) ? s.replace(UNSTORABLE_GLOBAL, (c) => (c === '\u0000' ? '' : '\uFFFD')) : s;
}

export interface InputIssue {
  /** Dotted path of the offending value (`metadata.owner`, `alerts.0.labels`); '' for the whole body. */
  path: string;
  message: string;
}

const MAX_PATH_CHARS = 200;
const MAX_SEGMENT_CHARS = 40;

function renderPath(segments: readonly (string | number)[]): string {
  const text = segments
    .map((s) => {
      const seg = storableText(String(s));
      return seg.length > MAX_SEGMENT_CHARS ? `${seg.slice(0, MAX_SEGMENT_CHARS)}…` : seg;
    })
    .join('.');
  return text.length > MAX_PATH_CHARS ? `${text.slice(0, MAX_PATH_CHARS)}…` : text;
}

export interface StorableOptions {
  /** Default {@link MAX_JSON_DEPTH}. */
  maxDepth?: number;
  /** Stop after this many issues (default 50). */
  maxIssues?: number;
  /**
   * Whether the text under a top-level key is checked (default: all). False for a subtree whose
   * own parser cleans its text (log events) or that is never stored (unknown fields); its depth
   * is still checked.
   */
  checkText?: (key: string) => boolean;
}

/**
 * Every reason Postgres could not store a parsed JSON value: strings and object keys holding a
 * NUL character or an unpaired surrogate, and nesting deeper than `maxDepth`. Iterative, so a
 * value of any depth is walked without recursion; empty when the value is storable.
 *
 * @example
 * findUnstorable({ text: 'a\u0000b' }) // → [{ path: 'text', message: 'must not contain a NUL character (U+0000)' }]
 */
export function findUnstorable(value: unknown, options: StorableOptions = {}): InputIssue[] {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const maxIssues = options.maxIssues ?? 50;
  const issues: InputIssue[] = [];
  // Each entry: a value, its path, its depth (containers above it), whether its text is checked.
  const stack: { value: unknown; path: (string | number)[]; depth: number; text: boolean }[] = [{ value, path: [], depth: 0, text: true }];
  while (stack.length > 0 && issues.length < maxIssues) {
    const { value: v, path, depth, text } = stack.pop()!;
    if (typeof v === 'string') {
      const problem = text ? textProblem(v) : null;
      if (problem) issues.push({ path: renderPath(path), message: problem });
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= maxDepth) {
      issues.push({ path: renderPath(path), message: `nests deeper than ${maxDepth} levels` });
      continue;
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, i], depth: depth + 1, text });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const childText = text && !(depth === 0 && options.checkText && !options.checkText(key));
      const keyProblem = childText ? textProblem(key) : null;
      if (keyProblem) {
        issues.push({ path: renderPath(path), message: `keys ${keyProblem}` });
        if (issues.length >= maxIssues) break;
        continue;
      }
      stack.push({ value: (v as Record<string, unknown>)[key], path: [...path, key], depth: depth + 1, text: childText });
    }
  }
  return issues;
}
