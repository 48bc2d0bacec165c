import { describe, expect, it } from 'vitest';
import { Parameters } from '../schemas.ts';
import { DEFAULT_EXTRACTOR_CONFIG } from './config.ts';
import { extractParameters } from './extract.ts';
import { tokenize } from './text.ts';

const AT = new Date('2026-11-25T11:30:00Z');
const DEFAULT_WINDOW = { from: '2026-11-25T10:30:00.000Z', to: '2026-11-25T11:30:00.000Z' };

/** Deterministic pseudo-random generator, so that the fuzz cases are reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function expectBounded(p: Parameters): void {
  expect(Parameters.safeParse(p).success).toBe(true);
  const { limits } = DEFAULT_EXTRACTOR_CONFIG;
  for (const list of [p.trace_ids, p.request_ids, p.transaction_ids]) expect(list.length).toBeLessThanOrEqual(limits.ids);
  expect(p.error_codes.length).toBeLessThanOrEqual(limits.codes);
  expect(p.http_status.length).toBeLessThanOrEqual(limits.codes);
  expect(p.services.length).toBeLessThanOrEqual(limits.services);
  expect(p.keywords.length).toBeLessThanOrEqual(limits.keywords);
  expect(JSON.stringify(p).length).toBeLessThan(20_000);
  expect(Date.parse(p.time_range.from)).toBeLessThan(Date.parse(p.time_range.to));
}

describe('bad input', () => {
  it.each([
    ['empty text', ''],
    ['whitespace', '   \n\t  '],
    ['emoji', '🔥🔥 💥 👍🏽 🇧🇩'],
    ['Russian', 'Платежи не проходят в prod с 10:00'],
    ['Bengali', 'পেমেন্ট ফেইল করছে prod এ'],
    ['Chinese', '生产环境支付失败'],
    ['markup', '<script>alert(1)</script> prod login'],
    ['SQL', "'; DROP TABLE logs; -- errors since 10:00"],
    ['control characters', 'prod\u0000\u0007\u001b[31m errors\u202e since 10:00'],
    ['lone surrogates', 'prod \ud800 errors \udfff'],
  ])('returns valid, bounded parameters for %s', (_what, text) => {
    expectBounded(extractParameters({ text, at: AT }));
  });

  it('gives the default window and nulls for text that says nothing', () => {
    expect(extractParameters({ text: '', at: AT })).toEqual({
      project: null,
      env: null,
      domain: null,
      time_range: DEFAULT_WINDOW,
      trace_ids: [],
      request_ids: [],
      transaction_ids: [],
      services: [],
      http_status: [],
      http_status_classes: [],
      error_codes: [],
      keywords: [],
    });
  });

  it('still reads what it can from text in other languages', () => {
    expect(extractParameters({ text: 'Платежи не проходят в prod', at: AT }).env).toBe('prod');
  });

  it('treats a non-string text as empty instead of throwing', () => {
    expect(extractParameters({ text: undefined as unknown as string, at: AT }).time_range).toEqual(DEFAULT_WINDOW);
  });

  it('throws a RangeError only for an invalid anchor', () => {
    expect(() => extractParameters({ text: 'errors', at: new Date('nope') })).toThrow(RangeError);
  });

  it('picks one env consistently for contradicting hints', () => {
    const a = extractParameters({ text: 'prod??? staging??? which one', at: AT });
    const b = extractParameters({ text: 'prod??? staging??? which one', at: AT });
    expect(a.env).toBe('prod');
    expect(b).toEqual(a);
  });

  it('survives random printable and unicode noise', () => {
    const next = rng(42);
    const alphabet = ' abcdefxyzPRODstaging0123456789:-/+_.,;=#@~()[]{}\'"`TZ\n\tåßø中文🔥\u200b';
    for (let n = 0; n < 300; n++) {
      const len = Math.floor(next() * 200);
      let text = '';
      for (let i = 0; i < len; i++) text += alphabet[Math.floor(next() * alphabet.length)] ?? ' ';
      expectBounded(extractParameters({ text, at: AT }));
    }
  });

  it('survives random arrangements of its own vocabulary', () => {
    const next = rng(7);
    const words = ['since', 'between', 'and', 'to', '10', '10:00', '25:00', 'am', 'pm', 'yesterday', 'last', 'hour', '2h', 'ago', 'before', 'the', 'day', 'Nov', '31', '2026-02-30', '2026-11-20T10:00:00Z', '+06:00', '-', 'UTC', 'Asia/Dhaka', 'prod', 'not', 'fine', 'trace', 'txn', '500', '5xx', 'code', 'project', 'service', '=', ':', 'morning', 'night', 'this', 'weekend', 'the 20th'];
    for (let n = 0; n < 500; n++) {
      const text = Array.from({ length: 1 + Math.floor(next() * 12) }, () => words[Math.floor(next() * words.length)]).join(next() < 0.5 ? ' ' : '');
      expectBounded(extractParameters({ text, at: AT }));
    }
  });
});

describe('size', () => {
  // No clock is read here: the guarantees are that huge inputs finish, give bounded output,
  // and that the work (tokens, which every later step visits a bounded number of times) grows
  // linearly with the input.
  const unit = 'NPSB transfers failing in prod since 10:00, trace 4bf92f3577b34da6a3ce929d0e0e4736 status 503 from payment-gateway ORA-00001 yesterday between 9 and 11; ';
  const of = (n: number, piece = unit) => piece.repeat(Math.ceil(n / piece.length)).slice(0, n);

  it('handles 100 KB and 1 MB of text with bounded output', () => {
    for (const size of [100_000, 1_000_000]) {
      const p = extractParameters({ text: of(size), at: AT });
      expectBounded(p);
      expect(p.env).toBe('prod');
      expect(p.trace_ids).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736']);
    }
  });

  it('handles hostile repetitions at 100 KB', () => {
    for (const piece of ['10:00:', 'a-', '-'.repeat(7), 'since ', 'between 9 and ', ' '.repeat(50) + 'trace', '0'.repeat(33), 'AbCd', 'e'.repeat(30) + ' ', '🔥']) {
      expectBounded(extractParameters({ text: of(100_000, piece), at: AT }));
    }
  });

  it('makes a number of tokens proportional to the input', () => {
    const small = tokenize(of(10_000)).length;
    const large = tokenize(of(1_000_000)).length;
    expect(large / small).toBeGreaterThan(99);
    expect(large / small).toBeLessThan(101);
  });
});
