/**
 * The one place a JSON request body is read and checked before any handler, schema or query
 * sees it. Postgres cannot store some strings JSON can carry (NUL, unpaired surrogates) and
 * recursive walks overflow on deep nesting; those would be 500s deep inside a handler, so they
 * are refused here with the path of what was wrong (see findUnstorable in @loglore/core).
 * Multi-line bodies (/api/logs, /api/backfill) are checked line by line by their parsers
 * instead, so that the good lines of a body are kept.
 */
import { findUnstorable } from '@loglore/core';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors.ts';

/** The media types Hono's validator reads as JSON (`application/json`, `application/*+json`). */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

export interface JsonBodyOptions {
  /** Routes whose body is read elsewhere (line by line); the guard leaves them alone. */
  skip: (path: string) => boolean;
  /** Routes where an empty JSON body means `{}` (`curl -X POST -H 'content-type: application/json'`). */
  emptyAsObject: (path: string) => boolean;
  /** Routes that read their body as JSON whatever its declared type (webhooks: senders' headers vary). */
  alwaysJson: (path: string) => boolean;
}

/**
 * Reads a JSON body once (Hono caches the text, so the route's validator and handler read the
 * same), and answers 400 for malformed JSON and 422 `validation_failed` with `details:
 * [{path, message}]` for nesting deeper than 64 levels, a NUL character or an unpaired UTF-16
 * surrogate in any string or key.
 */
export function jsonBodyGuard(options: JsonBodyOptions): MiddlewareHandler {
  return async (c, next) => {
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
    if (!c.req.raw.body || options.skip(c.req.path)) return next();
    if (!JSON_MEDIA_TYPE.test(mediaType) && !options.alwaysJson(c.req.path)) return next();
    const text = await c.req.text();
    if (text.trim() === '') {
      // An empty body where `{}` is meant becomes `{}`, read afresh by the validator.
      if (options.emptyAsObject(c.req.path)) {
        c.req.raw = new Request(c.req.raw, { body: '{}' });
        delete c.req.bodyCache.text;
      }
      return next();
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ApiError('bad_request', `the body is not valid JSON: ${(error as Error).message.slice(0, 200)}`);
    }
    const issues = findUnstorable(value);
    if (issues.length > 0) throw new ApiError('validation_failed', 'the request body is not valid', { details: issues });
    return next();
  };
}
