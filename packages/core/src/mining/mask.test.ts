import { describe, expect, it } from 'vitest';
import { MAX_TOKEN_CHARS, WILDCARD, isEnumerationWord, maskToken, maskTokens, maskVariables, tokenize } from './mask.ts';

describe('maskVariables', () => {
  it.each([
    ['integers and decimals', 'retry 3 of 5 after 0.25 and -7', 'retry <*> of <*> after <*> and <*>'],
    ['hex values', 'page 0x7f3a2c10 checksum a489c868f0c37da9 ok', 'page <*> checksum <*> ok'],
    ['UUIDs', 'job 123e4567-e89b-12d3-a456-426614174000 queued', 'job <*> queued'],
    ['IPv4 with and without port', 'peer 192.168.10.4:5432 via 10.0.0.1', 'peer <*> via <*>'],
    ['IPv6 addresses', 'bind fe80::1ff:fe23:4567:890a and [2001:db8::7]:443', 'bind <*> and <*>'],
    ['MAC addresses and clock times', 'lease 00:1a:2b:3c:4d:5e at 07:57:30', 'lease <*> at <*>'],
    ['Unix, home and Windows paths', 'open /var/lib/app/data.db ~/cache C:\\Temp\\x.log', 'open <*> <*> <*>'],
    ['URLs', 'GET https://api.example.com/v2/items?page=3 failed', 'GET <*> failed'],
    ['e-mail addresses', 'mail to alice.smith@example.org bounced', 'mail to <*> bounced'],
    ['durations glued to their unit', 'done in 12ms, then 3.5s and 2h', 'done in <*>, then <*> and <*>'],
    ['sizes glued to their unit', 'wrote 10KB and 1.5GiB', 'wrote <*> and <*>'],
    ['a unit after a number', 'stored 384 B (estimated 12.5 MB), took 900 ms', 'stored <*> <*> (estimated <*> <*>), took <*> <*>'],
    ['values of key=value', 'login user=alice host=db-east uid=1001', 'login user=<*> host=<*> uid=<*>'],
    ['several assignments in one token', 'flags=0x10,owner=bob;mode=rw', 'flags=<*>,owner=<*>;mode=<*>'],
    ['key:value with a number', 'processing sessionid:0x14f05 port:8080', 'processing sessionid:<*> port:<*>'],
    ['numbered names keep their name', 'link eth0 up on node-12 block blk_-4217', 'link eth<*> up on node-<*> block blk_-<*>'],
    ['opaque mixed ids', 'rack R02-M1-N0 token a1b2c3z9', 'rack <*> token <*>'],
    ['ids inside brackets', 'record ActivityRecord{3b04890 u0 t761}', 'record ActivityRecord{<*> u<*> t<*>}'],
    ['a dotted leader value', 'illegal instruction......0', 'illegal instruction......<*>'],
    ['an embedded timestamp', 'connection at Fri Jul  1 07:57:30 2005', 'connection at <*> <*> <*> <*> <*>'],
  ])('masks %s', (_kind, line, masked) => {
    expect(maskVariables(line)).toBe(masked);
  });

  it('keeps the punctuation around a masked value', () => {
    expect(maskVariables('from (10.0.0.1), to [host-7]:')).toBe('from (<*>), to [host-<*>]:');
  });

  it('leaves words, digit-free identifiers and namespaced names alone', () => {
    const line = 'pam_unix(sshd:auth): authentication failure; logname= tty=ssh com.example.Worker started';
    expect(maskVariables(line)).toBe('pam_unix(sshd:auth): authentication failure; logname= tty=<*> com.example.Worker started');
  });

  it('keeps enumeration values of key=value, since they name the event', () => {
    expect(maskVariables('force=false expanded=true state=RUNNING tag=null')).toBe('force=false expanded=true state=RUNNING tag=null');
  });

  it('masks a token too long to be a word', () => {
    expect(maskToken('x'.repeat(MAX_TOKEN_CHARS + 1))).toBe(WILDCARD);
    expect(maskToken('x'.repeat(MAX_TOKEN_CHARS))).toBe('x'.repeat(MAX_TOKEN_CHARS));
  });

  it('changes nothing in text it has already masked', () => {
    const lines = [
      'acquire lock=233570404, flags=0x1, tag="View Lock", name=com.android.systemui, uid=10037',
      'Skipping AppWindowToken{df0798e token=Token{78af589 ActivityRecord{3b04890 u0 t761}}}',
      'peer [2001:db8::7]:443 sent 384 B at Fri Jul  1 07:57:30 2005 to <alice@example.org>',
    ];
    for (const line of lines) {
      const once = maskVariables(line);
      expect(maskVariables(once)).toBe(once);
    }
  });

  it('normalises whitespace to single spaces', () => {
    expect(maskVariables('  a\tb \r\n c  ')).toBe('a b c');
  });

  it('masks a 100 KB token whole', () => {
    const blob = `a${'.a'.repeat(50_000)}@b${'.-'.repeat(10_000)}`;
    expect(maskVariables(blob)).toBe(WILDCARD);
    expect(maskTokens(`k=${'1a.'.repeat(40_000)}`)).toEqual([WILDCARD]);
  });

  it('masks a 100 KB line of many tokens', () => {
    const line = 'id=7 at 10.0.0.1:80 '.repeat(5_000);
    const masked = maskVariables(line);
    expect(masked.startsWith('id=<*> at <*> id=<*> at <*>')).toBe(true);
    expect(masked.split(' ')).toHaveLength(15_000);
  });
});

describe('tokenize', () => {
  it('splits on whitespace', () => {
    expect(tokenize(' a  b\tc ')).toEqual(['a', 'b', 'c']);
  });

  it('collapses the tail beyond maxTokens into one wildcard', () => {
    expect(tokenize('a b c d e', 3)).toEqual(['a', 'b', WILDCARD]);
    expect(tokenize('a b c', 3)).toEqual(['a', 'b', 'c']);
  });

  it('bounds the tokens of a 100 KB line', () => {
    const line = 'word '.repeat(20_000);
    const tokens = tokenize(line, 128);
    expect(tokens).toHaveLength(128);
    expect(tokens[127]).toBe(WILDCARD);
  });
});

describe('isEnumerationWord', () => {
  it('accepts ALL-CAPS words and boolean or null literals', () => {
    for (const w of ['GET', 'FAILED,', '(SUCCESS_CONTAINER_CLEANUP)', 'true', 'None']) expect(isEnumerationWord(w)).toBe(true);
  });

  it('rejects ordinary words, names and single capitals', () => {
    for (const w of ['alice', 'Paused', 'I', 'eth0', 'NODEVssh']) expect(isEnumerationWord(w)).toBe(false);
  });
});
