/** Redaction over JSON values and log events. */
import type { LogEvent } from '../schemas.ts';
import { isIdKey, isSensitiveKey } from './keys.ts';
import { redactText, redactionMarker, type RedactOptions } from './text.ts';

/** Deeper than this, a value is replaced whole: it cannot be inspected cheaply, so it is not kept. */
const MAX_DEPTH = 64;

/** Values of a sensitive key that are kept, being evidence of absence rather than secrets. */
function isHarmless(v: unknown): boolean {
  return v === null || v === undefined || typeof v === 'boolean' || v === '';
}

function walk(value: unknown, options: RedactOptions, depth: number): unknown {
  if (typeof value === 'string') return redactText(value, options);
  if (typeof value !== 'object' || value === null || value instanceof Date) return value;
  if (depth >= MAX_DEPTH) return redactionMarker('secret');
  if (Array.isArray(value)) return value.map((v) => walk(v, options, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    let redacted: unknown;
    if (isSensitiveKey(key)) redacted = isHarmless(v) ? v : redactionMarker('secret');
    else if (typeof v === 'string' && /^\d{1,40}$/.test(v) && isIdKey(key)) redacted = v;
    else redacted = walk(v, options, depth + 1);
    if (key === '__proto__') Object.defineProperty(out, key, { value: redacted, enumerable: true, writable: true, configurable: true });
    else out[key] = redacted;
  }
  return out;
}

/**
 * A redacted deep copy of a JSON value: every string goes through {@link redactText}; the
 * value of a key that names a secret (`password`, `secret`, `token`, `api_key`,
 * `authorization`, `cookie`, `session_id`, `card_number`, `cvv` …; see isSensitiveKey) is
 * replaced whole by `[REDACTED:secret]`, whatever its type, unless it is null, a boolean or
 * empty. Keys themselves are kept. The input is not modified.
 *
 * @example
 * redactValue({ user: 'ann@example.com', headers: { authorization: 'Bearer x' } })
 * // → { user: '[REDACTED:email]', headers: { authorization: '[REDACTED:secret]' } }
 */
export function redactValue<T>(value: T, options: RedactOptions = {}): T {
  return walk(value, options, 0) as T;
}

/**
 * A redacted copy of a log event: the message and attrs are redacted; `ts`, `level`,
 * `trace_id`, `service`, `project`, `env` and `domain` are identifiers and evidence, kept as they are.
 */
export function redactLogEvent(event: LogEvent, options: RedactOptions = {}): LogEvent {
  return {
    ...event,
    message: redactText(event.message, options),
    attrs: redactValue(event.attrs, options),
  };
}
