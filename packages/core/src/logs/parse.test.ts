import { describe, expect, it } from 'vitest';
import { LogEvent } from '../schemas.ts';
import { MAX_LINE_CHARS, MAX_MESSAGE_CHARS } from './limits.ts';
import { parseLogBody, parseLogLine, parseLogLines } from './parse.ts';
import { err, NOW, ok } from './test-helpers.ts';

const d = { now: NOW, project: 'bank' };

describe('parseLogLine', () => {
  it('a line starting with { is JSON, anything else plain text', () => {
    expect(ok(parseLogLine('  {"msg":"from json","level":"warn"}', d))).toMatchObject({ message: 'from json', level: 'warn', project: 'bank' });
    expect(ok(parseLogLine('WARN from text', d))).toMatchObject({ message: 'from text', level: 'warn', project: 'bank' });
  });

  it('invalid JSON is reported as such, with the parser’s reason', () => {
    expect(err(parseLogLine('{"msg": "x",}', d))).toMatch(/^line is not valid JSON: .+/);
  });

  it('a JSON line over MAX_LINE_CHARS is rejected without parsing', () => {
    expect(err(parseLogLine(`{"msg":"${'x'.repeat(MAX_LINE_CHARS)}"}`, d))).toBe(`line is longer than ${MAX_LINE_CHARS} characters`);
  });
});

describe('parseLogBody', () => {
  it('keeps the good lines of NDJSON with bad lines in the middle, reporting each bad one by 1-based line number', () => {
    const body = [
      '{"ts":"2026-11-25T10:00:00Z","level":"info","msg":"start"}',
      '{"ts":"2026-11-25T10:00:01Z","level":"error","msg":"boom",',
      '{"ts":"not a time","msg":"x"}',
      '',
      '{"level":"error"}',
      '{"ts":"2026-11-25T10:00:05Z","level":"error","msg":"end","trace_id":"t9"}',
    ].join('\n');
    const { events, rejected } = parseLogBody(body, d);
    expect(events.map((e) => e.message)).toEqual(['start', 'end']);
    expect(events[1]?.trace_id).toBe('t9');
    expect(rejected.map((r) => r.line)).toEqual([2, 3, 5]);
    expect(rejected[0]?.error).toMatch(/^line is not valid JSON: /);
    expect(rejected[1]?.error).toBe("timestamp 'not a time' is not a date");
    expect(rejected[2]?.error).toBe('missing message (expected one of message, msg, log, text)');
  });

  it('skips blank lines, CRLF endings and a leading BOM without errors', () => {
    const { events, rejected } = parseLogBody('\uFEFF{"msg":"a"}\r\n\r\n   \r\n{"msg":"b"}\r\n', d);
    expect(events.map((e) => e.message)).toEqual(['a', 'b']);
    expect(rejected).toEqual([]);
  });

  it('reads a JSON array of objects; rejected elements are numbered by position', () => {
    const { events, rejected } = parseLogBody('[{"msg":"a"}, {"nomsg":1}, "ERROR plain string", 7]', d);
    expect(events.map((e) => [e.message, e.level])).toEqual([
      ['a', 'info'],
      ['plain string', 'error'],
    ]);
    expect(rejected).toEqual([
      { line: 2, error: 'missing message (expected one of message, msg, log, text)' },
      { line: 4, error: 'expected a JSON object, got number' },
    ]);
  });

  it('a broken JSON array is one rejection at the line where parsing stopped', () => {
    const { events, rejected } = parseLogBody('[\n{"msg":"a"},\n{"msg": }\n]', d);
    expect(events).toEqual([]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.line).toBe(3);
    expect(rejected[0]?.error).toMatch(/^body is not a valid JSON array: /);
  });

  it('an empty JSON array gives nothing and no error', () => {
    expect(parseLogBody(' [ ] ', d)).toEqual({ events: [], rejected: [] });
  });

  it('a plain-text body whose first line starts with a bracket is not mistaken for a JSON array', () => {
    const { events, rejected } = parseLogBody('[2026-11-25 10:00:00] ERROR a\n[2026-11-25 10:00:01] INFO b', d);
    expect(rejected).toEqual([]);
    expect(events.map((e) => [e.ts, e.level, e.message])).toEqual([
      ['2026-11-25T10:00:00.000Z', 'error', 'a'],
      ['2026-11-25T10:00:01.000Z', 'info', 'b'],
    ]);
  });

  it('a single pretty-printed JSON object is one event', () => {
    const { events, rejected } = parseLogBody('{\n  "msg": "pretty",\n  "level": "error"\n}\n', d);
    expect(rejected).toEqual([]);
    expect(events.map((e) => e.message)).toEqual(['pretty']);
  });

  it('mixes NDJSON and plain-text lines', () => {
    const { events } = parseLogBody('{"msg":"json"}\nNov 25 10:01:02 h app[1]: text\nlevel=warn msg=fmt', d);
    expect(events.map((e) => e.message)).toEqual(['json', 'text', 'fmt']);
  });

  it('every event satisfies the LogEvent schema', () => {
    const { events } = parseLogBody('{"msg":"a","@timestamp":1764064862}\nplain\n<13>Nov 25 10:01:02 h x: y', d);
    for (const e of events) expect(LogEvent.parse(e)).toEqual(e);
  });
});

