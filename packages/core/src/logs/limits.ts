/**
 * Size limits applied while normalising log lines. Log data is untrusted: every bound here
 * keeps one hostile or broken line from costing more than a sane amount of memory and time.
 */

/** A message longer than this is cut and ends with {@link TRUNCATION_MARK}; `attrs.message_truncated` keeps the original length. */
export const MAX_MESSAGE_CHARS = 16 * 1024;

/** A JSON line longer than this is rejected; a plain-text line is cut to this length before parsing. */
export const MAX_LINE_CHARS = 1024 * 1024;

/** Longest accepted `trace_id`, `service`, `project`, `env` or `domain`; longer values reject the line. */
export const MAX_FIELD_CHARS = 256;

/** `attrs` bounds: nesting depth, keys per object, items per array, chars per string, and a total budget. */
export const ATTRS_MAX_DEPTH = 8;
export const ATTRS_MAX_KEYS = 100;
export const ATTRS_MAX_ITEMS = 100;
export const ATTRS_MAX_STRING_CHARS = 4 * 1024;
export const ATTRS_MAX_KEY_CHARS = 128;
/** Roughly the serialised size of `attrs`; once spent, the remaining values are dropped. */
export const ATTRS_MAX_TOTAL_CHARS = 32 * 1024;

/** Appended to any string this module cuts short. */
export const TRUNCATION_MARK = '…[truncated]';
