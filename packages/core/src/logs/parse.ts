/**
 * Lines and bodies of logs → LogEvents, reporting each bad line with its number while
 * keeping the good ones.
 */
import { opensPrivateKey, privateKeyContinuation } from '../redact/text.ts';
import type { LogEvent } from '../schemas.ts';
import { MAX_LINE_CHARS, MAX_MESSAGE_CHARS } from './limits.ts';
import { jsonErrorOffset } from './json-error.ts';
import { normaliseRecord } from './object.ts';
import { cleanText, truncate } from './sanitise.ts';
import { parsePlainLine } from './text.ts';
import { matchLeadingTimestamp } from './timestamp.ts';
import type { LogDefaults, ParsedLine } from './types.ts';

/** Parser error messages can quote the input; they are cut to this length. */
const MAX_ERROR_CHARS = 200;

function jsonError(prefix: string, e: unknown): string {
  const detail = e instanceof Error ? e.message : String(e);
  return truncate(`${prefix}: ${detail}`, MAX_ERROR_CHARS);
}

/**
 * One raw line → LogEvent: a JSON object when it starts with `{` (after blanks), otherwise
 * plain text (see parsePlainLine: ISO-8601/syslog/ctime timestamps, level words, trace id
 * tokens, logfmt).
 */
export function parseLogLine(line: string, defaults: LogDefaults): ParsedLine {
  const start = line.search(/\S/);
  if (start < 0) return { ok: false, error: 'line is empty' };
  if (line[start] !== '{') return parsePlainLine(line, defaults);
  if (line.length > MAX_LINE_CHARS) return { ok: false, error: `line is longer than ${MAX_LINE_CHARS} characters` };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { ok: false, error: jsonError('line is not valid JSON', e) };
  }
  return normaliseRecord(value, defaults);
}

/** Lines of a private key folded into one record at most (a 16 KiB RSA key has ~300). */
const MAX_KEY_LINES = 400;

/** Starts of lines that continue the record before them (stack traces). */
const CONTINUATION_START = /^(?:[ \t]|Caused by:|Suppressed:|Traceback \(most recent call last\):|During handling of the above exception|The above exception was the direct cause)/;
/** Inside a trace, the closing `ValueError: boom` of a Python traceback also continues it. */
const EXCEPTION_LINE = /^[A-Za-z_][\w.$]{0,200}(?:Error|Exception|Exit|Interrupt|Warning|Failure)\b/;

function isContinuation(line: string, inTrace: boolean, now: Date): boolean {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('{')) return false;
  if (!CONTINUATION_START.test(line) && !(inTrace && EXCEPTION_LINE.test(line))) return false;
  // An indented line with its own timestamp is a record of its own.
  const lead = matchLeadingTimestamp(trimmed, now);
  return lead === null || lead.kind === 'clf';
}

interface Pending {
  line: number;
  event: LogEvent;
  parts: string[];
  /** Length of the kept parts joined. */
  joined: number;
  /** Length of the whole record as read, for `attrs.message_truncated`. */
  chars: number;
  /** A continuation line has been folded in, so a following exception line belongs to it. */
  inTrace: boolean;
  /** The record opened a private key it has not closed: the key's lines are folded in. */
  keyOpen: boolean;
}

function flush(p: Pending): { line: number } & ParsedLine {
  if (p.parts.length === 1) return { line: p.line, ok: true, event: p.event };
  let message = p.parts.join('\n');
  const attrs = { ...p.event.attrs };
  if (p.chars > MAX_MESSAGE_CHARS) {
    const first = typeof attrs.message_truncated === 'number' ? attrs.message_truncated - p.event.message.length : 0;
    attrs.message_truncated = p.chars + first;
    message = truncate(message, MAX_MESSAGE_CHARS);
  }
  return { line: p.line, ok: true, event: { ...p.event, message, attrs } };
}

/**
 * Parses lines one at a time (for large files: pair with a line reader), yielding one item
 * per record with the 1-based number of its first line. Blank lines are skipped.
 *
 * Multi-line plain-text records are folded: a line that starts with a blank, `Caused by:`,
 * `Suppressed:` or `Traceback (most recent call last):` (and, inside such a trace, a
 * `SomeError: …` line), has no timestamp of its own and follows a plain-text event is
 * appended to that event's message with a newline, so a stack trace stays with the line
 * that logged it. So are the lines of a PEM private key opened by a plain-text event (base64
 * lines, PEM headers, up to its END line), so that redaction sees the key whole. JSON lines
 * are never folded. Hence an event is yielded only when the next record starts or the input ends.
 *
 * `defaults.now` is read once, so every line without a timestamp gets the same instant.
 */
