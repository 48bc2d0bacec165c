/**
 * One structured record (a parsed JSON object or logfmt pairs) → LogEvent, resolving the
 * field aliases loggers use.
 */
import type { LogEvent, LogLevel } from '../schemas.ts';
import { levelFromValue } from './level.ts';
import { MAX_FIELD_CHARS, MAX_MESSAGE_CHARS } from './limits.ts';
import { boundAttrs, cleanText, setOwn, truncate } from './sanitise.ts';
import { parseTimestampValue } from './timestamp.ts';
import type { LogDefaults, ParsedLine } from './types.ts';

type Field = 'ts' | 'message' | 'level' | 'trace_id' | 'service' | 'project' | 'env' | 'domain';

/**
 * Aliases per field, best first, in canonical form: lower case without `_`, `-` and `@`
 * (so `trace_id`, `traceId`, `TraceID` and `trace-id` are all `traceid`, `@timestamp` is
 * `timestamp`); dotted names are the flattened Elastic Common Schema fields.
 */
export const FIELD_ALIASES: Readonly<Record<Field, readonly string[]>> = {
  ts: ['ts', 'timestamp', 'time', 'datetime'],
  message: ['message', 'msg', 'log', 'text', 'shortmessage'],
  level: ['level', 'severity', 'levelname', 'lvl', 'loglevel', 'log.level', 'severitytext'],
  trace_id: ['traceid', 'trace.id'],
  service: ['service', 'app', 'service.name', 'application', 'servicename', 'appname'],
  project: ['project'],
  env: ['env', 'environment', 'deployment.environment'],
  domain: ['domain'],
};

/** Nested forms, ranked after the flat ones: `trace: {id}`, `service: {name}`, `log: {level}`. */
const NESTED: readonly (readonly [parent: string, child: string, field: Field])[] = [
  ['trace', 'id', 'trace_id'],
  ['service', 'name', 'service'],
  ['log', 'level', 'level'],
];

const ALIAS_INDEX = new Map<string, { field: Field; rank: number }>();
for (const [field, names] of Object.entries(FIELD_ALIASES) as [Field, readonly string[]][]) {
  names.forEach((name, rank) => ALIAS_INDEX.set(name, { field, rank }));
}
const NESTED_INDEX = new Map(NESTED.map(([parent, child, field]) => [parent, { child, field }]));

/** Values that mean "no value" in an identifier field (`trace_id=-` in access logs). */
const ABSENT = new Set(['', '-', 'null', 'nil', 'none', 'undefined', 'n/a']);

// Keys repeat from line to line; a small cache spares re-normalising them.
const canonCache = new Map<string, string>();

