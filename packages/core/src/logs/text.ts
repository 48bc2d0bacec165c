/**
 * Plain-text log lines → LogEvent: a leading timestamp (ISO-8601, syslog, ctime, or a
 * Common Log Format one near the start), an optional syslog header (priority, host,
 * program[pid]), a level word early in the line, a trace id token anywhere, the rest is
 * the message. A line that is pure logfmt is read as a record instead.
 */
import type { LogEvent, LogLevel } from '../schemas.ts';
import { levelFromSyslogSeverity, levelFromWord } from './level.ts';
import { MAX_LINE_CHARS, MAX_MESSAGE_CHARS } from './limits.ts';
import { parseLogfmt } from './logfmt.ts';
import { normaliseRecord } from './object.ts';
import { boundAttrs, cleanText, truncate } from './sanitise.ts';
import { matchLeadingTimestamp, parseTimestampValue } from './timestamp.ts';
import type { LogDefaults, ParsedLine } from './types.ts';

/** A level word is looked for among this many leading tokens of the message … */
export const LEVEL_SCAN_TOKENS = 6;
/** … and within this many leading characters. */
export const LEVEL_SCAN_CHARS = 200;

/** `program:` or `program[pid]:` as syslog writes it. */
const TAG = /^([A-Za-z0-9_./-]{1,64})(?:\[(\d{1,10})\])?:$/;
const HOST = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,253}$/;
const TWO_TOKENS = /^(\S{1,256})(?: (\S{1,256}))?/;
/** Separators between header fields: `2026-… - msg`, `… | msg`, `…: msg`. */
const LEADING_SEPARATOR = /^\s*(?:[|:-]+(?:\s+|$))?/;

