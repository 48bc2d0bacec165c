/**
 * A private key cut into lines (a plain-text body, one NDJSON event per line) is redacted
 * whole: before issue 10 only its BEGIN line was, and the base64 lines were stored.
 */
import { describe, expect, it } from 'vitest';
import { parseIncidentLine } from '../backfill/incident.ts';
import { parseLogBody } from '../logs/parse.ts';
import type { LogEvent } from '../schemas.ts';
import { opensPrivateKey, privateKeyContinuation } from './text.ts';
import { logEventRedactor, redactLogEvent } from './value.ts';

const BODY = ['MIIEowIBAAKCAQEAsecretLineOne', 'c2VjcmV0TGluZVR3bw+/==', 'Proc-Type: 4,ENCRYPTED'];
const KEY = ['-----BEGIN RSA PRIVATE KEY-----', ...BODY, '-----END RSA PRIVATE KEY-----'];
const NOW = new Date('2026-11-25T10:30:00Z');

const event = (message: string, service = 'auth'): LogEvent => ({
  ts: '2026-11-25T10:00:00.000Z',
  project: 'bank',
  env: 'prod',
  domain: null,
  service,
  level: 'error',
  trace_id: null,
  message,
  attrs: {},
});

describe('private keys across lines', () => {
  it('knows a key left open and where its continuation ends', () => {
    expect(opensPrivateKey('loading -----BEGIN EC PRIVATE KEY-----')).toBe(true);
    expect(opensPrivateKey(KEY.join('\n'))).toBe(false);
    expect(opensPrivateKey('-----BEGIN CERTIFICATE-----')).toBe(false);
    expect(privateKeyContinuation(`${BODY[0]}\n${BODY[1]}`)).toEqual({ end: BODY[0]!.length + 1 + BODY[1]!.length, closed: false });
    expect(privateKeyContinuation('-----END RSA PRIVATE KEY----- loaded')).toEqual({ end: 29, closed: true });
    expect(privateKeyContinuation('2026-11-25 10:00:01 ERROR next record')).toBeNull();
  });

  it('a plain-text body keeps a multi-line key as one record, redacted whole', () => {
    // Before: the BEGIN line was redacted, and each base64 line and the END line stored as an event.
    const body = ['2026-11-25T10:00:00Z ERROR loading key', ...KEY, '2026-11-25T10:00:01Z INFO started'].join('\n');
    const { events, rejected } = parseLogBody(body, { now: NOW });
    expect(rejected).toEqual([]);
    expect(events.map((e) => redactLogEvent(e).message)).toEqual(['loading key', '[REDACTED:private_key]', 'started']);
  });

  it('a key opened on a line of its own folds the lines after it until END', () => {
    const body = ['2026-11-25T10:00:00Z ERROR -----BEGIN OPENSSH PRIVATE KEY-----', ...BODY, '-----END OPENSSH PRIVATE KEY-----', 'next line'].join('\n');
    const messages = parseLogBody(body, { now: NOW }).events.map((e) => redactLogEvent(e).message);
    expect(messages).toEqual(['[REDACTED:private_key]', 'next line']);
  });

  it('NDJSON events carrying a key a line each are all redacted, and the stream closes after END', () => {
    const redact = logEventRedactor();
    const out = [event('deploy key'), ...KEY.map((line) => event(line)), event('user ann@example.com logged in')].map((e) => redact(e).message);
    expect(out).toEqual(['deploy key', ...KEY.map(() => '[REDACTED:private_key]'), 'user [REDACTED:email] logged in']);
  });

  it('a key left open closes at the first event that does not continue it, and other streams are untouched', () => {
    const redact = logEventRedactor();
    expect(redact(event('-----BEGIN RSA PRIVATE KEY-----')).message).toBe('[REDACTED:private_key]');
    expect(redact(event('SAFEWORDFROMOTHERSERVICE', 'billing')).message).toBe('SAFEWORDFROMOTHERSERVICE');
    expect(redact(event(BODY[0]!)).message).toBe('[REDACTED:private_key]');
    expect(redact(event('connection pool exhausted after 30000 ms')).message).toBe('connection pool exhausted after 30000 ms');
    expect(redact(event(BODY[1]!)).message).toBe(BODY[1]);
  });

  it("a backfilled incident's log lines are redacted the same way", () => {
    const line = JSON.stringify({ occurred_at: '2026-11-25T10:00:00Z', text: 'key leak', project: 'bank', env: 'prod', domain: null, logs: KEY });
    const parsed = parseIncidentLine(line, 1);
    expect(parsed.ok && parsed.incident.logs.map((l) => l.message)).toEqual(KEY.map(() => '[REDACTED:private_key]'));
  });
});
