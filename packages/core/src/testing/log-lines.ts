/**
 * What a test reads of its own log lines. Only the destination lives here: packages/core
 * imports no logging library (STYLE.md §4), so the test makes the logger itself, e.g.
 * `pino({ level: 'info' }, captured.destination)`.
 */

/** The JSON lines a logger wrote, parsed, in order. */
export interface CapturedLogLines {
  /** A destination for pino (any object with `write`); each call is one or more newline-ended JSON lines. */
  destination: { write(chunk: string): void };
  lines: Record<string, unknown>[];
}

/**
 * A log destination whose lines land in `lines`, parsed.
 *
 * @example
 * const captured = captureLogLines();
 * const logger = pino({ level: 'info' }, captured.destination);
 * logger.info({ request_id: 'r1' }, 'http request');
 * captured.lines; // [{ level: 30, request_id: 'r1', msg: 'http request', ... }]
 */
export function captureLogLines(): CapturedLogLines {
  const lines: Record<string, unknown>[] = [];
  return {
    destination: {
      write(chunk) {
        for (const line of chunk.split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
    lines,
  };
}