const LEVEL_KEY = /^["']?(?:level|lvl|severity|loglevel|log\.level|levelname)["']?[=:]["']?([A-Za-z]{1,16})["']?,?$/i;
const LEVEL_BRACKETED = /^[[(<](?:[\w-]{1,32}:)?([A-Za-z]{1,16})[\])>]:?$/;
const LEVEL_UPPER = /^([A-Z]{3,16})[:|,]?$/;
const LEVEL_FIRST_COLON = /^([A-Za-z]{3,16}):$/;

/** `trace_id=…`, `traceId: …`, `trace.id="…"`, `x-b3-traceid=…`; the value must end where the token ends. */
const TRACE_TOKEN = /(?<![A-Za-z0-9])trace[_.-]?id["']?[ \t]{0,3}[=:][ \t]{0,3}["']?([A-Za-z0-9][\w.:+/=-]{0,127})(?![\w.:+/=-])/i;
/** W3C `traceparent=00-<32 hex trace id>-<16 hex span id>-<flags>`. */
const TRACEPARENT_TOKEN = /(?<![A-Za-z0-9])traceparent["']?[ \t]{0,3}[=:][ \t]{0,3}["']?[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}(?![\w])/i;
const ABSENT_TRACE = new Set(['-', 'null', 'nil', 'none', 'undefined', 'n/a']);

function tokenLevel(token: string, first: boolean): LogLevel | null {
  const m = LEVEL_KEY.exec(token) ?? LEVEL_BRACKETED.exec(token) ?? LEVEL_UPPER.exec(token) ?? (first ? LEVEL_FIRST_COLON.exec(token) : null);
  return m?.[1] === undefined ? null : levelFromWord(m[1]);
}

/** The first level word among the leading tokens: `ERROR`, `WARN:`, `[error]`, `[core:error]`, `level=error`, or `error:` first. */
export function scanLevel(text: string): { level: LogLevel; index: number; end: number } | null {
  const head = text.slice(0, LEVEL_SCAN_CHARS);
  const tokens = /\S+/g;
  let index = 0;
  for (let m = tokens.exec(head); m !== null && index < LEVEL_SCAN_TOKENS; m = tokens.exec(head), index++) {
    const level = tokenLevel(m[0], index === 0);
    if (level) return { level, index, end: m.index + m[0].length };
  }
  return null;
}

/** The trace id named by a `trace_id=…`-style or `traceparent=…` token, if any. */
export function scanTraceId(text: string): string | null {
  const m = TRACE_TOKEN.exec(text);
  if (m?.[1] !== undefined) {
    const id = m[1].replace(/[.:,]+$/, '');
    if (id !== '' && !ABSENT_TRACE.has(id.toLowerCase()) && !/^0+$/.test(id)) return id;
  }
  const p = TRACEPARENT_TOKEN.exec(text);
  if (p?.[1] !== undefined && !/^0+$/.test(p[1])) return p[1].toLowerCase();
  return null;
}

interface Header {
  ts?: string;
  level?: LogLevel;
  program?: string;
  attrs: Record<string, unknown>;
  rest: string;
}

/** RFC 5424 after `<PRI>1 `: TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]. */
function parseRfc5424(text: string, now: Date, header: Header): { ok: false; error: string } | null {
  const m = /^(\S{1,64}) (\S{1,255}) (\S{1,48}) (\S{1,128}) (\S{1,32})(?: |$)/.exec(text);
  if (!m) return { ok: false, error: 'syslog (RFC 5424) header is incomplete' };
  const [, ts, host, app, procid, msgid] = m;
  if (ts !== undefined && ts !== '-') {
    const t = parseTimestampValue(ts, now);
    if (!t.ok) return t;
    header.ts = t.ts;
  }
  if (host !== undefined && host !== '-') header.attrs.host = host;
  if (app !== undefined && app !== '-') {
    header.program = app;
    header.attrs.program = app;
  }
  if (procid !== undefined && procid !== '-') header.attrs.pid = /^\d{1,10}$/.test(procid) ? Number(procid) : procid;
  if (msgid !== undefined && msgid !== '-') header.attrs.msgid = msgid;
  let i = m[0].length;
  if (text[i] === '-') {
    i += 1;
  } else if (text[i] === '[') {
    const sdStart = i;
    // Elements `[id k="v" …]` back to back; inside values `\]`, `\"` and `\\` are escapes.
    while (text[i] === '[') {
      i++;
      while (i < text.length && text[i] !== ']') i += text[i] === '\\' ? 2 : 1;
      i++;
    }
    header.attrs.structured_data = text.slice(sdStart, Math.min(i, text.length));
  }
  header.rest = text.slice(i).replace(/^ /, '').replace(/^\uFEFF/, '');
  return null;
}

function parseHeader(line: string, now: Date): Header | { ok: false; error: string } {
  const header: Header = { attrs: {}, rest: line };
  let rest = line;
  let syslogStyle = false;
  const pri = /^<(\d{1,3})>/.exec(rest);
  if (pri && Number(pri[1]) <= 191) {
    const p = Number(pri[1]);
    header.level = levelFromSyslogSeverity(p & 7);
    header.attrs.facility = p >> 3;
    rest = rest.slice(pri[0].length);
    syslogStyle = true;
    if (rest.startsWith('1 ')) return parseRfc5424(rest.slice(2), now, header) ?? header;
  }
  const lead = matchLeadingTimestamp(rest, now);
  if (lead) {
    if (!lead.result.ok) return lead.result;
    header.ts = lead.result.ts;
    rest = rest.slice(lead.end);
    if (lead.kind !== 'clf') {
      syslogStyle ||= lead.kind === 'syslog';
      rest = rest.replace(/^\s+/, '');
      // A program tag (`sshd[42]:`), possibly after a host. After a non-syslog timestamp only
      // the `[pid]` form counts, so that `2026-… Note: …` keeps its first word.
      const t = TWO_TOKENS.exec(rest);
      const isTag = (tok: string | undefined): RegExpExecArray | null => {
        const m = tok === undefined ? null : TAG.exec(tok);
        if (!m || levelFromWord(m[1] ?? '') || (!syslogStyle && m[2] === undefined)) return null;
        return m;
      };
      const first = isTag(t?.[1]);
      const second = first || !t?.[1] || !HOST.test(t[1]) || levelFromWord(t[1]) ? null : isTag(t[2]);
      const tag = first ?? second;
      if (t && tag) {
        if (second && t[1] !== undefined) header.attrs.host = t[1];
        header.program = tag[1];
        header.attrs.program = tag[1];
        if (tag[2] !== undefined) header.attrs.pid = Number(tag[2]);
        rest = rest.slice(first ? (t[1] ?? '').length : t[0].length);
      }
      rest = rest.replace(LEADING_SEPARATOR, '');
    }
  }
  header.rest = rest;
  return header;
}

/**
 * One plain-text line → LogEvent. The line is cleaned of terminal escapes and control
 * characters; a line without a timestamp takes `defaults.now`; without a level word, `info`.
 * A level word in first position is removed from the message; elsewhere it stays.
 */
export function parsePlainLine(raw: string, defaults: LogDefaults): ParsedLine {
  const now = defaults.now ?? new Date();
  const line = cleanText(raw.length > MAX_LINE_CHARS ? raw.slice(0, MAX_LINE_CHARS) : raw).trim();
  if (line === '') return { ok: false, error: 'line is empty' };
  const header = parseHeader(line, now);
  if ('ok' in header) return header;

  let rest = header.rest.trim();
  const pairs = parseLogfmt(rest);
  if (pairs) {
    return normaliseRecord(pairs, defaults, {
      ts: header.ts,
      level: header.level,
      service: header.program,
      fallbackMessage: rest,
      attrs: header.attrs,
    });
  }

  let level = header.level ?? 'info';
  const found = scanLevel(rest);
  if (found) {
    level = found.level;
    if (found.index === 0) rest = rest.slice(found.end).replace(LEADING_SEPARATOR, '').trim();
  }
  if (rest === '') return { ok: false, error: 'line has no message' };
  const attrs = boundAttrs(header.attrs);
  if (rest.length > MAX_MESSAGE_CHARS) {
    attrs.message_truncated = rest.length;
    rest = truncate(rest, MAX_MESSAGE_CHARS);
  }
  const event: LogEvent = {
    ts: header.ts ?? now.toISOString(),
    project: defaults.project ?? null,
    env: defaults.env ?? null,
    domain: defaults.domain ?? null,
    service: defaults.service ?? header.program ?? null,
    level,
    trace_id: scanTraceId(rest),
    message: rest,
    attrs,
  };
  return { ok: true, event };
}
