/**
 * Hostile 100 KB inputs shaped to make backtracking regexes blow up (long runs of a
 * pattern's own class, prefixes repeated without the closing part). Redaction must finish
 * (linear time; measured at ~5-80 ms per input, 2x input ≈ 2x time) and still be correct.
 * No timing assertion here: a catastrophic pattern shows up as a test timeout.
 */
import { describe, expect, it } from 'vitest';
import { redactText } from './text.ts';

const SIZE = 100_000;
const fill = (unit: string): string => unit.repeat(Math.ceil(SIZE / unit.length));

describe('redactText on adversarial 100 KB inputs', () => {
  it.each([
    ['JWT prefixes', 'eyJ'],
    ['JWT prefixes joined by dashes', 'eyJa-'],
    ['at signs', 'a@'],
    ['dotted local parts', 'a.b.'],
    ['label runs after an at sign', '@a.'],
    ['digits', '7'],
    ['spaced digits', '7 '],
    ['dashed digits', '7-'],
    ['scheme prefixes', 'a://'],
    ['user:password without at', 'b:'],
    ['auth scheme words', 'Bearer bearer '],
    ['Basic words', 'Basic QUFB '],
    ['BEGIN markers', '-----BEGIN '],
    ['colons', '1:'],
    ['hex groups', 'ffff:'],
    ['dotted digits', '1.'],
    ['IBAN prefixes', 'GB82 '],
    ['blanks', ' '],
    ['token prefixes', 'sk-'],
    ['plus signs', '+1 '],
    ['keys without values', 'x='],
  ])('%s are left alone', (_name, unit) => {
    const input = fill(unit);
    expect(redactText(input, { ip: true })).toBe(input);
  });

  it.each([
    ['an unclosed quoted password', 'password="', '[REDACTED:secret]'],
    ['an unterminated private key', '-----BEGIN RSA PRIVATE KEY-----', '[REDACTED:private_key]'],
    ['repeated assignments', 'token=abc1 ', 'token=[REDACTED:secret] '],
    ['repeated cookies', 'Cookie: a=1; ', '[REDACTED:secret]'],
    ['repeated e-mails', 'a@b.co ', '[REDACTED:email] '],
    ['repeated cards', '4111111111111111 ', '[REDACTED:card] '],
  ])('%s are redacted', (_name, unit, marker) => {
    const out = redactText(fill(unit), { ip: true });
    expect(out).toContain(marker);
    expect(out.length).toBeLessThanOrEqual(SIZE * 3);
  });

  it('a 100 KB e-mail local part is not an e-mail (local parts are at most 64 characters)', () => {
    const input = `${'a'.repeat(SIZE)}@example.com`;
    expect(redactText(input)).toBe(input);
  });

  it('a JWT with 100 KB segments is redacted whole', () => {
    const jwt = `eyJ${'a'.repeat(SIZE)}.${'b'.repeat(SIZE)}.${'c'.repeat(10)}`;
    expect(redactText(`x ${jwt} y`)).toBe('x [REDACTED:jwt] y');
  });
});
