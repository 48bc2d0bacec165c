import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_CHARS } from './limits.ts';
import { parseLogfmt } from './logfmt.ts';
import { err, NOW, ok } from './test-helpers.ts';
import { parsePlainLine, scanLevel, scanTraceId } from './text.ts';

const d = { now: NOW };

describe('plain text: timestamps', () => {
  it.each([
    ['2026-11-25T10:01:02Z payment failed', '2026-11-25T10:01:02.000Z'],
    ['2026-11-25T10:01:02.123456+02:00 payment failed', '2026-11-25T08:01:02.123456Z'],
    ['2026-11-25 10:01:02 payment failed', '2026-11-25T10:01:02.000Z'],
    ['2026-11-25 10:01:02,123 payment failed', '2026-11-25T10:01:02.123Z'],
    ['2026-11-25 10:01:02.5 -0100 payment failed', '2026-11-25T11:01:02.500Z'],
    ['[2026-11-25T10:01:02Z] payment failed', '2026-11-25T10:01:02.000Z'],
    ['2026/11/25 10:01:02 payment failed', '2026-11-25T10:01:02.000Z'],
    ['Nov 25 10:01:02 payment failed', '2025-11-25T10:01:02.000Z'],
    ['Feb  5 10:01:02 payment failed', '2026-02-05T10:01:02.000Z'],
    ['[Wed Nov 25 10:01:02.250 2026] payment failed', '2026-11-25T10:01:02.250Z'],
  ])('%s has ts %s and message "payment failed"', (line, ts) => {
    const e = ok(parsePlainLine(line, d));
    expect(e.ts).toBe(ts);
    expect(e.message).toBe('payment failed');
  });

  it('a line without a timestamp is accepted with defaults.now', () => {
    const e = ok(parsePlainLine('payment failed', d));
    expect(e.ts).toBe(NOW.toISOString());
    expect(e.level).toBe('info');
  });

  it('an access-log line keeps its whole text and takes its bracketed time', () => {
    const line = '10.1.2.3 - - [25/Nov/2026:10:01:02 +0000] "POST /pay HTTP/1.1" 502 0';
    const e = ok(parsePlainLine(line, d));
    expect(e.ts).toBe('2026-11-25T10:01:02.000Z');
    expect(e.message).toBe(line);
  });

  it('a leading timestamp that names no date rejects the line', () => {
    expect(err(parsePlainLine('2026-02-30 10:00:00 boom', d))).toBe("timestamp '2026-02-30 10:00:00' is not a date");
  });

  it('a line that is only a header has no message', () => {
    expect(err(parsePlainLine('2026-11-25T10:01:02Z ERROR', d))).toBe('line has no message');
  });
});

describe('plain text: syslog', () => {
  it('reads host, program and pid of an RFC 3164 line; the program is the service unless defaults say otherwise', () => {
    const e = ok(parsePlainLine('Nov 25 10:01:02 web-1 sshd[4242]: Failed password for invalid user', d));
    expect(e.message).toBe('Failed password for invalid user');
    expect(e.service).toBe('sshd');
    expect(e.attrs).toEqual({ host: 'web-1', program: 'sshd', pid: 4242 });
    expect(ok(parsePlainLine('Nov 25 10:01:02 web-1 sshd[4242]: x', { now: NOW, service: 'auth' })).service).toBe('auth');
  });

  it('reads a program tag without host or pid', () => {
    const e = ok(parsePlainLine('Nov 25 10:01:02 kernel: Out of memory: Killed process 123', d));
    expect(e.service).toBe('kernel');
    expect(e.message).toBe('Out of memory: Killed process 123');
  });

  it('a syslog priority gives the level and facility', () => {
    const e = ok(parsePlainLine("<34>Oct 11 22:14:15 mymachine su: 'su root' failed", d));
    expect(e.level).toBe('fatal');
    expect(e.attrs).toEqual({ facility: 4, host: 'mymachine', program: 'su' });
    expect(e.ts).toBe('2025-10-11T22:14:15.000Z');
  });

  it('reads an RFC 5424 line with structured data', () => {
    const e = ok(parsePlainLine('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 77 ID47 [ex@32473 iut="3"] An event', d));
    expect(e).toMatchObject({ ts: '2003-10-11T22:14:15.003Z', level: 'info', service: 'evntslog', message: 'An event' });
    expect(e.attrs).toEqual({ facility: 20, host: 'mymachine.example.com', program: 'evntslog', pid: 77, msgid: 'ID47', structured_data: '[ex@32473 iut="3"]' });
  });

  it('after an ISO timestamp only a program[pid] tag is taken, so a first word with a colon stays in the message', () => {
    expect(ok(parsePlainLine('2026-11-25T10:01:02Z web-1 nginx[12]: upstream timed out', d)).attrs).toEqual({ host: 'web-1', program: 'nginx', pid: 12 });
    expect(ok(parsePlainLine('2026-11-25T10:01:02Z Note: retrying', d)).message).toBe('Note: retrying');
  });
});

