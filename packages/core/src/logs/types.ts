import type { LogEvent } from '../schemas.ts';

/**
 * Values for what a line does not say. `project`, `env`, `domain` and `service` fill the
 * fields a line leaves empty; a value the line carries itself wins (a caller that must force
 * a project, such as an API key scoped to one, overrides after parsing).
 */
export interface LogDefaults {
  project?: string | null;
  env?: string | null;
  domain?: string | null;
  service?: string | null;
  /** The time of lines that carry none, and the anchor for the year of syslog timestamps. Default: the current time. */
  now?: Date;
}

/** One line's outcome: the normalised event, or what was wrong with it. */
export type ParsedLine = { ok: true; event: LogEvent } | { ok: false; error: string };
