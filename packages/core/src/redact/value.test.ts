import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../schemas.ts';
import { redactLogEvent, redactValue } from './value.ts';

describe('redactValue', () => {
  it('redacts strings deep inside objects and arrays and replaces sensitive keys whole', () => {
    const input = {
      user: { email: 'ann@example.com', id: 42 },
      headers: { Authorization: 'Bearer abc', cookie: 'sid=1' },
      list: ['ok', 'call +1 415 555 2671', { password: 'pw' }],
      credentials: { user: 'a', pass: 'b' },
      api_key: 12345,
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    };
    expect(redactValue(input)).toEqual({
      user: { email: '[REDACTED:email]', id: 42 },
      headers: { Authorization: '[REDACTED:secret]', cookie: '[REDACTED:secret]' },
      list: ['ok', 'call [REDACTED:phone]', { password: '[REDACTED:secret]' }],
      credentials: '[REDACTED:secret]',
      api_key: '[REDACTED:secret]',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
  });

  it('keeps Luhn-valid digit strings under id keys, redacts them elsewhere', () => {
    expect(redactValue({ 'dd.trace_id': '5374239164573098341', traceId: '4111111111111111', note: '4111111111111111' })).toEqual({
      'dd.trace_id': '5374239164573098341',
      traceId: '4111111111111111',
      note: '[REDACTED:card]',
    });
  });

  it('keeps null, boolean and empty values of sensitive keys (evidence that one was missing)', () => {
    expect(redactValue({ password: '', token: null, secret: false })).toEqual({ password: '', token: null, secret: false });
  });

  it('does not modify its input', () => {
    const input = { password: 'pw', nested: { email: 'a@b.co' } };
    const copy = structuredClone(input);
    redactValue(input);
    expect(input).toEqual(copy);
  });

  it('passes scalars through and redacts a bare string', () => {
    expect(redactValue(5)).toBe(5);
    expect(redactValue(null)).toBeNull();
    expect(redactValue('mail ann@example.com')).toBe('mail [REDACTED:email]');
  });

  it('replaces whatever lies beyond the depth limit', () => {
    let deep: unknown = 'ann@example.com';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(JSON.stringify(redactValue(deep))).toContain('[REDACTED:secret]');
    expect(JSON.stringify(redactValue(deep))).not.toContain('ann@example.com');
  });
});

describe('redactLogEvent', () => {
  it('redacts message and attrs and keeps identifiers', () => {
    const event: LogEvent = {
      ts: '2026-11-25T10:01:02.000Z',
      project: 'bank',
      env: 'prod',
      domain: 'cards',
      service: 'pay',
      level: 'error',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      message: 'card 4111111111111111 declined for ann@example.com',
      attrs: { client_ip: '203.0.113.9', req: { headers: { authorization: 'Bearer x' } } },
    };
    expect(redactLogEvent(event)).toEqual({
      ...event,
      message: 'card [REDACTED:card] declined for [REDACTED:email]',
      attrs: { client_ip: '203.0.113.9', req: { headers: { authorization: '[REDACTED:secret]' } } },
    });
    expect(redactLogEvent(event, { ip: true }).attrs.client_ip).toBe('[REDACTED:ip]');
  });
});
