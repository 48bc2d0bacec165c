import { describe, expect, it } from 'vitest';
import { extractParameters } from './extract.ts';
import { findIds } from './ids.ts';

const AT = new Date('2026-11-25T11:30:00Z');
const extract = (text: string) => extractParameters({ text, at: AT });
const LIMITS = { ids: 20, codes: 20 };

describe('trace, request and transaction ids', () => {
  it.each([
    ['a bare 32-hex trace id', 'trace 4bf92f3577b34da6a3ce929d0e0e4736 failing', ['4bf92f3577b34da6a3ce929d0e0e4736']],
    ['a bare 16-hex trace id', 'see 00f067aa0ba902b7', ['00f067aa0ba902b7']],
    ['trace_id=…', 'trace_id=00f067aa0ba902b7 errors', ['00f067aa0ba902b7']],
    ['traceId: …', 'traceId: 9e107d9d372bb6826bd81d3542a419d6', ['9e107d9d372bb6826bd81d3542a419d6']],
    ['"trace abc123" (short, labelled)', 'look at trace abc123', ['abc123']],
    ['upper-case hex, lower-cased', 'trace 4BF92F3577B34DA6A3CE929D0E0E4736', ['4bf92f3577b34da6a3ce929d0e0e4736']],
    ['the trace of a W3C traceparent, not its span', 'traceparent 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', ['0af7651916cd43dd8448eb211c80319c']],
    ['several traces in order', 'traces 4bf92f3577b34da6 and a3ce929d0e0e4736', ['4bf92f3577b34da6', 'a3ce929d0e0e4736']],
  ])('finds %s', (_what, text, traces) => {
    expect(extract(text).trace_ids).toEqual(traces);
  });

  it.each([
    ['a span id', 'span id b7ad6b7169203331 only'],
    ['a 16-digit card number (no hex letter)', 'card 4111111111111111 declined'],
    ['"trace" followed by a word', 'trace the failures'],
    ['"N/A"', 'Trace: N/A'],
  ])('does not take %s for a trace id', (_what, text) => {
    expect(extract(text).trace_ids).toEqual([]);
  });

  it.each([
    ['a labelled UUID', 'request id 7f3c2a10-9b4e-4d2a-8f6e-1c2d3e4f5a6b timed out', ['7f3c2a10-9b4e-4d2a-8f6e-1c2d3e4f5a6b']],
    ['a bare UUID', 'what happened to 3fa85f64-5717-4562-B3FC-2c963f66afa6?', ['3fa85f64-5717-4562-b3fc-2c963f66afa6']],
    ['x-request-id: req_…', 'x-request-id: req_8f2a9c41 returned 504', ['req_8f2a9c41']],
    ['requestId=…', 'requestId=REQ-20261125-0042', ['REQ-20261125-0042']],
    ['a correlation id', 'correlationId=7a1b2c3d', ['7a1b2c3d']],
    ['req-id …', 'req-id 8d7f6e5d in staging', ['8d7f6e5d']],
  ])('finds request ids: %s', (_what, text, ids) => {
    expect(extract(text).request_ids).toEqual(ids);
  });

  it.each([
    ['TXN-2026-000123', 'TXN-2026-000123 failed at NPSB', ['TXN-2026-000123']],
    ['"txn 98765"', 'txn 98765 stuck', ['98765']],
    ['"transaction id: …"', 'transaction id: 8842-2231-77 reversed twice', ['8842-2231-77']],
    ['two labelled ones', 'txn_id=TRX99887766 and txn_id=TRX99887767', ['TRX99887766', 'TRX99887767']],
    ['an RRN', 'RRN 432109876543 declined', ['432109876543']],
    ['"txnRef=…"', 'txnRef=NPSB202611250001 failed', ['NPSB202611250001']],
    ['"txn no. …"', 'txn no. 77812345 failed', ['77812345']],
  ])('finds transaction ids: %s', (_what, text, ids) => {
    expect(extract(text).transaction_ids).toEqual(ids);
  });

  it('does not read "request 500 errors" as a request id', () => {
    const p = extract('request 500 errors');
    expect(p.request_ids).toEqual([]);
    expect(p.http_status).toEqual([500]);
  });
});

