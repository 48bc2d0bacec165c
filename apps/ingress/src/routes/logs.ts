import { createRoute } from '@hono/zod-openapi';
import { iterateLogBody, logEventRedactor, type LogDefaults, type LogEvent } from '@loglore/core';
import { insertLogEvents } from '@loglore/db';
import { canSee, resolveWriteProject } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { errorResponses, LogsIngested, LogsQuery } from '../schemas.ts';
import type { ApiApp, RouteContext } from './context.ts';

/** Media types /api/logs reads; anything else is 415. */
const LOG_MEDIA_TYPES = new Set(['application/x-ndjson', 'application/jsonl', 'application/json', 'text/plain']);

/** Bodies up to this size are accepted here (1 MiB elsewhere): log batches are big. */
export const MAX_LOG_BODY_BYTES = 16 * 1024 * 1024;

export function registerLogRoutes(app: ApiApp, { deps }: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/logs',
      tags: ['logs'],
      summary: 'Ingest log events',
      description:
        'NDJSON or plain-text lines (`application/x-ndjson`, `text/plain`), or a JSON array of events ' +
        '(`application/json`), up to 16 MiB. The query gives defaults for what an event does not say. Secrets are ' +
        'redacted before storage. Bad lines are reported by number and skipped; the rest is stored. ' +
        'With a key limited to some projects every event must belong to one of them (403 otherwise).',
      request: {
        query: LogsQuery,
        body: {
          required: true,
          content: {
            'application/x-ndjson': { schema: { type: 'string', example: '{"ts":"2026-11-25T10:00:01Z","level":"error","message":"NPSB timeout"}\n' } },
            'text/plain': { schema: { type: 'string' } },
            'application/json': { schema: { type: 'array', items: { type: 'object' } } },
          },
        },
      },
      responses: {
        200: { description: 'Ingested', content: { 'application/json': { schema: LogsIngested } } },
        ...errorResponses(400, 401, 403, 413, 415, 503),
      },
    }),
    async (c) => {
      const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!LOG_MEDIA_TYPES.has(mediaType)) {
        throw new ApiError('unsupported_media_type', `send application/x-ndjson, text/plain or application/json, not "${mediaType || 'nothing'}"`);
      }
      const query = c.req.valid('query');
      const grant = c.get('grant');
      const project = resolveWriteProject(grant, query.project);
      const rejected: { line: number; error: string }[] = [];
      // Parsing feeds one COPY as it goes (Postgres stores while the rest is parsed). An event
      // of a project the key may not write into throws, which aborts the COPY: nothing stored.
      function* accepted(body: string, defaults: LogDefaults): Generator<LogEvent> {
        // One redactor for the body: a private key split across its events is redacted whole.
        const redact = logEventRedactor();
        for (const r of iterateLogBody(body, defaults)) {
          if (!r.ok) {
            rejected.push({ line: r.line, error: r.error });
            continue;
          }
          if (!canSee(grant, r.event.project)) {
            throw new ApiError('forbidden', `this API key may not write into project "${r.event.project ?? '(none)'}"`);
          }
          yield redact(r.event);
        }
      }
      const ingested = await insertLogEvents(deps.db, accepted(await c.req.text(), { ...query, project }));
      return c.json({ ingested, rejected }, 200);
    },
  );
}
