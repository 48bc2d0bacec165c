/**
 * Level names and numbers as loggers write them, mapped onto loglore's six levels.
 */
import type { LogLevel } from '../schemas.ts';

/**
 * Level words in lower case. Covers syslog keywords, log4j/logback, Python, .NET/Serilog,
 * java.util.logging, Go (zap, zerolog short forms), GCP Cloud Logging severities and
 * OpenTelemetry severity texts.
 */
export const LEVEL_WORDS: Readonly<Record<string, LogLevel>> = {
  trace: 'trace',
  trc: 'trace',
  verbose: 'trace',
  finest: 'trace',
  finer: 'trace',
  debug: 'debug',
  dbg: 'debug',
  fine: 'debug',
  config: 'debug',
  info: 'info',
  inf: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  default: 'info',
  warn: 'warn',
  warning: 'warn',
  wrn: 'warn',
  error: 'error',
  err: 'error',
  eror: 'error',
  erro: 'error',
  severe: 'error',
  fatal: 'fatal',
  ftl: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  alert: 'fatal',
  panic: 'fatal',
  dpanic: 'fatal',
};

/** One-letter levels (logcat, glog), accepted only as a whole field value, never scanned from free text. */
const LEVEL_LETTERS: Readonly<Record<string, LogLevel>> = {
  t: 'trace',
  v: 'trace',
  d: 'debug',
  i: 'info',
  w: 'warn',
  e: 'error',
  f: 'fatal',
};

/** Syslog severities 0..7 (RFC 5424 §6.2.1): emerg, alert, crit → fatal; err; warning; notice, info; debug. */
const SYSLOG_SEVERITY: readonly LogLevel[] = ['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug'];

/** A level word (any case, surrounding blanks ignored), or null when it names no level. */
export function levelFromWord(word: string): LogLevel | null {
  const w = word.trim().toLowerCase();
  return LEVEL_WORDS[w] ?? null;
}

/** The level of a syslog severity number 0..7. */
export function levelFromSyslogSeverity(severity: number): LogLevel {
  return SYSLOG_SEVERITY[severity & 7] ?? 'info';
}

/**
 * A numeric level: 0..7 are syslog severities; 10 and above are pino/bunyan levels
 * (10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal, custom levels rounded down to
 * their decade, above 60 fatal). Anything else (8, 9, negatives, fractions) is unknown.
 */
export function levelFromNumber(n: number): LogLevel | null {
  if (!Number.isInteger(n) || n < 0) return null;
  if (n <= 7) return levelFromSyslogSeverity(n);
  if (n < 10) return null;
  if (n < 20) return 'trace';
  if (n < 30) return 'debug';
  if (n < 40) return 'info';
  if (n < 50) return 'warn';
  if (n < 60) return 'error';
  return 'fatal';
}

/** A level field's value: a word, a one-letter level, a number or a numeric string; null when unknown. */
export function levelFromValue(value: unknown): LogLevel | null {
  if (typeof value === 'number') return levelFromNumber(value);
  if (typeof value !== 'string') return null;
  const w = value.trim().toLowerCase();
  if (/^\d{1,3}$/.test(w)) return levelFromNumber(Number(w));
  return LEVEL_WORDS[w] ?? LEVEL_LETTERS[w] ?? null;
}