describe('HTTP statuses', () => {
  it.each([
    ['"500 errors"', '500 errors on checkout', [500]],
    ['"HTTP 503"', 'HTTP 503 from payment-gateway', [503]],
    ['"status 429"', 'status 429 on login', [429]],
    ['"statusCode: 504"', 'statusCode: 504 on /api/transfers', [504]],
    ['plurals "401s and 403s"', 'seeing 401s and 403s', [401, 403]],
    ['"got a 502 Bad Gateway"', 'got a 502 Bad Gateway', [502]],
    ['"returns 404"', 'returns 404 for /accounts/123', [404]],
    ['"error 500"', 'error 500 in staging', [500]],
    ['a status before a path', '503 on /login', [503]],
    ['a list "HTTP 502/504"', 'seeing HTTP 502/504 from the gateway', [502, 504]],
  ])('finds %s', (_what, text, statuses) => {
    expect(extract(text).http_status).toEqual(statuses);
  });

  // Each status with words of its own meaning after it, in generated sentences (seeded).
  const MEANINGS: Array<[number, string[]]> = [
    [429, ['rate limits', 'rate-limited', 'rate limiting', 'throttling', 'throttled requests', 'quota exceeded']],
    [504, ['upstream timeouts', 'timed out', 'time-outs']],
    [413, ['payload too large', 'request too large']],
    [408, ['request timeout', 'timeouts']],
    [422, ['unprocessable entity', 'validation failures']],
    [405, ['method not allowed']],
    [501, ['not implemented']],
  ];
  it('reads a status followed by words of its meaning, whatever the subject and verb', () => {
    let seed = 429;
    const next = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    for (let n = 0; n < 200; n++) {
      const [status, meanings] = pick(MEANINGS);
      const subject = pick(['payment', 'bkash payout', 'login', 'ledger-svc', 'the NPSB switch', 'checkout']);
      const text = pick([`${subject} ${status} ${pick(meanings)}`, `${subject} hitting ${status} ${pick(meanings)} in prod`, `seeing ${status} from ${subject}`, `${subject} receiving ${status}s`]);
      expect(extract(text).http_status, text).toEqual([status]);
    }
  });

  it('reads "payment 429 rate limits" as HTTP 429 about payments (the reported case)', () => {
    const p = extract('payment 429 rate limits');
    expect(p.http_status).toEqual([429]);
    expect(p.domain).toBe('transactions');
  });

  it.each([
    ['a count of things', '500 transactions failed'],
    ['a duration', 'p99 above 500 ms'],
    ['a number out of range', 'status 700'],
  ])('ignores %s', (_what, text) => {
    expect(extract(text).http_status).toEqual([]);
  });

  it('reports status classes apart from codes, also inside camelCase alert names', () => {
    expect(extract('lots of 5xx in prod').http_status_classes).toEqual(['5xx']);
    expect(extract('4XX and 5xx rates').http_status_classes).toEqual(['4xx', '5xx']);
    expect(extract('[FIRING:3] High5xxRate').http_status_classes).toEqual(['5xx']);
  });
});

describe('error codes', () => {
  it.each([
    ['ORA-00001', 'ORA-00001 unique constraint violated', ['ORA-00001']],
    ['ERR_…', 'ERR_INSUFFICIENT_FUNDS on transfers', ['ERR_INSUFFICIENT_FUNDS']],
    ['E1234', 'test transaction failed with E1234', ['E1234']],
    ['"error code E1234"', 'error code E1234 during otp', ['E1234']],
    ['"response code 91"', 'response code 91 from NPSB', ['91']],
    ['"code 51"', 'code 51 insufficient funds', ['51']],
    ['"rc=05"', 'rc=05 do not honour', ['05']],
    ['errno names', 'ECONNREFUSED to redis, then ETIMEDOUT', ['ECONNREFUSED', 'ETIMEDOUT']],
    ['SQLSTATE', 'SQLSTATE 40001 serialization failure', ['40001']],
    ['a list after one label', 'NPSB response code 51 and 91', ['51', '91']],
  ])('finds %s', (_what, text, codes) => {
    expect(extract(text).error_codes).toEqual(codes);
  });

  it('does not take a one-time password for an error code', () => {
    expect(extract('OTP code 482913 rejected').error_codes).toEqual([]);
  });

  it('does not take a word starting with E for an errno', () => {
    expect(extract('ERROR EVERYWHERE').error_codes).toEqual([]);
  });
});

describe('findIds', () => {
  it('keeps the first of duplicates and caps every list', () => {
    const text = Array.from({ length: 50 }, (_, i) => `TXN-2026-${String(i).padStart(6, '0')} TXN-2026-000000`).join(' ');
    const ids = findIds(text, { ids: 5, codes: 5 });
    expect(ids.transaction_ids).toEqual(['TXN-2026-000000', 'TXN-2026-000001', 'TXN-2026-000002', 'TXN-2026-000003', 'TXN-2026-000004']);
  });

  it('reports label and value spans so that tokens can be masked', () => {
    const ids = findIds('trace_id=00f067aa0ba902b7', LIMITS);
    expect(ids.labelSpans).toEqual([[0, 9]]);
    expect(ids.valueSpans).toEqual([[9, 25]]);
  });
});
