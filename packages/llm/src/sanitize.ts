/**
 * Cheap, linear clean-up of untrusted text before it reaches a model, and the encoding of
 * data blocks. Callers redact secrets before this; these functions do not rely on it and
 * do not replace it.
 */

/*
 * Terminal escape sequences: CSI (`ESC [ params intermediates final`), OSC (up to BEL, ST
 * or the next ESC) and two-byte escapes. The classes of each CSI part are disjoint and the
 * OSC body stops at the next ESC, so matching is linear in the input.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ANSI_SEQUENCE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?/g;

/*
 * C0/C1 controls except tab and newline, plus zero-width and bidirectional-override
 * characters, which can hide text from a human reviewer while the model still reads it.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

const TRUNCATION_MARK = '…[truncated]';

/** Removes ANSI escape sequences and invisible control characters; `\r\n` and `\r` become `\n`. */
export function stripControl(text: string): string {
  return text.replace(ANSI_SEQUENCE, '').replace(/\r\n?/g, '\n').replace(INVISIBLE, '');
}

/**
 * Cuts `text` to at most `max` UTF-16 units, marking the cut. Never splits a surrogate
 * pair, so the result is valid Unicode.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= TRUNCATION_MARK.length) return text.slice(0, Math.max(0, max));
  let cut = max - TRUNCATION_MARK.length;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return text.slice(0, cut) + TRUNCATION_MARK;
}

/**
 * Strips and truncates. The input is pre-cut to a bound proportional to `max` first, so the
 * cost is bounded by the budget, not by the size of what a log line happened to contain.
 */
export function cleanText(text: string, max: number): string {
  const bounded = text.length > max * 2 + 64 ? text.slice(0, max * 2 + 64) : text;
  return truncate(stripControl(bounded), max);
}

/** Cleans each string, drops empty ones and duplicates, keeps at most `maxItems`. */
export function cleanList(values: readonly string[], maxItems: number, maxLength: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const value of values) {
    if (out.length >= maxItems) break;
    if (typeof value !== 'string') continue;
    const cleaned = cleanText(value, maxLength).trim();
    if (cleaned === '' || seen.has(cleaned)) continue;
    seen.add(cleaned);
    out.push(cleaned);
  }
  return out;
}

/**
 * JSON that can sit between `<tag>` and `</tag>` without being able to close it: `<`, `>`
 * and `&` are written as `\u003c`, `\u003e`, `\u0026` (still valid JSON, same value once
 * parsed), and JSON.stringify already escapes quotes, backslashes and control characters.
 */
export function encodeJsonForBlock(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `<tag>` + newline + delimiter-safe JSON + newline + `</tag>`. */
export function dataBlock(tag: string, value: unknown): string {
  return `<${tag}>\n${encodeJsonForBlock(value)}\n</${tag}>`;
}