export function* parseLogLines(
  lines: Iterable<string>,
  defaults: LogDefaults,
  startLine = 1,
): Generator<{ line: number } & ParsedLine> {
  const d: LogDefaults = { ...defaults, now: defaults.now ?? new Date() };
  const now = d.now as Date;
  let n = startLine - 1;
  let pending: Pending | null = null;
  for (let raw of lines) {
    n++;
    if (n === startLine && raw.charCodeAt(0) === 0xfeff) raw = raw.slice(1);
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw.trim() === '') continue;
    // A multi-line private key stays one record, so redaction sees it whole.
    const key = pending?.keyOpen && pending.parts.length < MAX_KEY_LINES ? privateKeyContinuation(raw) : null;
    if (pending && !key) pending.keyOpen = false;
    if (pending && (key || isContinuation(raw, pending.inTrace, now))) {
      // Past the message limit the remaining lines are still consumed, only counted.
      const part = pending.joined <= MAX_MESSAGE_CHARS ? cleanText(raw.slice(0, MAX_MESSAGE_CHARS + 1)).trimEnd() : null;
      if (part !== null) {
        pending.parts.push(part);
        pending.joined += part.length + 1;
      }
      pending.chars += raw.trimEnd().length + 1;
      if (key) pending.keyOpen = !key.closed;
      else pending.inTrace = true;
      if (!key && part !== null && opensPrivateKey(part)) pending.keyOpen = true;
      continue;
    }
    if (pending) {
      yield flush(pending);
      pending = null;
    }
    const parsed = parseLogLine(raw, d);
    if (parsed.ok && raw.trimStart()[0] !== '{') {
      const message = parsed.event.message;
      pending = { line: n, event: parsed.event, parts: [message], joined: message.length, chars: message.length, inTrace: false, keyOpen: opensPrivateKey(message) };
    } else {
      yield { line: n, ...parsed };
    }
  }
  if (pending) yield flush(pending);
}

function lineOf(text: string, position: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < position; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** The 1-based line of `text` at which its JSON first breaks. */
function errorLine(text: string): number {
  const at = jsonErrorOffset(text);
  return at < 0 ? 1 : lineOf(text, at);
}

/**
 * A whole body of logs → events plus the rejected lines, in order.
 *
 * - A JSON array (the first non-blank characters are `[` then `{`, `"` or `]`): each element
 *   is one event — an object is normalised, a string is read as a plain-text line — and
 *   `line` in `rejected` is the element's 1-based position. An array that does not parse is
 *   one rejection at the line where parsing stopped.
 * - A single pretty-printed JSON object spanning several lines is one event.
 * - Otherwise NDJSON and plain-text lines, freely mixed: see {@link parseLogLines}. Line
 *   numbers are 1-based; blank lines are skipped, not errors; a leading BOM is ignored.
 */
export function parseLogBody(body: string, defaults: LogDefaults): { events: LogEvent[]; rejected: { line: number; error: string }[] } {
  const events: LogEvent[] = [];
  const rejected: { line: number; error: string }[] = [];
  for (const r of iterateLogBody(body, defaults)) {
    if (r.ok) events.push(r.event);
    else rejected.push({ line: r.line, error: r.error });
  }
  return { events, rejected };
}

/**
 * {@link parseLogBody} one result at a time, in body order, so a caller can store events
 * while the rest of the body is still being parsed (one COPY fed by this generator).
 */
export function* iterateLogBody(body: string, defaults: LogDefaults): Generator<{ line: number } & ParsedLine> {
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  const d: LogDefaults = { ...defaults, now: defaults.now ?? new Date() };

  const head = /^\s*(\S)\s*(\S?)/.exec(text.slice(0, 4096));
  if (head?.[1] === '[' && (head[2] === '{' || head[2] === '"' || head[2] === ']')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      yield { line: errorLine(text), ok: false, error: jsonError('body is not a valid JSON array', e) };
      return;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        yield { line: i + 1, ...(typeof item === 'string' ? parseLogLine(item, d) : normaliseRecord(item, d)) };
      }
      return;
    }
  }

  if (head?.[1] === '{') {
    const firstLineEnd = text.indexOf('\n', text.indexOf('{'));
    const firstLine = firstLineEnd < 0 ? text : text.slice(0, firstLineEnd);
    if (firstLineEnd >= 0 && !parsesAsJson(firstLine) && text.length <= MAX_LINE_CHARS) {
      let value: unknown;
      let whole = true;
      try {
        value = JSON.parse(text);
      } catch {
        // Not one object either: fall through to line-by-line reporting.
        whole = false;
      }
      if (whole) {
        yield { line: 1, ...normaliseRecord(value, d) };
        return;
      }
    }
  }

  yield* parseLogLines(text.split('\n'), d);
}

function parsesAsJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}
