import { ApiError } from '../errors.ts';

/**
 * Keyset cursors of the list routes, opaque to clients: the exact (created_at, id) of the last
 * entry shown, created_at to the microsecond (finer than a JS Date).
 */
export type Cursor = readonly [createdAt: string, id: string];

const CURSOR_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const CURSOR_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** The cursor a `next_cursor` carried; 400 for anything this API did not give. */
export function decodeCursor(cursor: string): Cursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'string' ||
      !CURSOR_INSTANT.test(value[0]) || Number.isNaN(Date.parse(value[0])) || !CURSOR_ID.test(value[1])) {
    throw new ApiError('bad_request', 'cursor is not a next_cursor this API gave');
  }
  return [value[0], value[1]];
}
