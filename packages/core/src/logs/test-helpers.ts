import { expect } from 'vitest';
import { LogEvent } from '../schemas.ts';
import type { ParsedLine } from './types.ts';

export const NOW = new Date('2026-03-01T12:00:00.000Z');

/** The event of a successful parse, checked against the LogEvent schema. */
export function ok(r: ParsedLine): LogEvent {
  if (!r.ok) throw new Error(`expected an event, got error: ${r.error}`);
  expect(LogEvent.safeParse(r.event).success).toBe(true);
  return r.event;
}

/** The error of a failed parse. */
export function err(r: ParsedLine): string {
  if (r.ok) throw new Error(`expected an error, got event: ${JSON.stringify(r.event)}`);
  return r.error;
}