function canon(key: string): string {
  let c = canonCache.get(key);
  if (c === undefined) {
    c = key.toLowerCase().replace(/[_\-@]/g, '');
    if (canonCache.size >= 4096) canonCache.clear();
    canonCache.set(key, c);
  }
  return c;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** What a plain-text header already established, used where the record itself is silent. */
export interface RecordHints {
  ts?: string;
  level?: LogLevel;
  /** A service name inferred from the line (syslog program); ranks below `defaults.service`. */
  service?: string;
  /** The message when the record has no message field (a logfmt line without `msg`). */
  fallbackMessage?: string;
  /** Attributes found by the header parser; the record's own keys win over them. */
  attrs?: Record<string, unknown>;
}

type IdResult = { ok: true; value: string | null } | { ok: false; error: string };

function identifier(value: unknown, name: string): IdResult {
  let s: string;
  if (typeof value === 'string') s = cleanText(value).trim();
  else if (typeof value === 'number' || typeof value === 'bigint') s = String(value);
  else if (value === null || value === undefined) return { ok: true, value: null };
  else return { ok: false, error: `${name} must be a string, got ${typeName(value)}` };
  if (ABSENT.has(s.toLowerCase())) return { ok: true, value: null };
  if (name === 'trace_id' && /^0+$/.test(s)) return { ok: true, value: null };
  if (s.length > MAX_FIELD_CHARS) return { ok: false, error: `${name} is longer than ${MAX_FIELD_CHARS} characters` };
  return { ok: true, value: s };
}

interface Choice {
  key: string;
  rank: number;
  value: unknown;
  /** For a nested alias, the child key inside `obj[key]`. */
  child?: string;
}

/** Normalises a record with hints from a text header; see {@link normaliseLogObject}. */
export function normaliseRecord(obj: unknown, defaults: LogDefaults, hints: RecordHints = {}): ParsedLine {
  if (!isRecord(obj)) return { ok: false, error: `expected a JSON object, got ${typeName(obj)}` };
  const chosen: Partial<Record<Field, Choice>> = {};
  const aliasKeys = new Set<string>();
  const keys = Object.keys(obj);

  for (const key of keys) {
    const value = obj[key];
    const c = canon(key);
    const nested = NESTED_INDEX.get(c);
    if (nested && isRecord(value)) {
      const child = Object.keys(value).find((k) => canon(k) === nested.child);
      const childValue = child === undefined ? undefined : value[child];
      if (child !== undefined && childValue !== null && childValue !== undefined) {
        const prev = chosen[nested.field];
        if (!prev || prev.rank > 100) chosen[nested.field] = { key, rank: 100, value: childValue, child };
      }
      continue;
    }
    const hit = ALIAS_INDEX.get(c);
    if (!hit) continue;
    aliasKeys.add(key);
    if (value === null || value === undefined) continue;
    const prev = chosen[hit.field];
    if (!prev || prev.rank > hit.rank) chosen[hit.field] = { key, rank: hit.rank, value };
  }

  const now = defaults.now ?? new Date();

  // Message.
  let message: string;
  const m = chosen.message;
  if (m) {
    if (typeof m.value === 'string') message = cleanText(m.value).trim();
    else if (typeof m.value === 'number' || typeof m.value === 'boolean') message = String(m.value);
    else return { ok: false, error: `message must be a string, got ${typeName(m.value)}` };
    if (message === '') return { ok: false, error: 'message is empty' };
  } else if (hints.fallbackMessage !== undefined && hints.fallbackMessage.trim() !== '') {
    message = hints.fallbackMessage.trim();
  } else {
    return { ok: false, error: 'missing message (expected one of message, msg, log, text)' };
  }

  // Timestamp.
  let ts: string;
  if (chosen.ts) {
    const t = parseTimestampValue(chosen.ts.value, now);
    if (!t.ok) return t;
    ts = t.ts;
  } else {
    ts = hints.ts ?? now.toISOString();
  }

  // Level: an unknown level word does not reject the line; its raw value stays in attrs.
  let level: LogLevel = hints.level ?? 'info';
  let keepRawLevel = false;
  if (chosen.level) {
    const l = levelFromValue(chosen.level.value);
    if (l) level = l;
    else keepRawLevel = true;
  }

  const ids: Partial<Record<'trace_id' | 'service' | 'project' | 'env' | 'domain', string | null>> = {};
  for (const field of ['trace_id', 'service', 'project', 'env', 'domain'] as const) {
    const choice = chosen[field];
    if (!choice) continue;
    const r = identifier(choice.value, field);
    if (!r.ok) return r;
    ids[field] = r.value;
  }

  // Everything not consumed goes to attrs.
  const attrs: Record<string, unknown> = { ...hints.attrs };
  const consumedFlat = new Set<string>();
  const consumedNested = new Map<string, string>();
  for (const choice of Object.values(chosen)) {
    if (choice.child === undefined) consumedFlat.add(choice.key);
    else consumedNested.set(choice.key, choice.child);
  }
  if (keepRawLevel && chosen.level) {
    if (chosen.level.child === undefined) consumedFlat.delete(chosen.level.key);
    else consumedNested.delete(chosen.level.key);
  }
  for (const key of keys) {
    const value = obj[key];
    if (consumedFlat.has(key)) continue;
    const child = consumedNested.get(key);
    if (child !== undefined && isRecord(value)) {
      const rest = { ...value };
      delete rest[child];
      if (Object.keys(rest).length > 0) setOwn(attrs, key, rest);
      continue;
    }
    // A null alias (`"trace_id": null`) says "none"; it is not an attribute.
    if (aliasKeys.has(key) && (value === null || value === undefined)) continue;
    setOwn(attrs, key, value);
  }
  const bounded = boundAttrs(attrs);
  if (message.length > MAX_MESSAGE_CHARS) {
    bounded.message_truncated = message.length;
    message = truncate(message, MAX_MESSAGE_CHARS);
  }

  const event: LogEvent = {
    ts,
    project: ids.project ?? defaults.project ?? null,
    env: ids.env ?? defaults.env ?? null,
    domain: ids.domain ?? defaults.domain ?? null,
    service: ids.service ?? defaults.service ?? hints.service ?? null,
    level,
    trace_id: ids.trace_id ?? null,
    message,
    attrs: bounded,
  };
  return { ok: true, event };
}

/**
 * One structured log record (an already parsed JSON value) → LogEvent.
 *
 * Field aliases (case, `_`, `-` and `@` ignored; the first alias listed wins when several
 * are present, the others stay in `attrs`): timestamp `ts`, `timestamp`, `@timestamp`,
 * `time`, `datetime`; message `message`, `msg`, `log`, `text`, `short_message`; level
 * `level`, `severity`, `levelname`, `lvl`, `loglevel`, `log.level`, `log: {level}`;
 * trace id `trace_id`, `traceId`, `traceid`, `trace.id`, `trace: {id}`; service `service`,
 * `app`, `service.name`, `service: {name}`, `application`; and `project`, `env`/`environment`,
 * `domain`. Every other key goes into `attrs`, bounded (see limits.ts).
 *
 * Missing timestamp → `defaults.now`; missing level → `info`; an unknown level word →
 * `info` with the raw value kept in `attrs`. Rejected: a non-object, a missing or empty
 * message, an unreadable timestamp, an identifier that is not a string or is too long.
 *
 * @example
 * normaliseLogObject({ '@timestamp': 1764064862, msg: 'timeout', level: 50 }, { project: 'pay' })
 * // → { ok: true, event: { ts: '2025-11-25T10:01:02.000Z', level: 'error', message: 'timeout', project: 'pay', ... } }
 */
export function normaliseLogObject(obj: unknown, defaults: LogDefaults): ParsedLine {
  return normaliseRecord(obj, defaults);
}
