/**
 * Where JSON text first breaks the grammar, for reporting a broken array body by line.
 * V8's error messages do not always carry a position, so this does not depend on them.
 * Iterative (no recursion limit) and linear.
 */

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;

function skipWs(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    i++;
  }
  return i;
}

/** End of the string starting at `i` (a `"`), or -(offset of the error) - 1. */
function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c < 0x20) return -j - 1;
    if (c === 0x5c) {
      const e = text[j + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) return -j - 1;
        j += 5;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
        j += 1;
      } else {
        return -j - 1;
      }
    }
  }
  return -text.length - 1;
}

/** Offset of the first syntax error in `text`, or -1 when it is valid JSON. */
export function jsonErrorOffset(text: string): number {
  const stack: ('a' | 'o')[] = [];
  let i = 0;
  let state: 'value' | 'key' | 'after' = 'value';
  for (;;) {
    i = skipWs(text, i);
    if (state === 'value') {
      const c = text[i];
      if (c === '{' || c === '[') {
        i = skipWs(text, i + 1);
        if (text[i] === (c === '{' ? '}' : ']')) {
          i++;
          state = 'after';
        } else {
          stack.push(c === '{' ? 'o' : 'a');
          state = c === '{' ? 'key' : 'value';
        }
      } else if (c === '"') {
        const e = skipString(text, i);
        if (e < 0) return -e - 1;
        i = e;
        state = 'after';
      } else {
        const re = c === 't' || c === 'f' || c === 'n' ? LITERAL : NUMBER;
        re.lastIndex = i;
        if (!re.test(text)) return i;
        i = re.lastIndex;
        state = 'after';
      }
    } else if (state === 'key') {
      if (text[i] !== '"') return i;
      const e = skipString(text, i);
      if (e < 0) return -e - 1;
      i = skipWs(text, e);
      if (text[i] !== ':') return i;
      i++;
      state = 'value';
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined) return i < text.length ? i : -1;
      const c = text[i];
      if (c === ',') {
        i++;
        state = top === 'o' ? 'key' : 'value';
      } else if (c === (top === 'o' ? '}' : ']')) {
        i++;
        stack.pop();
      } else {
        return i;
      }
    }
  }
}