describe('multi-line records', () => {
  it('a Java stack trace is folded into the line that logged it', () => {
    const body = [
      '2026-11-25 10:01:02,123 ERROR [main] c.p.Svc - payment failed',
      'java.net.SocketTimeoutException: Read timed out',
      '\tat java.net.SocketInputStream.read(SocketInputStream.java:150)',
      'Caused by: java.io.IOException: reset',
      '\t... 12 more',
      '2026-11-25 10:01:03,000 INFO [main] c.p.Svc - next',
    ].join('\n');
    const { events, rejected } = parseLogBody(body, d);
    expect(rejected).toEqual([]);
    // The unindented exception line after the first line is a record of its own: no trace has begun yet.
    expect(events.map((e) => e.message)).toEqual([
      '[main] c.p.Svc - payment failed',
      'java.net.SocketTimeoutException: Read timed out\n\tat java.net.SocketInputStream.read(SocketInputStream.java:150)\nCaused by: java.io.IOException: reset\n\t... 12 more',
      '[main] c.p.Svc - next',
    ]);
  });

  it('a Python traceback, closing exception line included, is one record', () => {
    const body = [
      '2026-11-25 10:01:02,123 ERROR worker crashed',
      'Traceback (most recent call last):',
      '  File "app.py", line 3, in <module>',
      'ValueError: boom',
      '2026-11-25 10:01:03,000 INFO restarted',
    ].join('\n');
    const { events } = parseLogBody(body, d);
    expect(events.map((e) => e.message)).toEqual([
      'worker crashed\nTraceback (most recent call last):\n  File "app.py", line 3, in <module>\nValueError: boom',
      'restarted',
    ]);
    expect(events[0]?.level).toBe('error');
  });

  it('indented lines are not folded into JSON records, and indented JSON is its own record', () => {
    const { events } = parseLogBody('{"msg":"json"}\n  indented text\n  {"msg":"indented json"}', d);
    expect(events.map((e) => e.message)).toEqual(['json', 'indented text', 'indented json']);
  });

  it('an indented line with its own timestamp starts a new record', () => {
    const { events } = parseLogBody('ERROR a\n  2026-11-25T10:00:00Z b', d);
    expect(events.map((e) => e.message)).toEqual(['a', 'b']);
  });

  it('a folded record stops growing at MAX_MESSAGE_CHARS but still consumes its lines', () => {
    const lines = ['ERROR big', ...Array.from({ length: 2000 }, (_, i) => `\tat frame${i}(F.java:${i})`), 'INFO after'];
    const { events } = parseLogBody(lines.join('\n'), d);
    expect(events).toHaveLength(2);
    expect(events[0]?.message.length).toBe(MAX_MESSAGE_CHARS);
    expect(events[0]?.attrs.message_truncated).toBeGreaterThan(MAX_MESSAGE_CHARS);
    expect(events[1]?.message).toBe('after');
  });
});

describe('parseLogLines', () => {
  it('yields records with line numbers counted from startLine, errors in order', () => {
    const out = [...parseLogLines(['{"msg":"a"}', '', '{bad', 'ERROR c', '\tat x'], d, 101)];
    expect(out.map((r) => [r.line, r.ok])).toEqual([
      [101, true],
      [103, false],
      [104, true],
    ]);
    const last = out[2];
    expect(last?.ok && last.event.message).toBe('c\n\tat x');
  });

  it('every line without a timestamp gets the same instant when now is not given', () => {
    const out = [...parseLogLines(['a', 'b', 'c'], {})];
    const times = new Set(out.map((r) => (r.ok ? r.event.ts : '')));
    expect(times.size).toBe(1);
  });

  it('consumes its input lazily', () => {
    function* endless(): Generator<string> {
      for (let i = 0; ; i++) yield `{"msg":"m${i}"}`;
    }
    const it = parseLogLines(endless(), d);
    expect(it.next().value).toMatchObject({ line: 1, ok: true });
    expect(it.next().value).toMatchObject({ line: 2, ok: true });
  });
});
