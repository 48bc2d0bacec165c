import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { isDatabaseUnavailable } from '@loglore/db';

/** The `code` of every error answer (DESIGN.md: `{error: {code, message, details?}}`). */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'validation_failed'
  | 'unavailable'
  | 'internal';

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  unavailable: 503,
  internal: 500,
};

export interface IssueDetail {
  path: string;
  message: string;
}

/**
 * An expected failure with its HTTP answer. Handlers throw it; the app's error handler turns
 * it into `{error: {code, message, details?}}` with the status of its code.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: { details?: unknown; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  get status(): ContentfulStatusCode {
    return STATUS[this.code];
  }
}

export const notFound = (what: string) => new ApiError('not_found', `${what} not found`);

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 5;

export const unavailable = (what: string) =>
  new ApiError('unavailable', `${what} is unavailable, try again shortly`, { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } });

export function errorBody(code: ErrorCode, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export function respondError(c: Context, error: ApiError): Response {
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json(errorBody(error.code, error.message, error.details), error.status);
}

// A body with thousands of bad fields must not answer with thousands of details.
const MAX_ISSUES = 50;

/** zod issues as `{path, message}` pairs, the `details` of 400 and 422 answers. */
export function issueDetails(error: ZodError): IssueDetail[] {
  return error.issues.slice(0, MAX_ISSUES).map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/**
 * Whether an error means a backing service (Postgres, Redis) could not be reached, as opposed
 * to a bug: such failures answer 503 with Retry-After. Postgres's side (a refused connection,
 * a backend terminated mid-transaction, a server restarting) is packages/db's to know;
 * Redis's is ioredis's messages. Walks the `cause` chain because drizzle wraps driver errors.
 */
export function isUnavailableError(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return true;
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { message } = e as { message?: unknown };
    if (typeof message === 'string' && /Connection is closed|enableOfflineQueue|Stream isn't writeable/i.test(message)) return true;
  }
  return false;
}

/** Maps Hono's own exceptions (malformed JSON, body limit, media type) to the error shape. */
export function fromHttpException(error: HTTPException): ApiError {
  switch (error.status) {
    case 400:
      return new ApiError('bad_request', error.message || 'bad request');
    case 413:
      return new ApiError('payload_too_large', 'request body is too large');
    case 415:
      return new ApiError('unsupported_media_type', 'unsupported content type');
    case 401:
      return new ApiError('unauthorized', error.message || 'unauthorized');
    case 403:
      return new ApiError('forbidden', error.message || 'forbidden');
    case 404:
      return new ApiError('not_found', error.message || 'not found');
    default:
      return error.status >= 500
        ? new ApiError('internal', 'internal error')
        : new ApiError('bad_request', error.message || 'bad request');
  }
}
