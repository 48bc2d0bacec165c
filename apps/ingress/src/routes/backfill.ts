import { createHash } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { parseIncidentBody } from '@loglore/core';
import { getBackfill, getBackfillProgress, listBackfillRejections, storeBackfillBatch, type Backfill, type BackfillEntry } from '@loglore/db';
import { PRIORITY } from '@loglore/queue';
import { canSee, resolveWriteProject, type Grant } from '../auth.ts';
import { ApiError, isUnavailableError, notFound, unavailable } from '../errors.ts';
import { errorResponses } from '../schemas.ts';
import { withTimeout } from '../timeout.ts';
import type { ApiApp, RouteContext } from './context.ts';

/** Media types /api/backfill reads; anything else is 415. */
const NDJSON_MEDIA_TYPES = new Set(['application/x-ndjson', 'application/jsonl', 'text/plain']);
/** addBulk of a large batch takes longer than one add; beyond this the client is told to retry. */
const ENQUEUE_TIMEOUT_MS = 5_000;
/** Rejected lines a status answer lists (all are counted in `rejected_count`). */
const MAX_LISTED_REJECTIONS = 1_000;

const BackfillId = z.guid({ message: 'must be a UUID' });

const BackfillQuery = z.object({
  backfill_id: BackfillId.optional().openapi({ description: 'Append this batch to an earlier one (the id its first batch answered)' }),
  first_line: z.coerce.number().int().min(1).max(2_000_000_000).default(1).openapi({
    description: "Number of the body's first line in the whole file, so rejected lines are numbered as in the file",
  }),
  final: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true')
    .openapi({ description: 'false while more batches follow; the status stays `receiving` until a final batch' }),
});

const Rejected = z.array(z.object({ line: z.number().int(), error: z.string() }));

export const BackfillAccepted = z
  .object({
    backfill_id: z.string(),
    /** Incidents of this batch that are (now or already) stored. */
    accepted: z.number().int(),
    /** Of them, new to loglore; the others were known from an earlier send (idempotency). */
    created: z.number().int(),
    duplicates: z.number().int(),
    rejected: Rejected,
  })
  .openapi('BackfillAccepted');

