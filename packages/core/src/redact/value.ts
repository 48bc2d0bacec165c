/** Redaction over JSON values and log events. */
import type { LogEvent } from '../schemas.ts';
import { isIdKey, isSensitiveKey } from './keys.ts';
import { opensPrivateKey, privateKeyContinuation, redactText, redactionMarker, type RedactOptions } from './text.ts';

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

/** Events a key left open may span before it is taken as cut (a 16 KiB RSA key is ~300 lines). */
const MAX_OPEN_KEY_EVENTS = 400;

/**
 * A redactor of a stream of log events (one body, one incident's logs) that also redacts a
 * private key split across events, one line each, as NDJSON or plain-text lines carry it:
 * after an event that opens a key (`-----BEGIN … PRIVATE KEY-----` without its END), the
 * following events of the same project, env and service that look like the key's body
 * (base64 lines, PEM headers) and its END line are redacted whole. The first event that does
 * not continue the key closes it, and is redacted as usual.
 *
 * @example
 * const redact = logEventRedactor();
 * events.map(redact) // → BEGIN, body and END events all carry `[REDACTED:private_key]`
 */
export function logEventRedactor(options: RedactOptions = {}): (event: LogEvent) => LogEvent {
  /** Streams with a key open → events taken so far. */
  const open = new Map<string, number>();
  return (event) => {
    const stream = `${event.project ?? ''}\u0000${event.env ?? ''}\u0000${event.service ?? ''}`;
    let rest = event.message;
    let head = '';
    const taken = open.get(stream);
    if (taken !== undefined) {
      const continued = taken < MAX_OPEN_KEY_EVENTS ? privateKeyContinuation(rest) : null;
      if (continued === null) {
        open.delete(stream);
      } else {
        head = redactionMarker('private_key');
        rest = rest.slice(continued.end);
        if (continued.closed) open.delete(stream);
        else open.set(stream, taken + 1);
      }
    }
    if (opensPrivateKey(rest)) open.set(stream, 0);
    const redacted = redactLogEvent({ ...event, message: rest }, options);
    return head ? { ...redacted, message: head + redacted.message } : redacted;
  };
}
