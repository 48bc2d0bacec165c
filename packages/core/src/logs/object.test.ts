import { describe, expect, it } from 'vitest';
import { ATTRS_MAX_STRING_CHARS, MAX_MESSAGE_CHARS, TRUNCATION_MARK } from './limits.ts';
import { normaliseLogObject } from './object.ts';
import { err, NOW, ok } from './test-helpers.ts';

const d = { now: NOW };

describe('normaliseLogObject: aliases', () => {
  it.each(['ts', 'timestamp', '@timestamp', 'time', 'datetime', 'Timestamp'])('%s is the timestamp', (key) => {
    const e = ok(normaliseLogObject({ [key]: '2026-11-25T10:01:02Z', msg: 'x' }, d));
    expect(e.ts).toBe('2026-11-25T10:01:02.000Z');
    expect(e.attrs).toEqual({});
  });

  it.each(['message', 'msg', 'log', 'text', 'MESSAGE', 'short_message'])('%s is the message', (key) => {
    expect(ok(normaliseLogObject({ [key]: 'payment failed' }, d)).message).toBe('payment failed');
  });

  it.each(['level', 'severity', 'levelname', 'lvl', 'Level', 'log.level', 'log_level'])('%s is the level', (key) => {
    expect(ok(normaliseLogObject({ [key]: 'ERROR', msg: 'x' }, d)).level).toBe('error');
  });

  it.each(['trace_id', 'traceId', 'traceid', 'trace.id', 'TraceID', 'trace-id'])('%s is the trace id', (key) => {
    expect(ok(normaliseLogObject({ [key]: '4bf92f3577b34da6a3ce929d0e0e4736', msg: 'x' }, d)).trace_id).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it.each(['service', 'app', 'service.name', 'application', 'service_name'])('%s is the service', (key) => {
    expect(ok(normaliseLogObject({ [key]: 'payments', msg: 'x' }, d)).service).toBe('payments');
  });

  it('project, env, environment and domain are read', () => {
    const e = ok(normaliseLogObject({ msg: 'x', project: 'bank', environment: 'prod', domain: 'npsb' }, d));
    expect([e.project, e.env, e.domain]).toEqual(['bank', 'prod', 'npsb']);
    expect(ok(normaliseLogObject({ msg: 'x', env: 'staging' }, d)).env).toBe('staging');
  });

  it('nested trace: {id}, service: {name} and log: {level} are read, their other keys kept', () => {
    const e = ok(
      normaliseLogObject({ message: 'x', trace: { id: 't-1', sampled: true }, service: { name: 'pay', version: '1.2' }, log: { level: 'warn' } }, d),
    );
    expect(e.trace_id).toBe('t-1');
    expect(e.service).toBe('pay');
    expect(e.level).toBe('warn');
    expect(e.attrs).toEqual({ trace: { sampled: true }, service: { version: '1.2' } });
  });

  it('an Elastic Common Schema record is fully resolved', () => {
    const e = ok(
      normaliseLogObject(
        { '@timestamp': '2026-11-25T10:01:02.123+02:00', 'log.level': 'error', message: 'timeout', 'service.name': 'gw', 'trace.id': 'abc', 'http.response.status_code': 504 },
        d,
      ),
    );
    expect(e).toEqual({
      ts: '2026-11-25T08:01:02.123Z',
      project: null,
      env: null,
      domain: null,
      service: 'gw',
      level: 'error',
      trace_id: 'abc',
      message: 'timeout',
      attrs: { 'http.response.status_code': 504 },
    });
  });

  it('a pino record is fully resolved', () => {
    const e = ok(normaliseLogObject({ level: 50, time: 1764064862123, pid: 7, hostname: 'h1', msg: 'boom', err: { type: 'Error' } }, d));
    expect(e.level).toBe('error');
    expect(e.ts).toBe('2025-11-25T10:01:02.123Z');
    expect(e.attrs).toEqual({ pid: 7, hostname: 'h1', err: { type: 'Error' } });
  });

  it('the first alias listed wins and the others stay in attrs', () => {
    const e = ok(normaliseLogObject({ msg: 'short', message: 'long form', time: 1764064862, ts: '2026-11-25T10:01:02Z' }, d));
    expect(e.message).toBe('long form');
    expect(e.ts).toBe('2026-11-25T10:01:02.000Z');
    expect(e.attrs).toEqual({ msg: 'short', time: 1764064862 });
  });

  it('a null alias is skipped in favour of another and not kept as an attribute', () => {
    const e = ok(normaliseLogObject({ message: null, msg: 'x', trace_id: null }, d));
    expect(e.message).toBe('x');
    expect(e.trace_id).toBeNull();
    expect(e.attrs).toEqual({});
  });
});

describe('normaliseLogObject: defaults and fallbacks', () => {
  it('a record without a timestamp gets defaults.now and without a level info', () => {
    const e = ok(normaliseLogObject({ msg: 'x' }, d));
    expect(e.ts).toBe(NOW.toISOString());
    expect(e.level).toBe('info');
  });

  it('defaults fill what the record leaves empty; what the record says wins', () => {
    const defaults = { now: NOW, project: 'p0', env: 'prod', domain: 'cards', service: 'svc0' };
    const e = ok(normaliseLogObject({ msg: 'x', env: 'staging' }, defaults));
    expect([e.project, e.env, e.domain, e.service]).toEqual(['p0', 'staging', 'cards', 'svc0']);
  });

  it('an unknown level word keeps the line as info with the raw value in attrs', () => {
    const e = ok(normaliseLogObject({ msg: 'x', level: 'loud' }, d));
    expect(e.level).toBe('info');
    expect(e.attrs).toEqual({ level: 'loud' });
  });

  it('placeholder trace ids (-, null, zeros) mean no trace id', () => {
    for (const t of ['-', 'null', '00000000000000000000000000000000', '']) {
      expect(ok(normaliseLogObject({ msg: 'x', trace_id: t }, d)).trace_id).toBeNull();
    }
  });

  it('numeric identifiers become strings', () => {
    expect(ok(normaliseLogObject({ msg: 'x', trace_id: 12345 }, d)).trace_id).toBe('12345');
  });

  it('scalar messages become strings; surrounding blanks are trimmed', () => {
    expect(ok(normaliseLogObject({ msg: 42 }, d)).message).toBe('42');
    expect(ok(normaliseLogObject({ log: 'container line\n' }, d)).message).toBe('container line');
  });
});

describe('normaliseLogObject: rejections say what was wrong', () => {
  it.each([
    [{ level: 'error' }, 'missing message (expected one of message, msg, log, text)'],
    [{ msg: '   ' }, 'message is empty'],
    [{ msg: { a: 1 } }, 'message must be a string, got object'],
    [{ msg: 'x', ts: 'xyz' }, "timestamp 'xyz' is not a date"],
    [{ msg: 'x', project: ['a'] }, 'project must be a string, got array'],
    [{ msg: 'x', trace_id: 'a'.repeat(300) }, 'trace_id is longer than 256 characters'],
    [[1, 2], 'expected a JSON object, got array'],
    ['text', 'expected a JSON object, got string'],
    [null, 'expected a JSON object, got null'],
  ])('%j → %s', (input, error) => {
    expect(err(normaliseLogObject(input, d))).toBe(error);
  });
});

describe('normaliseLogObject: hygiene and bounds', () => {
  it('a message longer than MAX_MESSAGE_CHARS is cut, marked, and its length kept', () => {
    const e = ok(normaliseLogObject({ msg: 'x'.repeat(MAX_MESSAGE_CHARS + 100) }, d));
    expect(e.message.length).toBe(MAX_MESSAGE_CHARS);
    expect(e.message.endsWith(TRUNCATION_MARK)).toBe(true);
    expect(e.attrs.message_truncated).toBe(MAX_MESSAGE_CHARS + 100);
  });

  it('terminal colours, NUL and lone surrogates are removed from messages and attrs', () => {
    const e = ok(normaliseLogObject({ msg: '\u001b[31mERROR\u001b[0m a\u0000b \ud800', note: 'n\u0000ul' }, d));
    expect(e.message).toBe('ERROR ab \ufffd');
    expect(e.attrs).toEqual({ note: 'nul' });
  });

  it('huge attrs are bounded and the number of cut values is reported', () => {
    const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]));
    const e = ok(normaliseLogObject({ msg: 'x', many, long: 'y'.repeat(10_000) }, d));
    const kept = e.attrs.many as Record<string, number>;
    expect(Object.keys(kept).length).toBe(100);
    expect((e.attrs.long as string).length).toBe(ATTRS_MAX_STRING_CHARS);
    expect(e.attrs._truncated).toBe(401);
  });

  it('deep nesting is cut at the depth limit', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 20; i++) deep = { deep };
    const e = ok(normaliseLogObject({ msg: 'x', deep }, d));
    expect(JSON.stringify(e.attrs)).toContain('[truncated: nested too deep]');
    expect(e.attrs._truncated).toBe(1);
  });

  it('a total budget bounds attrs made of many medium strings', () => {
    const wide = Object.fromEntries(Array.from({ length: 99 }, (_, i) => [`k${i}`, 'z'.repeat(4000)]));
    const e = ok(normaliseLogObject({ msg: 'x', ...wide }, d));
    expect(JSON.stringify(e.attrs).length).toBeLessThan(40_000);
    expect(e.attrs._truncated).toBeGreaterThan(0);
  });

  it('a key named __proto__ stays an ordinary attribute', () => {
    const e = ok(normaliseLogObject(JSON.parse('{"msg":"x","__proto__":{"polluted":true}}'), d));
    expect(Object.getPrototypeOf(e.attrs)).toBe(Object.prototype);
    expect(Object.keys(e.attrs)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