describe('plain text: levels', () => {
  it.each([
    ['2026-11-25T10:01:02Z ERROR payment failed', 'error', 'payment failed'],
    ['2026-11-25T10:01:02Z WARN payment slow', 'warn', 'payment slow'],
    ['2026-11-25T10:01:02Z WARNING: payment slow', 'warn', 'payment slow'],
    ['2026-11-25T10:01:02Z INFO started', 'info', 'started'],
    ['2026-11-25T10:01:02Z DEBUG state=1', 'debug', 'state=1'],
    ['2026-11-25T10:01:02Z FATAL out of memory', 'fatal', 'out of memory'],
    ['2026-11-25T10:01:02Z [error] payment failed', 'error', 'payment failed'],
    ['2026-11-25T10:01:02Z level=error payment failed', 'error', 'payment failed'],
    ['2026-11-25T10:01:02Z error: payment failed', 'error', 'payment failed'],
    ['ERROR - payment failed', 'error', 'payment failed'],
    ['2026-11-25 10:01:02,123 [main] ERROR com.pay.Svc - payment failed', 'error', '[main] ERROR com.pay.Svc - payment failed'],
    ['[Wed Nov 25 10:01:02 2026] [core:crit] [pid 9] disk full', 'fatal', '[pid 9] disk full'],
  ])('%s → %s, message %j', (line, level, message) => {
    const e = ok(parsePlainLine(line, d));
    expect(e.level).toBe(level);
    expect(e.message).toBe(message);
  });

  it('a level word after the first few tokens, or a lower-case word not in first position, is not a level', () => {
    expect(scanLevel('one two three four five six ERROR')).toBeNull();
    expect(scanLevel('connection error on socket')).toBeNull();
    expect(scanLevel('payment [main] ERROR')?.level).toBe('error');
  });

  it('terminal colours around the level are removed', () => {
    const e = ok(parsePlainLine('\u001b[31mERROR\u001b[0m payment failed', d));
    expect(e.level).toBe('error');
    expect(e.message).toBe('payment failed');
  });
});

describe('plain text: trace ids', () => {
  it.each([
    ['payment failed trace_id=4bf92f3577b34da6a3ce929d0e0e4736', '4bf92f3577b34da6a3ce929d0e0e4736'],
    ['payment failed traceId: abc-123.', 'abc-123'],
    ['payment failed trace.id="X-1"', 'X-1'],
    ['payment failed [traceid=abc]', 'abc'],
    ['payment failed x-b3-traceid=80f198ee56343ba8', '80f198ee56343ba8'],
    ['payment failed traceparent=00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', '4bf92f3577b34da6a3ce929d0e0e4736'],
  ])('%s has trace id %s, and the message keeps the token', (message, id) => {
    const e = ok(parsePlainLine(message, d));
    expect(e.trace_id).toBe(id);
    expect(e.message).toBe(message);
  });

  it('placeholders and look-alike keys give no trace id', () => {
    expect(scanTraceId('trace_id=- status=200')).toBeNull();
    expect(scanTraceId('trace_id=null')).toBeNull();
    expect(scanTraceId('mytrace_id=abc')).toBeNull();
    expect(scanTraceId('no trace here')).toBeNull();
  });
});

describe('plain text: logfmt', () => {
  it('a logfmt line is read as a record, the leading timestamp included', () => {
    const e = ok(parsePlainLine('2026-11-25T10:01:02Z level=error msg="payment failed" trace_id=t1 service=pay amount=12', d));
    expect(e).toMatchObject({ ts: '2026-11-25T10:01:02.000Z', level: 'error', message: 'payment failed', trace_id: 't1', service: 'pay' });
    expect(e.attrs).toEqual({ amount: '12' });
  });

  it('a logfmt line without a message field keeps the whole line as message', () => {
    const line = 'at=error code=H12 desc="Request timeout" method=GET';
    const e = ok(parsePlainLine(line, d));
    expect(e.message).toBe(line);
    expect(e.attrs).toEqual({ at: 'error', code: 'H12', desc: 'Request timeout', method: 'GET' });
  });

  it('prose that contains a pair is not logfmt', () => {
    expect(parseLogfmt('user=bob logged in')).toBeNull();
    expect(parseLogfmt('a=1')).toBeNull();
    expect(parseLogfmt('a="unclosed b=2')).toBeNull();
    expect(parseLogfmt('a="x \\"y\\"" b=')).toEqual({ a: 'x "y"', b: '' });
  });
});

describe('plain text: bounds', () => {
  it('a message longer than MAX_MESSAGE_CHARS is cut and its length kept', () => {
    const e = ok(parsePlainLine(`ERROR ${'x'.repeat(MAX_MESSAGE_CHARS * 2)}`, d));
    expect(e.message.length).toBe(MAX_MESSAGE_CHARS);
    expect(e.attrs.message_truncated).toBe(MAX_MESSAGE_CHARS * 2);
  });

  it('an empty line is an error for a single line', () => {
    expect(err(parsePlainLine('   ', d))).toBe('line is empty');
  });
});