export const BackfillView = z
  .object({
    backfill_id: z.string(),
    /** receiving: more batches are announced; running: incidents still being analysed; completed: all finished. */
    status: z.enum(['receiving', 'running', 'completed']),
    total: z.number().int(),
    done: z.number().int(),
    failed: z.number().int(),
    rejected: Rejected,
    rejected_count: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Backfill');

/** Lines parsed between two turns of the event loop. */
const PARSE_SLICE_LINES = 200;

/**
 * Parses a large body a slice of lines at a time, yielding to the event loop in between:
 * validating and redacting a thousand incidents takes tens of milliseconds, which must not
 * stall the live requests and workers sharing the process (`loglore start`).
 */
async function parseInSlices(body: string, firstLine: number): Promise<ReturnType<typeof parseIncidentBody>> {
  const lines = body.split('\n');
  const out: ReturnType<typeof parseIncidentBody> = { incidents: [], rejected: [] };
  for (let i = 0; i < lines.length; i += PARSE_SLICE_LINES) {
    const slice = parseIncidentBody(lines.slice(i, i + PARSE_SLICE_LINES).join('\n'), firstLine + i);
    out.incidents.push(...slice.incidents);
    out.rejected.push(...slice.rejected);
    if (i + PARSE_SLICE_LINES < lines.length) await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

/**
 * A backfill belongs to the projects of the key that created it (null: a key of every project):
 * a key sees it, and may append to it, only when granted all of them. Its incidents' projects
 * are a subset (each was written under that key's grant), so they are checked too.
 */
function canSeeBackfill(grant: Grant, backfill: Backfill): boolean {
  if (grant === '*') return true;
  if (backfill.ownerProjects === null) return false;
  return backfill.ownerProjects.every((p) => grant.has(p)) && backfill.projects.every((p) => grant.has(p));
}

/**
 * An incident's idempotency key hashes what the file says. When the key's grant supplied the
 * project the file left out, the project joins the key: the same line sent by keys of two
 * projects is two incidents, not one whose request the second key would be answered with.
 */
function scopedIdempotencyKey(key: string, named: string | null, project: string | null): string {
  if (project === named || project === null) return key;
  return `${key}-${createHash('sha256').update(project).digest('hex').slice(0, 12)}`;
}

export function registerBackfillRoutes(app: ApiApp, { deps }: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/backfill',
      tags: ['backfill'],
      summary: 'Load historical incidents to warm the memory',
      description:
        'NDJSON, one incident a line: `{occurred_at, text, project, env, domain, trace_ids?, error_pattern?, resolution?, ' +
        'resolved?, logs?}`, up to 16 MiB a body. Each incident becomes an analysis (source `backfill`) queued behind live ' +
        'traffic, its `logs` are ingested, and its given error pattern, resolution and outcome are kept with it. Bad lines ' +
        'are reported by number and skipped. Idempotent per incident (a hash of its content): re-sending a batch or a whole ' +
        'file creates nothing twice. Send a large file in batches: the first answers `backfill_id`, later ones pass it with ' +
        '`first_line`, the last one `final=true`. On 503 the stored incidents stay queued in Postgres (they are enqueued ' +
        'again by a re-send or by the reconciler): retry the same batch.',
      request: {
        query: BackfillQuery,
        body: {
          required: true,
          content: {
            'application/x-ndjson': {
              schema: {
                type: 'string',
                example:
                  '{"occurred_at":"2026-03-02T10:15:00Z","text":"NPSB transfers timing out","project":"payments","env":"prod",' +
                  '"domain":"transactions","error_pattern":"DB_POOL_EXHAUSTED","resolution":"raised the pool size","resolved":true}\n',
              },
            },
          },
        },
      },
      responses: {
        202: { description: 'Accepted', content: { 'application/json': { schema: BackfillAccepted } } },
        ...errorResponses(400, 401, 404, 413, 415, 503),
      },
    }),
    async (c) => {
      const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!NDJSON_MEDIA_TYPES.has(mediaType)) {
        throw new ApiError('unsupported_media_type', `send application/x-ndjson (one incident a line), not "${mediaType || 'nothing'}"`);
      }
      const query = c.req.valid('query');
      const grant = c.get('grant');
      if (query.backfill_id) {
        const existing = await getBackfill(deps.db, query.backfill_id);
        if (!existing || !canSeeBackfill(grant, existing)) throw notFound('backfill');
      }
      const { incidents, rejected } = await parseInSlices(await c.req.text(), query.first_line);
      const entries: BackfillEntry[] = [];
      for (const incident of incidents) {
        let project: string | null;
        try {
          project = resolveWriteProject(grant, incident.project);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          rejected.push({ line: incident.line, error: error.message });
          continue;
        }
        // An incident's logs go where it goes, unless they name a project of their own, which
        // the key must be granted like any other write.
        const logs = incident.logs.map((event) => (event.project == null ? { ...event, project } : event));
        const foreign = logs.find((event) => !canSee(grant, event.project));
        if (foreign) {
          rejected.push({ line: incident.line, error: `a log of this incident names project "${foreign.project}", which this API key may not write into` });
          continue;
        }
        entries.push({
          line: incident.line,
          request: {
            text: incident.text,
            project,
            env: incident.env,
            domain: incident.domain,
            occurredAt: incident.occurredAt,
            idempotencyKey: scopedIdempotencyKey(incident.idempotencyKey, incident.project, project),
            // Live traffic first: the reconciler re-enqueues with the stored priority too.
            priority: PRIORITY.backfill,
            metadata: incident.metadata,
          },
          logs,
        });
      }
      rejected.sort((a, b) => a.line - b.line);

      let stored: Awaited<ReturnType<typeof storeBackfillBatch>>;
      try {
        stored = await storeBackfillBatch(deps.db, {
          backfillId: query.backfill_id,
          ownerProjects: grant === '*' ? null : [...grant],
          entries,
          rejected,
          final: query.final,
        });
      } catch (error) {
        if (isUnavailableError(error)) throw unavailable('the database');
        throw error;
      }
      // Every request of the batch still queued is (re-)enqueued under its generation: a job
      // still pending makes that a no-op, one lost to an earlier 503 is queued now.
      const queued = stored.items.filter((i) => i.status === 'queued');
      const jobs = [...new Map(queued.map((i) => [i.requestId, { request_id: i.requestId, generation: i.enqueueCount }])).values()];
      try {
        await withTimeout(deps.pipeline.enqueueMany('extract-params', jobs, { priority: PRIORITY.backfill }), ENQUEUE_TIMEOUT_MS);
      } catch (error) {
        deps.logger.warn({ err: error, backfill_id: stored.backfillId, jobs: jobs.length }, 'could not enqueue a backfill batch');
        throw unavailable('the queue');
      }
      const created = stored.items.filter((i) => i.created).length;
      return c.json(
        {
          backfill_id: stored.backfillId,
          accepted: stored.items.length,
          created,
          duplicates: stored.items.length - created,
          rejected: stored.rejected,
        },
        202,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/backfill/{backfill_id}',
      tags: ['backfill'],
      summary: 'Progress of a backfill',
      description: '`done` and `failed` are counted from the analyses\' statuses, so they never drift from the truth.',
      request: { params: z.object({ backfill_id: BackfillId.openapi({ param: { name: 'backfill_id', in: 'path' } }) }) },
      responses: {
        200: { description: 'The backfill', content: { 'application/json': { schema: BackfillView } } },
        ...errorResponses(400, 401, 404, 503),
      },
    }),
    async (c) => {
      const { backfill_id } = c.req.valid('param');
      const progress = await getBackfillProgress(deps.db, backfill_id);
      if (!progress || !canSeeBackfill(c.get('grant'), progress.backfill)) throw notFound('backfill');
      const finished = progress.done + progress.failed;
      const status: z.infer<typeof BackfillView>['status'] = !progress.backfill.receivedAllAt
        ? 'receiving'
        : finished < progress.total
          ? 'running'
          : 'completed';
      return c.json(
        {
          backfill_id: progress.backfill.id,
          status,
          total: progress.total,
          done: progress.done,
          failed: progress.failed,
          rejected: await listBackfillRejections(deps.db, backfill_id, MAX_LISTED_REJECTIONS),
          rejected_count: progress.rejectedCount,
          created_at: progress.backfill.createdAt.toISOString(),
          updated_at: progress.backfill.updatedAt.toISOString(),
        },
        200,
      );
    },
  );
}
