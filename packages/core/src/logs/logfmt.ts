/**
 * logfmt (`level=error msg="payment failed" trace_id=abc`), as written by Go's slog text
 * handler, logrus, Heroku and many others.
 */

const KEY_CHAR = /[\w.@/-]/;

/**
 * The pairs of a line that is logfmt and nothing else: at least two `key=value` pairs,
 * values bare (up to the next blank) or double-quoted with backslash escapes. Null when any
 * token is not a pair, so prose that merely contains `a=b` stays plain text. Linear scan.
 */
export function parseLogfmt(line: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  const n = line.length;
  let i = 0;
  let pairs = 0;
  while (i < n) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && KEY_CHAR.test(line[i] ?? '')) i++;
    if (i === keyStart || line[i] !== '=') return null;
    const key = line.slice(keyStart, i);
    i++;
    let value: string;
    if (line[i] === '"') {
      i++;
      let buf = '';
      let closed = false;
      while (i < n) {
        const ch = line[i] ?? '';
        if (ch === '\\' && i + 1 < n) {
          const next = line[i + 1] ?? '';
          buf += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
        } else if (ch === '"') {
          i++;
          closed = true;
          break;
        } else {
          buf += ch;
          i++;
        }
      }
      if (!closed) return null;
      if (i < n && line[i] !== ' ' && line[i] !== '\t') return null;
      value = buf;
    } else {
      const valueStart = i;
      while (i < n && line[i] !== ' ' && line[i] !== '\t') i++;
      value = line.slice(valueStart, i);
    }
    if (key !== '__proto__') out[key] = value;
    pairs++;
  }
  return pairs >= 2 ? out : null;
}
