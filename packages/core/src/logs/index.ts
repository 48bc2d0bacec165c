/** Log ingestion: incoming lines (JSON, logfmt, plain text, syslog) normalised into LogEvents. */
export type { LogDefaults, ParsedLine } from './types.ts';
export { normaliseLogObject, FIELD_ALIASES } from './object.ts';
export { iterateLogBody, parseLogLine, parseLogLines, parseLogBody } from './parse.ts';
export { levelFromValue } from './level.ts';
export { parseTimestampValue, type TimestampResult } from './timestamp.ts';
export {
  MAX_MESSAGE_CHARS,
  MAX_LINE_CHARS,
  MAX_FIELD_CHARS,
  ATTRS_MAX_DEPTH,
  ATTRS_MAX_KEYS,
  ATTRS_MAX_ITEMS,
  ATTRS_MAX_STRING_CHARS,
  ATTRS_MAX_TOTAL_CHARS,
  TRUNCATION_MARK,
} from './limits.ts';
