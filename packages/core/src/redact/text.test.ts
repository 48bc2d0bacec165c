import { describe, expect, it } from 'vitest';
import { isIdKey, isSensitiveKey } from './keys.ts';
import { redactText } from './text.ts';

describe('redactText: each kind', () => {
  it.each([
    ['email', 'login failed for ann.smith+tag@example.co.uk today', 'login failed for [REDACTED:email] today'],
    ['bearer token', 'Authorization: Bearer abcdef1234567890XYZ', 'Authorization: Bearer [REDACTED:bearer_token]'],
    ['basic credentials', 'authorization: Basic dXNlcjpwYXNzd29yZA==', 'authorization: Basic [REDACTED:basic_auth]'],
    ['JWT', 'got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_abc-123 ok', 'got [REDACTED:jwt] ok'],
    ['AWS access key id', 'key AKIAIOSFODNN7EXAMPLE used', 'key [REDACTED:aws_access_key] used'],
    ['GitHub token', 'push with ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'push with [REDACTED:api_key]'],
    ['Stripe key', 'stripe sk_live_abcdefghijklmnop1234', 'stripe [REDACTED:api_key]'],
    ['OpenAI key', 'key sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z_AbCdEf', 'key [REDACTED:api_key]'],
    ['URL credentials', 'db postgres://admin:s3cr3t@db.internal:5432/app', 'db postgres://[REDACTED:url_credentials]@db.internal:5432/app'],
    ['URL password without user', 'cache redis://:pw123@cache:6379', 'cache redis://[REDACTED:url_credentials]@cache:6379'],
    ['password assignment', 'connect user=app password=hunter2 host=db', 'connect user=app password=[REDACTED:secret] host=db'],
    ['secret with colon', 'client_secret: 9f8e7d6c', 'client_secret: [REDACTED:secret]'],
    ['api_key assignment', 'GET /v1?api_key=abc123&page=2', 'GET /v1?api_key=[REDACTED:secret]&page=2'],
    ['token in JSON text', '{"token":"abc def","user":"u1"}', '{"token":"[REDACTED:secret]","user":"u1"}'],
    ['token in escaped JSON text', 'body={\\"password\\":\\"pw\\"}', 'body={\\"password\\":\\"[REDACTED:secret]\\"}'],
    ['authorization header of another scheme', 'Authorization: Token abc', 'Authorization: Token [REDACTED:secret]'],
    ['every cookie', 'Cookie: sid=abc123; theme=dark, next', 'Cookie: [REDACTED:secret], next'],
    ['PEM private key', 'key -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- loaded', 'key [REDACTED:private_key] loaded'],
    ['cut PEM private key', 'key -----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn', 'key [REDACTED:private_key]'],
    ['card number', 'pan 4111111111111111 declined', 'pan [REDACTED:card] declined'],
    ['card number after a word ending in id', 'valid: 4111111111111111', 'valid: [REDACTED:card]'],
    ['card number field', 'card_number=4111111111111111', 'card_number=[REDACTED:secret]'],
    ['grouped card number', 'card 4111 1111 1111 1111 2 items', 'card [REDACTED:card] 2 items'],
    ['dashed Amex', 'card 3782-822463-10005 ok', 'card [REDACTED:card] ok'],
    ['international phone', 'sms to +1 415 555 2671 failed', 'sms to [REDACTED:phone] failed'],
    ['phone with parentheses', 'call +44 (20) 7946-0958', 'call [REDACTED:phone]'],
    ['IBAN', 'to GB82 WEST 1234 5698 7654 32 and DE89370400440532013000', 'to [REDACTED:iban] and [REDACTED:iban]'],
  ])('%s', (_kind, input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it('redacts IPv4 and IPv6 addresses only when asked', () => {
    const line = 'from 10.0.0.1 via 2001:db8::1 and [::ffff:192.0.2.1]:443 at 10:01:02';
    expect(redactText(line)).toBe(line);
    expect(redactText(line, { ip: true })).toBe('from [REDACTED:ip] via [REDACTED:ip] and [[REDACTED:ip]]:443 at 10:01:02');
  });

  it('applies extra patterns as custom', () => {
    expect(redactText('user U-12345 paid', { extraPatterns: [/U-\d+/] })).toBe('user [REDACTED:custom] paid');
  });
});

describe('redactText: evidence is kept', () => {
  it.each([
    ['trace id', 'trace_id=4bf92f3577b34da6a3ce929d0e0e4736 failed'],
    ['traceparent', 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['UUID', 'request 123e4567-e89b-12d3-a456-426614174000 failed'],
    ['non-Luhn 16 digits', 'transaction 4111111111111112 failed'],
    ['numeric id starting with 1', 'txn_id=1234567890123456789'],
    ['epoch milliseconds', 'at 1764064862123 ms'],
    ['epoch microseconds', 'at 1764064862123456'],
    ['RRN and STAN', 'rrn=533012345678 stan=004211'],
    ['git sha', 'deploy 9fceb02d0ae598e95dc970b74767f19372d61af8'],
    ['times and dates', '2026-11-25 10:01:02 +0100 took 1500ms'],
    ['IPs by default', 'upstream 10.2.3.4:8080 refused'],
    ['MAC address with ip on', 'nic 00:1a:2b:3c:4d:5e up'],
    ['version strings', 'version 1.2.3.4 and v10.20.30'],
    ['prose after colon', 'invalid token: expired'],
    ['words after Bearer', 'missing Bearer authentication'],
    ['word after Basic', 'Basic authentication failed'],
    ['harmless values', 'password= token=null secret=*** api_key=""'],
    ['token counts', 'max_tokens=1024 prompt_tokens=50 token_type=Bearer'],
    ['idempotency key', 'idempotency_key=abc123 duplicate'],
    ['package at version', 'installed lodash@4.17.21'],
    ['Luhn-valid decimal trace id (Datadog)', 'dd.trace_id=5374239164573098341 dd.span_id=5374239164573098341'],
    ['Luhn-valid transaction id in JSON text', '{"transactionId": "4111111111111111"}'],
    ['names with an sk- prefix', 'deploy sk-payments-gateway-service-deployment-prod'],
    ['timezone offsets', 'at 10:00:00+05:30 and +0100'],
    ['short numbers with plus', 'delta +1234 and +12.5%'],
  ])('%s', (_what, line) => {
    expect(redactText(line, { ip: /MAC/.test(_what) })).toBe(line);
  });
});

describe('isIdKey', () => {
  it.each(['id', 'trace_id', 'dd.trace_id', 'traceId', 'spanID', 'txn_ids', 'traceid', 'requestid', 'ID'])('%s is an id name', (key) => {
    expect(isIdKey(key)).toBe(true);
  });

  it.each(['valid', 'paid', 'idle', 'card_number'])('%s is not', (key) => {
    expect(isIdKey(key)).toBe(false);
  });
});

describe('isSensitiveKey', () => {
  it.each(['password', 'db_password', 'DB_PASSWORD', 'passwd', 'secret', 'clientSecret', 'token', 'access_token', 'X-Api-Key', 'api_key', 'apiKey', 'authorization', 'Cookie', 'Set-Cookie', 'session_id', 'private_key', 'card_number', 'cvv', 'pin', 'password_hash'])(
    '%s is sensitive',
    (key) => {
      expect(isSensitiveKey(key)).toBe(true);
    },
  );

  it.each(['trace_id', 'request_id', 'transaction_id', 'user', 'idempotency_key', 'token_type', 'max_tokens', 'key', 'status', 'secretary_name_is_not'])('%s is not', (key) => {
    expect(isSensitiveKey(key)).toBe(false);
  });
});
